"""The end of a room: closed early when the advisor does not come, warned before the end,
and locked at the end (or when the advisor ends it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update

from core import billing, outbox
from core.db import UnitOfWork
from core.lifecycle.context import Lifecycle, with_platform
from core.lifecycle.people import People, when
from core.lifecycle.ports import RoomGone
from core.lifecycle.words import closing_text, warning_text
from core.models import Booking, BookingStatus
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.outbox import Audience
from core.texts import rooms as r
from core.texts import sessions as t

NO_SHOW_AFTER = timedelta(minutes=10)
WARNINGS = (timedelta(minutes=10), timedelta(minutes=2))  # before the end, in this order


def members(s: AdviceSession) -> list[int]:
    """The platform accounts let into the room."""
    return [uid for uid in (s.client_user_id, s.advisor_user_id) if uid is not None]


async def _lock_room(life: Lifecycle, s: AdviceSession, text: str, offer_transcript: bool) -> None:
    if s.channel_id is None:
        return
    try:
        await life.rooms.lock(
            s.channel_id,
            session_id=s.id,
            member_ids=members(s),
            closing_text=text,
            offer_transcript=offer_transcript,
        )
    except RoomGone:
        pass


async def no_show(life: Lifecycle, now: datetime) -> list[int]:
    """No word from the advisor in the first minutes of a live session (counted from the
    later of the start and the room's opening): close the room and offer the client a
    full refund of the service price or a new time, at once."""

    async def act(s: AdviceSession, people: People) -> None:
        text = r.NO_SHOW_CLOSING(advisor_name=people.advisor_name, client_name=people.client_name)
        await _lock_room(life, s, text, offer_transcript=False)

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, _: None) -> None:
        # A word from the advisor while the room was being closed comes too late: the
        # room is closed, so the no-show stands.
        if s.state != SessionState.OPEN.value:
            return
        s.state = SessionState.NO_SHOW.value
        s.no_show_at = s.ended_at = s.locked_at = now
        s.delete_after = now + life.retention
        await billing.report_advisor_no_show(uow, s.booking_id, now)
        await _tell_no_show(life, uow, s, people, now)

    return await with_platform(
        life,
        "no-show",
        now,
        [
            AdviceSession.state == SessionState.OPEN.value,
            AdviceSession.kind == SessionKind.LIVE.value,
            AdviceSession.advisor_first_message_at.is_(None),
            AdviceSession.end_requested_at.is_(None),
            AdviceSession.starts_at <= now - NO_SHOW_AFTER,
            AdviceSession.opened_at <= now - NO_SHOW_AFTER,
        ],
        act,
        record,
    )


async def _tell_no_show(
    life: Lifecycle, uow: UnitOfWork, s: AdviceSession, people: People, now: datetime
) -> None:
    """The client's offer (a refund or a new time), the advisor's notice, the team's alert."""

    def for_the_client(locale: str) -> str:
        return t.NO_SHOW_CLIENT(
            advisor_name=people.advisor_name,
            when=when(s.starts_at, people.client_zone, locale),
            price=people.price.format(locale),
        )

    def for_the_advisor(locale: str) -> str:
        return t.NO_SHOW_ADVISOR(
            minutes=int(NO_SHOW_AFTER.total_seconds() // 60),
            client_name=people.client_name,
            when=when(s.starts_at, people.advisor_zone, locale),
        )

    await outbox.enqueue(
        uow,
        audience=Audience.CLIENT,
        kind="advisor_no_show",
        client_id=s.client_id,
        text=for_the_client,
        data={
            "session_id": s.id,
            "booking_id": s.booking_id,
            "choices": ["refund", "reschedule"],
        },
        dedupe_key=f"advisor_no_show:{s.id}",
        now=now,
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="advisor_no_show",
        advisor_id=s.advisor_id,
        text=for_the_advisor,
        data={"session_id": s.id, "booking_id": s.booking_id},
        dedupe_key=f"advisor_no_show_advisor:{s.id}",
        now=now,
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="advisor_no_show",
        advisor_id=s.advisor_id,
        text=outbox.words(
            t.NO_SHOW_ADMIN,
            session_id=s.id,
            booking_id=s.booking_id,
            advisor_name=people.advisor_name,
        ),
        language=life.settings.team_locale,
        dedupe_key=f"advisor_no_show_admin:{s.id}",
        now=now,
    )


async def warn(life: Lifecycle, now: datetime) -> list[int]:
    """“10 minutes left”, then “2 minutes left”. After downtime only the latest is sent."""
    first, last = WARNINGS
    due = or_(
        and_(AdviceSession.warnings_sent < 1, AdviceSession.ends_at <= now + first),
        and_(AdviceSession.warnings_sent < 2, AdviceSession.ends_at <= now + last),
    )

    async def act(s: AdviceSession, people: People) -> int:
        level = 2 if s.ends_at - now <= last else 1
        left = WARNINGS[level - 1]
        if s.channel_id is not None:
            try:
                await life.rooms.post(s.channel_id, warning_text(int(left.total_seconds() // 60)))
            except RoomGone:
                pass
        return level

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, level: int) -> None:
        s.warnings_sent = max(s.warnings_sent, level)

    return await with_platform(
        life,
        "warn",
        now,
        [
            AdviceSession.state == SessionState.OPEN.value,
            AdviceSession.kind == SessionKind.LIVE.value,
            AdviceSession.end_requested_at.is_(None),
            AdviceSession.ends_at > now,
            due,
        ],
        act,
        record,
    )


async def end(life: Lifecycle, now: datetime, session_id: int | None = None) -> list[int]:
    """At the end (or when the advisor ends it): lock the room and post the closing words;
    the booking is completed (the after-session flow follows in ``aftercare``)."""
    where: list[ColumnElement[bool]] = [
        AdviceSession.state == SessionState.OPEN.value,
        or_(AdviceSession.ends_at <= now, AdviceSession.end_requested_at.is_not(None)),
    ]
    if session_id is not None:
        where.append(AdviceSession.id == session_id)

    async def act(s: AdviceSession, people: People) -> None:
        text = closing_text(life.settings, people)
        await _lock_room(life, s, text, offer_transcript=s.client_user_id is not None)

    async def record(uow: UnitOfWork, s: AdviceSession, people: People, _: None) -> None:
        if s.state != SessionState.OPEN.value:
            return
        s.state = SessionState.ENDED.value
        s.ended_at = s.locked_at = now
        s.delete_after = now + life.retention
        await uow.session.execute(
            update(Booking)
            .where(Booking.id == s.booking_id)
            .where(Booking.status == BookingStatus.CONFIRMED.value)
            .values(status=BookingStatus.COMPLETED.value, updated_at=now)
        )

    return await with_platform(life, "end", now, where, act, record)
