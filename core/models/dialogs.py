"""Conversation state and consent, kept in the database so restarts lose nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Conversation(Base):
    """Where one client is in the bot's flows: the step, its data and a step counter."""

    __tablename__ = "conversations"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The buttons last shown, rows of [label, data] pairs: a label typed instead of tapped counts
    # as the tap (core/dialogs/typed_choices.py). Bot-made words only, never what the client typed.
    offered: Mapped[list[list[list[str]]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # Bumped on every step change; buttons carry it so stale presses are recognised.
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]


class Consent(Base):
    """A client's acceptance of the welcome card (what Pathwise is and is not)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    terms_version: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[datetime]
