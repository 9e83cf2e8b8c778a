"""What every step of the tick works with, and the two ways a step claims its sessions."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select, update

from core import i18n
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork
from core.lifecycle.people import People, read_people
from core.lifecycle.ports import SessionRooms
from core.models.sessions import AdviceSession
from core.ports import StartAftercare
from core.receipts import ReceiptFonts

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # how long a worker may take over one platform action
BATCH = 50  # sessions taken per step and tick; the next tick takes the rest

T = TypeVar("T")
Where = Sequence[ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The database, the rooms port and the settings every step works with."""

    db: Database
    rooms: SessionRooms
    settings: Settings
    clock: Clock
    fonts: ReceiptFonts | None = None
    # The dialogs' after-session flow; without it the client gets the plain words only.
    start_aftercare: StartAftercare | None = None

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.link_code_ttl_minutes)

    @property
    def retention(self) -> timedelta:
        return timedelta(hours=self.settings.channel_retention_hours)


async def take_write_lock(uow: UnitOfWork) -> None:
    """On SQLite, become the writer before reading what to claim (see ``core.lifecycle``)."""
    if uow.session.get_bind().dialect.name == "sqlite":
        await uow.session.execute(
            update(AdviceSession)
            .where(AdviceSession.id == -1)
            .values(id=AdviceSession.id)
            .execution_options(synchronize_session=False)
        )


async def lock(uow: UnitOfWork, session_id: int) -> AdviceSession | None:
    """One session, read fresh under a row lock."""
    return await uow.session.scalar(
        select(AdviceSession)
        .where(AdviceSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def claim(
    uow: UnitOfWork, now: datetime, where: Where, limit: int = BATCH
) -> list[AdviceSession]:
    """Due sessions nobody else is working on, locked for this transaction."""
    await take_write_lock(uow)
    free = or_(AdviceSession.lease_until.is_(None), AdviceSession.lease_until <= now)
    return list(
        await uow.session.scalars(
            select(AdviceSession)
            .where(*where, free)
            .order_by(AdviceSession.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=AdviceSession)
            .execution_options(populate_existing=True)
        )
    )


async def in_one_transaction(
    life: Lifecycle,
    now: datetime,
    where: Where,
    apply: Callable[[UnitOfWork, AdviceSession], Awaitable[bool]],
) -> list[int]:
    """Database-only work: claim and change in one transaction; ids where ``apply`` acted."""
    async with life.db.uow() as uow:
        done = []
        for s in await claim(uow, now, where):
            if await apply(uow, s):
                s.updated_at = now
                done.append(s.id)
        await uow.commit()
    return done


async def with_platform(
    life: Lifecycle,
    step: str,
    now: datetime,
    where: Where,
    act: Callable[[AdviceSession, People], Awaitable[T]],
    record: Callable[[UnitOfWork, AdviceSession, People, T], Awaitable[None]],
) -> list[int]:
    """Work that calls the platform: lease, act outside any transaction, record. What ``act``
    posts in the room is in the room's language (``People.room_language``)."""
    async with life.db.uow() as uow:
        claimed = []
        for s in await claim(uow, now, where):
            s.lease_until = now + LEASE
            claimed.append((s, await read_people(uow, s)))
        await uow.commit()
    done = []
    for s, people in claimed:
        try:
            with i18n.speaking(people.room_language):
                result = await act(s, people)
        except Exception:
            log.exception("session %s: %s failed; retried when its lease ends", s.id, step)
            continue
        async with life.db.uow() as uow:
            fresh = await lock(uow, s.id)
            if fresh is None:
                continue
            await record(uow, fresh, people, result)
            fresh.lease_until = None
            fresh.updated_at = now
            await uow.commit()
        done.append(s.id)
    return done
