"""Sessions (the life of one paid booking's private room), Discord link codes, and the short-lived
transcript files a client asked for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.accounts import Advisor, Client
from core.models.base import Base
from core.models.bookings import Booking


class SessionState(StrEnum):
    """scheduled -> open -> ended -> settled | refunded; open -> no_show; scheduled -> cancelled."""

    SCHEDULED = "scheduled"  # paid, room not open yet
    OPEN = "open"  # the private room exists and people can write
    ENDED = "ended"  # room locked; the money-back window is running
    SETTLED = "settled"  # the window passed without a refund: the advisor is paid
    REFUNDED = "refunded"  # the service price went back to the client
    NO_SHOW = "no_show"  # the advisor did not write in the first minutes
    CANCELLED = "cancelled"  # the booking was cancelled before the room opened


class SessionKind(StrEnum):
    LIVE = "live"  # a 30- or 60-minute conversation at a set time
    MESSAGING = "messaging"  # a room open for some days, answered at the advisor's pace


class AdviceSession(Base):
    """One confirmed booking's session and its private room. Times are the session's own (a
    messaging package runs from payment for its number of days)."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(
            "state IN ('scheduled', 'open', 'ended', 'settled', 'refunded', 'no_show', "
            "'cancelled')",
            name="known_state",
        ),
        CheckConstraint("kind IN ('live', 'messaging')", name="known_kind"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        # One session per booking and start: a booking moved after an advisor no-show gets a
        # new session for its new time, never two for the same one.
        UniqueConstraint("booking_id", "starts_at"),
        Index("ix_sessions_state_starts", "state", "starts_at"),
        Index("ix_sessions_state_ends", "state", "ends_at"),
        Index("ix_sessions_delete_after", "delete_after"),
        Index("ix_sessions_client", "client_id"),
        Index("ix_sessions_advisor", "advisor_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("advisors.id"))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=SessionState.SCHEDULED.value)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # Opaque ("session-7f3k"), chosen here so a retried open finds the channel it made before.
    channel_name: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # The Discord accounts let into the room (None until the person has linked Discord).
    client_user_id: Mapped[int | None] = mapped_column(BigInteger)
    advisor_user_id: Mapped[int | None] = mapped_column(BigInteger)
    # How to join (invite and link code) went to the client after payment.
    join_sent_at: Mapped[datetime | None]
    # Reminders remember the start time they were sent for: a reschedule earns new ones.
    reminded_day_for: Mapped[datetime | None]
    reminded_soon_for: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    warnings_sent: Mapped[int] = mapped_column(default=0)  # 1: 10 minutes left; 2: 2 minutes
    end_requested_at: Mapped[datetime | None]  # the advisor pressed "End session"
    ended_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]
    delete_after: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    advisor_first_message_at: Mapped[datetime | None]
    # Messaging packages: the oldest client message still waiting for the advisor's answer.
    client_waiting_since: Mapped[datetime | None]
    advisor_nudged_for: Mapped[datetime | None]  # the wait the advisor was reminded of
    no_show_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    transcript_requested_at: Mapped[datetime | None]
    # The client erased their data while the room existed, from a process with no Discord
    # connection: the Discord side takes every member but the advisor out (no id is kept).
    prune_due_at: Mapped[datetime | None]
    # A worker acting on this session outside a transaction (Discord calls) holds it until
    # then; another worker leaves it alone meanwhile. A crashed worker's lease just runs out.
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    booking: Mapped[Booking] = relationship()
    client: Mapped[Client] = relationship()
    advisor: Mapped[Advisor] = relationship()

    @property
    def session_state(self) -> SessionState:
        return SessionState(self.state)

    @property
    def session_kind(self) -> SessionKind:
        return SessionKind(self.kind)


class LinkCode(Base):
    """A one-time code that joins a Discord account to a client: short-lived, used once."""

    __tablename__ = "link_codes"
    __table_args__ = (Index("ix_link_codes_client", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_user_id: Mapped[int | None] = mapped_column(BigInteger)


class LinkAttempt(Base):
    """One /link try by a Discord account, kept for a minute to limit guessing."""

    __tablename__ = "link_attempts"
    __table_args__ = (Index("ix_link_attempts_user_at", "platform_user_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_user_id: Mapped[int] = mapped_column(BigInteger)
    attempted_at: Mapped[datetime]


class TranscriptFile(Base):
    """A transcript PDF on its way to the client. Deleted as soon as the message carrying it is
    no longer waiting to be delivered (and never kept longer than a day)."""

    __tablename__ = "transcript_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(80))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
