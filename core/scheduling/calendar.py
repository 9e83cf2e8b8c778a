"""Advisors' calendars: their hours as UTC instants per local date (DST honoured), and the
cells already claimed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select

from core.db import UnitOfWork
from core.models import Advisor, AvailabilityException, AvailabilityRule, SlotClaim
from core.scheduling.rules import DAY_MINUTES, GRID, SLOT_STEP

Span = tuple[int, int]


@dataclass(frozen=True)
class Calendar:
    """One advisor's hours, ready to turn into instants."""

    advisor_id: int
    tz: ZoneInfo
    weekly: dict[int, list[Span]] = field(default_factory=dict)
    extra: dict[date, list[Span]] = field(default_factory=dict)
    off: dict[date, list[Span]] = field(default_factory=dict)

    def windows(self, day: date) -> list[Span]:
        """The open stretches of one local date, in minutes after its midnight."""
        open_spans = _merge(self.weekly.get(day.weekday(), []) + self.extra.get(day, []))
        return _subtract(open_spans, _merge(self.off.get(day, [])))

    def starts(
        self, length: timedelta, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, bool]]:
        """Possible session starts in [start, end), ascending, as (UTC instant, on the regular
        step). Starts between steps are only offered right after a booked block."""
        day = start.astimezone(self.tz).date()
        last_day = end.astimezone(self.tz).date()
        step, grid = SLOT_STEP // timedelta(minutes=1), GRID // timedelta(minutes=1)
        while day <= last_day:
            midnight = datetime.combine(day, time())
            for low, high in self.windows(day):
                window_end = _instant(midnight + timedelta(minutes=high), self.tz)
                for minute in range(low, high, grid):
                    wall = midnight + timedelta(minutes=minute)
                    instant = _existing_instant(wall, self.tz)
                    # A wall time skipped by a DST change is simply not offered.
                    if instant is None or instant + length > window_end:
                        continue
                    if start <= instant < end:
                        yield instant, (minute - low) % step == 0
            day += timedelta(days=1)


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time as UTC (the earlier one if the clock repeats it)."""
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _existing_instant(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """Like :func:`_instant`, but None when the wall time does not exist that day."""
    instant = _instant(wall, tz)
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _merge(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _subtract(spans: list[Span], holes: list[Span]) -> list[Span]:
    result: list[Span] = []
    for low, high in spans:
        for hole_low, hole_high in holes:
            if hole_high <= low or hole_low >= high:
                continue
            if hole_low > low:
                result.append((low, hole_low))
            low = max(low, hole_high)
            if low >= high:
                break
        if low < high:
            result.append((low, high))
    return result


async def load_calendars(
    uow: UnitOfWork, advisor_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, Calendar]:
    """Calendars of the active, approved advisors among ``advisor_ids``, for [start, end)."""
    session = uow.session
    rows = await session.execute(
        select(Advisor.id, Advisor.timezone).where(
            Advisor.id.in_(advisor_ids), Advisor.active, Advisor.approved
        )
    )
    calendars: dict[int, Calendar] = {}
    for advisor_id, tz_name in rows:
        try:
            calendars[advisor_id] = Calendar(advisor_id, ZoneInfo(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            continue  # a bad zone offers nothing rather than wrong times
    if not calendars:
        return calendars
    ids = list(calendars)
    # Plain rows, not ORM objects: a catalogue of hundreds has thousands of them.
    rules = await session.execute(
        select(
            AvailabilityRule.advisor_id,
            AvailabilityRule.weekday,
            AvailabilityRule.start_minute,
            AvailabilityRule.end_minute,
        ).where(AvailabilityRule.advisor_id.in_(ids))
    )
    for advisor_id, weekday, start_minute, end_minute in rules:
        calendars[advisor_id].weekly.setdefault(weekday, []).append((start_minute, end_minute))
    # Local dates differ from UTC dates by at most a day either way.
    first_day = start.date() - timedelta(days=1)
    last_day = end.date() + timedelta(days=1)
    exceptions = await session.execute(
        select(
            AvailabilityException.advisor_id,
            AvailabilityException.kind,
            AvailabilityException.on_date,
            AvailabilityException.start_minute,
            AvailabilityException.end_minute,
        ).where(
            AvailabilityException.advisor_id.in_(ids),
            AvailabilityException.on_date.between(first_day, last_day),
        )
    )
    for advisor_id, kind, on_date, low, high in exceptions:
        calendar = calendars[advisor_id]
        target = calendar.extra if kind == "extra" else calendar.off
        target.setdefault(on_date, []).append((low or 0, high or DAY_MINUTES))
    return calendars


async def claimed_cells(
    uow: UnitOfWork, advisor_ids: Sequence[int], start: datetime, end: datetime, now: datetime
) -> set[tuple[int, datetime]]:
    """(advisor id, cell) of every live claim in [start, end)."""
    rows = await uow.session.execute(
        select(SlotClaim.advisor_id, SlotClaim.slot_start).where(
            SlotClaim.advisor_id.in_(advisor_ids),
            SlotClaim.slot_start >= start,
            SlotClaim.slot_start < end,
            or_(SlotClaim.expires_at.is_(None), SlotClaim.expires_at > now),
        )
    )
    return {(advisor_id, cell) for advisor_id, cell in rows}
