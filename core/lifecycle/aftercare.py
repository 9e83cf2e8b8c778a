"""After the session: the client's after-session flow (rate, tip, the guarantee), and, in a
messaging package, a reminder to the advisor when a client waits too long for an answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import ColumnElement, String, cast, exists, literal, or_

from core import i18n, outbox
from core.db import UnitOfWork
from core.errors import PathwiseError
from core.lifecycle.context import Lifecycle, in_one_transaction
from core.lifecycle.people import People, read_people, when
from core.models import OutboxMessage
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.outbox import Audience
from core.replies import LinkButton, Message, Reply
from core.texts import sessions as t

NUDGE_AFTER = timedelta(hours=24)  # a client message unanswered this long reminds the advisor


async def aftercare(life: Lifecycle, now: datetime) -> list[int]:
    """The client's after-session flow once the booked time is over; a session the advisor
    ended early waits for it, as rating does."""
    started = exists().where(OutboxMessage.dedupe_key == _aftercare_key_expr())

    async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
        people = await read_people(uow, s)
        # The flow's first question, buttons and all, in the client's language: it is
        # written here, in the tick, not in one of their own dialogs.
        locale = await outbox.recipient_locale(uow, Audience.CLIENT, s.client_id, None)
        with i18n.speaking(locale):
            replies = await _flow_replies(life, uow, s, now)
            messages = [r for r in replies if isinstance(r, Message)]
            messages = messages or [Message(fallback(life, people))]
        for number, message in enumerate(messages):
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="aftercare",
                client_id=s.client_id,
                text=message.text,
                data={
                    "booking_id": s.booking_id,
                    "session_id": s.id,
                    "buttons": _buttons_json(message),
                },
                dedupe_key=_aftercare_key(s.id) + (f":{number}" if number else ""),
                now=now,
            )
        return True

    return await in_one_transaction(
        life,
        now,
        [
            AdviceSession.state.in_(
                [
                    SessionState.ENDED.value,
                    SessionState.SETTLED.value,
                    SessionState.REFUNDED.value,
                ]
            ),
            AdviceSession.ended_at.is_not(None),
            AdviceSession.ends_at <= now,
            ~started,
        ],
        apply,
    )


async def _flow_replies(
    life: Lifecycle, uow: UnitOfWork, s: AdviceSession, now: datetime
) -> list[Reply]:
    """What the after-session flow says as it starts; nothing if it can't start."""
    if life.start_aftercare is None:
        return []
    try:
        async with uow.session.begin_nested():
            return await life.start_aftercare(uow, s.client_id, s.booking_id, now)
    except PathwiseError:
        # The flow can't start (e.g. the booking changed hands); the words still go.
        return []


def fallback(life: Lifecycle, people: People) -> str:
    """The plain after-session words, when the flow can't start."""
    return t.AFTERCARE_FALLBACK(
        advisor_name=people.advisor_name, hours=life.settings.guarantee_window_hours
    )


async def nudge(life: Lifecycle, now: datetime) -> list[int]:
    """Messaging packages: a client message unanswered for 24 hours reminds the advisor."""

    async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
        waiting = s.client_waiting_since
        if waiting is None:
            return False
        s.advisor_nudged_for = waiting
        people = await read_people(uow, s)
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="client_waiting",
            advisor_id=s.advisor_id,
            text=partial(_waiting_text, people, waiting),
            data={"session_id": s.id, "channel_id": s.channel_id},
            dedupe_key=f"client_waiting:{s.id}:{int(waiting.timestamp())}",
            now=now,
        )
        return True

    return await in_one_transaction(
        life,
        now,
        [
            AdviceSession.state == SessionState.OPEN.value,
            AdviceSession.kind == SessionKind.MESSAGING.value,
            AdviceSession.client_waiting_since <= now - NUDGE_AFTER,
            or_(
                AdviceSession.advisor_nudged_for.is_(None),
                AdviceSession.advisor_nudged_for != AdviceSession.client_waiting_since,
            ),
        ],
        apply,
    )


def _waiting_text(people: People, waiting: datetime, locale: str) -> str:
    """The advisor's reminder of a client waiting for an answer since ``waiting``."""
    return t.CLIENT_WAITING(
        client_name=people.client_name, since=when(waiting, people.advisor_zone, locale)
    )


def _aftercare_key(session_id: int) -> str:
    return f"aftercare:{session_id}"


def _aftercare_key_expr() -> ColumnElement[str]:
    return literal("aftercare:") + cast(AdviceSession.id, String)


def _buttons_json(message: Message) -> list[list[dict[str, str]]]:
    """A reply's buttons for the outbox payload: rows of {label, data} or {label, url}."""
    return [
        [
            {"label": b.label, "url": b.url}
            if isinstance(b, LinkButton)
            else {"label": b.label, "data": b.data}
            for b in row
        ]
        for row in message.buttons
    ]
