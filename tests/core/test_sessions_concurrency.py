"""Two workers ticking at the same moment on PostgreSQL act once: one session per booking,
one room, one reminder each, one lock, one deletion. (SQLite serialises writers and would
hide the races, so these run on PostgreSQL only.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.sessions import OpenedRoom, RoomRequest, SessionService
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    FakeRooms,
    link_discord,
    messages,
    paid_booking,
    session_settings,
    sessions_of,
)

pytestmark = pytest.mark.postgres

MIN = timedelta(minutes=1)


class SlowRooms(FakeRooms):
    """Platform calls that take a while, so two workers overlap in them."""

    async def open(self, request: RoomRequest) -> OpenedRoom:
        await asyncio.sleep(0.05)
        return await super().open(request)

    async def create_invite(self, max_age: timedelta) -> str:
        await asyncio.sleep(0.05)
        return await super().create_invite(max_age)


async def test_two_workers_ticking_at_once_act_once(
    db: Database, second_db: Database, database_url: str, clock: ManualClock
) -> None:
    settings: Settings = session_settings(database_url)
    paids = [await paid_booking(db, settings, clock)]
    for hours in (2, 4):
        paids.append(
            await paid_booking(
                db,
                settings,
                clock,
                starts_in=timedelta(days=2, hours=hours),
                world=paids[0].world,
                billing=paids[0].billing,
            )
        )
    await link_discord(
        db, clock.now(), advisor_id=paids[0].world.advisor_id, user_id=ADVISOR_DISCORD
    )
    rooms = SlowRooms()
    one = SessionService(db, rooms, settings, clock)
    two = SessionService(second_db, rooms, settings, clock)

    async def both() -> None:
        reports = await asyncio.gather(one.tick(), two.tick())
        assert not any(r.failed_steps for r in reports)

    await both()  # adopt, and the join messages with their invites
    sessions = await sessions_of(db)
    assert len(sessions) == 3
    assert len(rooms.invites) == 3 and len(await messages(db, "discord_join")) == 3
    await link_discord(db, clock.now(), client_id=paids[0].world.client_id, user_id=CLIENT_DISCORD)

    clock.set(sessions[-1].starts_at - 10 * MIN)  # every room is due to open
    await both()
    await both()
    assert rooms.opens() == 3 and len(rooms.rooms) == 3
    assert len(await messages(db, "room_open", audience="advisor")) == 3
    for s in sessions:
        await one.record_message(rooms.by_session(s.id).channel_id, ADVISOR_DISCORD)

    clock.set(sessions[-1].ends_at)
    await both()
    assert sum(1 for method, _ in rooms.calls if method == "lock") == 3
    assert len(await messages(db, "aftercare")) == 3

    clock.advance(timedelta(hours=24))
    await both()
    await both()
    assert sum(1 for method, _ in rooms.calls if method == "delete") == 3
