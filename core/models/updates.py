"""Updates a chat platform pushed to us, by id, so that one delivered twice counts once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class ReceivedUpdate(Base):
    """One platform update id taken in; the primary key makes a redelivery count once."""

    __tablename__ = "received_updates"
    __table_args__ = (Index("ix_received_updates_received_at", "received_at"),)

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The update id's digest (core.updates.update_key), not the number itself.
    update_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    received_at: Mapped[datetime]
