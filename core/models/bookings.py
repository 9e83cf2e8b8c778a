"""Bookings: a client's claim on an advisor's offer, from slot hold to confirmed session."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.accounts import Advisor, Client, Offer
from core.models.base import Base
from core.money import Money


class BookingStatus(StrEnum):
    """Where a booking stands. A held booking keeps its slot until ``hold_expires_at``."""

    HELD = "held"  # slot held while the client is at checkout
    CONFIRMED = "confirmed"  # paid
    EXPIRED = "expired"  # hold ran out or checkout expired unpaid
    CANCELLED = "cancelled"  # cancelled by the client or an admin
    REFUNDED = "refunded"  # service price returned under the guarantee
    COMPLETED = "completed"  # session took place


class Booking(Base):
    """One purchase of an offer: a live slot (``starts_at``) or a messaging package."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_client", "client_id"),
        Index("ix_bookings_advisor_starts", "advisor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.HELD.value)
    # Live sessions have a start and an end; a messaging package starts when paid.
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    hold_expires_at: Mapped[datetime | None]
    # The price is copied at booking time, so a later price change never alters a sale.
    price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    # What the client chose to share with the advisor (their description, contact details
    # taken out); None unless they chose to.
    client_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    client: Mapped[Client] = relationship()
    advisor: Mapped[Advisor] = relationship()
    offer: Mapped[Offer] = relationship()

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    @property
    def booking_status(self) -> BookingStatus:
        return BookingStatus(self.status)
