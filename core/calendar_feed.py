"""An advisor's private calendar feed: an address with a secret in it that their calendar app
subscribes to (``/calendar`` in Discord), and the .ics it answers (RFC 5545, made with the
icalendar library): their paid live sessions and their time off, in their time zone and
language.

The secret is ``secrets.token_urlsafe(32)``; only its SHA-256 is stored, so the address is
shown once, when it is made. An advisor has at most one live feed; resetting it revokes the
old one (its address answers nothing from then on) and makes another.

Each booking's event keeps one UID, so an app that refreshes updates it in place; a cancelled
or refunded booking is no longer listed, so it leaves the calendar at the next refresh.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select, update

from core import i18n
from core.config import Settings
from core.db import UnitOfWork
from core.errors import ConfigurationError
from core.models import AvailabilityException, Booking, BookingStatus, CalendarFeed, Client, Offer
from core.names import advisor_facing_name
from core.scheduling.lookups import find_advisor
from core.scheduling.times import zone
from core.texts import calendar_feed as t

PRODID = "-//Pathwise//Advisor calendar//EN"
# How far back the feed still lists sessions and time off, so a calendar keeps the recent past.
HISTORY = timedelta(days=30)
SHOWN_STATUSES = (BookingStatus.CONFIRMED.value, BookingStatus.COMPLETED.value)


@dataclass(frozen=True)
class FeedLink:
    """``url`` when a feed was just made (the only time it can be shown), else None."""

    url: str | None
    created: bool


def token_hash(token: str) -> str:
    """What the database keeps of a feed's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(settings: Settings, token: str) -> str:
    if not settings.public_url:
        raise ConfigurationError(t.NO_PUBLIC_URL())
    return f"{settings.public_url.rstrip('/')}/calendar/{token}.ics"


async def _live(uow: UnitOfWork, advisor_id: int) -> list[CalendarFeed]:
    rows = await uow.session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.advisor_id == advisor_id)
        .where(CalendarFeed.revoked_at.is_(None))
    )
    return list(rows)


async def _revoke(uow: UnitOfWork, advisor_id: int, now: datetime) -> bool:
    result = await uow.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.advisor_id == advisor_id)
        .where(CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def _create(uow: UnitOfWork, settings: Settings, advisor_id: int, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    url = feed_url(settings, token)  # before the row: no feed without an address
    uow.session.add(
        CalendarFeed(advisor_id=advisor_id, token_hash=token_hash(token), created_at=now)
    )
    await uow.session.flush()
    return url


async def open_feed(
    uow: UnitOfWork, settings: Settings, advisor_id: int, now: datetime
) -> FeedLink:
    """The advisor's feed: made now (with its address) unless one is live already."""
    await find_advisor(uow, advisor_id)
    if await _live(uow, advisor_id):
        return FeedLink(url=None, created=False)
    return FeedLink(url=await _create(uow, settings, advisor_id, now), created=True)


async def reset_feed(uow: UnitOfWork, settings: Settings, advisor_id: int, now: datetime) -> str:
    """Revoke the advisor's live feed, if any, and make a new one; its address."""
    await find_advisor(uow, advisor_id)
    feed_url(settings, "check")  # refuse before revoking anything
    await _revoke(uow, advisor_id, now)
    return await _create(uow, settings, advisor_id, now)


async def stop_feed(uow: UnitOfWork, advisor_id: int, now: datetime) -> bool:
    """Revoke the advisor's live feed; False when there was none."""
    await find_advisor(uow, advisor_id)
    return await _revoke(uow, advisor_id, now)


async def feed_for_token(
    uow: UnitOfWork, settings: Settings, token: str, now: datetime
) -> bytes | None:
    """The .ics of the live feed whose secret is ``token``; None for any other token (unknown
    or revoked: the caller cannot tell which)."""
    feed = await uow.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == token_hash(token))
        .where(CalendarFeed.revoked_at.is_(None))
    )
    if feed is None:
        return None
    return await advisor_calendar(uow, settings, feed.advisor_id, now)


async def advisor_calendar(
    uow: UnitOfWork, settings: Settings, advisor_id: int, now: datetime
) -> bytes:
    """The advisor's sessions (paid, from ``HISTORY`` ago on) and time off as one calendar,
    in their zone and language."""
    advisor = await find_advisor(uow, advisor_id)
    tz = zone(advisor.timezone)
    rows = await uow.session.execute(
        select(Booking, Offer, Client)
        .join(Offer, Offer.id == Booking.offer_id)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.advisor_id == advisor_id)
        .where(Booking.status.in_(SHOWN_STATUSES))
        .where(Booking.starts_at.is_not(None))
        .where(Booking.ends_at > now - HISTORY)
        .order_by(Booking.starts_at, Booking.id)
    )
    since = (now - HISTORY).astimezone(tz).date()
    off = await uow.session.scalars(
        select(AvailabilityException)
        .where(AvailabilityException.advisor_id == advisor_id)
        .where(AvailabilityException.kind == "off")
        .where(AvailabilityException.on_date >= since)
        .order_by(AvailabilityException.on_date, AvailabilityException.id)
    )
    with i18n.speaking(advisor.locale) as language:
        words = {"LANGUAGE": language}
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", t.CALENDAR_NAME())
        calendar.add("x-wr-timezone", advisor.timezone)
        # Apps that honour it refresh hourly (most pick their own pace).
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        for booking, offer, client in rows.all():
            calendar.add_component(_session(booking, offer, client, tz, settings, now, words))
        for exception in off:
            calendar.add_component(_time_off(exception, tz, now, words))
        calendar.add_missing_timezones()
        return bytes(calendar.to_ical())


def _session(
    booking: Booking,
    offer: Offer,
    client: Client,
    tz: ZoneInfo,
    settings: Settings,
    now: datetime,
    words: dict[str, str],
) -> Event:
    assert booking.starts_at is not None and booking.ends_at is not None
    name = advisor_facing_name(client)
    event = Event()
    event.add("uid", f"advisor-booking-{booking.id}@pathwise")
    event.add("dtstamp", now)
    event.add("last-modified", booking.updated_at)
    event.add("dtstart", booking.starts_at.astimezone(tz))
    event.add("dtend", booking.ends_at.astimezone(tz))
    event.add("summary", t.SESSION_TITLE(offer=offer.name, client=name), words)
    event.add(
        "description",
        t.SESSION_DETAILS(
            booking_id=booking.id,
            offer=offer.name,
            client=name,
            opens=settings.channel_open_minutes_before,
        ),
        words,
    )
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _time_off(
    exception: AvailabilityException, tz: ZoneInfo, now: datetime, words: dict[str, str]
) -> Event:
    event = Event()
    event.add("uid", f"advisor-timeoff-{exception.id}@pathwise")
    event.add("dtstamp", now)
    day = exception.on_date
    if exception.start_minute is None or exception.end_minute is None:
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
    else:
        event.add("dtstart", _local(day, exception.start_minute, tz))
        event.add("dtend", _local(day, exception.end_minute, tz))
    event.add("summary", t.TIME_OFF_TITLE(), words)
    event.add("description", t.TIME_OFF_DETAILS(), words)
    event.add("transp", "OPAQUE")
    return event


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """``minute`` minutes after local midnight on ``day`` (1440: the next midnight)."""
    return datetime.combine(day, time(), tzinfo=tz) + timedelta(minutes=minute)
