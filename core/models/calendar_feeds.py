"""Advisors' private calendar feeds: the secret in each feed's address, kept only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class CalendarFeed(Base):
    """One feed address an advisor's calendar app subscribes to (``core.calendar_feed``).

    Only the SHA-256 of the address's secret is stored, as for a password reset token: a copy
    of the database does not open anyone's calendar. A revoked feed keeps its row (when it
    stopped) and answers nothing."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_advisor", "advisor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
