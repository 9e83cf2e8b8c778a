"""A receipt is numbered in the payment's transaction, and its PDF is rendered by its first
reader: the outbox delivery sending it, the client asking again, or the sessions tick. So
Stripe's webhook is answered without waiting on fpdf2, the number counter is never locked
while fpdf2 works, and a process stopping in between loses nothing: the PDF has the same
bytes whoever makes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

import core.documents
from core import outbox
from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.documents import load_document, render_missing_receipts
from core.models.billing import PurchaseStatus, Receipt
from core.outbox import Audience
from core.receipts import render_payload
from core.sessions import SessionService
from tests.support.billing import (
    World,
    billing_settings,
    checkout_of,
    fonts,
    new_booking,
    pay,
    pdf_text,
)
from tests.support.sessions import FakeRooms


async def _receipts(db: Database) -> list[Receipt]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(Receipt).order_by(Receipt.id)))


async def _paid(billing: Billing, db: Database, world: World, booking_id: int = 0) -> int:
    checkout = await billing.start_checkout(booking_id or world.booking_id, world.client_id)
    assert await pay(billing, db, checkout.purchase_id) == (200, "paid")
    return checkout.purchase_id


async def test_the_webhook_numbers_the_receipt_and_leaves_the_pdf_to_its_first_reader(
    db: Database, world: World, billing: Billing
) -> None:
    await _paid(billing, db, world)

    [receipt] = await _receipts(db)
    assert receipt.number == "R-2026-000001" and receipt.pdf is None
    assert receipt.content is not None and receipt.content["number"] == receipt.number


async def test_the_receipt_is_rendered_when_delivered_with_the_same_bytes_every_time(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    await _paid(billing, db, world)

    async with db.uow() as uow:  # what the Telegram delivery does with the outbox
        [document] = [
            item.document
            for item in await outbox.claim_due(uow, Audience.CLIENT, clock.now())
            if item.kind == "receipt" and item.document is not None
        ]
        pdf = await load_document(uow, document, fonts())
        await uow.commit()

    text = pdf_text(pdf)
    assert "R-2026-000001" in text and "$63.49" in text and "non-refundable" in text
    [stored] = await _receipts(db)
    assert stored.pdf == pdf and stored.content is not None
    assert render_payload(stored.content) == pdf  # without shared fonts too
    async with db.uow() as uow:  # read again: the stored bytes, not a new render
        assert await load_document(uow, document) == pdf


async def test_the_client_asking_first_gets_the_receipt_rendered_then(
    db: Database, world: World, billing: Billing
) -> None:
    await _paid(billing, db, world)
    [receipt] = await _receipts(db)
    document = await billing.receipt_file(receipt.id, client_id=world.client_id)
    assert "R-2026-000001" in pdf_text(document.pdf)
    assert (await _receipts(db))[0].pdf == document.pdf


async def test_the_tick_renders_receipts_nobody_has_read_yet(
    db: Database,
    database_url: str,
    clock: ManualClock,
    world: World,
    billing: Billing,
) -> None:
    await _paid(billing, db, world)
    [receipt] = await _receipts(db)
    sessions = SessionService(db, FakeRooms(), billing_settings(database_url), clock, fonts=fonts())

    report = await sessions.tick()

    assert report.receipts_rendered == [receipt.id] and report.failed_steps == []
    [stored] = await _receipts(db)
    assert stored.pdf is not None and "R-2026-000001" in pdf_text(stored.pdf)
    assert (await sessions.tick()).receipts_rendered == []


async def test_a_failing_render_keeps_the_payment_and_the_numbers_stay_gapless(
    db: Database,
    clock: ManualClock,
    world: World,
    billing: Billing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any) -> bytes:
        raise RuntimeError("fpdf2 failed")

    first = await _paid(billing, db, world)
    later = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=3))
    second = await _paid(billing, db, world, later)
    monkeypatch.setattr(core.documents, "render_payload", broken)

    assert await render_missing_receipts(db, fonts()) == []  # logged, left for later

    assert [(r.number, r.pdf) for r in await _receipts(db)] == [
        ("R-2026-000001", None),
        ("R-2026-000002", None),
    ]
    for purchase_id in (first, second):
        assert (await checkout_of(db, purchase_id)).status == PurchaseStatus.PAID
    monkeypatch.undo()
    rendered = await render_missing_receipts(db, fonts())
    assert len(rendered) == 2
    assert all(r.pdf is not None for r in await _receipts(db))
