"""Opening a session's private room before its start, letting a client in who linked their
account late, and taking out a client who erased their data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists

from core import outbox
from core.accounts import Platform
from core.db import UnitOfWork
from core.lifecycle.context import Lifecycle, with_platform
from core.lifecycle.people import People, when
from core.lifecycle.ports import OpenedRoom, RoomGone, RoomRequest
from core.lifecycle.reminders import invite_if_unlinked, join_details, steps_of
from core.lifecycle.words import guidelines
from core.models import PlatformIdentity
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.outbox import Audience
from core.texts import rooms as r
from core.texts import sessions as t


def room_request(life: Lifecycle, s: AdviceSession, people: People) -> RoomRequest:
    """What the platform needs to open ``s``'s room."""
    return RoomRequest(
        session_id=s.id,
        name=s.channel_name,
        client_user_id=people.client_user_id,
        advisor_user_id=people.advisor_user_id,
        live=s.kind == SessionKind.LIVE.value,
        title=r.TITLE(offer_name=people.offer_name, advisor_name=people.advisor_name),
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        guidelines=guidelines(life.settings),
    )


async def open_rooms(life: Lifecycle, now: datetime) -> list[int]:
    """Open the room ``channel_open_minutes_before`` the start (a package: at once)."""
    before = timedelta(minutes=life.settings.channel_open_minutes_before)

    async def act(s: AdviceSession, people: People) -> tuple[OpenedRoom, str | None]:
        room = await life.rooms.open(room_request(life, s, people))
        return room, await invite_if_unlinked(life, people)

    async def record(
        uow: UnitOfWork, s: AdviceSession, people: People, result: tuple[OpenedRoom, str | None]
    ) -> None:
        room, invite = result
        if s.state != SessionState.SCHEDULED.value:
            return
        s.state = SessionState.OPEN.value
        s.channel_id = room.channel_id
        s.opened_at = now
        s.client_user_id = people.client_user_id
        s.advisor_user_id = people.advisor_user_id
        await _announce(life, uow, s, people, room, invite, now)

    return await with_platform(
        life,
        "open",
        now,
        [
            AdviceSession.state == SessionState.SCHEDULED.value,
            AdviceSession.starts_at <= now + before,
        ],
        act,
        record,
    )


def _client_words(s: AdviceSession, people: People, url: str, locale: str) -> str:
    if s.kind == SessionKind.LIVE.value:
        return t.ROOM_OPEN_CLIENT_LIVE(
            offer_name=people.offer_name,
            advisor_name=people.advisor_name,
            url=url,
            when=when(s.starts_at, people.client_zone, locale),
        )
    return t.ROOM_OPEN_CLIENT_MESSAGING(
        offer_name=people.offer_name,
        advisor_name=people.advisor_name,
        url=url,
        until=when(s.ends_at, people.client_zone, locale),
    )


async def _announce(
    life: Lifecycle,
    uow: UnitOfWork,
    s: AdviceSession,
    people: People,
    room: OpenedRoom,
    invite: str | None,
    now: datetime,
) -> None:
    """The room's link to both people; the team is told if the advisor can't be let in."""
    data = await join_details(life, uow, s, invite, now)
    live = s.kind == SessionKind.LIVE.value

    def for_the_client(locale: str) -> str:
        return _client_words(s, people, room.url, locale) + steps_of(life, data)

    await outbox.enqueue(
        uow,
        audience=Audience.CLIENT,
        kind="room_open",
        client_id=s.client_id,
        text=for_the_client,
        data={"session_id": s.id, "booking_id": s.booking_id, "url": room.url, **data},
        dedupe_key=f"room_open_client:{s.id}",
        now=now,
    )
    to_advisor = t.ROOM_OPEN_ADVISOR_LIVE if live else t.ROOM_OPEN_ADVISOR_MESSAGING
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="room_open",
        advisor_id=s.advisor_id,
        text=outbox.words(
            to_advisor, offer_name=people.offer_name, client_name=people.client_name, url=room.url
        ),
        data={"session_id": s.id, "booking_id": s.booking_id, "url": room.url},
        dedupe_key=f"room_open_advisor:{s.id}",
        now=now,
    )
    if people.advisor_user_id is None:
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="advisor_not_on_discord",
            advisor_id=s.advisor_id,
            text=outbox.words(
                t.ADVISOR_NOT_LINKED, session_id=s.id, advisor_name=people.advisor_name
            ),
            language=life.settings.team_locale,
            dedupe_key=f"advisor_not_on_discord:{s.id}",
            now=now,
        )


async def admit(life: Lifecycle, now: datetime, client_id: int | None = None) -> list[int]:
    """Let a client who linked Discord after the room opened into it."""
    linked = exists().where(
        PlatformIdentity.client_id == AdviceSession.client_id,
        PlatformIdentity.platform == Platform.DISCORD.value,
    )
    where: list[ColumnElement[bool]] = [
        AdviceSession.state == SessionState.OPEN.value,
        AdviceSession.channel_id.is_not(None),
        AdviceSession.client_user_id.is_(None),
        linked,
    ]
    if client_id is not None:
        where.append(AdviceSession.client_id == client_id)

    async def act(s: AdviceSession, people: People) -> int | None:
        if people.client_user_id is None or s.channel_id is None:
            return None
        await life.rooms.admit(s.channel_id, people.client_user_id)
        return people.client_user_id

    async def record(
        uow: UnitOfWork, s: AdviceSession, people: People, user_id: int | None
    ) -> None:
        s.client_user_id = user_id

    return await with_platform(life, "admit", now, where, act, record)


async def prune(life: Lifecycle, now: datetime) -> list[int]:
    """Rooms whose client erased their data from a process without the rooms port: all but
    the advisor go."""
    where: list[ColumnElement[bool]] = [
        AdviceSession.prune_due_at.is_not(None),
        AdviceSession.channel_id.is_not(None),
    ]

    async def act(s: AdviceSession, people: People) -> None:
        if s.channel_id is None or s.deleted_at is not None:
            return
        try:
            await life.rooms.keep_only(s.channel_id, [people.advisor_user_id or 0])
        except RoomGone:
            return  # deleted by hand meanwhile: nobody left to take out

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, _: None) -> None:
        s.prune_due_at = None

    return await with_platform(life, "prune", now, where, act, record)
