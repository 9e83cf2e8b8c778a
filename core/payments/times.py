"""Moments shown in a person's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from core import i18n
from core.texts import scheduling as t


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC if it is unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime, timezone: str | None, locale: str | None = None) -> str:
    """A moment in a person's time zone, e.g. ``Mon 23 Nov 2026, 14:00 (Europe/Madrid)``, in
    ``locale`` (by default the language texts are rendered in now: ``lun 23 nov 2026``)."""
    where = zone(timezone)
    pattern = t.MOMENT_FORMAT()
    shown = format_datetime(moment, pattern, tzinfo=where, locale=locale or i18n.current())
    return t.MOMENT_IN_ZONE(moment=str(shown), zone=where.key)
