"""Two workers at once, on PostgreSQL (SQLite serialises writers and would hide the races):
the same event, the same payment, the same refund, the same payouts; exactly one acts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.billing import Billing, Checkout
from core.clock import ManualClock
from core.db import Database
from core.models import Booking
from core.models.billing import LedgerTransaction, Payout, Purchase, Receipt, StripeEvent
from core.money import Money
from core.payments.gateway import CheckoutRequest, CheckoutSession, TransferResult
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    billing_settings,
    checkout_of,
    checkout_paid,
    deliver,
    event_body,
    ledger_violations,
    make_billing,
    new_booking,
    onboard,
    outbox_rows,
    session_object,
    sign,
)

pytestmark = pytest.mark.postgres

USD = "USD"


class SlowGateway(FakePaymentGateway):
    """Stripe taking its time, so that two workers really overlap."""

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        await asyncio.sleep(0.2)
        return await super().create_checkout(request)

    async def create_transfer(self, **kwargs: Any) -> TransferResult:
        await asyncio.sleep(0.2)
        return await super().create_transfer(**kwargs)


async def _count(db: Database, model: Any, *where: Any) -> int:
    async with db.uow() as uow:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)
        return int(await uow.session.scalar(query) or 0)


async def _two_workers_and_paid_bookings(
    db: Database, database_url: str, clock: ManualClock, world: World, bookings: int
) -> tuple[Billing, Billing, SlowGateway]:
    """Two billing workers on one slow Stripe, the advisor onboarded, and ``bookings``
    bookings of the world's client paid (the seeded one first, then one a day)."""
    settings = billing_settings(database_url)
    gateway = SlowGateway()
    billing, _ = make_billing(db, settings, clock, gateway)
    worker_two, _ = make_billing(db, settings, clock, gateway)
    await onboard(billing, gateway, world.advisor_id)
    booking_ids = [world.booking_id] + [
        await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=d))
        for d in range(2, bookings + 1)
    ]
    for booking_id in booking_ids:
        await checkout_paid(billing, db, world, booking_id)
    return billing, worker_two, gateway


async def test_the_same_event_handled_by_two_workers_at_once_acts_once(
    db: Database, database_url: str, clock: ManualClock, billing: Billing, checkout: Checkout
) -> None:
    other, _ = make_billing(db, billing_settings(database_url), clock)  # a second worker
    purchase = await checkout_of(db, checkout.purchase_id)
    body = event_body("checkout.session.completed", session_object(purchase), event_id="evt_twice")

    results = await asyncio.gather(
        billing.handle_webhook(body, sign(body)), other.handle_webhook(body, sign(body))
    )

    assert sorted(r.message for r in results) == ["duplicate event: already processed", "paid"]
    assert await _count(db, StripeEvent) == 1
    assert await _count(db, Receipt) == 1
    assert await _count(db, LedgerTransaction) == 1
    assert len(await outbox_rows(db, audience="advisor")) == 1
    assert await ledger_violations(db) == []


async def test_two_events_for_one_payment_at_once_confirm_it_once(
    db: Database, billing: Billing, checkout: Checkout
) -> None:
    obj = session_object(await checkout_of(db, checkout.purchase_id))

    results = await asyncio.gather(
        deliver(billing, "checkout.session.completed", obj),
        deliver(billing, "checkout.session.async_payment_succeeded", obj),
        deliver(billing, "checkout.session.completed", obj),
    )

    assert sorted(r.message for r in results) == ["already paid", "already paid", "paid"]
    assert await _count(db, Receipt) == 1
    assert await _count(db, LedgerTransaction) == 1
    assert await ledger_violations(db) == []


async def test_two_workers_releasing_payouts_at_once_pay_each_share_once(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    billing, worker_two, gateway = await _two_workers_and_paid_bookings(
        db, database_url, clock, world, bookings=4
    )
    async with db.uow() as uow:
        last_end = max(b.ends_at for b in await uow.session.scalars(select(Booking)) if b.ends_at)
    clock.set(last_end + timedelta(hours=73))

    runs = await asyncio.gather(billing.release_due_payouts(), worker_two.release_due_payouts())

    paid = sorted(runs[0].paid + runs[1].paid)
    assert len(paid) == len(set(paid)) == 4
    transfers = [key for method, key in gateway.calls if method == "create_transfer"]
    assert len(transfers) == len(set(transfers)) == 4  # no payout asked of Stripe twice
    assert len(gateway.transfers) == 4
    assert await _count(db, Payout) == 4
    assert len(await outbox_rows(db, kind="payout_statement")) == 4
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("refund_window_open")
async def test_two_refund_requests_at_once_refund_once(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    outcomes = await asyncio.gather(
        billing.request_refund(world.booking_id, world.client_id),
        billing.request_refund(world.booking_id, world.client_id),
        return_exceptions=True,
    )

    numbers = {o.credit_note_number for o in outcomes if not isinstance(o, BaseException)}
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert numbers == {"CN-2026-000001"}
    assert all("already been refunded" in str(r) for r in refusals)
    assert len(gateway.refunds) == 1 and next(iter(gateway.refunds.values())).amount == Money(
        6000, USD
    )
    assert await _count(db, Receipt, Receipt.kind == "credit_note") == 1
    assert await ledger_violations(db) == []


async def test_two_pay_presses_at_once_make_one_checkout(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    gateway = SlowGateway()
    billing, _ = make_billing(db, billing_settings(database_url), clock, gateway)

    first, second = await asyncio.gather(
        billing.start_checkout(world.booking_id, world.client_id),
        billing.start_checkout(world.booking_id, world.client_id),
    )

    assert first.url == second.url and first.purchase_id == second.purchase_id
    assert len(gateway.checkouts) == 1
    assert await _count(db, Purchase) == 1


async def test_two_workers_retrying_due_payouts_at_once_transfer_each_once(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    from core.payments.gateway import PaymentsUnavailable

    billing, worker_two, gateway = await _two_workers_and_paid_bookings(
        db, database_url, clock, world, bookings=3
    )
    clock.advance(timedelta(days=8))
    gateway.fail_next("create_transfer", *[PaymentsUnavailable() for _ in range(3)])
    first = await billing.release_due_payouts()
    assert len(first.retry_later) == 3 and gateway.transfers == {}

    runs = await asyncio.gather(billing.release_due_payouts(), worker_two.release_due_payouts())

    assert sorted(runs[0].paid + runs[1].paid) == sorted(first.retry_later)
    assert runs[0].paid and runs[1].paid  # both really worked, on different payouts
    keys = [key for method, key in gateway.calls if method == "create_transfer"]
    assert len(keys) == 3 + 3 and len(set(keys)) == 3  # 3 failed tries, then one each
    assert len(gateway.transfers) == 3
    assert len(await outbox_rows(db, kind="payout_statement")) == 3
    assert await ledger_violations(db) == []
