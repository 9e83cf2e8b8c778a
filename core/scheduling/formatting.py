"""Start times and days as a client reads them, in their zone and language (the patterns are
texts too: each language orders day and month its own way)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime

from core.scheduling.times import zone
from core.texts import scheduling as t

CLOCK_FORMAT = "HH:mm"


def _locale(name: str) -> Locale:
    """A babel locale from ``en_US`` or ``pt-BR``; English when the platform sends something odd."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en_US")


def format_slot(when: datetime, tz: str, locale: str = "en_US") -> str:
    """``when`` as read in zone ``tz``, e.g. "Tue 24 Nov, 18:00" (day and month in ``locale``)."""
    return str(format_datetime(when, t.SLOT_FORMAT(), tzinfo=zone(tz), locale=_locale(locale)))


def format_clock(when: datetime, tz: str, locale: str = "en_US") -> str:
    """``when``'s time of day as read in zone ``tz``, e.g. "18:00"."""
    return str(format_datetime(when, CLOCK_FORMAT, tzinfo=zone(tz), locale=_locale(locale)))


def local_day(when: datetime, tz: str) -> date:
    """The date ``when`` falls on in zone ``tz``."""
    return when.astimezone(zone(tz)).date()


def format_day(day: date, locale: str = "en_US") -> str:
    """A local date as a day heading, e.g. "Tue 24 Nov"."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    return str(format_datetime(noon, t.DAY_FORMAT(), tzinfo=UTC, locale=_locale(locale)))
