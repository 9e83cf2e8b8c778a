"""Advisor availability, time zones and slot holds; a slot can never be sold twice.

Times are UTC-aware everywhere here; the advisor's weekly hours are wall-clock times in the
advisor's zone, turned into instants per local date (so DST changes are honoured), and shown
to a client in the client's zone. "Now" is always a parameter.

Double booking is prevented by the database: every booking claims each 15-minute cell of the
calendar its session and buffer cover, one ``slot_claims`` row per cell, unique per advisor.
Two bookings that overlap at all share a cell, so the second insert fails whichever worker
makes it, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from sqlalchemy import Select, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.db import UnitOfWork
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from core.models import (
    Advisor,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingStatus,
    Client,
    Offer,
    SlotClaim,
)
from core.models.billing import Purchase
from core.parsing import parse_int
from core.taxonomy import OfferKind

# The calendar grid. 15 minutes because every time zone in use is offset from UTC by a multiple
# of 15 minutes (Kathmandu +5:45, Chatham +12:45), so local quarter hours fall on UTC cells.
GRID = timedelta(minutes=15)
# Offered start times step by this much from the start of each window of availability.
SLOT_STEP = timedelta(minutes=30)
# A client may hold at most this many unpaid slots at once, so nobody can block a calendar.
MAX_LIVE_HOLDS = 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_FORMAT = "EEE d MMM, HH:mm"
DAY_FORMAT = "EEE d MMM"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MINUTES = 24 * 60
_MAX_DB_ID = 2**31 - 1


def _setting_default(name: str) -> int:
    """The default of a Settings field, so each scheduling rule is written down only once."""
    value = Settings.model_fields[name].default
    assert isinstance(value, int)
    return value


@dataclass(frozen=True)
class SchedulingRules:
    """The scheduling rules in force; build with :meth:`from_settings` at start-up."""

    hold: timedelta = timedelta(minutes=_setting_default("slot_hold_minutes"))
    buffer: timedelta = timedelta(minutes=_setting_default("buffer_minutes"))
    free_change: timedelta = timedelta(hours=_setting_default("free_cancel_hours"))
    # The advisor needs a little warning before a session; nobody books months ahead.
    min_notice: timedelta = timedelta(hours=_setting_default("min_notice_hours"))
    horizon: timedelta = timedelta(days=_setting_default("booking_horizon_days"))

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingRules:
        """The rules as configured."""
        return cls(
            hold=timedelta(minutes=settings.slot_hold_minutes),
            buffer=timedelta(minutes=settings.buffer_minutes),
            free_change=timedelta(hours=settings.free_cancel_hours),
            min_notice=timedelta(hours=settings.min_notice_hours),
            horizon=timedelta(days=settings.booking_horizon_days),
        )

    @property
    def horizon_days(self) -> int:
        """How many days ahead times are offered, as people are told it."""
        return max(1, self.horizon.days)


DEFAULT_RULES = SchedulingRules()


@dataclass(frozen=True)
class Slot:
    """A bookable time of one advisor; ``starts_at`` and ``ends_at`` are UTC."""

    advisor_id: int
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self) -> int:
        """A short id for buttons (see :func:`slot_key`)."""
        return slot_key(self.starts_at)

    def label(self, tz: str, locale: str = "en_US") -> str:
        """The start as a client in ``tz`` reads it, e.g. "Tue 24 Nov, 18:00"."""
        return format_slot(self.starts_at, tz, locale)


# Errors ----------------------------------------------------------------------------------


class SlotUnavailable(Conflict):
    """The time asked for cannot be booked; carries the next free slots for buttons."""

    lead = "That time is no longer available."

    def __init__(
        self,
        next_free: Sequence[Slot],
        tz: str = "UTC",
        locale: str = "en_US",
        horizon_days: int = DEFAULT_RULES.horizon_days,
    ) -> None:
        self.next_free = tuple(next_free)
        tz = _shown_zone(tz)
        if self.next_free:
            times = "; ".join(slot.label(tz, locale) for slot in self.next_free)
            message = f"{self.lead} Here are the next free times: {times}."
        else:
            message = f"{self.lead} There are no other free times in the next {horizon_days} days."
        super().__init__(message)


class SlotTaken(SlotUnavailable):
    """Someone else claimed the time first."""

    lead = "That time was just taken."


class BookingNotFound(NotFound):
    """No such booking among the asker's (forged, mistyped, or someone else's id)."""

    user_message = (
        "We couldn't find that booking among yours. Please open your bookings and try again."
    )


class BookingClosed(Conflict):
    """The booking can no longer be changed (expired, cancelled, refunded, completed)."""


class TooLateToChange(NotAllowed):
    """Free rescheduling and cancellation have ended for this booking."""


class HoldLimitReached(Conflict):
    """The client already holds as many unpaid slots as allowed."""

    user_message = (
        f"You already have {MAX_LIVE_HOLDS} bookings waiting for payment. "
        "Pay for one or cancel it before choosing another time."
    )


# Time zones, formatting and button keys ---------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValidationFailed with an example if it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"Unknown time zone {name!r}. Please use a name like Europe/Madrid."
        ) from None


def _shown_zone(name: str) -> str:
    """``name`` if it is a known zone, else UTC: an error message must not fail on a bad zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _locale(name: str) -> Locale:
    """A babel locale from ``en_US`` or ``pt-BR``; English when the platform sends something odd."""
    try:
        return Locale.parse(name.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en_US")


def format_slot(when: datetime, tz: str, locale: str = "en_US") -> str:
    """``when`` as read in zone ``tz``, e.g. "Tue 24 Nov, 18:00" (day and month in ``locale``)."""
    return str(format_datetime(when, SLOT_FORMAT, tzinfo=zone(tz), locale=_locale(locale)))


def format_day(day: date, locale: str = "en_US") -> str:
    """A local date as a day heading, e.g. "Tue 24 Nov"."""
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    return str(format_datetime(noon, DAY_FORMAT, tzinfo=UTC, locale=_locale(locale)))


def slots_by_day(slots: Iterable[Slot], tz: str) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by their local date in ``tz``, in order (one row of buttons per day)."""
    zone_info = zone(tz)
    days: dict[date, list[Slot]] = defaultdict(list)
    for slot in sorted(slots, key=lambda s: s.starts_at):
        days[slot.starts_at.astimezone(zone_info).date()].append(slot)
    return list(days.items())


def slot_key(starts_at: datetime) -> int:
    """Minutes since 1970 UTC: a short, stable id for a start time (fits any button id)."""
    return (_utc(starts_at) - _EPOCH) // timedelta(minutes=1)


def slot_from_key(key: str | int) -> datetime:
    """The start time a :func:`slot_key` names; ValidationFailed if it is not one."""
    # Years 2000 to 2100: anything else is a forged or garbled button.
    minutes = parse_int(key, 15_778_080, 68_374_080)
    if minutes is None:
        raise ValidationFailed("That time is no longer offered. Please pick another.")
    return _EPOCH + timedelta(minutes=minutes)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return when.astimezone(UTC)


# Weekly hours -----------------------------------------------------------------------------


def parse_hours(text: str) -> tuple[int, int]:
    """ "09:00-12:30" as minutes after local midnight, (540, 750); ValueError says what is wrong."""
    example = "write hours like 09:00-12:30"
    parts = str(text).replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r}: {example}")
    start, end = (_parse_clock(part, text, example) for part in parts)
    if end == 0:
        end = _DAY_MINUTES  # "18:00-00:00" means until midnight
    if start >= end:
        raise ValueError(f"{text!r}: the end must be after the start (split hours past midnight)")
    return start, end


def _parse_clock(part: str, text: str, example: str) -> int:
    hours, sep, minutes = part.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r}: {example}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > _DAY_MINUTES:
        raise ValueError(f"{text!r}: {part} is not a time of day")
    if value % (GRID // timedelta(minutes=1)):
        raise ValueError(f"{text!r}: use quarter hours, like 09:00, 09:15, 09:30 or 09:45")
    return value


def parse_weekly(weekly: Mapping[str, Sequence[str]]) -> dict[int, list[tuple[int, int]]]:
    """``{"mon": ["09:00-12:00"], ...}`` as {weekday: [(start, end) minutes]}; ValueError if bad."""
    result: dict[int, list[tuple[int, int]]] = {}
    for day, hours in weekly.items():
        name = str(day).strip().lower()[:3]
        if name not in WEEKDAYS or len(str(day).strip()) < 3:
            raise ValueError(f"unknown day {day!r} (use mon, tue, wed, thu, fri, sat, sun)")
        if isinstance(hours, str):
            hours = [hours]
        windows = sorted(parse_hours(item) for item in hours)
        for (_, first_end), (second_start, _) in pairwise(windows):
            if second_start < first_end:
                raise ValueError(f"{name}: hours overlap; list each stretch of time once")
        weekday = WEEKDAYS.index(name)
        if weekday in result:
            raise ValueError(f"{name} is listed twice")
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
        raise ValidationFailed(f"Those hours can't be used: {error}.") from None
    await _advisor(uow, advisor_id)
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
        end = rule.end_minute % _DAY_MINUTES
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
            raise ValidationFailed(f"Those hours can't be used: {error}.") from None
    await _advisor(uow, advisor_id)
    uow.session.add(
        AvailabilityException(
            advisor_id=advisor_id, on_date=on, kind=kind, start_minute=span[0], end_minute=span[1]
        )
    )
    await uow.session.flush()


# Calendars and free slots ------------------------------------------------------------------


Span = tuple[int, int]


@dataclass(frozen=True)
class _Calendar:
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


def _cells(start: datetime, span: timedelta) -> list[datetime]:
    """The grid cells that [start, start + span) touches."""
    first = _EPOCH + ((start - _EPOCH) // GRID) * GRID
    end = start + span
    cells = []
    cell = first
    while cell < end:
        cells.append(cell)
        cell += GRID
    return cells


async def _calendars(
    uow: UnitOfWork, advisor_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, _Calendar]:
    """Calendars of the active, approved advisors among ``advisor_ids``, for [start, end)."""
    session = uow.session
    rows = await session.execute(
        select(Advisor.id, Advisor.timezone).where(
            Advisor.id.in_(advisor_ids), Advisor.active, Advisor.approved
        )
    )
    calendars: dict[int, _Calendar] = {}
    for advisor_id, tz_name in rows:
        try:
            calendars[advisor_id] = _Calendar(advisor_id, ZoneInfo(tz_name))
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
        target.setdefault(on_date, []).append((low or 0, high or _DAY_MINUTES))
    return calendars


async def _claimed_cells(
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


def _window(now: datetime, rules: SchedulingRules) -> tuple[datetime, datetime]:
    """[earliest, latest) start a client may book at ``now``."""
    return now + rules.min_notice, now + rules.horizon


async def _free_slots(
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
        calendars = await _calendars(uow, chunk, earliest, latest)
        span = length + rules.buffer
        claimed = await _claimed_cells(uow, list(calendars), earliest - GRID, latest + span, now)
        for advisor_id, calendar in calendars.items():
            found = result[advisor_id]
            for start, on_step in calendar.starts(length, earliest, latest):
                # Off-step starts pack a session right after a booked one and its buffer.
                if not on_step and (advisor_id, start - GRID) not in claimed:
                    continue
                if any((advisor_id, cell) in claimed for cell in _cells(start, span)):
                    continue
                found.append(Slot(advisor_id, start, start + length))
                if limit is not None and len(found) >= limit:
                    break
    return result


def _session_length(kind: OfferKind) -> timedelta:
    minutes = kind.minutes
    if minutes is None:
        raise ValidationFailed("Messaging packages need no time slot: they start once paid.")
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
    slots = await _free_slots(uow, [advisor_id], _session_length(kind), _utc(now), rules, None)
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
    now = _utc(now)
    if kind.minutes is None:
        return {advisor_id: now for advisor_id in advisor_ids}
    slots = await _free_slots(uow, advisor_ids, _session_length(kind), now, rules, 1)
    return {
        advisor_id: (found[0].starts_at if found else None) for advisor_id, found in slots.items()
    }


async def _next_free(
    uow: UnitOfWork, advisor_id: int, length: timedelta, now: datetime, rules: SchedulingRules
) -> list[Slot]:
    """The three soonest free slots, offered when the time asked for is gone."""
    return (await _free_slots(uow, [advisor_id], length, now, rules, 3))[advisor_id]


async def _is_offered(
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
    calendar = (await _calendars(uow, [advisor_id], start, start + length)).get(advisor_id)
    if calendar is None:
        return False
    for instant, on_step in calendar.starts(length, start, start + GRID):
        if instant == start:
            return on_step or await _is_claimed(uow, advisor_id, start - GRID, now)
    return False


async def _is_claimed(uow: UnitOfWork, advisor_id: int, cell: datetime, now: datetime) -> bool:
    return bool(await _claimed_cells(uow, [advisor_id], cell, cell + GRID, now))


# Holds, confirmation, release -------------------------------------------------------------


async def _refusal(
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
    next_free = await _next_free(uow, advisor_id, length, now, rules)
    return error(next_free, tz, locale, rules.horizon_days)


async def _advisor(uow: UnitOfWork, advisor_id: int) -> Advisor:
    advisor = await uow.session.get(Advisor, advisor_id) if 0 < advisor_id <= _MAX_DB_ID else None
    if advisor is None:
        raise NotFound("That advisor could not be found.")
    return advisor


async def _bookable_offer(uow: UnitOfWork, offer_id: int) -> tuple[Offer, Advisor]:
    """The offer and its advisor, if both can be booked."""
    row = None
    if 0 < offer_id <= _MAX_DB_ID:
        row = (
            await uow.session.execute(
                select(Offer, Advisor)
                .join(Advisor, Offer.advisor_id == Advisor.id)
                .where(Offer.id == offer_id, Offer.active, Advisor.active, Advisor.approved)
            )
        ).first()
    if row is None:
        raise NotFound("That offer is no longer available. Please look at the advisor again.")
    return row[0], row[1]


async def _client(uow: UnitOfWork, client_id: int) -> Client:
    client = await uow.session.get(Client, client_id) if 0 < client_id <= _MAX_DB_ID else None
    if client is None:
        raise NotFound("We couldn't find your account. Please start again from the menu.")
    return client


async def _check_hold_limit(uow: UnitOfWork, client_id: int, now: datetime) -> None:
    live_holds = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.client_id == client_id,
            Booking.status == BookingStatus.HELD.value,
            Booking.hold_expires_at > now,
        )
    )
    if (live_holds or 0) >= MAX_LIVE_HOLDS:
        raise HoldLimitReached()


async def _clear_stale(
    uow: UnitOfWork, advisor_id: int, cells: Sequence[datetime], now: datetime
) -> None:
    """Expire the lapsed holds that still sit on ``cells`` and free all their cells.

    UPDATE and DELETE take row locks, so two workers never both clean (or both reuse) the
    same stale hold. This also runs a write before any savepoint: SQLite's driver only opens
    its transaction at the first write, and a savepoint opened before it would commit on
    release.
    """
    stale = select(SlotClaim.booking_id).where(
        SlotClaim.advisor_id == advisor_id,
        SlotClaim.slot_start.in_(cells),
        SlotClaim.expires_at.is_not(None),
        SlotClaim.expires_at <= now,
    )
    await uow.session.execute(
        update(Booking)
        .where(Booking.id.in_(stale), Booking.status == BookingStatus.HELD.value)
        .values(status=BookingStatus.EXPIRED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await uow.session.execute(
        delete(SlotClaim)
        .where(SlotClaim.booking_id.in_(stale.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def _is_slot_clash(error: IntegrityError) -> bool:
    """Whether the insert failed on the one-claim-per-cell constraint (not on something else)."""
    return "slot_claims" in str(error.orig)


async def _insert_claims(
    uow: UnitOfWork,
    booking: Booking,
    cells: Sequence[datetime],
    expires_at: datetime | None,
    *,
    release_old: bool = False,
) -> bool:
    """Claim ``cells`` for ``booking`` all or nothing; False if any cell is taken. With
    ``release_old`` the booking's current cells are given up in the same step."""
    session = uow.session
    try:
        async with session.begin_nested():
            if booking.id is None:
                session.add(booking)
                await session.flush()
            if release_old:
                await session.execute(
                    delete(SlotClaim)
                    .where(SlotClaim.booking_id == booking.id)
                    .execution_options(synchronize_session=False)
                )
            # Ascending order, so overlapping claimers queue on the same first cell.
            await session.execute(
                insert(SlotClaim),
                [
                    {
                        "advisor_id": booking.advisor_id,
                        "slot_start": cell,
                        "booking_id": booking.id,
                        "expires_at": expires_at,
                    }
                    for cell in sorted(cells)
                ],
            )
    except IntegrityError as error:
        if not _is_slot_clash(error):
            raise
        return False
    return True


async def hold_slot(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    starts_at: datetime,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Hold a live slot for checkout: a ``held`` booking with the price copied, expiring after
    ``rules.hold``. SlotTaken (with the next free slots) if someone else has it."""
    now, start = _utc(now), _utc(starts_at)
    client = await _client(uow, client_id)
    tz, locale = client.timezone, client.locale
    offer, advisor = await _bookable_offer(uow, offer_id)
    length = _session_length(offer.offer_kind)

    # A double tap on the same button gets the same hold back, not "just taken".
    mine = await uow.session.scalar(
        select(Booking).where(
            Booking.client_id == client_id,
            Booking.offer_id == offer.id,
            Booking.starts_at == start,
            Booking.status == BookingStatus.HELD.value,
            Booking.hold_expires_at > now,
        )
    )
    if mine is not None:
        return mine
    await _check_hold_limit(uow, client_id, now)
    if not await _is_offered(uow, advisor.id, length, start, now, rules):
        raise await _refusal(SlotUnavailable, uow, advisor.id, length, now, rules, tz, locale)

    booking = Booking(
        client_id=client_id,
        advisor_id=advisor.id,
        offer_id=offer.id,
        status=BookingStatus.HELD.value,
        starts_at=start,
        ends_at=start + length,
        hold_expires_at=now + rules.hold,
        price_minor=offer.price_minor,
        currency=offer.currency,
        created_at=now,
        updated_at=now,
    )
    cells = _cells(start, length + rules.buffer)
    await _clear_stale(uow, advisor.id, cells, now)
    if not await _insert_claims(uow, booking, cells, booking.hold_expires_at):
        raise await _refusal(SlotTaken, uow, advisor.id, length, now, rules, tz, locale)
    return booking


async def hold_package(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """A ``held`` booking for a messaging package (no slot), expiring with its checkout."""
    now = _utc(now)
    await _client(uow, client_id)
    offer, advisor = await _bookable_offer(uow, offer_id)
    if offer.offer_kind.minutes is not None:
        raise ValidationFailed("A live session needs a time: please pick one first.")
    await _check_hold_limit(uow, client_id, now)
    booking = Booking(
        client_id=client_id,
        advisor_id=advisor.id,
        offer_id=offer.id,
        status=BookingStatus.HELD.value,
        starts_at=None,
        ends_at=None,
        hold_expires_at=now + rules.hold,
        price_minor=offer.price_minor,
        currency=offer.currency,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(booking)
    await uow.session.flush()
    return booking


async def hold_instant(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Hold a live session with an advisor who is online, starting at the next quarter hour
    (weekly hours and notice do not apply: the advisor said they are free now)."""
    now = _utc(now)
    client = await _client(uow, client_id)
    tz, locale = client.timezone, client.locale
    offer, advisor = await _bookable_offer(uow, offer_id)
    length = _session_length(offer.offer_kind)
    if not advisor.online:
        raise Conflict(
            f"{advisor.display_name} is not online any more. Please book a time instead."
        )
    await _check_hold_limit(uow, client_id, now)
    start = _EPOCH + -((_EPOCH - now) // GRID) * GRID  # the next grid boundary, or now
    booking = Booking(
        client_id=client_id,
        advisor_id=advisor.id,
        offer_id=offer.id,
        status=BookingStatus.HELD.value,
        starts_at=start,
        ends_at=start + length,
        hold_expires_at=now + rules.hold,
        price_minor=offer.price_minor,
        currency=offer.currency,
        created_at=now,
        updated_at=now,
    )
    cells = _cells(start, length + rules.buffer)
    await _clear_stale(uow, advisor.id, cells, now)
    if not await _insert_claims(uow, booking, cells, booking.hold_expires_at):
        raise await _refusal(SlotTaken, uow, advisor.id, length, now, rules, tz, locale)
    return booking


async def _lock_booking(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """The booking, re-read under a row lock (PostgreSQL; SQLite serialises writers anyway)."""
    if not 0 < booking_id <= _MAX_DB_ID:
        return None
    return await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _drop_claims(uow: UnitOfWork, booking_id: int) -> None:
    await uow.session.execute(
        delete(SlotClaim)
        .where(SlotClaim.booking_id == booking_id)
        .execution_options(synchronize_session=False)
    )


async def confirm_booking(
    uow: UnitOfWork,
    booking_id: int,
    now: datetime,
    *,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Mark a paid booking confirmed and make its claim permanent. Idempotent.

    A payment can land after the hold lapsed (a late webhook): the slot is then claimed
    again if it is still free, else SlotTaken says so and the caller refunds.
    """
    now = _utc(now)
    booking = await _lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    status = booking.booking_status
    if status is BookingStatus.CONFIRMED:
        return booking
    if status not in (BookingStatus.HELD, BookingStatus.EXPIRED):
        raise BookingClosed(f"This booking is {status.value} and can't be confirmed.")
    if booking.starts_at is not None and booking.ends_at is not None:
        # The hold's cells become permanent; none updated means the hold lapsed and its cells
        # were freed, so claim them again if they are still free.
        kept = await uow.session.execute(
            update(SlotClaim)
            .where(SlotClaim.booking_id == booking.id)
            .values(expires_at=None)
            .execution_options(synchronize_session=False)
        )
        if not getattr(kept, "rowcount", 0):
            length = booking.ends_at - booking.starts_at
            cells = _cells(booking.starts_at, length + rules.buffer)
            await _clear_stale(uow, booking.advisor_id, cells, now)
            if not await _insert_claims(uow, booking, cells, None):
                client = await _client(uow, booking.client_id)
                next_free = await _next_free(uow, booking.advisor_id, length, now, rules)
                raise SlotTaken(next_free, client.timezone, client.locale, rules.horizon_days)
    booking.status = BookingStatus.CONFIRMED.value
    booking.updated_at = now
    await uow.session.flush()
    return booking


async def release_hold(uow: UnitOfWork, booking_id: int, now: datetime) -> Booking:
    """Give up a held booking's slot (checkout expired or abandoned). Idempotent; a booking
    that is no longer held is returned unchanged."""
    now = _utc(now)
    booking = await _lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    if booking.booking_status is BookingStatus.HELD:
        booking.status = BookingStatus.EXPIRED.value
        booking.updated_at = now
        await _drop_claims(uow, booking.id)
        await uow.session.flush()
    return booking


async def extend_hold(uow: UnitOfWork, booking_id: int, until: datetime, now: datetime) -> Booking:
    """Keep a live hold until ``until`` (a checkout may outlive the default hold), moving the
    booking's expiry and its claims' together. Never shortens a hold."""
    now, until = _utc(now), _utc(until)
    booking = await _lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    if not hold_is_live(booking, now):
        raise BookingClosed("This booking's hold has expired. Please choose a time again.")
    if booking.hold_expires_at is not None and booking.hold_expires_at >= until:
        return booking
    booking.hold_expires_at = until
    booking.updated_at = now
    await uow.session.execute(
        update(SlotClaim)
        .where(SlotClaim.booking_id == booking.id, SlotClaim.expires_at.is_not(None))
        .values(expires_at=until)
        .execution_options(synchronize_session=False)
    )
    await uow.session.flush()
    return booking


async def expire_holds(uow: UnitOfWork, now: datetime, *, limit: int = 500) -> list[int]:
    """For the periodic tick: expire lapsed holds and free their slots; returns their ids.
    Workers skip rows another worker has locked."""
    now = _utc(now)
    ids = list(
        await uow.session.scalars(
            select(Booking.id)
            .where(Booking.status == BookingStatus.HELD.value, Booking.hold_expires_at <= now)
            .order_by(Booking.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        await uow.session.execute(
            update(Booking)
            .where(Booking.id.in_(ids))
            .values(status=BookingStatus.EXPIRED.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await uow.session.execute(
            delete(SlotClaim)
            .where(SlotClaim.booking_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return ids


def hold_is_live(booking: Booking, now: datetime) -> bool:
    """Whether a booking is held and its hold has not lapsed (a lapsed hold may not be tidied
    up yet: expiry is lazy)."""
    return (
        booking.booking_status is BookingStatus.HELD
        and booking.hold_expires_at is not None
        and booking.hold_expires_at > _utc(now)
    )


# The client's changes ---------------------------------------------------------------------


async def advisor_missed(uow: UnitOfWork, booking_id: int) -> bool:
    """Whether the advisor did not turn up for this booking (reported by the sessions part)."""
    found = await uow.session.scalar(
        select(Purchase.id)
        .where(Purchase.booking_id == booking_id, Purchase.advisor_no_show_at.is_not(None))
        .limit(1)
    )
    return found is not None


async def may_reschedule(
    uow: UnitOfWork, booking: Booking, now: datetime, rules: SchedulingRules = DEFAULT_RULES
) -> bool:
    """Free rescheduling until 24 h before the start; and at any time for a session the
    advisor did not turn up for (the client is offered a new time at once)."""
    if can_change_free(booking, now, rules):
        return True
    return booking.booking_status is BookingStatus.CONFIRMED and await advisor_missed(
        uow, booking.id
    )


def can_change_free(
    booking: Booking, now: datetime, rules: SchedulingRules = DEFAULT_RULES
) -> bool:
    """Whether the client may still reschedule or cancel free of charge."""
    if booking.booking_status is BookingStatus.HELD:
        return hold_is_live(booking, now)
    return (
        booking.booking_status is BookingStatus.CONFIRMED
        and booking.starts_at is not None
        and booking.starts_at - _utc(now) >= rules.free_change
    )


async def _own_booking(uow: UnitOfWork, booking_id: int, client_id: int, now: datetime) -> Booking:
    """The client's own booking, locked, that can still change; clear errors otherwise."""
    booking = await _lock_booking(uow, booking_id)
    # Someone else's booking looks exactly like a missing one: ids reveal nothing.
    if booking is None or booking.client_id != client_id:
        raise BookingNotFound()
    status = booking.booking_status
    if status is BookingStatus.HELD and not hold_is_live(booking, now):
        raise BookingClosed("This booking's hold has expired. Please choose a time again.")
    if status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        raise BookingClosed(f"This booking is {status.value}, so it can't be changed any more.")
    return booking


def _too_late(booking: Booking, rules: SchedulingRules, tz: str, locale: str) -> TooLateToChange:
    hours = rules.free_change // timedelta(hours=1)
    if booking.starts_at is None:
        return TooLateToChange(
            "A messaging package starts as soon as it's paid, so it can't be cancelled free of "
            "charge. The money-back guarantee rules apply instead."
        )
    starts = format_slot(booking.starts_at, _shown_zone(tz), locale)
    return TooLateToChange(
        f"Free rescheduling and cancellation end {hours} hours before the session, and this "
        f"one starts {starts}. The money-back guarantee rules apply now: if the session "
        "doesn't help, you can ask for a refund after it."
    )


async def cancel_booking(
    uow: UnitOfWork,
    booking_id: int,
    *,
    client_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """The client cancels: a hold at any time, a paid booking up to ``rules.free_change``
    before its start (refunding the price is billing's part). TooLateToChange after that."""
    now = _utc(now)
    booking = await _own_booking(uow, booking_id, client_id, now)
    if booking.booking_status is BookingStatus.CONFIRMED and not can_change_free(
        booking, now, rules
    ):
        client = await _client(uow, client_id)
        raise _too_late(booking, rules, client.timezone, client.locale)
    booking.status = BookingStatus.CANCELLED.value
    booking.updated_at = now
    await _drop_claims(uow, booking.id)
    await uow.session.flush()
    return booking


async def reschedule_booking(
    uow: UnitOfWork,
    booking_id: int,
    *,
    client_id: int,
    starts_at: datetime,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Move the client's booking to ``starts_at`` in one step: the new slot is claimed and the
    old one freed together, or nothing changes (SlotTaken with the next free slots)."""
    now, start = _utc(now), _utc(starts_at)
    booking = await _own_booking(uow, booking_id, client_id, now)
    client = await _client(uow, client_id)
    tz, locale = client.timezone, client.locale
    if booking.starts_at is None or booking.ends_at is None:
        raise ValidationFailed("A messaging package has no time to move.")
    if not await may_reschedule(uow, booking, now, rules):
        raise _too_late(booking, rules, tz, locale)
    if start == booking.starts_at:
        return booking
    length = booking.ends_at - booking.starts_at
    if not await _is_offered(uow, booking.advisor_id, length, start, now, rules):
        raise await _refusal(
            SlotUnavailable, uow, booking.advisor_id, length, now, rules, tz, locale
        )
    cells = _cells(start, length + rules.buffer)
    expires_at = booking.hold_expires_at if booking.booking_status is BookingStatus.HELD else None
    await _clear_stale(uow, booking.advisor_id, cells, now)
    if not await _insert_claims(uow, booking, cells, expires_at, release_old=True):
        raise await _refusal(SlotTaken, uow, booking.advisor_id, length, now, rules, tz, locale)
    booking.starts_at = start
    booking.ends_at = start + length
    booking.updated_at = now
    await uow.session.flush()
    return booking


async def client_bookings(uow: UnitOfWork, client_id: int, now: datetime) -> list[Booking]:
    """The client's live bookings (paid, or held and not lapsed), soonest first."""
    now = _utc(now)
    result = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.client_id == client_id,
            or_(
                Booking.status == BookingStatus.CONFIRMED.value,
                (Booking.status == BookingStatus.HELD.value) & (Booking.hold_expires_at > now),
            ),
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return list(result)


# Available now ------------------------------------------------------------------------------


async def set_online(uow: UnitOfWork, advisor_id: int, online: bool) -> Advisor:
    """The advisor says they are (or are no longer) free to talk now."""
    advisor = await _advisor(uow, advisor_id)
    advisor.online = online
    await uow.session.flush()
    return advisor


def _busy_between(start: datetime, end: datetime, now: datetime) -> Select[int]:
    """Live claims of the outer query's advisor touching [start, end)."""
    return select(SlotClaim.id).where(
        SlotClaim.advisor_id == Advisor.id,
        SlotClaim.slot_start > start - GRID,
        SlotClaim.slot_start < end,
        or_(SlotClaim.expires_at.is_(None), SlotClaim.expires_at > now),
    )


async def available_now(
    uow: UnitOfWork, now: datetime, *, within: timedelta = timedelta(minutes=60)
) -> list[Advisor]:
    """Online, active, approved advisors with no session (or buffer) now or in ``within``."""
    now = _utc(now)
    result = await uow.session.scalars(
        select(Advisor)
        .where(
            Advisor.online,
            Advisor.active,
            Advisor.approved,
            ~exists(_busy_between(now, now + within, now)),
        )
        .order_by(Advisor.display_name, Advisor.id)
    )
    return list(result)
