"""Reconciliation with Stripe: one row per UTC day the daily run was claimed, so two workers
(or a restart) never run it twice in a day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class ReconcileRun(Base):
    """The daily reconciliation of one UTC day: who claimed it first runs it."""

    __tablename__ = "reconcile_runs"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # "2026-12-02"
    status: Mapped[str] = mapped_column(String(16))  # running / done
    differences: Mapped[int | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
