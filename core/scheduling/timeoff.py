"""An advisor's time off, as they manage it themselves: a day or a range of local dates (the
whole day, or the same hours on each), refused while a paid session is in the way; listed,
and removed again.

Dates are read and shown in the advisor's zone. Time off is stored as ``off`` exceptions, one
row per local date, which the calendar (``core.scheduling.calendar``) takes out of the hours
clients are offered; free times are read per question, so no catalogue version moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import Advisor, AvailabilityException, Booking, BookingStatus, Client, Offer
from core.names import advisor_facing_name
from core.scheduling.formatting import format_day, format_slot
from core.scheduling.lookups import find_advisor
from core.scheduling.rules import DAY_MINUTES
from core.scheduling.times import zone
from core.scheduling.weekly import _clock_text, parse_hours
from core.texts import timeoff as t

MAX_DAYS = 90  # days of time off added (or removed) at once
MAX_AHEAD = timedelta(days=366)  # how far ahead time off may start

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH = re.compile(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?")

Span = tuple[int, int]
WHOLE_DAY: Span = (0, DAY_MINUTES)


@dataclass(frozen=True, slots=True)
class InTheWay:
    """A paid session inside the time off asked for, as the advisor reads it."""

    booking_id: int
    when: str  # its start, in the advisor's zone and locale
    what: str
    client_name: str


@dataclass(frozen=True, slots=True)
class TimeOffOutcome:
    first: str  # the first and last dates, as day headings in the advisor's locale
    last: str
    days: int
    hours: str | None  # "13:00-15:00", or None for whole days
    in_the_way: tuple[InTheWay, ...]  # when any, nothing was added

    @property
    def added(self) -> bool:
        return not self.in_the_way


@dataclass(frozen=True, slots=True)
class TimeOffEntry:
    """Consecutive days off with the same hours: one line of the list."""

    first: str
    last: str | None  # None for a single day
    hours: tuple[str, ...]  # empty for whole days


@dataclass(frozen=True, slots=True)
class RemovedTimeOff:
    first: str
    last: str | None  # None for a single date
    removed: bool  # False when there was no time off to remove


def parse_date(text: str, today: date) -> date:
    """A date as an advisor writes it: 2026-12-24, 24/12/2026 or 24/12 (the next 24 December
    from ``today``; 24.12 and 24-12 too). ValidationFailed says what is wrong."""
    written = str(text).strip()
    iso, day_month = _ISO.fullmatch(written), _DAY_MONTH.fullmatch(written)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif day_month:
        day, month = int(day_month[1]), int(day_month[2])
        year = int(day_month[3]) if day_month[3] else today.year
    else:
        raise ValidationFailed(t.NOT_A_DATE(text=written))
    try:
        found = date(year, month, day)
    except ValueError:
        raise ValidationFailed(t.NO_SUCH_DAY(text=written)) from None
    if day_month and not day_month[3] and found < today:
        try:
            found = date(year + 1, month, day)
        except ValueError:  # 29/02 with no leap year next
            raise ValidationFailed(t.NO_SUCH_DAY(text=written)) from None
    return found


def _dates(first_text: str, last_text: str | None, today: date, locale: str) -> tuple[date, date]:
    first = parse_date(first_text, today)
    last = parse_date(last_text, today) if last_text else first
    if first < today:
        raise ValidationFailed(
            t.PAST(day=format_day(first, locale), today=format_day(today, locale))
        )
    if last < first:
        raise ValidationFailed(
            t.END_BEFORE_START(first=format_day(first, locale), last=format_day(last, locale))
        )
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(t.TOO_LONG(days=MAX_DAYS))
    if first > today + MAX_AHEAD:
        raise ValidationFailed(t.TOO_FAR(day=format_day(first, locale)))
    return first, last


def _span(hours: str | None) -> Span:
    if hours is None or not hours.strip():
        return WHOLE_DAY
    try:
        return parse_hours(hours)
    except ValueError as error:
        raise ValidationFailed(t.HOURS_UNUSABLE(error=error)) from None


def _span_text(span: Span) -> str:
    return f"{_clock_text(span[0])}-{_clock_text(span[1] % DAY_MINUTES)}"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _instants(day: date, span: Span, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local stretch of one date as UTC instants (the earlier one if a clock repeats)."""
    midnight = datetime.combine(day, time())
    low, high = ((midnight + timedelta(minutes=m)).replace(tzinfo=tz).astimezone(UTC) for m in span)
    return low, high


def _today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


async def _in_the_way(
    uow: UnitOfWork, advisor: Advisor, days: list[date], span: Span, now: datetime
) -> tuple[InTheWay, ...]:
    """Paid sessions not yet over that overlap ``span`` on any of ``days``."""
    tz = zone(advisor.timezone)
    stretches = [_instants(day, span, tz) for day in days]
    rows = await uow.session.execute(
        select(Booking, Offer, Client)
        .join(Offer, Offer.id == Booking.offer_id)
        .join(Client, Client.id == Booking.client_id)
        .where(
            Booking.advisor_id == advisor.id,
            Booking.status == BookingStatus.CONFIRMED.value,
            Booking.starts_at.is_not(None),
            Booking.starts_at < stretches[-1][1],
            Booking.ends_at > max(stretches[0][0], now),
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    found = []
    for booking, offer, client in rows.all():
        starts, ends = booking.starts_at, booking.ends_at
        if starts is None or ends is None:
            continue
        if any(starts < high and ends > low for low, high in stretches):
            found.append(
                InTheWay(
                    booking_id=booking.id,
                    when=format_slot(starts, advisor.timezone, advisor.locale),
                    what=offer.name,
                    client_name=advisor_facing_name(client),
                )
            )
    return tuple(found)


async def _off_rows(
    uow: UnitOfWork, advisor_id: int, first: date, last: date
) -> list[AvailabilityException]:
    rows = await uow.session.scalars(
        select(AvailabilityException)
        .where(
            AvailabilityException.advisor_id == advisor_id,
            AvailabilityException.kind == "off",
            AvailabilityException.on_date.between(first, last),
        )
        .order_by(AvailabilityException.on_date, AvailabilityException.start_minute)
    )
    return list(rows)


def _row_span(row: AvailabilityException) -> Span:
    if row.start_minute is None or row.end_minute is None:
        return WHOLE_DAY
    return row.start_minute, row.end_minute


async def take_time_off(
    uow: UnitOfWork,
    advisor_id: int,
    first: str,
    last: str | None,
    hours: str | None,
    now: datetime,
) -> TimeOffOutcome:
    """Time off from ``first`` to ``last`` (both included; ``last`` None: one day), whole days
    or ``hours`` on each, dates read in the advisor's zone. Nothing is added while a paid
    session is in the way: the outcome lists them, to be moved or cancelled first."""
    advisor = await find_advisor(uow, advisor_id)
    tz = zone(advisor.timezone)
    first_day, last_day = _dates(first, last, _today(now, tz), advisor.locale)
    span = _span(hours)
    days = _days(first_day, last_day)
    in_the_way = await _in_the_way(uow, advisor, days, span, now)
    if not in_the_way:
        existing: dict[date, list[AvailabilityException]] = {}
        for row in await _off_rows(uow, advisor_id, first_day, last_day):
            existing.setdefault(row.on_date, []).append(row)
        for day in days:
            rows = existing.get(day, [])
            spans = {_row_span(row) for row in rows}
            if WHOLE_DAY in spans or span in spans:
                continue  # already off
            if span == WHOLE_DAY:
                for row in rows:
                    await uow.session.delete(row)
            whole = span == WHOLE_DAY
            uow.session.add(
                AvailabilityException(
                    advisor_id=advisor_id,
                    on_date=day,
                    kind="off",
                    start_minute=None if whole else span[0],
                    end_minute=None if whole else span[1],
                )
            )
        await uow.session.flush()
    return TimeOffOutcome(
        first=format_day(first_day, advisor.locale),
        last=format_day(last_day, advisor.locale),
        days=len(days),
        hours=None if span == WHOLE_DAY else _span_text(span),
        in_the_way=in_the_way,
    )


async def upcoming_time_off(uow: UnitOfWork, advisor_id: int, now: datetime) -> list[TimeOffEntry]:
    """Time off from today on (the advisor's today), consecutive days with the same hours
    together, soonest first."""
    advisor = await find_advisor(uow, advisor_id)
    today = _today(now, zone(advisor.timezone))
    rows = await _off_rows(uow, advisor_id, today, date.max)
    by_day: dict[date, tuple[str, ...]] = {}
    for day, group in groupby(rows, key=lambda row: row.on_date):
        spans = sorted({_row_span(row) for row in group})
        by_day[day] = () if WHOLE_DAY in spans else tuple(_span_text(s) for s in spans)
    entries: list[TimeOffEntry] = []
    run: list[date] = []
    for day in sorted(by_day):
        if run and (day - run[-1]).days == 1 and by_day[day] == by_day[run[0]]:
            run.append(day)
            continue
        if run:
            entries.append(_entry(run, by_day[run[0]], advisor.locale))
        run = [day]
    if run:
        entries.append(_entry(run, by_day[run[0]], advisor.locale))
    return entries


def _entry(run: list[date], hours: tuple[str, ...], locale: str) -> TimeOffEntry:
    last = format_day(run[-1], locale) if len(run) > 1 else None
    return TimeOffEntry(format_day(run[0], locale), last, hours)


async def remove_time_off(
    uow: UnitOfWork, advisor_id: int, first: str, last: str | None, now: datetime
) -> RemovedTimeOff:
    """Forget the time off on ``first`` (to ``last``, both included): clients can book those
    days again within the weekly hours. Extra hours stay."""
    advisor = await find_advisor(uow, advisor_id)
    tz = zone(advisor.timezone)
    first_day, last_day = _dates(first, last, _today(now, tz), advisor.locale)
    rows = await _off_rows(uow, advisor_id, first_day, last_day)
    if rows:
        await uow.session.execute(
            delete(AvailabilityException).where(
                AvailabilityException.id.in_([row.id for row in rows])
            )
        )
    return RemovedTimeOff(
        first=format_day(first_day, advisor.locale),
        last=format_day(last_day, advisor.locale) if last_day != first_day else None,
        removed=bool(rows),
    )
