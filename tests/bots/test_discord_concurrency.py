"""Two bots (two workers, each with its own database engine) running the tick and delivery at
the same moment on PostgreSQL: one room is made and each DM is sent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.clock import ManualClock
from core.db import Database
from core.models.outbox import OutboxStatus
from devtools.discord_recorder import GUILD_ID
from tests.support.discord_bot import discord_settings, fake_server, start_bot
from tests.support.sessions import (
    ADVISOR_DISCORD,
    messages,
    on_discord,
    paid_booking,
    the_session,
)

pytestmark = pytest.mark.postgres


async def test_two_workers_make_one_room_and_send_each_dm_once(
    db: Database, second_db: Database, database_url: str, clock: ManualClock
) -> None:
    settings = discord_settings(database_url)
    fake = fake_server()
    fake.latency = 0.02  # every Discord call takes a moment, so the two workers overlap
    one = await start_bot(fake, db, settings, clock)
    two = await start_bot(fake, second_db, settings, clock)
    paid = await paid_booking(db, settings, clock)
    await on_discord(db, clock.now(), paid)

    async def both() -> None:
        await asyncio.gather(one.sessions.tick(), two.sessions.tick())
        await asyncio.gather(one.delivery.deliver_due(), two.delivery.deliver_due())

    await both()
    s = await the_session(db)
    clock.set(s.starts_at - timedelta(minutes=10))
    await both()
    await both()

    made = [
        c
        for c in fake.calls_to("POST", f"/guilds/{GUILD_ID}/channels")
        if c.json["name"].startswith("session-")
    ]
    assert len(made) == 1
    dms = [m["content"] for m in fake.messages.get(ADVISOR_DISCORD + 1, [])]
    assert len(dms) == 2 and len(set(dms)) == 2
    assert dms[0].startswith("New booking paid:") and dms[1].startswith("The room for your")
    rows = await messages(db, audience="advisor")
    assert [r.status for r in rows] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert all(r.attempts == 1 for r in rows)
