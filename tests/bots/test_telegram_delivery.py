"""Outbox delivery to clients in Telegram: at least once, with backoff, never to a blocked bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from bots.telegram.delivery import TelegramDelivery
from core import outbox
from core.accounts import Platform, get_or_create_client
from core.clock import ManualClock
from core.db import Database
from core.models import Client
from core.models.outbox import OutboxMessage
from core.outbox import Audience
from devtools.telegram_recorder import RecordingRequest

CHAT_ID = 8080


@pytest.fixture
async def recorded_bot() -> AsyncIterator[tuple[Bot, RecordingRequest]]:
    request = RecordingRequest()
    bot = Bot("123:TEST", request=request, get_updates_request=request)
    await bot.initialize()
    yield bot, request
    await bot.shutdown()


async def _queue(db: Database, clock: ManualClock, text: str, key: str) -> int:
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, CHAT_ID, "Zoë", clock.now())
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="join",
            text=text,
            dedupe_key=key,
            now=clock.now(),
            client_id=client.id,
        )
        await uow.commit()
        return client.id


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_due_message_is_sent_once_and_marked(
    db: Database, clock: ManualClock, recorded_bot: tuple[Bot, RecordingRequest]
) -> None:
    telegram, request = recorded_bot
    await _queue(db, clock, "Your session is booked <Tue 18:00>", "k1")
    delivery = TelegramDelivery(db, telegram, clock)
    assert await delivery.deliver_due() == 1
    assert [(c.method, c.params["chat_id"], c.text) for c in request.calls] == [
        ("sendMessage", CHAT_ID, "Your session is booked &lt;Tue 18:00&gt;")
    ]
    assert await delivery.deliver_due() == 0, "a sent message is never sent again"
    assert len(request.calls) == 1
    (row,) = await _rows(db)
    assert (row.status, row.sent_at) == ("sent", clock.now())


async def test_a_failure_is_retried_later_with_backoff(
    db: Database, clock: ManualClock, recorded_bot: tuple[Bot, RecordingRequest]
) -> None:
    telegram, request = recorded_bot
    await _queue(db, clock, "Reminder", "k2")
    request.fail_next.append((502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    delivery = TelegramDelivery(db, telegram, clock)
    assert await delivery.deliver_due() == 0
    (row,) = await _rows(db)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "NetworkError")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert await delivery.deliver_due() == 0, "not due yet"
    clock.advance(timedelta(seconds=31))
    assert await delivery.deliver_due() == 1
    assert [c.text for c in request.sent("sendMessage")] == ["Reminder", "Reminder"]
    assert (await _rows(db))[0].status == "sent"


async def test_a_message_that_fails_unexpectedly_never_holds_up_the_next(
    db: Database,
    clock: ManualClock,
    recorded_bot: tuple[Bot, RecordingRequest],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A receipt that cannot be rendered (a bug, a bad font) is retried later; the client's
    other messages, and everyone else's, still go out now."""
    telegram, request = recorded_bot
    client_id = await _queue(db, clock, "Your receipt R-2026-000001.", "receipt")
    await _queue(db, clock, "Your room opens in 10 minutes.", "join")
    async with db.uow() as uow:  # the first message carries a document
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key == "receipt")
        row = await uow.session.scalar(query)
        assert row is not None and row.client_id == client_id
        row.payload = {**row.payload, "document": {"kind": "receipt", "id": 1, "filename": "r.pdf"}}
        await uow.commit()

    async def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("fpdf2 failed")

    monkeypatch.setattr("bots.telegram.delivery.load_document", broken)
    delivery = TelegramDelivery(db, telegram, clock)

    assert await delivery.deliver_due() == 1
    assert [c.text for c in request.sent("sendMessage")] == ["Your room opens in 10 minutes."]
    failed, sent = await _rows(db)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "RuntimeError")
    assert failed.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert sent.status == "sent"

    async def fixed(*args: object, **kwargs: object) -> bytes:
        return b"%PDF-1.3 receipt"

    monkeypatch.setattr("bots.telegram.delivery.load_document", fixed)
    clock.advance(timedelta(seconds=31))
    assert await delivery.deliver_due() == 1
    assert [c.method for c in request.calls][-1] == "sendDocument"
    assert (await _rows(db))[0].status == "sent"


async def test_flood_control_is_honoured_as_a_retry(
    db: Database, clock: ManualClock, recorded_bot: tuple[Bot, RecordingRequest]
) -> None:
    telegram, request = recorded_bot
    await _queue(db, clock, "Receipt", "k3")
    request.fail_next.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 5},
            },
        )
    )
    assert await TelegramDelivery(db, telegram, clock).deliver_due() == 0
    (row,) = await _rows(db)
    assert (row.status, row.last_error) == ("pending", "RetryAfter")


async def test_a_client_who_blocked_the_bot_is_marked_and_not_retried(
    db: Database, clock: ManualClock, recorded_bot: tuple[Bot, RecordingRequest]
) -> None:
    telegram, request = recorded_bot
    client_id = await _queue(db, clock, "First", "k4")
    await _queue(db, clock, "Second", "k5")
    request.fail_next.append(
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
    )
    delivery = TelegramDelivery(db, telegram, clock)
    assert await delivery.deliver_due() == 0
    assert len(request.calls) == 1, "the second message was not even tried"
    assert [r.status for r in await _rows(db)] == ["undeliverable", "undeliverable"]
    async with db.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None and client.telegram_blocked_at == clock.now()
    clock.advance(timedelta(days=1))
    assert await delivery.deliver_due() == 0 and len(request.calls) == 1
    async with db.uow() as uow:  # writing to the bot again unblocks
        await get_or_create_client(uow, Platform.TELEGRAM, CHAT_ID, "Zoë", clock.now())
        await uow.commit()
    async with db.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None and client.telegram_blocked_at is None


async def test_the_same_notification_is_queued_once(db: Database, clock: ManualClock) -> None:
    await _queue(db, clock, "Receipt", "same-key")
    await _queue(db, clock, "Receipt", "same-key")
    assert len(await _rows(db)) == 1


async def test_buttons_stored_with_a_message_become_an_inline_keyboard(
    db: Database, clock: ManualClock, recorded_bot: tuple[Bot, RecordingRequest]
) -> None:
    telegram, request = recorded_bot
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, CHAT_ID, "Zoë", clock.now())
        buttons = [[{"label": "★★★★★", "data": "4:rate:5"}], [{"label": "Tip", "url": "https://x.test/t"}]]
        await outbox.enqueue(uow, audience=Audience.CLIENT, kind="aftercare", text="How was it?",
                             dedupe_key="after:1", now=clock.now(), client_id=client.id,
                             data={"buttons": buttons})
        await uow.commit()
    assert await TelegramDelivery(db, telegram, clock).deliver_due() == 1
    (call,) = request.calls
    assert call.text == "How was it?"
    assert call.keyboard == [
        [{"text": "★★★★★", "callback_data": "4:rate:5"}],
        [{"text": "Tip", "url": "https://x.test/t"}],
    ]
