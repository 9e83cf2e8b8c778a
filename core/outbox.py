"""The outbox: notifications written in the same transaction as the change that caused them.

Core writes a row with :func:`enqueue` inside the unit of work that makes the change, so a
message exists if and only if the change was committed. Adapters deliver later:

1. ``claim_due(uow, audience, now)`` and commit: each claimed row is leased (its next attempt
   moves ``lease`` into the future), so another worker does not take it meanwhile;
2. deliver each message outside any transaction (:func:`deliver_each` keeps one message's
   unexpected failure from holding up the others);
3. ``mark_sent`` / ``mark_failed`` (backoff, then give up) / ``mark_undeliverable``, and commit.

Delivery is at least once: a worker that dies between 2 and 3 leaves the row to be sent again
when its lease ends. Payloads hold text and ids (a receipt id, a booking id), never card data
and never anything said in a session.

A message is written in its recipient's language, whoever queues it (a Stripe webhook, the
sessions tick, another person's dialog): ``enqueue`` takes the text as a function of the
recipient's locale ("es_MX", "en_US"), looks the locale up by audience (the client's, the
advisor's, or the team's, given as ``language``) and calls it inside
``i18n.speaking(locale)``, so every text it renders, and every amount and date it formats
with the locale it is handed, reads as the recipient reads.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from core import i18n
from core.clock import Clock
from core.db import Database, UnitOfWork, insert_for
from core.models.accounts import Advisor, Client
from core.models.outbox import Audience, OutboxMessage, OutboxStatus

__all__ = [
    "Audience",
    "DocumentRef",
    "OutboxItem",
    "OutboxStatus",
    "backoff",
    "claim_due",
    "deliver_each",
    "enqueue",
    "mark_failed",
    "mark_sent",
    "mark_undeliverable",
    "recipient_locale",
    "words",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
DEFAULT_LEASE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document to attach, by reference: the adapter loads the bytes when it delivers."""

    kind: str  # "receipt" (receipts table; credit notes too) or "transcript"
    id: int
    filename: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "filename": self.filename}


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed message, detached from the database session."""

    id: int
    audience: Audience
    kind: str
    client_id: int | None
    advisor_id: int | None
    text: str
    document: DocumentRef | None
    data: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


async def enqueue(
    uow: UnitOfWork,
    *,
    audience: Audience,
    kind: str,
    text: str | Callable[[str], str],
    dedupe_key: str,
    now: datetime,
    client_id: int | None = None,
    advisor_id: int | None = None,
    language: str | None = None,
    document: DocumentRef | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Queue a message in the caller's transaction; False if ``dedupe_key`` was queued before.

    ``text`` is a function of the recipient's locale, called inside ``i18n.speaking`` of it
    (:func:`recipient_locale`); a plain string (already in the recipient's language) is
    stored as it is. A message to the team (``Audience.ADMIN``) is written in
    ``language``: ``settings.team_locale``.

    Never raises on a duplicate and never spoils the caller's transaction: the insert is an
    ``ON CONFLICT DO NOTHING``.
    """
    if audience is Audience.CLIENT and client_id is None:
        raise ValueError("a message to a client needs a client_id")
    if audience is Audience.ADVISOR and advisor_id is None:
        raise ValueError("a message to an advisor needs an advisor_id")
    if callable(text):
        if audience is Audience.ADMIN and language is None:
            raise ValueError("a message to the team needs its language")
        locale = await recipient_locale(uow, audience, client_id, advisor_id, language)
        with i18n.speaking(locale):
            text = text(locale)
    payload: dict[str, Any] = {"text": text}
    if document is not None:
        payload["document"] = document.as_json()
    if data:
        payload["data"] = data
    values = {
        "audience": audience.value,
        "client_id": client_id,
        "advisor_id": advisor_id,
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    session = uow.session
    statement = (
        insert_for(uow)(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    inserted = (await session.execute(statement)).scalar_one_or_none()
    return inserted is not None


def words(message: Callable[..., str], **params: object) -> Callable[[str], str]:
    """A text of ``core.texts`` with its parameters, to :func:`enqueue` (rendered in the
    recipient's language): for a message none of whose parameters depends on the locale."""

    def render(locale: str) -> str:
        return message(**params)

    return render


async def recipient_locale(
    uow: UnitOfWork,
    audience: Audience,
    client_id: int | None,
    advisor_id: int | None,
    language: str | None = None,
) -> str:
    """The locale a message to ``audience`` is written in: the client's (``Client.locale``),
    the advisor's (``Advisor.locale``), or ``language`` for the team; a locale Babel does not
    know reads as ``en_US``."""
    person: Client | Advisor | None = None
    if audience is Audience.CLIENT and client_id is not None:
        person = await uow.session.get(Client, client_id)
    elif audience is Audience.ADVISOR and advisor_id is not None:
        person = await uow.session.get(Advisor, advisor_id)
    tag = person.locale if person is not None else language
    return i18n.locale_for(tag)


async def claim_due(
    uow: UnitOfWork,
    audience: Audience,
    now: datetime,
    *,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
) -> list[OutboxItem]:
    """Take up to ``limit`` due messages for ``audience`` for delivery; the caller commits.

    On PostgreSQL rows locked by another worker are skipped (``FOR UPDATE SKIP LOCKED``);
    SQLite has one writer at a time, so a plain select is enough there.
    """
    rows = (
        await uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.audience == audience.value)
            .where(OutboxMessage.status == OutboxStatus.PENDING.value)
            .where(OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    items = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + lease
        items.append(_item(row))
    await uow.session.flush()
    return items


async def mark_sent(uow: UnitOfWork, message_id: int, now: datetime) -> None:
    """The message arrived."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENT.value, sent_at=now, last_error=None)
    )


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, ... 6 h."""
    exponent = max(attempts - 1, 0)
    delay: timedelta = BACKOFF_BASE * (2 ** min(exponent, 20))
    return min(delay, BACKOFF_CAP)


async def deliver_each(
    db: Database,
    clock: Clock,
    items: Sequence[OutboxItem],
    deliver: Callable[[OutboxItem], Awaitable[int]],
) -> int:
    """Deliver claimed messages one by one; how many were sent. ``deliver`` records the
    outcomes it expects (sent, retry, undeliverable); anything else it raises (a document that
    fails to render, a bug) is logged and retried later with backoff like any failed attempt,
    and the next message goes out all the same."""
    sent = 0
    for item in items:
        try:
            sent += await deliver(item)
        except Exception as error:
            # Ids and the error's class only: never the message's text.
            log.exception("outbox message %s (%s) failed unexpectedly", item.id, item.kind)
            async with db.uow() as uow:
                await mark_failed(uow, item.id, clock.now(), type(error).__name__)
                await uow.commit()
    return sent


async def mark_failed(
    uow: UnitOfWork,
    message_id: int,
    now: datetime,
    error: str,
    *,
    max_attempts: int = MAX_ATTEMPTS,
) -> OutboxStatus:
    """A delivery attempt failed: try again later with backoff, or give up after the last.

    ``error`` is a short reason for operators (an exception class, a status code); never the
    message's text.
    """
    message = await uow.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise LookupError(f"no outbox message {message_id}")
    message.last_error = error[:300]
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED.value
        log.warning(
            "outbox message %s (%s) failed %s times; giving up",
            message.id,
            message.kind,
            message.attempts,
        )
    else:
        message.next_attempt_at = now + backoff(message.attempts)
    await uow.session.flush()
    return OutboxStatus(message.status)


async def mark_undeliverable(uow: UnitOfWork, message_id: int, now: datetime, reason: str) -> None:
    """The platform says this can never be delivered (the user blocked the bot, left, ...)."""
    await uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.UNDELIVERABLE.value, last_error=reason[:300], sent_at=None)
    )
    log.info("outbox message %s is undeliverable: %s (at %s)", message_id, reason, now)


def _item(row: OutboxMessage) -> OutboxItem:
    payload = row.payload or {}
    document = payload.get("document")
    return OutboxItem(
        id=row.id,
        audience=Audience(row.audience),
        kind=row.kind,
        client_id=row.client_id,
        advisor_id=row.advisor_id,
        text=str(payload.get("text", "")),
        document=(
            DocumentRef(str(document["kind"]), int(document["id"]), str(document["filename"]))
            if isinstance(document, dict)
            else None
        ),
        data=dict(payload.get("data") or {}),
        attempts=row.attempts,
    )
