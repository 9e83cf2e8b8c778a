"""Moments shown in a person's time zone and locale."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime

from core import i18n
from core.texts import scheduling as t


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, or UTC if it is unset or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(moment: datetime, timezone: str | None, locale: str = "en_US") -> str:
    """The day of a moment in a person's zone, e.g. ``23 Nov 2026`` (``23 de nov de 2026``)."""
    day = moment.astimezone(zone(timezone)).date()
    return str(format_date(day, t.DATE_FORMAT(), locale=i18n.babel_locale(locale)))


def local_time(moment: datetime, timezone: str | None, locale: str | None = None) -> str:
    """A moment in a person's time zone, e.g. ``Mon 23 Nov 2026, 14:00 (Europe/Madrid)``;
    day and month names in ``locale`` (by default the language of the moment), the order in
    the current language's pattern (``lun 23 de nov de 2026, 14:00`` in Spanish)."""
    where = zone(timezone)
    pattern = t.MOMENT_FORMAT()
    names = i18n.babel_locale(locale or i18n.current())
    shown = format_datetime(moment, pattern, tzinfo=where, locale=names)
    return f"{shown} ({where.key})"
