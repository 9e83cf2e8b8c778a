"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Audience(StrEnum):
    """Who a message is for. Core says who; the adapters decide how each audience is reached
    (today: clients on Telegram, advisors by Discord DM, admins in the Discord admin channel)."""

    CLIENT = "client"
    ADVISOR = "advisor"
    ADMIN = "admin"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for (another) delivery attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the most attempts
    UNDELIVERABLE = "undeliverable"  # the platform says it can never arrive (bot blocked, ...)


class OutboxMessage(Base):
    """One notification to deliver. The payload holds text and ids, never card data or session
    messages."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("audience IN ('client', 'advisor', 'admin')", name="known_audience"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'undeliverable')", name="known_status"
        ),
        Index("ix_outbox_messages_due", "audience", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(16))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    advisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("advisors.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Unique: the same notification is never queued twice (a replayed event, a retried tick).
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
