"""An advisor's weekly hours, time off and extra hours: parsed, stored and read back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import pairwise

from sqlalchemy import delete, select

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import AvailabilityException, AvailabilityRule
from core.scheduling.lookups import find_advisor
from core.scheduling.rules import DAY_MINUTES, GRID, WEEKDAYS
from core.texts import scheduling as t


def parse_hours(text: str) -> tuple[int, int]:
    """ "09:00-12:30" as minutes after local midnight, (540, 750); ValueError says what is wrong."""
    parts = str(text).replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(t.HOURS_EXAMPLE(text=text))
    start, end = (_parse_clock(part, text) for part in parts)
    if end == 0:
        end = DAY_MINUTES  # "18:00-00:00" means until midnight
    if start >= end:
        raise ValueError(t.HOURS_END_BEFORE_START(text=text))
    return start, end


def _parse_clock(part: str, text: str) -> int:
    hours, sep, minutes = part.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(t.HOURS_EXAMPLE(text=text))
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(t.HOURS_NOT_A_TIME(text=text, part=part))
    if value % (GRID // timedelta(minutes=1)):
        raise ValueError(t.HOURS_QUARTERS(text=text))
    return value


def parse_weekly(weekly: Mapping[str, Sequence[str]]) -> dict[int, list[tuple[int, int]]]:
    """``{"mon": ["09:00-12:00"], ...}`` as {weekday: [(start, end) minutes]}; ValueError if bad."""
    result: dict[int, list[tuple[int, int]]] = {}
    for day, hours in weekly.items():
        name = str(day).strip().lower()[:3]
        if name not in WEEKDAYS or len(str(day).strip()) < 3:
            raise ValueError(t.HOURS_UNKNOWN_DAY(day=day))
        if isinstance(hours, str):
            hours = [hours]
        windows = sorted(parse_hours(item) for item in hours)
        for (_, first_end), (second_start, _) in pairwise(windows):
            if second_start < first_end:
                raise ValueError(t.HOURS_OVERLAP(day=name))
        weekday = WEEKDAYS.index(name)
        if weekday in result:
            raise ValueError(t.HOURS_TWICE(day=name))
        result[weekday] = windows
    return result


def _clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


async def set_weekly_availability(
    uow: UnitOfWork, advisor_id: int, weekly: Mapping[str, Sequence[str]]
) -> None:
    """Replace the advisor's weekly hours (wall-clock, their own zone). Booked sessions stay."""
    try:
        parsed = parse_weekly(weekly)
    except ValueError as error:
        raise ValidationFailed(t.HOURS_UNUSABLE(error=error)) from None
    await find_advisor(uow, advisor_id)
    await uow.session.execute(
        delete(AvailabilityRule).where(AvailabilityRule.advisor_id == advisor_id)
    )
    uow.session.add_all(
        AvailabilityRule(advisor_id=advisor_id, weekday=day, start_minute=start, end_minute=end)
        for day, windows in sorted(parsed.items())
        for start, end in windows
    )
    await uow.session.flush()


async def weekly_availability(uow: UnitOfWork, advisor_id: int) -> dict[str, list[str]]:
    """The advisor's weekly hours as written, e.g. {"mon": ["09:00-12:00"]}."""
    rules = await uow.session.scalars(
        select(AvailabilityRule)
        .where(AvailabilityRule.advisor_id == advisor_id)
        .order_by(AvailabilityRule.weekday, AvailabilityRule.start_minute)
    )
    result: dict[str, list[str]] = {}
    for rule in rules:
        end = rule.end_minute % DAY_MINUTES
        text = f"{_clock_text(rule.start_minute)}-{_clock_text(end)}"
        result.setdefault(WEEKDAYS[rule.weekday], []).append(text)
    return result


async def add_time_off(
    uow: UnitOfWork, advisor_id: int, on: date, hours: str | None = None
) -> None:
    """Mark a local date off: the whole day, or only ``hours`` ("13:00-15:00")."""
    await _add_exception(uow, advisor_id, on, "off", hours)


async def add_extra_hours(uow: UnitOfWork, advisor_id: int, on: date, hours: str) -> None:
    """Open ``hours`` on one local date, on top of the weekly hours."""
    await _add_exception(uow, advisor_id, on, "extra", hours)


async def clear_exceptions(uow: UnitOfWork, advisor_id: int, on: date) -> None:
    """Forget every time-off and extra-hours entry for one local date."""
    await uow.session.execute(
        delete(AvailabilityException).where(
            AvailabilityException.advisor_id == advisor_id, AvailabilityException.on_date == on
        )
    )


async def _add_exception(
    uow: UnitOfWork, advisor_id: int, on: date, kind: str, hours: str | None
) -> None:
    span: tuple[int | None, int | None] = (None, None)
    if hours is not None:
        try:
            span = parse_hours(hours)
        except ValueError as error:
            raise ValidationFailed(t.HOURS_UNUSABLE(error=error)) from None
    await find_advisor(uow, advisor_id)
    uow.session.add(
        AvailabilityException(
            advisor_id=advisor_id, on_date=on, kind=kind, start_minute=span[0], end_minute=span[1]
        )
    )
    await uow.session.flush()
