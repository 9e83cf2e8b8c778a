"""Advisor availability (weekly hours and dated exceptions) and the slot claims that make a
time impossible to sell twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class AvailabilityRule(Base):
    """Weekly hours: on ``weekday`` (0 = Monday) from ``start_minute`` to ``end_minute`` after
    local midnight, in the advisor's own time zone."""

    __tablename__ = "availability_rules"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440",
            name="minute_range",
        ),
        Index("ix_availability_rules_advisor", "advisor_id", "weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class AvailabilityException(Base):
    """A change on one local date: time off (the whole day when no hours are given) or extra
    hours on top of the weekly ones."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('off', 'extra')", name="known_kind"),
        CheckConstraint("(start_minute IS NULL) = (end_minute IS NULL)", name="both_or_neither"),
        CheckConstraint("kind = 'off' OR start_minute IS NOT NULL", name="extra_needs_hours"),
        CheckConstraint(
            "start_minute IS NULL OR "
            "(start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440)",
            name="minute_range",
        ),
        Index("ix_availability_exceptions_advisor_date", "advisor_id", "on_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    on_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    start_minute: Mapped[int | None]
    end_minute: Mapped[int | None]


class SlotClaim(Base):
    """One grid cell of an advisor's calendar taken by a booking (the session plus its buffer).

    The unique (advisor, cell) pair is what makes double booking impossible in the database
    itself; a held booking's rows carry the hold's expiry, a confirmed booking's rows none.
    """

    __tablename__ = "slot_claims"
    __table_args__ = (
        UniqueConstraint("advisor_id", "slot_start"),
        Index("ix_slot_claims_booking", "booking_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    slot_start: Mapped[datetime]
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    # None once the booking is confirmed; while held, a claim past this moment is stale.
    expires_at: Mapped[datetime | None]
