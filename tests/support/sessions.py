"""Shared helpers for the session tests: a fake of the rooms port, paid bookings made the real
way (checkout, then Stripe's signed webhook through billing), Discord accounts.

Imported by ``test_sessions*`` modules and the Discord adapter tests; it holds no tests itself.
Its fixtures (registered for every test through ``pytest_plugins``) are the lifecycle's usual
starting points, each built on the one before:

- ``stage``: the session service on the fake rooms, nothing booked yet (``stage.book(...)``
  for a booking at another time or with other people on Discord);
- ``a_paid_booking``: paid, both people on Discord, adopted by a first tick;
- ``an_open_room``: its room, opened ten minutes before the start;
- ``a_session_under_way``: that room once the advisor has written in it.

``second_db`` is another worker's connection to the same database, for the races.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any, Literal

import pytest

from core.accounts import Platform
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import aftercare
from core.models import AdviceSession, Offer, OutboxMessage, PlatformIdentity
from core.scheduling import hold_package
from core.sessions import (
    OpenedRoom,
    RoomGone,
    RoomRequest,
    SessionRooms,
    SessionService,
    TickReport,
)
from tests.support.billing import (
    World,
    billing_settings,
    make_billing,
    new_booking,
    pay,
    seed,
)
from tests.support.rows import rows

CLIENT_DISCORD = 111_000_000_000_000_111
ADVISOR_DISCORD = 222_000_000_000_000_222
MIN = timedelta(minutes=1)


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

    @property
    def session_id(self) -> int:
        return self.request.session_id


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


async def on_discord(db: Database, now: datetime, paid: Paid, *, client: bool = True) -> None:
    """Link the paid booking's advisor (and, unless ``client`` is false, its client) to
    Discord, as ``ADVISOR_DISCORD`` and ``CLIENT_DISCORD``."""
    await link_discord(db, now, advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD)
    if client:
        await link_discord(db, now, client_id=paid.world.client_id, user_id=CLIENT_DISCORD)


async def sessions_of(db: Database) -> list[AdviceSession]:
    return await rows(db, AdviceSession)


async def the_session(db: Database) -> AdviceSession:
    [s] = await sessions_of(db)
    return s


async def messages(db: Database, kind: str | None = None, **where: Any) -> list[OutboxMessage]:
    """The outbox rows, oldest first: of one ``kind`` if given, with columns equal to ``where``."""
    if kind is not None:
        where["kind"] = kind
    return await rows(db, OutboxMessage, **where)


def make_service(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    rooms: FakeRooms | None = None,
    **kwargs: Any,
) -> tuple[SessionService, FakeRooms]:
    """A session service on the fake rooms, with the dialogs' after-session flow wired in (as
    the composition root wires it); ``kwargs`` go to the service."""
    rooms = FakeRooms() if rooms is None else rooms
    kwargs.setdefault("start_aftercare", aftercare.start_aftercare)
    return SessionService(db, rooms, settings, clock, **kwargs), rooms


# -- the lifecycle tests' usual starting points, as fixtures -------------------------------


@dataclass
class SessionStage:
    """What a lifecycle test works with: the database, the clock it moves, settings under
    which bookings can be paid, and the session service on the fake rooms, ticked by hand."""

    db: Database
    settings: Settings
    clock: ManualClock
    service: SessionService
    rooms: FakeRooms

    async def tick(self) -> TickReport:
        return await self.service.tick()

    async def book(
        self,
        *,
        starts_in: timedelta = timedelta(days=2),
        linked: Literal["both", "advisor", "nobody"] = "both",
    ) -> Paid:
        """A 60-minute session with Ana, paid, its people on Discord as ``linked`` says
        ("both", "advisor" or "nobody"), and adopted by a first tick: one scheduled session."""
        assert linked in ("both", "advisor", "nobody"), linked
        paid = await paid_booking(self.db, self.settings, self.clock, starts_in=starts_in)
        if linked != "nobody":
            await on_discord(self.db, self.clock.now(), paid, client=linked == "both")
        await self.tick()
        return paid

    async def open_room(self) -> FakeRoom:
        """Tick at the room's opening, 10 minutes before the start; the room."""
        s = await the_session(self.db)
        self.clock.set(s.starts_at - 10 * MIN)
        report = await self.tick()
        assert report.opened == [s.id]
        return self.rooms.by_session(s.id)


@pytest.fixture
def stage(db: Database, database_url: str, clock: ManualClock) -> SessionStage:
    """Nothing booked yet: the session service on fresh fake rooms."""
    settings = session_settings(database_url)
    service, rooms = make_service(db, settings, clock)
    return SessionStage(db, settings, clock, service, rooms)


@pytest.fixture
async def a_paid_booking(stage: SessionStage) -> Paid:
    """A 60-minute session with Ana two days ahead, paid, both people on Discord, and
    adopted by a first tick: one scheduled session."""
    return await stage.book()


@pytest.fixture
async def an_open_room(stage: SessionStage, a_paid_booking: Paid) -> FakeRoom:
    """``a_paid_booking``'s room, opened ten minutes before the start with both people in."""
    return await stage.open_room()


@pytest.fixture
async def a_session_under_way(stage: SessionStage, an_open_room: FakeRoom) -> FakeRoom:
    """``an_open_room`` once the advisor has written in it: no no-show, the session runs."""
    await stage.service.record_message(an_open_room.channel_id, ADVISOR_DISCORD)
    return an_open_room


@pytest.fixture
async def second_db(database_url: str) -> AsyncIterator[Database]:
    """Another worker: its own engine and connections to the same database."""
    other = Database(database_url)
    try:
        yield other
    finally:
        await other.dispose()
