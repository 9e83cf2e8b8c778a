"""The outbox: messages written in the same transaction as the change that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Channel(StrEnum):
    """Where a message goes; each adapter delivers its own channel."""

    TELEGRAM = "telegram"  # to a client, in the bot's Telegram chat
    DISCORD_DM = "discord_dm"  # to an advisor, as a Discord direct message
    ADMIN = "admin"  # to the platform's admins (Discord admin channel)


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
        CheckConstraint("channel IN ('telegram', 'discord_dm', 'admin')", name="known_channel"),
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'undeliverable')", name="known_status"
        ),
        Index("ix_outbox_messages_due", "channel", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
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
