"""/calendar for advisors, end to end: the feed address made in Discord, fetched over HTTP
from the web piece `pathwise run` starts, and parsed back with icalendar; reset and stop
revoke it; the database keeps only a hash of its secret."""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from icalendar import Calendar, Event
from sqlalchemy import text

from bots.logs import configure_logging
from bots.run import running
from core import scheduling
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.models import Advisor, Booking, Client
from devtools.discord_recorder import EPHEMERAL, GUILD_ID
from devtools.stripe_sandbox import StripeSandbox
from tests.support.discord_bot import (
    ADMIN_ROLE,
    STRANGER,
    Env,
    advisor_on_discord,
    fake_server,
    slash,
    start_bot,
    sub,
)
from tests.support.run import run_settings
from tests.support.sessions import ADVISOR_DISCORD, Paid, paid_booking, session_settings

PUBLIC = "https://pathwise.example"
URL = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_-]+)\.ics")
ZONE = "America/Mexico_City"  # UTC-6 all year; the client is in Madrid
NOTE = "Private-Description-Kumquat"

Feed = tuple[Env, aiohttp.ClientSession, str]


@pytest.fixture
async def feed(db: Database, database_url: str, clock: ManualClock) -> AsyncIterator[Feed]:
    """The Discord bot (its settings with the public address) and the web piece of
    ``pathwise run`` on the same database; an HTTP client and the web piece's address."""
    fake = fake_server()
    settings = session_settings(
        database_url,
        discord_guild_id=GUILD_ID,
        discord_admin_role_id=ADMIN_ROLE,
        public_url=PUBLIC,
    )
    bot = await start_bot(fake, db, settings, clock)
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    undo = fake.patch_webhooks()
    try:
        async with StripeSandbox(webhook_secret="whsec_calendar") as sandbox:
            web = run_settings(database_url, sandbox, public_url=PUBLIC)
            async with running(web, {"web"}, clock=clock) as rt, aiohttp.ClientSession() as http:
                yield (
                    Env(fake, bot, guild, settings, db, clock),
                    http,
                    f"http://127.0.0.1:{rt.web_port}",
                )
    finally:
        undo()


async def calendar(env: Env, name: str) -> str:
    [(answer, flags)] = await slash(env, "calendar", ADVISOR_DISCORD, sub(name))
    assert flags == EPHEMERAL
    return answer


def token_in(answer: str) -> str:
    [token] = URL.findall(answer)
    return str(token)


async def get(feed: Feed, token: str) -> tuple[int, dict[str, str], bytes]:
    _, http, base = feed
    async with http.get(f"{base}/calendar/{token}.ics") as answer:
        return answer.status, dict(answer.headers), await answer.read()


async def fetch(feed: Feed, token: str) -> Calendar:
    status, headers, body = await get(feed, token)
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    assert "no-store" in headers["Cache-Control"]
    return Calendar.from_ical(body)


def events(cal: Calendar) -> list[Event]:
    return [c for c in cal.walk("VEVENT")]


async def prepare(env: Env, *, locale: str = "en_US") -> tuple[Paid, Paid]:
    """Two paid sessions with the same client (known to advisors by a pseudonym, with a
    private description), the advisor in Mexico City, speaking ``locale``; the second one
    cancelled by the client. Time off on Fri 27 Nov (all day) and Mon 30 Nov, 13:00-15:00."""
    first = await advisor_on_discord(env)  # Wed 25 Nov, 09:00 UTC
    second = await paid_booking(
        env.db,
        env.settings,
        env.clock,
        starts_in=timedelta(days=3),
        world=first.world,
        billing=first.billing,
    )
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, first.world.advisor_id)
        client = await uow.session.get(Client, first.world.client_id)
        booking = await uow.session.get(Booking, first.booking_id)
        assert advisor is not None and client is not None and booking is not None
        advisor.timezone, advisor.locale = ZONE, locale
        client.advisor_name = "Quiet Harbor"
        booking.client_note = NOTE
        await uow.commit()
    async with env.db.uow() as uow:
        now = env.clock.now()
        await scheduling.take_time_off(uow, first.world.advisor_id, "27/11", None, None, now)
        await scheduling.take_time_off(
            uow, first.world.advisor_id, "30/11", None, "13:00-15:00", now
        )
        await scheduling.cancel_booking(
            uow, second.booking_id, client_id=first.world.client_id, now=now
        )
        await uow.commit()
    return first, second


async def test_the_feed_lists_sessions_and_time_off_in_the_advisors_zone(feed: Feed) -> None:
    env = feed[0]
    paid, cancelled = await prepare(env)

    answer = await calendar(env, "link")
    token = token_in(answer)
    assert answer.startswith(f"Your private calendar feed:\n{PUBLIC}/calendar/{token}.ics\n")
    assert "only time Pathwise shows this link" in answer
    cal = await fetch(feed, token)

    assert str(cal["X-WR-TIMEZONE"]) == ZONE
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [ZONE]
    by_uid = {str(e["UID"]): e for e in events(cal)}
    session = by_uid[f"advisor-booking-{paid.booking_id}@pathwise"]
    assert f"advisor-booking-{cancelled.booking_id}@pathwise" not in by_uid
    start, end = session.decoded("DTSTART"), session.decoded("DTEND")
    assert start == datetime(2026, 11, 25, 3, 0, tzinfo=ZoneInfo(ZONE))
    assert str(start.tzinfo) == ZONE and session["DTSTART"].params["TZID"] == ZONE
    assert end - start == timedelta(hours=1)
    assert str(session["SUMMARY"]) == "60-minute live session with Quiet Harbor (Pathwise)"
    assert str(session["DESCRIPTION"]).startswith(
        f"Booking {paid.booking_id}: 60-minute live session with Quiet Harbor."
    )
    body = cal.to_ical().decode()
    assert NOTE not in body and "Zoë" not in body  # no private description, no real name

    off = sorted(
        (e for e in events(cal) if str(e["UID"]).startswith("advisor-timeoff-")),
        key=lambda e: str(e.decoded("DTSTART")),
    )
    assert [str(e["SUMMARY"]) for e in off] == ["Time off (Pathwise)"] * 2
    assert (off[0].decoded("DTSTART"), off[0].decoded("DTEND")) == (
        date(2026, 11, 27),
        date(2026, 11, 28),
    )
    assert (off[1].decoded("DTSTART"), off[1].decoded("DTEND")) == (
        datetime(2026, 11, 30, 13, 0, tzinfo=ZoneInfo(ZONE)),
        datetime(2026, 11, 30, 15, 0, tzinfo=ZoneInfo(ZONE)),
    )

    # Asked again, no address can be shown: only its hash is kept.
    assert await calendar(env, "link") == (
        "Your calendar feed is on. Pathwise showed its link once, when it was made, and keeps no "
        "copy it could show again. Lost it? /calendar reset stops it and gives you a new one."
    )
    async with env.db.uow() as uow:
        rows = (await uow.session.execute(text("SELECT * FROM calendar_feeds"))).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    assert any(len(str(value)) == 64 for value in rows[0])  # the SHA-256, in hex


async def test_a_spanish_advisors_feed_is_in_spanish(feed: Feed) -> None:
    env = feed[0]
    paid, _ = await prepare(env, locale="es_ES")
    answer = await calendar(env, "link")
    assert answer.startswith("Tu calendario privado")
    cal = await fetch(feed, token_in(answer))
    by_uid = {str(e["UID"]): e for e in events(cal)}
    session = by_uid[f"advisor-booking-{paid.booking_id}@pathwise"]
    assert str(session["SUMMARY"]) == "Pathwise: sesión en vivo de 60 minutos con Quiet Harbor"
    assert session["SUMMARY"].params["LANGUAGE"] == "es"
    assert session.decoded("DTSTART") == datetime(2026, 11, 25, 3, 0, tzinfo=ZoneInfo(ZONE))
    off = [e for e in events(cal) if str(e["UID"]).startswith("advisor-timeoff-")]
    assert {str(e["SUMMARY"]) for e in off} == {"Tiempo libre (Pathwise)"}
    assert str(cal["X-WR-CALNAME"]) == "Sesiones de Pathwise"


async def test_reset_and_stop_revoke_the_address(feed: Feed) -> None:
    env = feed[0]
    await prepare(env)
    old = token_in(await calendar(env, "link"))
    assert (await get(feed, old))[0] == 200

    answer = await calendar(env, "reset")
    new = token_in(answer)
    assert new != old
    assert answer.startswith(
        f"Your old calendar feed link no longer works. Your new one:\n{PUBLIC}"
    )
    status, headers, body = await get(feed, old)
    assert status == 404 and "no-store" in headers["Cache-Control"]
    assert (await get(feed, new))[0] == 200

    assert await calendar(env, "stop") == (
        "Your calendar feed is stopped: its link no longer works, and your calendar app will stop "
        "updating it (remove the subscription there too). /calendar link makes a new one."
    )
    revoked = await get(feed, new)
    assert revoked[0] == 404
    assert await calendar(env, "stop") == (
        "You have no calendar feed to stop. /calendar link makes one."
    )
    # An unknown address answers exactly as a revoked one.
    unknown = await get(feed, secrets.token_urlsafe(32))
    assert (unknown[0], unknown[2]) == (404, revoked[2]) == (404, body)

    again = token_in(await calendar(env, "link"))
    assert again not in (old, new) and (await get(feed, again))[0] == 200


async def test_someone_who_is_not_an_advisor_gets_no_feed(feed: Feed) -> None:
    env = feed[0]
    await prepare(env)
    [(answer, flags)] = await slash(env, "calendar", STRANGER, sub("link"))
    assert flags == EPHEMERAL and PUBLIC not in answer
    async with env.db.uow() as uow:
        assert (
            await uow.session.execute(text("SELECT count(*) FROM calendar_feeds"))
        ).scalar() == 0


async def test_no_log_line_holds_a_feeds_secret(
    feed: Feed, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(_env_file=None, log_format="json"), level="DEBUG")  # type: ignore[call-arg]
    env = feed[0]
    await prepare(env)
    live = token_in(await calendar(env, "link"))
    assert (await get(feed, live))[0] == 200
    unknown = secrets.token_urlsafe(32)
    assert (await get(feed, unknown))[0] == 404
    captured = capsys.readouterr()
    assert "calendar.feed.served" in captured.err and "calendar.feed.not_found" in captured.err
    for token in (live, unknown):
        assert token not in captured.err and token not in captured.out
