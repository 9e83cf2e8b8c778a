"""Moments shown in a person's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC if it is unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: datetime, timezone: str | None) -> str:
    """A moment in a person's time zone, e.g. ``Mon 23 Nov 2026, 14:00 (Europe/Madrid)``."""
    where = zone(timezone)
    return f"{moment.astimezone(where):%a %d %b %Y, %H:%M} ({where.key})"
