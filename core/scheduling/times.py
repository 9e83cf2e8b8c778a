"""Time zones, UTC instants, grid cells and the short keys buttons carry for start times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ValidationFailed
from core.parsing import parse_int
from core.scheduling.rules import EPOCH, GRID
from core.texts import scheduling as t


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValidationFailed with an example if it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(t.UNKNOWN_ZONE(name=name)) from None


def shown_zone(name: str) -> str:
    """``name`` if it is a known zone, else UTC: an error message must not fail on a bad zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return when.astimezone(UTC)


def slot_key(starts_at: datetime) -> int:
    """Minutes since 1970 UTC: a short, stable id for a start time (fits any button id)."""
    return (utc(starts_at) - EPOCH) // timedelta(minutes=1)


def slot_from_key(key: str | int) -> datetime:
    """The start time a :func:`slot_key` names; ValidationFailed if it is not one."""
    # Years 2000 to 2100: anything else is a forged or garbled button.
    minutes = parse_int(key, 15_778_080, 68_374_080)
    if minutes is None:
        raise ValidationFailed(t.NO_LONGER_OFFERED())
    return EPOCH + timedelta(minutes=minutes)


def grid_cells(start: datetime, span: timedelta) -> list[datetime]:
    """The grid cells that [start, start + span) touches."""
    first = EPOCH + ((start - EPOCH) // GRID) * GRID
    end = start + span
    cells = []
    cell = first
    while cell < end:
        cells.append(cell)
        cell += GRID
    return cells
