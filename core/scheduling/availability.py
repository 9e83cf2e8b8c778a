"""Free slots: the starts a client may book now, for one advisor or many at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.scheduling.calendar import claimed_cells, load_calendars
from core.scheduling.errors import SlotUnavailable
from core.scheduling.rules import DEFAULT_RULES, GRID, SchedulingRules
from core.scheduling.slots import Slot
from core.scheduling.times import grid_cells, utc
from core.taxonomy import OfferKind
from core.texts import scheduling as t


def _window(now: datetime, rules: SchedulingRules) -> tuple[datetime, datetime]:
    """[earliest, latest) start a client may book at ``now``."""
    return now + rules.min_notice, now + rules.horizon


async def free_slots(
    uow: UnitOfWork,
    advisor_ids: Sequence[int],
    length: timedelta,
    now: datetime,
    rules: SchedulingRules,
    limit: int | None,
) -> dict[int, list[Slot]]:
    """Up to ``limit`` free slots per advisor, soonest first, in a handful of queries."""
    earliest, latest = _window(now, rules)
    result: dict[int, list[Slot]] = {advisor_id: [] for advisor_id in advisor_ids}
    ids = list(dict.fromkeys(advisor_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        calendars = await load_calendars(uow, chunk, earliest, latest)
        span = length + rules.buffer
        claimed = await claimed_cells(uow, list(calendars), earliest - GRID, latest + span, now)
        for advisor_id, calendar in calendars.items():
            found = result[advisor_id]
            for start, on_step in calendar.starts(length, earliest, latest):
                # Off-step starts pack a session right after a booked one and its buffer.
                if not on_step and (advisor_id, start - GRID) not in claimed:
                    continue
                if any((advisor_id, cell) in claimed for cell in grid_cells(start, span)):
                    continue
                found.append(Slot(advisor_id, start, start + length))
                if limit is not None and len(found) >= limit:
                    break
    return result


def session_length(kind: OfferKind) -> timedelta:
    minutes = kind.minutes
    if minutes is None:
        raise ValidationFailed(t.PACKAGE_NEEDS_NO_SLOT())
    return timedelta(minutes=minutes)


async def available_slots(
    uow: UnitOfWork,
    advisor_id: int,
    kind: OfferKind,
    now: datetime,
    *,
    rules: SchedulingRules = DEFAULT_RULES,
) -> list[Slot]:
    """Every free slot of one advisor for a live offer of ``kind``, up to the horizon."""
    slots = await free_slots(uow, [advisor_id], session_length(kind), utc(now), rules, None)
    return slots[advisor_id]


async def next_free_slots(
    uow: UnitOfWork,
    advisor_ids: Sequence[int],
    kind: OfferKind,
    now: datetime,
    *,
    rules: SchedulingRules = DEFAULT_RULES,
) -> dict[int, datetime | None]:
    """Each advisor's soonest free start for ``kind`` (None if none before the horizon); a messaging
    package can start at once, so it maps to ``now``."""
    now = utc(now)
    if kind.minutes is None:
        return {advisor_id: now for advisor_id in advisor_ids}
    slots = await free_slots(uow, advisor_ids, session_length(kind), now, rules, 1)
    return {
        advisor_id: (found[0].starts_at if found else None) for advisor_id, found in slots.items()
    }


async def soonest_slots(
    uow: UnitOfWork, advisor_id: int, length: timedelta, now: datetime, rules: SchedulingRules
) -> list[Slot]:
    """The three soonest free slots, offered when the time asked for is gone."""
    return (await free_slots(uow, [advisor_id], length, now, rules, 3))[advisor_id]


async def is_offered(
    uow: UnitOfWork,
    advisor_id: int,
    length: timedelta,
    start: datetime,
    now: datetime,
    rules: SchedulingRules,
) -> bool:
    """Whether ``start`` is a start the advisor offers now (hours, notice, horizon, packing);
    whether it is still free is left to the database."""
    earliest, latest = _window(now, rules)
    if not earliest <= start < latest:
        return False
    calendar = (await load_calendars(uow, [advisor_id], start, start + length)).get(advisor_id)
    if calendar is None:
        return False
    for instant, on_step in calendar.starts(length, start, start + GRID):
        if instant == start:
            return on_step or await _is_claimed(uow, advisor_id, start - GRID, now)
    return False


async def _is_claimed(uow: UnitOfWork, advisor_id: int, cell: datetime, now: datetime) -> bool:
    return bool(await claimed_cells(uow, [advisor_id], cell, cell + GRID, now))


async def refusal(
    error: type[SlotUnavailable],
    uow: UnitOfWork,
    advisor_id: int,
    length: timedelta,
    now: datetime,
    rules: SchedulingRules,
    tz: str,
    locale: str,
) -> SlotUnavailable:
    """The error saying a time can't be had, with the advisor's next free times."""
    next_free = await soonest_slots(uow, advisor_id, length, now, rules)
    return error(next_free, tz, locale, rules.horizon_days)
