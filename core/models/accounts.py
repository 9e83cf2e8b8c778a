"""Clients, advisors, their platform identities and their offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.money import Money
from core.taxonomy import OfferKind


class Client(Base):
    """A person who hires advisors."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # What advisors see (chosen before paying: the first name or a pseudonym); None: not yet
    # chosen, so the first name (see core.names.advisor_facing_name).
    advisor_name: Mapped[str | None] = mapped_column(String(120))
    # The name receipts carry, confirmed (or typed) on the summary before paying.
    billing_name: Mapped[str | None] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(16), default="en_US")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime]
    # Set when Telegram says the client blocked the bot; cleared when they write again.
    telegram_blocked_at: Mapped[datetime | None]

    identities: Mapped[list[PlatformIdentity]] = relationship(back_populates="client")


class Advisor(Base):
    """A person who gives advice for money. Only active and approved advisors are matched."""

    __tablename__ = "advisors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64))
    photo_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    approved: Mapped[bool] = mapped_column(default=False)
    online: Mapped[bool] = mapped_column(default=False)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    # The catalogue version of this advisor's last change (core.catalogue_version): a cached
    # matching index reloads only the advisors changed since the version it was built at.
    catalogue_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # What Pathwise writes to the advisor in (DMs, command answers) and how their amounts and
    # dates read: set in /profile; a language of core.i18n.languages().
    locale: Mapped[str] = mapped_column(String(16), default="en_US", server_default="en_US")

    offers: Mapped[list[Offer]] = relationship(
        back_populates="advisor", cascade="all, delete-orphan", order_by="Offer.id"
    )
    identities: Mapped[list[PlatformIdentity]] = relationship(back_populates="advisor")


Index("ix_advisors_catalogue_version", Advisor.catalogue_version)


class CatalogueVersion(Base):
    """One row: a counter every catalogue writer bumps (core.catalogue_version)."""

    __tablename__ = "catalogue_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class PlatformIdentity(Base):
    """One account on a chat platform, belonging to exactly one client or one advisor."""

    __tablename__ = "platform_identities"
    __table_args__ = (
        UniqueConstraint("platform", "platform_user_id"),
        CheckConstraint("platform IN ('telegram', 'discord')", name="known_platform"),
        CheckConstraint("(client_id IS NULL) <> (advisor_id IS NULL)", name="exactly_one_owner"),
        Index("ix_platform_identities_client", "client_id"),
        Index("ix_platform_identities_advisor", "advisor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    # Telegram ids and Discord snowflakes both fit a signed 64-bit integer.
    platform_user_id: Mapped[int] = mapped_column(BigInteger)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]

    client: Mapped[Client | None] = relationship(back_populates="identities")
    advisor: Mapped[Advisor | None] = relationship(back_populates="identities")


class Offer(Base):
    """Something an advisor sells at a price: a live session or a messaging package."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("advisor_id", "kind", "days"),
        CheckConstraint("price_minor > 0", name="positive_price"),
        CheckConstraint("kind IN ('live30', 'live60', 'messaging')", name="known_kind"),
        CheckConstraint(
            "(kind = 'messaging') = (days IS NOT NULL AND days > 0)", name="days_for_messaging"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    days: Mapped[int | None]
    price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)

    advisor: Mapped[Advisor] = relationship(back_populates="offers")

    @property
    def offer_kind(self) -> OfferKind:
        return OfferKind(self.kind)

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    @property
    def name(self) -> str:
        """Plain words, e.g. "60-minute live session"."""
        return self.offer_kind.describe(self.days)
