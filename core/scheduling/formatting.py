"""Start times and days as a client reads them, in their zone and language (the patterns are
texts too: each language orders day and month its own way)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from babel.dates import format_datetime

from core import i18n
from core.scheduling.times import zone
from core.texts import scheduling as t

CLOCK_FORMAT = "HH:mm"


def format_slot(when: datetime, tz: str, locale: str = "en_US") -> str:
    """``when`` as read in zone ``tz``, e.g. "Tue 24 Nov, 18:00" (day and month in ``locale``)."""
    return str(
        format_datetime(when, t.SLOT_FORMAT(), tzinfo=zone(tz), locale=i18n.babel_locale(locale))
    )


def format_clock(when: datetime, tz: str, locale: str = "en_US") -> str:
    """``when``'s time of day as read in zone ``tz``, e.g. "18:00"."""
    return str(
        format_datetime(when, CLOCK_FORMAT, tzinfo=zone(tz), locale=i18n.babel_locale(locale))
    )


def local_day(when: datetime, tz: str) -> date:
    """The date ``when`` falls on in zone ``tz``."""
    return when.astimezone(zone(tz)).date()


def format_day(day: date, locale: str = "en_US") -> str:
    """A local date as a day heading, e.g. "Tue 24 Nov"."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    return str(format_datetime(noon, t.DAY_FORMAT(), tzinfo=UTC, locale=i18n.babel_locale(locale)))
