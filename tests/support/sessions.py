"""Shared helpers for the session tests: a fake of the rooms port, paid bookings made the real
way (checkout, then Stripe's signed webhook through billing), Discord accounts.

Imported by ``test_sessions*`` modules and the Discord adapter tests; it holds no tests itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import select

from core.accounts import Platform
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import aftercare
from core.models import AdviceSession, Offer, OutboxMessage, PlatformIdentity
from core.scheduling import hold_package
from core.sessions import OpenedRoom, RoomGone, RoomRequest, SessionRooms, SessionService
from tests.support.billing import (
    World,
    billing_settings,
    make_billing,
    new_booking,
    pay,
    seed,
)

CLIENT_DISCORD = 111_000_000_000_000_111
ADVISOR_DISCORD = 222_000_000_000_000_222


@dataclass
class FakeRoom:
    request: RoomRequest
    channel_id: int
    members: set[int]
    posts: list[str] = field(default_factory=list)
    locked: bool = False
    closing: str | None = None
    offered_transcript: bool = False
    deleted: bool = False


class FakeRooms(SessionRooms):
    """The rooms port in memory: what was opened, posted, locked and deleted."""

    def __init__(self) -> None:
        self.rooms: dict[int, FakeRoom] = {}
        self.invites: list[tuple[str, timedelta]] = []
        self.calls: list[tuple[str, Any]] = []
        self.fail: dict[str, int] = {}  # method -> how many next calls raise
        self._ids = count(700_000)

    def _maybe_fail(self, method: str) -> None:
        self.calls.append((method, None))
        if self.fail.get(method):
            self.fail[method] -= 1
            raise RuntimeError(f"platform unavailable ({method})")

    def by_session(self, session_id: int) -> FakeRoom:
        [room] = [r for r in self.rooms.values() if r.request.session_id == session_id]
        return room

    def opens(self) -> int:
        return sum(1 for method, _ in self.calls if method == "open")

    async def open(self, request: RoomRequest) -> OpenedRoom:
        self._maybe_fail("open")
        for room in self.rooms.values():
            if room.request.name == request.name and not room.deleted:
                return OpenedRoom(room.channel_id, f"https://rooms.test/{room.channel_id}")
        channel_id = next(self._ids)
        members = {u for u in (request.client_user_id, request.advisor_user_id) if u}
        self.rooms[channel_id] = FakeRoom(request, channel_id, members)
        return OpenedRoom(channel_id, f"https://rooms.test/{channel_id}")

    def _room(self, channel_id: int) -> FakeRoom:
        room = self.rooms.get(channel_id)
        if room is None or room.deleted:
            raise RoomGone()
        return room

    async def admit(self, channel_id: int, user_id: int) -> None:
        self._maybe_fail("admit")
        self._room(channel_id).members.add(user_id)

    async def remove(self, channel_id: int, user_id: int) -> None:
        self._maybe_fail("remove")
        self._room(channel_id).members.discard(user_id)

    async def keep_only(self, channel_id: int, user_ids: Sequence[int]) -> None:
        self._maybe_fail("keep_only")
        room = self._room(channel_id)
        room.members = {m for m in room.members if m in user_ids}

    async def post(self, channel_id: int, text: str) -> None:
        self._maybe_fail("post")
        self._room(channel_id).posts.append(text)

    async def lock(
        self,
        channel_id: int,
        *,
        session_id: int,
        member_ids: Sequence[int],
        closing_text: str,
        offer_transcript: bool,
    ) -> None:
        self._maybe_fail("lock")
        room = self._room(channel_id)
        room.locked = True
        room.closing = closing_text
        room.offered_transcript = offer_transcript

    async def delete(self, channel_id: int) -> None:
        self._maybe_fail("delete")
        self._room(channel_id).deleted = True

    async def create_invite(self, max_age: timedelta) -> str:
        self._maybe_fail("invite")
        url = f"https://discord.gg/test{len(self.invites) + 1}"
        self.invites.append((url, max_age))
        return url


@dataclass
class Paid:
    world: World
    booking_id: int
    billing: Billing


def session_settings(database_url: str, **overrides: Any) -> Settings:
    return billing_settings(database_url, **overrides)


async def paid_booking(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    *,
    starts_in: timedelta = timedelta(days=2),
    world: World | None = None,
    billing: Billing | None = None,
) -> Paid:
    """A 60-minute session with Ana, paid through checkout and Stripe's webhook (another one
    for the same people: pass the first one's ``world`` and ``billing``)."""
    now = clock.now()
    billing = billing or make_billing(db, settings, clock)[0]
    if world is None:
        world = await seed(db, now, starts_in=starts_in)
        booking_id = world.booking_id
    else:
        booking_id = await new_booking(db, world, now, starts_at=now + starts_in)
    checkout = await billing.start_checkout(booking_id, world.client_id)
    result = await pay(billing, db, checkout.purchase_id)
    assert result.status == 200, result
    return Paid(world, booking_id, billing)


async def paid_package(db: Database, settings: Settings, clock: ManualClock, days: int = 7) -> Paid:
    """A messaging package with Ana, paid the same way."""
    now = clock.now()
    billing, _ = make_billing(db, settings, clock)
    world = await seed(db, now)
    async with db.uow() as uow:
        offer = Offer(
            advisor_id=world.advisor_id,
            kind="messaging",
            days=days,
            price_minor=4000,
            currency="USD",
        )
        uow.session.add(offer)
        await uow.session.flush()
        booking = await hold_package(uow, client_id=world.client_id, offer_id=offer.id, now=now)
        booking_id = booking.id
        await uow.commit()
    checkout = await billing.start_checkout(booking_id, world.client_id)
    result = await pay(billing, db, checkout.purchase_id)
    assert result.status == 200, result
    return Paid(world, booking_id, billing)


async def link_discord(
    db: Database,
    now: datetime,
    *,
    client_id: int | None = None,
    advisor_id: int | None = None,
    user_id: int,
) -> None:
    """Give a client or an advisor a Discord account (as /link or advisor onboarding would)."""
    async with db.uow() as uow:
        uow.session.add(
            PlatformIdentity(
                platform=Platform.DISCORD.value,
                platform_user_id=user_id,
                client_id=client_id,
                advisor_id=advisor_id,
                created_at=now,
            )
        )
        await uow.commit()


async def sessions_of(db: Database) -> list[AdviceSession]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(AdviceSession).order_by(AdviceSession.id)))


async def the_session(db: Database) -> AdviceSession:
    [s] = await sessions_of(db)
    return s


async def messages(db: Database, kind: str | None = None, **where: Any) -> list[OutboxMessage]:
    async with db.uow() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(await uow.session.scalars(query))


def make_service(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    rooms: FakeRooms | None = None,
    **kwargs: Any,
) -> tuple[SessionService, FakeRooms]:
    rooms = rooms or FakeRooms()
    kwargs.setdefault("start_aftercare", aftercare.start_aftercare)
    return SessionService(db, rooms, settings, clock, **kwargs), rooms
