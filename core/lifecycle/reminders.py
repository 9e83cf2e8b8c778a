"""Telling people how to get in after payment, and reminding both a day and 15 minutes
before a live session."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_

from core import linking, outbox
from core.db import UnitOfWork
from core.lifecycle.context import Lifecycle, with_platform
from core.lifecycle.people import People, when
from core.lifecycle.words import join_steps
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.outbox import Audience
from core.texts import sessions as t

REMIND_DAY = timedelta(hours=24)
REMIND_SOON = timedelta(minutes=15)


async def invite_if_unlinked(life: Lifecycle, people: People) -> str | None:
    """A fresh invite to the rooms' server for a client not yet on it; else None."""
    if people.client_user_id is not None:
        return None
    return await life.rooms.create_invite(life.link_ttl)


async def join_details(
    life: Lifecycle, uow: UnitOfWork, s: AdviceSession, invite: str | None, now: datetime
) -> dict[str, Any]:
    """The invite and a fresh link code for a client not yet on Discord (``invite``,
    ``link_code``); else nothing."""
    if invite is None:
        return {}
    code = await linking.issue_link_code(uow, s.client_id, now, life.link_ttl)
    return {"invite": invite, "link_code": code}


def steps_of(life: Lifecycle, details: dict[str, Any]) -> str:
    """The join steps of :func:`join_details`, as a paragraph to append (in the language
    of the moment); nothing without them."""
    return join_steps(details.get("invite"), details.get("link_code"), life.settings)


async def send_join(life: Lifecycle, now: datetime) -> list[int]:
    """After payment: how to reach the room (a Discord invite and a link code if needed)."""

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, invite: str | None) -> None:
        if s.join_sent_at is not None:
            return
        s.join_sent_at = now
        data = await join_details(life, uow, s, invite, now)
        if not data:
            return  # already on Discord: the reminders and the room's link will do

        def join(locale: str) -> str:
            return t.JOIN_INTRO(advisor_name=people.advisor_name) + steps_of(life, data)

        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="discord_join",
            client_id=s.client_id,
            text=join,
            data={"session_id": s.id, "booking_id": s.booking_id, **data},
            dedupe_key=f"session_join:{s.id}",
            now=now,
        )

    async def act(s: AdviceSession, people: People) -> str | None:
        return await invite_if_unlinked(life, people)

    # A room about to open (or a package's, which opens at once) brings its own invite.
    before = timedelta(minutes=life.settings.channel_open_minutes_before)
    return await with_platform(
        life,
        "join",
        now,
        [
            AdviceSession.join_sent_at.is_(None),
            AdviceSession.state == SessionState.SCHEDULED.value,
            AdviceSession.kind == SessionKind.LIVE.value,
            AdviceSession.starts_at > now + before,
        ],
        act,
        record,
    )


async def remind(life: Lifecycle, now: datetime, lead: timedelta) -> list[int]:
    """A reminder ``lead`` before a live session, to both people. Skipped when the
    booking was made after that moment (they know already)."""
    day = lead == REMIND_DAY
    column = AdviceSession.reminded_day_for if day else AdviceSession.reminded_soon_for
    where = [
        AdviceSession.state == SessionState.SCHEDULED.value,
        AdviceSession.kind == SessionKind.LIVE.value,
        AdviceSession.starts_at <= now + lead,
        AdviceSession.starts_at > now,
        or_(column.is_(None), column != AdviceSession.starts_at),
    ]
    opens_before = timedelta(minutes=life.settings.channel_open_minutes_before)

    def wanted(s: AdviceSession) -> bool:
        if s.created_at > s.starts_at - lead:
            return False  # booked after this reminder's moment
        # Sent late (workers were down), a reminder the next message covers is skipped:
        # the day one once the 15-minute one is due, that one once the room opens.
        return s.starts_at - now > (REMIND_SOON if day else opens_before)

    async def act(s: AdviceSession, people: People) -> str | None:
        return await invite_if_unlinked(life, people) if wanted(s) else None

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, invite: str | None) -> None:
        if day:
            s.reminded_day_for = s.starts_at
        else:
            s.reminded_soon_for = s.starts_at
        if wanted(s):
            await _queue_reminders(life, uow, s, people, invite, day, now)

    return await with_platform(life, "remind", now, where, act, record)


async def _queue_reminders(
    life: Lifecycle,
    uow: UnitOfWork,
    s: AdviceSession,
    people: People,
    invite: str | None,
    day: bool,
    now: datetime,
) -> None:
    """The client's reminder (with the join steps if they need them) and the advisor's."""
    start = s.starts_at
    data = await join_details(life, uow, s, invite, now)
    opens = life.settings.channel_open_minutes_before
    stamp = f"{s.id}:{int(start.timestamp())}:{'day' if day else 'soon'}"
    to_client = t.REMIND_CLIENT_DAY if day else t.REMIND_CLIENT_SOON
    to_advisor = t.REMIND_ADVISOR_DAY if day else t.REMIND_ADVISOR_SOON

    def for_the_client(locale: str) -> str:
        reminder = to_client(
            offer_name=people.offer_name,
            advisor_name=people.advisor_name,
            when=when(start, people.client_zone, locale),
            opens=opens,
        )
        return reminder + steps_of(life, data)

    def for_the_advisor(locale: str) -> str:
        return to_advisor(
            offer_name=people.offer_name,
            client_name=people.client_name,
            when=when(start, people.advisor_zone, locale),
            opens=opens,
        )

    await outbox.enqueue(
        uow,
        audience=Audience.CLIENT,
        kind="session_reminder",
        client_id=s.client_id,
        text=for_the_client,
        data={"session_id": s.id, "booking_id": s.booking_id, **data},
        dedupe_key=f"remind_client:{stamp}",
        now=now,
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="session_reminder",
        advisor_id=s.advisor_id,
        text=for_the_advisor,
        data={"session_id": s.id, "booking_id": s.booking_id},
        dedupe_key=f"remind_advisor:{stamp}",
        now=now,
    )
