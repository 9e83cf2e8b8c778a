"""What a client tells us after a session: a rating with an optional review, and how they feel.

Privacy: only numbers are stored, plus the review's few words if the client chose to write
some. Nothing said in a session and no other free text is kept here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base

REVIEW_MAX_CHARS = 500


class Review(Base):
    """A client's rating (1-5) of one session, with optional words. One per booking: the
    unique constraint is what keeps an advisor's rating from counting a session twice."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("booking_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_reviews_advisor", "advisor_id"),
        Index("ix_reviews_client", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id", ondelete="CASCADE"))
    rating: Mapped[int]
    text: Mapped[str | None] = mapped_column(String(REVIEW_MAX_CHARS))
    created_at: Mapped[datetime]


class MoodCheckin(Base):
    """How a client felt (1-10) at a moment, after a session or whenever they checked in."""

    __tablename__ = "mood_checkins"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 10", name="score_range"),
        Index("ix_mood_checkins_client_created", "client_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    # The session it followed, if any; a check-in from the menu has none.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int]
    created_at: Mapped[datetime]
