"""The outbox: a message exists exactly when its change was committed, is delivered at least
once with backoff, and two workers never take the same message at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core import outbox
from core.db import Database, UnitOfWork
from core.models import Client
from core.models.outbox import OutboxMessage
from core.outbox import Audience, DocumentRef, OutboxStatus

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _client(db: Database) -> int:
    async with db.uow() as uow:
        client = Client(display_name="Ada", created_at=NOW)
        uow.session.add(client)
        await uow.commit()
        return client.id


async def _note(uow: UnitOfWork, client_id: int, key: str, text: str, when: datetime = NOW) -> bool:
    """A note to a client queued in ``uow``: False if its dedupe key is queued already."""
    return await outbox.enqueue(
        uow,
        audience=Audience.CLIENT,
        kind="note",
        client_id=client_id,
        text=text,
        dedupe_key=key,
        now=when,
    )


async def _enqueue(db: Database, client_id: int, key: str, *, when: datetime = NOW) -> None:
    async with db.uow() as uow:
        await _note(uow, client_id, key, f"hello {key}", when)
        await uow.commit()


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_message_exists_only_if_its_transaction_commits(db: Database) -> None:
    client_id = await _client(db)
    async with db.uow() as uow:
        await _note(uow, client_id, "a", "rolled back")
        # no commit: the unit of work rolls back
    assert await _rows(db) == []

    async with db.uow() as uow:
        assert await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="receipt",
            client_id=client_id,
            text="Your receipt",
            dedupe_key="receipt:1",
            document=DocumentRef("receipt", 7, "Pathwise-receipt-R-2026-000001.pdf"),
            data={"booking_id": 3},
            now=NOW,
        )
        await uow.commit()
    [row] = await _rows(db)
    assert row.status == OutboxStatus.PENDING and row.attempts == 0
    assert row.payload == {
        "text": "Your receipt",
        "document": {"kind": "receipt", "id": 7, "filename": "Pathwise-receipt-R-2026-000001.pdf"},
        "data": {"booking_id": 3},
    }


async def test_the_same_dedupe_key_is_queued_once_without_spoiling_the_transaction(
    db: Database,
) -> None:
    client_id = await _client(db)
    await _enqueue(db, client_id, "k")
    async with db.uow() as uow:
        again = await _note(uow, client_id, "k", "again")
        other = await _note(uow, client_id, "k2", "other")
        await uow.commit()
    assert (again, other) == (False, True)
    assert [row.payload["text"] for row in await _rows(db)] == ["hello k", "other"]


def test_a_recipient_is_required_where_the_channel_needs_one() -> None:
    async def go() -> None:
        await outbox.enqueue(
            None,  # type: ignore[arg-type]
            audience=Audience.ADVISOR,
            kind="x",
            text="x",
            dedupe_key="x",
            now=NOW,
        )

    with pytest.raises(ValueError, match="needs an advisor_id"):
        asyncio.run(go())


async def test_claimed_messages_are_leased_then_sent(db: Database) -> None:
    client_id = await _client(db)
    await _enqueue(db, client_id, "one")
    await _enqueue(db, client_id, "later", when=NOW + timedelta(hours=1))
    async with db.uow() as uow:
        await outbox.enqueue(
            uow, audience=Audience.ADMIN, kind="alert", text="admin", dedupe_key="adm", now=NOW
        )
        await uow.commit()

    async with db.uow() as uow:
        items = await outbox.claim_due(uow, Audience.CLIENT, NOW)
        await uow.commit()
    assert [(item.text, item.attempts, item.client_id) for item in items] == [
        ("hello one", 1, client_id)
    ]
    async with db.uow() as uow:
        assert await outbox.claim_due(uow, Audience.CLIENT, NOW + timedelta(minutes=1)) == []

    async with db.uow() as uow:
        await outbox.mark_sent(uow, items[0].id, NOW + timedelta(seconds=3))
        await uow.commit()
    async with db.uow() as uow:
        again = await outbox.claim_due(uow, Audience.CLIENT, NOW + timedelta(hours=2))
        await uow.commit()
    assert [item.text for item in again] == ["hello later"]
    sent = (await _rows(db))[0]
    assert sent.status == OutboxStatus.SENT and sent.sent_at == NOW + timedelta(seconds=3)


async def test_a_claim_whose_worker_died_is_taken_again_when_the_lease_ends(db: Database) -> None:
    client_id = await _client(db)
    await _enqueue(db, client_id, "one")
    async with db.uow() as uow:
        await outbox.claim_due(uow, Audience.CLIENT, NOW, lease=timedelta(minutes=2))
        await uow.commit()
    async with db.uow() as uow:
        items = await outbox.claim_due(uow, Audience.CLIENT, NOW + timedelta(minutes=2))
        await uow.commit()
    assert [item.attempts for item in items] == [2]


async def test_failures_back_off_exponentially_then_give_up(db: Database) -> None:
    client_id = await _client(db)
    await _enqueue(db, client_id, "flaky")
    now = NOW
    delays = []
    for _ in range(outbox.MAX_ATTEMPTS):
        async with db.uow() as uow:
            [item] = await outbox.claim_due(uow, Audience.CLIENT, now)
            await uow.commit()
        async with db.uow() as uow:
            status = await outbox.mark_failed(uow, item.id, now, "NetworkError")
            await uow.commit()
        row = (await _rows(db))[0]
        if status is OutboxStatus.PENDING:
            delays.append(row.next_attempt_at - now)
            now = row.next_attempt_at
    assert delays == [timedelta(seconds=30 * 2**n) for n in range(outbox.MAX_ATTEMPTS - 1)]
    row = (await _rows(db))[0]
    assert row.status == OutboxStatus.FAILED and row.last_error == "NetworkError"
    async with db.uow() as uow:
        assert await outbox.claim_due(uow, Audience.CLIENT, now + timedelta(days=1)) == []
    assert outbox.backoff(30) == outbox.BACKOFF_CAP


async def test_an_undeliverable_message_is_not_tried_again(db: Database) -> None:
    client_id = await _client(db)
    await _enqueue(db, client_id, "blocked")
    async with db.uow() as uow:
        [item] = await outbox.claim_due(uow, Audience.CLIENT, NOW)
        await outbox.mark_undeliverable(uow, item.id, NOW, "client blocked the bot")
        await uow.commit()
    [row] = await _rows(db)
    assert row.status == OutboxStatus.UNDELIVERABLE and row.last_error == "client blocked the bot"
    async with db.uow() as uow:
        assert await outbox.claim_due(uow, Audience.CLIENT, NOW + timedelta(days=1)) == []


@pytest.mark.postgres
async def test_two_workers_never_claim_the_same_message(db: Database) -> None:
    client_id = await _client(db)
    for n in range(40):
        await _enqueue(db, client_id, f"m{n}")
    started = asyncio.Event()

    async def worker() -> list[int]:
        async with db.uow() as uow:
            items = await outbox.claim_due(uow, Audience.CLIENT, NOW, limit=25)
            started.set()
            await asyncio.sleep(0.2)  # hold the row locks while the other worker claims
            await uow.commit()
        return [item.id for item in items]

    async def second() -> list[int]:
        await started.wait()
        return await worker()

    first_ids, second_ids = await asyncio.gather(worker(), second())

    assert len(first_ids) == 25 and len(second_ids) == 15
    assert not set(first_ids) & set(second_ids)
