"""Scheduling keeps its promises: the right times in every zone, a buffer between sessions,
holds that lapse, free changes only until 24 h before, and never one slot sold twice."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import scheduling
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Advisor, Booking, BookingStatus, Client, Offer, SlotClaim
from core.scheduling import (
    BookingClosed,
    BookingNotFound,
    ClientDoubleBooked,
    HoldLimitReached,
    SchedulingRules,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
)
from core.taxonomy import OfferKind
from tests.support.rows import row

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")
EVERY_DAY_18 = {day: ["18:00-18:30"] for day in scheduling.WEEKDAYS}
LIVE30, LIVE60 = OfferKind.LIVE30, OfferKind.LIVE60


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    advisor_id: int
    live30: int
    live60: int
    messaging: int


async def add_advisor(
    db: Database,
    weekly: dict[str, list[str]] | None = None,
    *,
    slug: str = "ana-ruiz",
    name: str = "Ana Ruiz",
    timezone: str = "Europe/Madrid",
    online: bool = False,
    active: bool = True,
) -> Seeded:
    """An approved advisor with live30, live60 and 7-day messaging offers, and weekly hours."""
    async with db.uow() as uow:
        advisor = Advisor(
            slug=slug,
            display_name=name,
            bio="Helps with career change and burnout, practically.",
            specialties=["career"],
            topics=["career"],
            languages=["en"],
            timezone=timezone,
            approved=True,
            active=active,
            online=online,
            created_at=CREATED,
            offers=[
                Offer(kind="live30", price_minor=3500, currency="USD"),
                Offer(kind="live60", price_minor=6000, currency="USD"),
                Offer(kind="messaging", days=7, price_minor=9000, currency="USD"),
            ],
        )
        uow.session.add(advisor)
        await uow.session.flush()
        if weekly is not None:
            await scheduling.set_weekly_availability(uow, advisor.id, weekly)
        await uow.commit()
        kinds = {offer.kind: offer.id for offer in advisor.offers}
        return Seeded(advisor.id, kinds["live30"], kinds["live60"], kinds["messaging"])


async def add_client(
    db: Database, name: str = "Sam", timezone: str = "America/New_York", locale: str = "en_US"
) -> int:
    async with db.uow() as uow:
        client = Client(display_name=name, timezone=timezone, locale=locale, created_at=CREATED)
        uow.session.add(client)
        await uow.commit()
        return client.id


async def slots(
    db: Database,
    advisor_id: int,
    now: datetime,
    kind: OfferKind = LIVE30,
    rules: SchedulingRules = scheduling.DEFAULT_RULES,
) -> list[datetime]:
    async with db.uow() as uow:
        found = await scheduling.available_slots(uow, advisor_id, kind, now, rules=rules)
    return [slot.starts_at for slot in found]


async def hold(
    db: Database,
    client_id: int,
    offer_id: int,
    starts_at: datetime,
    now: datetime,
    rules: SchedulingRules = scheduling.DEFAULT_RULES,
) -> Booking:
    async with db.uow() as uow:
        booking = await scheduling.hold_slot(
            uow, client_id=client_id, offer_id=offer_id, starts_at=starts_at, now=now, rules=rules
        )
        await uow.commit()
        return booking


async def confirm(db: Database, booking_id: int, now: datetime) -> Booking:
    async with db.uow() as uow:
        booking = await scheduling.confirm_booking(uow, booking_id, now)
        await uow.commit()
        return booking


async def booking_status(db: Database, booking_id: int) -> str:
    return (await row(db, Booking, booking_id)).status


def labels(starts: list[datetime], tz: str) -> list[str]:
    return [scheduling.format_slot(start, tz) for start in starts]


TUESDAY_18 = utc(2026, 11, 24, 17)  # Tue 24 Nov, 18:00 in Madrid


class HeldSlot(NamedTuple):
    ana: Seeded
    client: int
    other: int
    start: datetime
    held: Booking


@pytest.fixture
async def a_held_slot(db: Database, clock: ManualClock) -> HeldSlot:
    """Ana's only half hour on Tuesdays (18:00 in Madrid), held now by client A; client B
    would like it too."""
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    client, other = await add_client(db, "A"), await add_client(db, "B")
    held = await hold(db, client, ana.live30, TUESDAY_18, clock.now())
    return HeldSlot(ana, client, other, TUESDAY_18, held)


# Weekly hours, time zones and DST -----------------------------------------------------------


async def test_weekly_hours_are_shown_in_the_clients_zone(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    found = await slots(db, ana.advisor_id, clock.now())
    # Madrid is UTC+1 in November, New York UTC-5.
    assert found == [
        utc(2026, 11, 24, 17),
        utc(2026, 11, 24, 17, 30),
        utc(2026, 12, 1, 17),
        utc(2026, 12, 1, 17, 30),
    ]
    assert labels(found[:2], "America/New_York") == ["Tue 24 Nov, 12:00", "Tue 24 Nov, 12:30"]
    assert labels(found[:1], "Europe/Madrid") == ["Tue 24 Nov, 18:00"]
    assert labels(found[:1], "Asia/Kolkata") == ["Tue 24 Nov, 22:30"]
    async with db.uow() as uow:
        sixty = await scheduling.available_slots(uow, ana.advisor_id, LIVE60, clock.now())
    assert [slot.starts_at for slot in sixty] == [utc(2026, 11, 24, 17), utc(2026, 12, 1, 17)]
    assert sixty[0].ends_at == utc(2026, 11, 24, 18)


async def test_autumn_dst_madrid_18h_stays_18h_and_new_york_sees_the_odd_week(
    db: Database, clock: ManualClock
) -> None:
    clock.set(utc(2026, 10, 20, 9))
    ana = await add_advisor(db, EVERY_DAY_18)
    found = {
        start.astimezone(MADRID).date(): start
        for start in await slots(db, ana.advisor_id, clock.now())
    }
    assert all(start.astimezone(MADRID).hour == 18 for start in found.values())
    # EU clocks go back on Sun 25 Oct, US clocks on Sun 1 Nov.
    assert found[date(2026, 10, 24)] == utc(2026, 10, 24, 16)
    assert found[date(2026, 10, 25)] == utc(2026, 10, 25, 17)
    assert found[date(2026, 10, 31)] == utc(2026, 10, 31, 17)
    assert found[date(2026, 11, 1)] == utc(2026, 11, 1, 17)
    new_york = [found[date(2026, 10, day)] for day in (24, 25, 31)] + [found[date(2026, 11, 1)]]
    assert labels(new_york, "America/New_York") == [
        "Sat 24 Oct, 12:00",
        "Sun 25 Oct, 13:00",
        "Sat 31 Oct, 13:00",
        "Sun 1 Nov, 12:00",
    ]


async def test_spring_dst_both_changes(db: Database, clock: ManualClock) -> None:
    clock.set(utc(2026, 3, 5, 9))
    ana = await add_advisor(db, EVERY_DAY_18)
    found = {
        start.astimezone(MADRID).date(): start
        for start in await slots(db, ana.advisor_id, clock.now())
    }
    # US clocks go forward on Sun 8 Mar; Madrid is still UTC+1.
    assert labels([found[date(2026, 3, 7)], found[date(2026, 3, 8)]], "America/New_York") == [
        "Sat 7 Mar, 12:00",
        "Sun 8 Mar, 13:00",
    ]
    clock.set(utc(2026, 3, 25, 9))
    found = {
        start.astimezone(MADRID).date(): start
        for start in await slots(db, ana.advisor_id, clock.now())
    }
    # EU clocks go forward on Sun 29 Mar: same 18:00 in Madrid, an hour earlier in UTC.
    assert found[date(2026, 3, 28)] == utc(2026, 3, 28, 17)
    assert found[date(2026, 3, 29)] == utc(2026, 3, 29, 16)
    assert labels([found[date(2026, 3, 28)], found[date(2026, 3, 29)]], "America/New_York") == [
        "Sat 28 Mar, 13:00",
        "Sun 29 Mar, 12:00",
    ]


async def test_wall_times_skipped_by_dst_are_not_offered(db: Database, clock: ManualClock) -> None:
    clock.set(utc(2026, 3, 27, 9))
    ana = await add_advisor(db, {"sun": ["01:00-04:00"]})

    def on_change_day(starts: list[datetime]) -> list[datetime]:
        return [s for s in starts if s.astimezone(MADRID).date() == date(2026, 3, 29)]

    # 02:00-03:00 does not exist in Madrid that night.
    thirty = on_change_day(await slots(db, ana.advisor_id, clock.now()))
    assert thirty == [
        utc(2026, 3, 29, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1),
        utc(2026, 3, 29, 1, 30),
    ]
    assert labels(thirty, "Europe/Madrid") == [
        "Sun 29 Mar, 01:00",
        "Sun 29 Mar, 01:30",
        "Sun 29 Mar, 03:00",
        "Sun 29 Mar, 03:30",
    ]
    sixty = on_change_day(await slots(db, ana.advisor_id, clock.now(), LIVE60))
    assert sixty == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1)]


async def test_a_repeated_wall_hour_is_offered_once(db: Database, clock: ManualClock) -> None:
    clock.set(utc(2026, 10, 23, 9))
    ana = await add_advisor(db, {"sun": ["01:00-04:00"]})
    found = [
        s
        for s in await slots(db, ana.advisor_id, clock.now())
        if s.astimezone(MADRID).date() == date(2026, 10, 25)
    ]
    assert found == [
        utc(2026, 10, 24, 23),
        utc(2026, 10, 24, 23, 30),
        utc(2026, 10, 25, 0),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 2),
        utc(2026, 10, 25, 2, 30),
    ]


async def test_quarter_hour_zones_land_on_the_grid(db: Database, clock: ManualClock) -> None:
    nepal = await add_advisor(
        db, {"mon": ["18:00-19:00"]}, slug="kathmandu", timezone="Asia/Kathmandu"
    )
    found = await slots(db, nepal.advisor_id, clock.now())
    assert found[:2] == [utc(2026, 11, 23, 12, 15), utc(2026, 11, 23, 12, 45)]
    assert labels(found[:1], "Asia/Kathmandu") == ["Mon 23 Nov, 18:00"]


async def test_past_times_and_times_within_the_notice_are_not_offered(
    db: Database, clock: ManualClock
) -> None:
    ana = await add_advisor(db, {"mon": ["09:00-18:00"]})  # 08:00-17:00 UTC in November
    found = await slots(db, ana.advisor_id, clock.now())
    assert found[0] == utc(2026, 11, 23, 11)  # now is 09:00 UTC, notice is 2 hours
    assert found[-1] == utc(2026, 12, 7, 8, 30)  # the horizon ends 14 days from now
    client = await add_client(db)
    for too_soon in (utc(2026, 11, 23, 8), utc(2026, 11, 23, 10, 30)):
        with pytest.raises(SlotUnavailable, match="no longer available") as error:
            await hold(db, client, ana.live30, too_soon, clock.now())
        assert error.value.next_free[0].starts_at == utc(2026, 11, 23, 11)
    with pytest.raises(SlotUnavailable):
        await hold(db, client, ana.live30, utc(2026, 12, 7, 9), clock.now())


async def test_a_time_outside_the_advisors_hours_is_refused(
    db: Database, clock: ManualClock
) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    client = await add_client(db)
    for wrong in (utc(2026, 11, 24, 16, 30), utc(2026, 11, 24, 17, 15), utc(2026, 11, 24, 17, 30)):
        offer = ana.live60 if wrong.minute == 30 else ana.live30  # a 60 at 18:30 runs past 19:00
        with pytest.raises(SlotUnavailable) as error:
            await hold(db, client, offer, wrong, clock.now())
        assert "Here are the next free times: Tue 24 Nov, 12:00" in str(error.value)


async def test_exceptions_days_off_partial_time_off_and_extra_hours(
    db: Database, clock: ManualClock
) -> None:
    weekdays = {day: ["09:00-12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    ana = await add_advisor(db, weekdays)
    async with db.uow() as uow:
        await scheduling.add_time_off(uow, ana.advisor_id, date(2026, 11, 25))
        await scheduling.add_time_off(uow, ana.advisor_id, date(2026, 11, 26), "10:00-11:00")
        await scheduling.add_extra_hours(uow, ana.advisor_id, date(2026, 11, 28), "10:00-11:00")
        await uow.commit()

    def local_by_day(starts: list[datetime]) -> dict[date, list[str]]:
        days: dict[date, list[str]] = {}
        for start in starts:
            local = start.astimezone(MADRID)
            days.setdefault(local.date(), []).append(local.strftime("%H:%M"))
        return days

    days = local_by_day(await slots(db, ana.advisor_id, clock.now()))
    assert date(2026, 11, 25) not in days
    assert days[date(2026, 11, 26)] == ["09:00", "09:30", "11:00", "11:30"]
    assert days[date(2026, 11, 28)] == ["10:00", "10:30"]  # a Saturday
    assert days[date(2026, 11, 27)] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert date(2026, 11, 29) not in days

    async with db.uow() as uow:
        await scheduling.clear_exceptions(uow, ana.advisor_id, date(2026, 11, 25))
        await uow.commit()
    assert len(local_by_day(await slots(db, ana.advisor_id, clock.now()))[date(2026, 11, 25)]) == 6


async def test_bad_hours_get_a_clear_answer(db: Database) -> None:
    ana = await add_advisor(db)
    cases = {
        "9-12": "like 09:00-12:30",
        "09:10-12:00": "quarter hours",
        "12:00-09:00": "end must be after the start",
        "25:00-26:00": "not a time of day",
    }
    for hours, hint in cases.items():
        async with db.uow() as uow:
            with pytest.raises(ValidationFailed, match=hint):
                await scheduling.set_weekly_availability(uow, ana.advisor_id, {"mon": [hours]})
    async with db.uow() as uow:
        with pytest.raises(ValidationFailed, match="unknown day 'funday'"):
            await scheduling.set_weekly_availability(
                uow, ana.advisor_id, {"funday": ["09:00-10:00"]}
            )
        with pytest.raises(ValidationFailed, match="overlap"):
            await scheduling.set_weekly_availability(
                uow, ana.advisor_id, {"mon": ["09:00-12:00", "11:00-13:00"]}
            )
        with pytest.raises(ValidationFailed, match="like 09:00-12:30"):
            await scheduling.add_time_off(uow, ana.advisor_id, date(2026, 11, 25), "all day")
        with pytest.raises(NotFound):
            await scheduling.set_weekly_availability(uow, 999_999, {"mon": ["09:00-10:00"]})


async def test_weekly_hours_read_back_as_written(db: Database) -> None:
    weekly = {"mon": ["09:00-12:00", "14:00-18:00"], "sat": ["20:00-00:00"]}
    ana = await add_advisor(db, weekly)
    async with db.uow() as uow:
        assert await scheduling.weekly_availability(uow, ana.advisor_id) == weekly
        await scheduling.set_weekly_availability(uow, ana.advisor_id, {"Tuesday": "10:00-11:00"})
        assert await scheduling.weekly_availability(uow, ana.advisor_id) == {"tue": ["10:00-11:00"]}


async def test_slots_group_by_the_clients_local_day(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["23:00-23:30"], "wed": ["00:00-00:30"]})
    async with db.uow() as uow:
        found = await scheduling.available_slots(uow, ana.advisor_id, LIVE30, clock.now())
    # 23:00 Tue and 00:00 Wed in Madrid are both Tuesday afternoon in New York.
    days = scheduling.slots_by_day(found, "America/New_York")
    assert days[0][0] == date(2026, 11, 24)
    assert [slot.label("America/New_York") for slot in days[0][1]] == [
        "Tue 24 Nov, 17:00",
        "Tue 24 Nov, 18:00",
    ]
    assert scheduling.format_day(days[0][0], "es") == "mar 24 nov"


# Buffer ---------------------------------------------------------------------------------------


async def test_sessions_keep_the_buffer_between_them(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["09:00-13:00"]})  # 08:00-12:00 UTC
    first, second = await add_client(db, "A"), await add_client(db, "B")

    await hold(db, first, ana.live60, utc(2026, 11, 24, 8), clock.now())
    # A 60-minute session to 10:00 local plus a 10-minute buffer: the next start is 10:15
    # local (packed right after it), then the regular half hours.
    on_day = [
        s for s in await slots(db, ana.advisor_id, clock.now()) if s.date() == date(2026, 11, 24)
    ]
    assert on_day == [
        utc(2026, 11, 24, h, m) for h, m in ((9, 15), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30))
    ]

    await hold(db, second, ana.live30, utc(2026, 11, 24, 11), clock.now())
    on_day = [
        s for s in await slots(db, ana.advisor_id, clock.now()) if s.date() == date(2026, 11, 24)
    ]
    # 10:30 UTC would end exactly when the 11:00 session begins: no room for the buffer.
    assert on_day == [utc(2026, 11, 24, 9, 15), utc(2026, 11, 24, 9, 30), utc(2026, 11, 24, 10)]
    third = await add_client(db, "C")
    with pytest.raises(SlotTaken):
        await hold(db, third, ana.live30, utc(2026, 11, 24, 10, 30), clock.now())

    no_buffer = SchedulingRules(buffer=timedelta(0))
    booking = await hold(db, third, ana.live30, utc(2026, 11, 24, 10, 30), clock.now(), no_buffer)
    assert booking.ends_at == utc(2026, 11, 24, 11)


def test_rules_come_from_the_settings(settings: Settings) -> None:
    rules = SchedulingRules.from_settings(settings.model_copy(update={"buffer_minutes": 5}))
    assert (rules.hold, rules.buffer, rules.free_change, rules.min_notice, rules.horizon) == (
        timedelta(minutes=30),
        timedelta(minutes=5),
        timedelta(hours=24),
        timedelta(hours=2),
        timedelta(days=14),
    )
    assert scheduling.DEFAULT_RULES.buffer == timedelta(minutes=10)


async def test_the_notice_and_the_horizon_are_settings(
    db: Database, clock: ManualClock, settings: Settings
) -> None:
    ana = await add_advisor(db, {"mon": ["09:00-18:00"]})  # 08:00-17:00 UTC in November
    rules = SchedulingRules.from_settings(
        settings.model_copy(update={"min_notice_hours": 5, "booking_horizon_days": 7})
    )
    found = await slots(db, ana.advisor_id, clock.now(), rules=rules)
    assert found[0] == utc(2026, 11, 23, 14)  # now is 09:00 UTC, notice is 5 hours
    assert found[-1] == utc(2026, 11, 30, 8, 30)  # the 7-day horizon ends at 09:00 UTC
    client = await add_client(db)
    with pytest.raises(SlotUnavailable) as error:
        await hold(db, client, ana.live30, utc(2026, 11, 30, 9), clock.now(), rules)
    assert error.value.next_free[0].starts_at == utc(2026, 11, 23, 14)


def test_with_no_free_time_left_people_are_told_how_far_ahead_was_looked() -> None:
    assert str(SlotUnavailable([], horizon_days=7)) == (
        "That time is no longer available. There are no other free times in the next 7 days."
    )
    assert "in the next 14 days" in str(SlotTaken([]))


# Holds -------------------------------------------------------------------------------------


async def test_a_hold_keeps_the_slot_for_30_minutes_then_frees_it(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, second, start, held = a_held_slot
    assert (held.status, held.hold_expires_at) == ("held", utc(2026, 11, 23, 9, 30))
    assert (held.price_minor, held.currency, held.ends_at) == (
        3500,
        "USD",
        utc(2026, 11, 24, 17, 30),
    )
    assert start not in await slots(db, ana.advisor_id, clock.now())

    clock.advance(timedelta(minutes=29, seconds=59))
    with pytest.raises(SlotTaken):
        await hold(db, second, ana.live30, start, clock.now())

    clock.advance(timedelta(seconds=1))  # exactly 30 minutes: the hold has lapsed
    assert start in await slots(db, ana.advisor_id, clock.now())
    taken_over = await hold(db, second, ana.live30, start, clock.now())
    assert taken_over.id != held.id
    assert await booking_status(db, held.id) == "expired"
    async with db.uow() as uow:
        claims = await uow.session.scalars(select(SlotClaim.booking_id).distinct())
        assert list(claims) == [taken_over.id]


async def test_release_hold_frees_the_slot_at_once_and_is_idempotent(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, _, start, held = a_held_slot
    for _ in range(2):
        async with db.uow() as uow:
            released = await scheduling.release_hold(uow, held.id, clock.now())
            await uow.commit()
        assert released.status == "expired"
    assert start in await slots(db, ana.advisor_id, clock.now())
    async with db.uow() as uow:
        with pytest.raises(BookingNotFound):
            await scheduling.release_hold(uow, 987_654, clock.now())


async def test_a_hold_can_be_stretched_to_its_checkouts_expiry(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, other, start, held = a_held_slot
    async with db.uow() as uow:
        stretched = await scheduling.extend_hold(uow, held.id, utc(2026, 11, 23, 10), clock.now())
        same = await scheduling.extend_hold(uow, held.id, utc(2026, 11, 23, 9, 45), clock.now())
        await uow.commit()
    assert stretched.hold_expires_at == same.hold_expires_at == utc(2026, 11, 23, 10)
    clock.set(utc(2026, 11, 23, 9, 59))
    with pytest.raises(SlotTaken):
        await hold(db, other, ana.live30, start, clock.now())
    clock.set(utc(2026, 11, 23, 10))
    async with db.uow() as uow:
        with pytest.raises(BookingClosed):
            await scheduling.extend_hold(uow, held.id, utc(2026, 11, 23, 11), clock.now())
    await hold(db, other, ana.live30, start, clock.now())


async def test_the_tick_expires_lapsed_holds(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    held = a_held_slot.held
    async with db.uow() as uow:
        assert await scheduling.expire_holds(uow, clock.now()) == []
    clock.advance(timedelta(minutes=30))
    async with db.uow() as uow:
        assert await scheduling.expire_holds(uow, clock.now()) == [held.id]
        await uow.commit()
    assert await booking_status(db, held.id) == "expired"
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(SlotClaim)) == 0


async def test_a_double_tap_gets_the_same_hold_back(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, client, _, start, first = a_held_slot
    again = await hold(db, client, ana.live30, start, clock.now())
    assert again.id == first.id


async def test_nobody_can_hold_a_whole_calendar(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-21:00"]})
    client = await add_client(db)
    for hour in (17, 18, 19):
        await hold(db, client, ana.live30, utc(2026, 11, 24, hour), clock.now())
    with pytest.raises(HoldLimitReached, match="3 bookings waiting for payment"):
        await hold(
            db, client, ana.live30, utc(2026, 11, 24, 17, 30) + timedelta(hours=1), clock.now()
        )


async def test_messaging_packages_need_no_slot(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    client = await add_client(db)
    async with db.uow() as uow:
        package = await scheduling.hold_package(
            uow, client_id=client, offer_id=ana.messaging, now=clock.now()
        )
        assert (package.starts_at, package.status, package.price_minor) == (None, "held", 9000)
        with pytest.raises(ValidationFailed, match="need no time slot"):
            await scheduling.hold_slot(
                uow, client_id=client, offer_id=ana.messaging, starts_at=TUESDAY_18, now=clock.now()
            )
        with pytest.raises(ValidationFailed, match="needs a time"):
            await scheduling.hold_package(
                uow, client_id=client, offer_id=ana.live30, now=clock.now()
            )
        with pytest.raises(ValidationFailed):
            await scheduling.available_slots(uow, ana.advisor_id, OfferKind.MESSAGING, clock.now())
        confirmed = await scheduling.confirm_booking(uow, package.id, clock.now())
        assert confirmed.status == "confirmed"
        with pytest.raises(TooLateToChange, match="messaging package starts as soon as it's paid"):
            await scheduling.cancel_booking(uow, package.id, client_id=client, now=clock.now())


# Never twice ----------------------------------------------------------------------------------


async def test_a_slot_cannot_be_sold_twice(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-20:00"]})
    first, second = await add_client(db, "A"), await add_client(db, "B", "Europe/Madrid", "es")
    start = utc(2026, 11, 24, 17)
    await hold(db, first, ana.live30, start, clock.now())
    with pytest.raises(SlotTaken) as error:
        await hold(db, second, ana.live30, start, clock.now())
    assert [slot.starts_at for slot in error.value.next_free] == [
        utc(2026, 11, 24, 17, 45),  # right after the held session and its buffer
        utc(2026, 11, 24, 18),
        utc(2026, 11, 24, 18, 30),
    ]
    # In the client's own zone and language.
    assert str(error.value) == (
        "That time was just taken. Here are the next free times: "
        "mar 24 nov, 18:45; mar 24 nov, 19:00; mar 24 nov, 19:30."
    )
    assert isinstance(error.value, Conflict)


async def test_overlapping_sessions_of_different_lengths_collide(
    db: Database, clock: ManualClock
) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-20:00"]})
    first, second = await add_client(db, "A"), await add_client(db, "B")
    await hold(db, first, ana.live60, utc(2026, 11, 24, 17), clock.now())
    with pytest.raises(SlotTaken):
        await hold(db, second, ana.live30, utc(2026, 11, 24, 17, 30), clock.now())


async def test_the_database_itself_refuses_a_second_claim(
    db: Database, a_held_slot: HeldSlot
) -> None:
    ana, _, _, start, held = a_held_slot
    async with db.uow() as uow:
        # Bypass every check in Python: only the unique constraint stands in the way.
        uow.session.add(SlotClaim(advisor_id=ana.advisor_id, slot_start=start, booking_id=held.id))
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_a_refused_hold_leaves_the_callers_transaction_usable(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, second, start, _ = a_held_slot
    async with db.uow() as uow:
        uow.session.add(Client(display_name="Kept", created_at=CREATED))
        with pytest.raises(SlotTaken):
            await scheduling.hold_slot(
                uow, client_id=second, offer_id=ana.live30, starts_at=start, now=clock.now()
            )
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Client.id).where(Client.display_name == "Kept"))
        assert await uow.session.scalar(select(func.count()).select_from(Booking)) == 1


async def test_an_uncommitted_hold_leaves_nothing_behind(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    client = await add_client(db)
    async with db.uow() as uow:
        await scheduling.hold_slot(
            uow, client_id=client, offer_id=ana.live30, starts_at=TUESDAY_18, now=clock.now()
        )
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Booking)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(SlotClaim)) == 0


# Payment ----------------------------------------------------------------------------------------


async def test_a_paid_booking_keeps_its_slot_past_the_hold(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, second, start, held = a_held_slot
    assert (await confirm(db, held.id, clock.now())).status == "confirmed"
    assert (await confirm(db, held.id, clock.now())).status == "confirmed"  # webhook replayed
    clock.advance(timedelta(hours=2))
    with pytest.raises(SlotTaken):
        await hold(db, second, ana.live30, start, clock.now())


async def test_a_late_payment_reclaims_a_still_free_slot(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, _, start, held = a_held_slot
    async with db.uow() as uow:
        await scheduling.release_hold(uow, held.id, clock.now())
        await uow.commit()
    assert (await confirm(db, held.id, clock.now())).status == "confirmed"
    assert start not in await slots(db, ana.advisor_id, clock.now())


async def test_a_late_payment_for_a_lost_slot_is_refused(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    ana, _, second, start, held = a_held_slot
    clock.advance(timedelta(minutes=31))
    await hold(db, second, ana.live30, start, clock.now())
    with pytest.raises(SlotTaken):
        await confirm(db, held.id, clock.now())
    assert await booking_status(db, held.id) == "expired"


# Reschedule and cancel ------------------------------------------------------------------------


async def confirmed_booking(
    db: Database, clock: ManualClock, weekly: dict[str, list[str]]
) -> tuple[Seeded, int, Booking]:
    ana = await add_advisor(db, weekly)
    client = await add_client(db)
    held = await hold(db, client, ana.live30, utc(2026, 11, 24, 17), clock.now())
    return ana, client, await confirm(db, held.id, clock.now())


async def test_cancel_is_free_until_24_hours_before(db: Database, clock: ManualClock) -> None:
    ana, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-19:00"]})
    clock.set(utc(2026, 11, 23, 17))  # exactly 24 hours before
    async with db.uow() as uow:
        cancelled = await scheduling.cancel_booking(
            uow, booking.id, client_id=client, now=clock.now()
        )
        await uow.commit()
    assert cancelled.status == "cancelled"
    assert utc(2026, 11, 24, 17) in await slots(db, ana.advisor_id, utc(2026, 11, 23, 9))


async def test_cancel_within_24_hours_is_refused_with_the_guarantee_rules(
    db: Database, clock: ManualClock
) -> None:
    _, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-19:00"]})
    clock.set(utc(2026, 11, 23, 17, 1))
    async with db.uow() as uow:
        with pytest.raises(TooLateToChange) as error:
            await scheduling.cancel_booking(uow, booking.id, client_id=client, now=clock.now())
        with pytest.raises(TooLateToChange):
            await scheduling.reschedule_booking(
                uow, booking.id, client_id=client, starts_at=utc(2026, 12, 1, 17), now=clock.now()
            )
        assert not scheduling.can_change_free(booking, clock.now())
    assert str(error.value) == (
        "Free rescheduling and cancellation end 24 hours before the session, and this one starts "
        "Tue 24 Nov, 12:00. The money-back guarantee rules apply now: if the session doesn't "
        "help, you can ask for a refund after it."
    )
    assert await booking_status(db, booking.id) == "confirmed"


async def test_reschedule_moves_the_claim_in_one_step(db: Database, clock: ManualClock) -> None:
    ana, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-20:00"]})
    old, new = utc(2026, 11, 24, 17), utc(2026, 11, 24, 17, 30)  # overlaps its own old cells
    async with db.uow() as uow:
        moved = await scheduling.reschedule_booking(
            uow, booking.id, client_id=client, starts_at=new, now=clock.now()
        )
        await uow.commit()
    assert (moved.starts_at, moved.ends_at, moved.status) == (
        new,
        utc(2026, 11, 24, 18),
        "confirmed",
    )
    async with db.uow() as uow:
        cells = list(
            await uow.session.scalars(select(SlotClaim.slot_start).order_by(SlotClaim.slot_start))
        )
        assert cells == [new, utc(2026, 11, 24, 17, 45), utc(2026, 11, 24, 18)]
        assert await uow.session.scalar(select(SlotClaim.expires_at).limit(1)) is None
    assert old not in await slots(db, ana.advisor_id, clock.now())  # its buffer overlaps `new`
    assert utc(2026, 11, 24, 18, 30) in await slots(db, ana.advisor_id, clock.now())


async def test_reschedule_onto_a_taken_slot_changes_nothing(
    db: Database, clock: ManualClock
) -> None:
    ana, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-20:00"]})
    other = await add_client(db, "Other")
    await hold(db, other, ana.live30, utc(2026, 11, 24, 18, 30), clock.now())
    async with db.uow() as uow:
        with pytest.raises(SlotTaken) as error:
            await scheduling.reschedule_booking(
                uow,
                booking.id,
                client_id=client,
                starts_at=utc(2026, 11, 24, 18, 30),
                now=clock.now(),
            )
        await uow.commit()
    assert error.value.next_free[0].starts_at == utc(2026, 11, 24, 17, 45)
    async with db.uow() as uow:
        kept = await uow.session.get(Booking, booking.id)
        assert kept is not None and kept.starts_at == utc(2026, 11, 24, 17)
        mine = await uow.session.scalar(
            select(func.count()).select_from(SlotClaim).where(SlotClaim.booking_id == booking.id)
        )
        assert mine == 3


async def test_reschedule_to_a_time_not_offered_is_refused(
    db: Database, clock: ManualClock
) -> None:
    _, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-19:00"]})
    async with db.uow() as uow:
        with pytest.raises(SlotUnavailable, match="no longer available"):
            await scheduling.reschedule_booking(
                uow, booking.id, client_id=client, starts_at=utc(2026, 11, 24, 3), now=clock.now()
            )


async def test_forged_stale_and_other_peoples_bookings_get_clear_errors(
    db: Database, clock: ManualClock
) -> None:
    _, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-19:00"]})
    stranger = await add_client(db, "Stranger")
    async with db.uow() as uow:
        for forged in (999_999, -1, 0, 2**40):
            with pytest.raises(BookingNotFound, match="couldn't find that booking"):
                await scheduling.cancel_booking(uow, forged, client_id=client, now=clock.now())
        with pytest.raises(BookingNotFound):
            await scheduling.cancel_booking(uow, booking.id, client_id=stranger, now=clock.now())
        with pytest.raises(BookingNotFound):
            await scheduling.reschedule_booking(
                uow, booking.id, client_id=stranger, starts_at=utc(2026, 12, 1, 17), now=clock.now()
            )
        await scheduling.cancel_booking(uow, booking.id, client_id=client, now=clock.now())
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(BookingClosed, match="cancelled, so it can't be changed"):
            await scheduling.cancel_booking(uow, booking.id, client_id=client, now=clock.now())
        with pytest.raises(BookingClosed):
            await scheduling.confirm_booking(uow, booking.id, clock.now())
    for key in ("abc", "", "1" * 30, "-5"):
        with pytest.raises(ValidationFailed, match="no longer offered"):
            scheduling.slot_from_key(key)
    start = utc(2026, 11, 24, 17)
    assert scheduling.slot_from_key(str(scheduling.slot_key(start))) == start


async def test_a_lapsed_hold_cannot_be_changed(
    db: Database, clock: ManualClock, a_held_slot: HeldSlot
) -> None:
    _, client, _, _, held = a_held_slot
    clock.advance(timedelta(minutes=30))
    async with db.uow() as uow:
        with pytest.raises(BookingClosed, match="hold has expired"):
            await scheduling.cancel_booking(uow, held.id, client_id=client, now=clock.now())
        assert await scheduling.client_bookings(uow, client, clock.now()) == []


async def test_a_client_sees_their_live_bookings(db: Database, clock: ManualClock) -> None:
    ana, client, booking = await confirmed_booking(db, clock, {"tue": ["18:00-20:00"]})
    held = await hold(db, client, ana.live60, utc(2026, 11, 24, 18), clock.now())
    async with db.uow() as uow:
        mine = await scheduling.client_bookings(uow, client, clock.now())
    assert [b.id for b in mine] == [booking.id, held.id]


# Matching's view ------------------------------------------------------------------------------


async def test_next_free_slot_for_a_list_of_advisors(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    priya = await add_advisor(db, {"mon": ["18:00-19:00"]}, slug="priya", timezone="Asia/Kolkata")
    idle = await add_advisor(db, None, slug="idle")
    gone = await add_advisor(db, {"mon": ["18:00-19:00"]}, slug="gone", active=False)
    ids = [ana.advisor_id, priya.advisor_id, idle.advisor_id, gone.advisor_id, 424_242]
    async with db.uow() as uow:
        soonest = await scheduling.next_free_slots(uow, ids, LIVE30, clock.now())
        packages = await scheduling.next_free_slots(uow, ids[:2], OfferKind.MESSAGING, clock.now())
    assert soonest == {
        ana.advisor_id: utc(2026, 11, 24, 17),
        priya.advisor_id: utc(2026, 11, 23, 12, 30),
        idle.advisor_id: None,
        gone.advisor_id: None,
        424_242: None,
    }
    assert packages == {ana.advisor_id: clock.now(), priya.advisor_id: clock.now()}

    client = await add_client(db)
    await hold(db, client, ana.live30, utc(2026, 11, 24, 17), clock.now())
    async with db.uow() as uow:
        after = await scheduling.next_free_slots(uow, [ana.advisor_id], LIVE30, clock.now())
    # 18:30 local would eat the buffer and 18:45 would run past 19:00: next Tuesday.
    assert after == {ana.advisor_id: utc(2026, 12, 1, 17)}


# Available now --------------------------------------------------------------------------------


async def test_available_now_lists_online_advisors_without_a_session_soon(
    db: Database, clock: ManualClock
) -> None:
    hours = {"mon": ["09:00-13:00"]}  # 08:00-12:00 UTC; now is 09:00 UTC
    free = await add_advisor(db, hours, slug="free", name="A Free", online=True)
    soon = await add_advisor(db, hours, slug="soon", name="B Soon", online=True)
    later = await add_advisor(db, hours, slug="later", name="C Later", online=True)
    await add_advisor(db, hours, slug="offline", name="D Offline")
    await add_advisor(db, hours, slug="inactive", name="E Inactive", online=True, active=False)
    client = await add_client(db)
    no_notice = SchedulingRules(min_notice=timedelta(0))
    await hold(db, client, soon.live30, utc(2026, 11, 23, 9, 30), clock.now(), no_notice)
    await hold(db, client, later.live30, utc(2026, 11, 23, 10, 30), clock.now(), no_notice)

    async with db.uow() as uow:
        names = [a.display_name for a in await scheduling.available_now(uow, clock.now())]
    assert names == ["A Free", "C Later"]

    async with db.uow() as uow:
        await scheduling.set_online(uow, free.advisor_id, False)
        await uow.commit()
    async with db.uow() as uow:
        names = [a.display_name for a in await scheduling.available_now(uow, clock.now())]
        with pytest.raises(Conflict, match="not online any more"):
            await scheduling.hold_instant(
                uow, client_id=client, offer_id=free.live30, now=clock.now()
            )
    assert names == ["C Later"]


async def test_an_instant_session_starts_at_the_next_quarter_hour(
    db: Database, clock: ManualClock
) -> None:
    online = await add_advisor(db, None, online=True)
    client = await add_client(db)
    clock.advance(timedelta(minutes=5))
    async with db.uow() as uow:
        booking = await scheduling.hold_instant(
            uow, client_id=client, offer_id=online.live30, now=clock.now()
        )
        await uow.commit()
    assert (booking.starts_at, booking.ends_at) == (
        utc(2026, 11, 23, 9, 15),
        utc(2026, 11, 23, 9, 45),
    )
    async with db.uow() as uow:
        assert await scheduling.available_now(uow, clock.now()) == []  # in a session now
        with pytest.raises(SlotTaken):
            await scheduling.hold_instant(
                uow, client_id=await add_client(db, "B"), offer_id=online.live60, now=clock.now()
            )


# Formatting -------------------------------------------------------------------------------------


def test_times_are_formatted_in_the_users_zone_and_language() -> None:
    when = utc(2026, 11, 24, 17)
    assert scheduling.format_slot(when, "Europe/Madrid") == "Tue 24 Nov, 18:00"
    assert scheduling.format_slot(when, "America/New_York") == "Tue 24 Nov, 12:00"
    assert scheduling.format_slot(when, "Europe/Madrid", "es") == "mar 24 nov, 18:00"
    assert scheduling.format_slot(when, "Europe/Berlin", "de-DE") == "Di. 24 Nov., 18:00"
    assert scheduling.format_slot(when, "UTC", "not-a-locale") == "Tue 24 Nov, 17:00"
    with pytest.raises(ValidationFailed, match="like Europe/Madrid"):
        scheduling.format_slot(when, "Mars/Olympus")
    # An error message never fails on a bad zone: it falls back to UTC.
    taken = SlotTaken([scheduling.Slot(1, when, when + timedelta(minutes=30))], "Mars/Olympus")
    assert str(taken).endswith("next free times: Tue 24 Nov, 17:00.")
    assert str(SlotTaken([])) == (
        "That time was just taken. There are no other free times in the next 14 days."
    )


# PostgreSQL: real concurrency -------------------------------------------------------------------


async def race(
    db: Database, attempts: list[tuple[int, int, datetime]], now: datetime
) -> list[int | SlotTaken]:
    """Fire every (client, offer, start) at once, each in its own session and transaction."""
    racers = Database(db.url, pool_size=len(attempts), max_overflow=0)

    async def attempt(client_id: int, offer_id: int, start: datetime) -> int | SlotTaken:
        async with racers.uow() as uow:
            try:
                booking = await scheduling.hold_slot(
                    uow, client_id=client_id, offer_id=offer_id, starts_at=start, now=now
                )
                await uow.commit()
                return booking.id
            except SlotTaken as error:
                return error

    try:
        return list(await asyncio.gather(*(attempt(*args) for args in attempts)))
    finally:
        await racers.dispose()


async def live_bookings(db: Database) -> list[tuple[datetime | None, datetime | None]]:
    async with db.uow() as uow:
        rows = await uow.session.execute(
            select(Booking.starts_at, Booking.ends_at).where(
                Booking.status == BookingStatus.HELD.value
            )
        )
        return [(start, end) for start, end in rows]


@pytest.mark.postgres
async def test_twenty_clients_one_slot_exactly_one_wins(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-20:00"]})
    clients = [await add_client(db, f"C{i}") for i in range(20)]
    start = utc(2026, 11, 24, 17)
    results = await race(db, [(c, ana.live30, start) for c in clients], clock.now())

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, SlotTaken)]
    assert (len(winners), len(losers)) == (1, 19)
    for lost in losers:
        assert str(lost).startswith("That time was just taken. Here are the next free times: ")
        assert [slot.starts_at for slot in lost.next_free] == [
            utc(2026, 11, 24, 17, 45),
            utc(2026, 11, 24, 18),
            utc(2026, 11, 24, 18, 30),
        ]
    assert await live_bookings(db) == [(start, utc(2026, 11, 24, 17, 30))]


@pytest.mark.postgres
async def test_twenty_clients_overlapping_lengths_one_wins(
    db: Database, clock: ManualClock
) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-20:00"]})
    clients = [await add_client(db, f"C{i}") for i in range(20)]
    # Every pair of these overlaps, counting the 10-minute buffer after each session.
    shapes = [
        (ana.live30, utc(2026, 11, 24, 17)),
        (ana.live60, utc(2026, 11, 24, 17, 30)),
        (ana.live30, utc(2026, 11, 24, 17, 30)),
        (ana.live60, utc(2026, 11, 24, 17)),
    ]
    attempts = [(client, *shapes[i % len(shapes)]) for i, client in enumerate(clients)]
    results = await race(db, attempts, clock.now())
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == 19
    assert len(await live_bookings(db)) == 1


@pytest.mark.postgres
async def test_twenty_clients_race_for_a_lapsed_hold(db: Database, clock: ManualClock) -> None:
    ana = await add_advisor(db, {"tue": ["18:00-19:00"]})
    first = await add_client(db, "First")
    start = utc(2026, 11, 24, 17)
    lapsed = await hold(db, first, ana.live30, start, clock.now())
    clock.advance(timedelta(minutes=31))
    clients = [await add_client(db, f"C{i}") for i in range(20)]
    results = await race(db, [(c, ana.live30, start) for c in clients], clock.now())
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == 19
    assert await booking_status(db, lapsed.id) == "expired"
    assert await live_bookings(db) == [(start, utc(2026, 11, 24, 17, 30))]


# -- the client's own sessions never overlap (issue #16) ------------------------------------------


async def _two_advisors_and_a_client(db: Database) -> tuple[Seeded, Seeded, int]:
    """Ana and Jonas, free 08:00-20:00 every day, and a client in Madrid."""
    every_day = {day: ["08:00-20:00"] for day in scheduling.WEEKDAYS}
    ana = await add_advisor(db, every_day)
    jonas = await add_advisor(db, every_day, slug="jonas-becker", name="Jonas Becker")
    return ana, jonas, await add_client(db, timezone="Europe/Madrid")


async def test_a_second_booking_overlapping_one_the_client_holds_is_refused_naming_it(
    db: Database,
) -> None:
    now = utc(2026, 11, 23, 9)
    ana, jonas, client = await _two_advisors_and_a_client(db)
    paid = await hold(db, client, ana.live60, utc(2026, 11, 25, 10), now)
    await confirm(db, paid.id, now)
    inside, across_the_start = (jonas.live30, 10, 30), (jonas.live60, 9, 30)
    for offer, hour, minute in (inside, across_the_start):
        with pytest.raises(ClientDoubleBooked) as caught:
            await hold(db, client, offer, utc(2026, 11, 25, hour, minute), now)
        assert str(caught.value) == (
            "That time overlaps your 60-minute live session with Ana Ruiz on Wed 25 Nov, 11:00 "
            "(your time). Please choose another time, or change that booking in /bookings."
        )
    unpaid = await hold(db, client, jonas.live30, utc(2026, 11, 25, 12), now)  # right after: fine
    with pytest.raises(ClientDoubleBooked):  # a live hold counts too
        await hold(db, client, ana.live30, utc(2026, 11, 25, 12), now)
    other = await add_client(db, "Zoë")
    assert (await hold(db, other, ana.live30, utc(2026, 11, 25, 12), now)).id
    later = now + timedelta(minutes=31)  # the unpaid hold lapsed: the time is free for them again
    assert (await hold(db, client, jonas.live60, utc(2026, 11, 25, 12), later)).id != unpaid.id


async def test_rescheduling_onto_another_of_the_clients_sessions_is_refused(db: Database) -> None:
    now = utc(2026, 11, 23, 9)
    ana, jonas, client = await _two_advisors_and_a_client(db)
    with_ana = await hold(db, client, ana.live60, utc(2026, 11, 25, 10), now)
    with_jonas = await hold(db, client, jonas.live60, utc(2026, 11, 26, 10), now)
    for booking in (with_ana, with_jonas):
        await confirm(db, booking.id, now)
    async with db.uow() as uow:
        with pytest.raises(ClientDoubleBooked, match="Jonas Becker on Thu 26 Nov, 11:00"):
            await scheduling.reschedule_booking(
                uow, with_ana.id, client_id=client, starts_at=utc(2026, 11, 26, 10, 30), now=now
            )
        moved = await scheduling.reschedule_booking(  # its own old time does not count
            uow, with_ana.id, client_id=client, starts_at=utc(2026, 11, 25, 10, 30), now=now
        )
        await uow.commit()
    assert moved.starts_at == utc(2026, 11, 25, 10, 30)
