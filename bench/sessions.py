"""The sessions tick over many sessions with work due, next to a tick with nothing due.

10k paid live sessions start within the next day, so each is due its day-before reminder:
the tick leases it, asks the rooms port for an invite (the client has not linked Discord),
and records two outbox messages (client and advisor). Each tick takes at most
``core.lifecycle.context.BATCH`` sessions per step, so the figure is how fast repeated ticks drain
the backlog; the floor is a tick over the same sessions once nothing is due (what asking
the database "what is due now?" costs).

``python -m bench.sessions [SESSIONS]`` prints the numbers; :func:`run` returns them.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import migrations
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.models import Advisor, Booking, BookingStatus, Client, Offer
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.sessions import OpenedRoom, RoomRequest, SessionRooms, SessionService

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADVISORS = 100
CHUNK = 2000  # rows per INSERT when seeding


class NullRooms(SessionRooms):
    """A rooms port that does nothing, at once: the tick's own cost, not Discord's."""

    def __init__(self) -> None:
        self.invites = 0

    async def open(self, request: RoomRequest) -> OpenedRoom:
        return OpenedRoom(900_000 + request.session_id, "https://rooms.invalid/room")

    async def admit(self, channel_id: int, user_id: int) -> None:
        return None

    async def remove(self, channel_id: int, user_id: int) -> None:
        return None

    async def keep_only(self, channel_id: int, user_ids: Sequence[int]) -> None:
        return None

    async def post(self, channel_id: int, text: str) -> None:
        return None

    async def lock(self, channel_id: int, *args: Any, **kwargs: Any) -> None:
        return None

    async def delete(self, channel_id: int) -> None:
        return None

    async def create_invite(self, max_age: timedelta) -> str:
        self.invites += 1
        return f"https://discord.invalid/{self.invites}"


async def seed_sessions(db: Database, count: int) -> None:
    """``count`` scheduled live sessions of 60 minutes, starting over the next 2-22 hours."""
    created = NOW - timedelta(days=3)
    async with db.uow() as uow:
        s = uow.session
        offer_of = await _seed_advisors(s, created)
        client_ids = await _seed_clients(s, count, created)
        await _seed_bookings(s, offer_of, client_ids, count, created)
        await _seed_rooms(s, created)
        await uow.commit()


async def _seed_advisors(s: AsyncSession, created: datetime) -> dict[int, int]:
    """``ADVISORS`` approved advisors, one live60 offer each; advisor id -> offer id, in order."""
    await s.execute(
        insert(Advisor),
        [
            {
                "slug": f"tick-advisor-{i}",
                "display_name": f"Advisor {i}",
                "bio": "",
                "timezone": "Europe/Madrid",
                "approved": True,
                "created_at": created,
                "specialties": [],
                "topics": [],
                "languages": ["en"],
            }
            for i in range(ADVISORS)
        ],
    )
    advisor_ids = list(await s.scalars(select(Advisor.id).order_by(Advisor.id)))
    await s.execute(
        insert(Offer),
        [
            {"advisor_id": a, "kind": "live60", "price_minor": 6000, "currency": "USD"}
            for a in advisor_ids
        ],
    )
    offer_of = {a: o for a, o in await s.execute(select(Offer.advisor_id, Offer.id))}
    return {a: offer_of[a] for a in advisor_ids}


async def _seed_clients(s: AsyncSession, count: int, created: datetime) -> list[int]:
    """``count`` clients, inserted ``CHUNK`` at a time; their ids in order."""
    for first in range(0, count, CHUNK):
        numbers = range(first, min(count, first + CHUNK))
        await s.execute(
            insert(Client),
            [
                {
                    "display_name": f"Client {n}",
                    "timezone": "Europe/London",
                    "created_at": created,
                }
                for n in numbers
            ],
        )
    return list(await s.scalars(select(Client.id).order_by(Client.id)))


async def _seed_bookings(
    s: AsyncSession,
    offer_of: dict[int, int],
    client_ids: list[int],
    count: int,
    created: datetime,
) -> None:
    """One confirmed booking per client, advisors in turn, spread over the next 2-22 hours."""
    advisor_ids = list(offer_of)
    spread = timedelta(hours=20) / max(count, 1)
    rows = []
    for n, client_id in enumerate(client_ids):
        advisor_id = advisor_ids[n % ADVISORS]
        starts = NOW + timedelta(hours=2) + spread * n
        rows.append(
            {
                "client_id": client_id,
                "advisor_id": advisor_id,
                "offer_id": offer_of[advisor_id],
                "status": BookingStatus.CONFIRMED.value,
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=60),
                "price_minor": 6000,
                "currency": "USD",
                "created_at": created,
                "updated_at": created,
            }
        )
    for first in range(0, len(rows), CHUNK):
        await s.execute(insert(Booking), rows[first : first + CHUNK])


async def _seed_rooms(s: AsyncSession, created: datetime) -> None:
    """A scheduled advice session for every booking, its join message already sent."""
    bookings = (
        await s.execute(
            select(
                Booking.id,
                Booking.client_id,
                Booking.advisor_id,
                Booking.starts_at,
                Booking.ends_at,
            ).order_by(Booking.id)
        )
    ).all()
    sessions = [
        {
            "booking_id": b.id,
            "client_id": b.client_id,
            "advisor_id": b.advisor_id,
            "kind": SessionKind.LIVE.value,
            "state": SessionState.SCHEDULED.value,
            "starts_at": b.starts_at,
            "ends_at": b.ends_at,
            "channel_name": f"session-{b.id}",
            "join_sent_at": created,
            "warnings_sent": 0,
            "created_at": created,
            "updated_at": created,
        }
        for b in bookings
    ]
    for first in range(0, len(sessions), CHUNK):
        await s.execute(insert(AdviceSession), sessions[first : first + CHUNK])


async def measure(url: str, count: int) -> dict[str, float]:
    """Drain ``count`` due reminders with repeated ticks; then one tick with nothing due."""
    db = Database(url)
    try:
        await seed_sessions(db, count)
        settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        service = SessionService(db, NullRooms(), settings, ManualClock(NOW))
        began = time.perf_counter()
        first_tick = 0.0
        ticks = reminded = 0
        while True:
            start = time.perf_counter()
            report = await service.tick(NOW)
            if ticks == 0:
                first_tick = time.perf_counter() - start
            ticks += 1
            if report.failed_steps:
                raise RuntimeError(f"tick steps failed: {report.failed_steps}")
            if not report.reminded:
                break
            reminded += len(report.reminded)
        drain = time.perf_counter() - began
        idle = []
        for _ in range(3):
            start = time.perf_counter()
            await service.tick(NOW)
            idle.append(time.perf_counter() - start)
        if reminded != count:
            raise RuntimeError(f"{reminded} of {count} sessions were reminded")
        return {
            "sessions": count,
            "ticks": ticks,
            "drain_s": drain,
            "sessions_per_second": reminded / drain if drain else 0.0,
            "first_tick_ms": first_tick * 1000,
            "idle_tick_ms": min(idle) * 1000,
        }
    finally:
        await db.dispose()


def run(count: int = 10_000) -> dict[str, float]:
    """The figures on a scratch SQLite database."""

    async def go() -> dict[str, float]:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            await migrations.upgrade_async(url)
            return await measure(url, count)

    return asyncio.run(go())


def main(argv: list[str]) -> None:
    count = int(argv[0]) if argv else 10_000
    for key, value in run(count).items():
        print(f"{key:<20} {value:>12.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
