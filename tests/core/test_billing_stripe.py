"""Billing with the real Stripe SDK against the local stand-in: the whole money journey, and
what happens when Stripe is slow, busy or down."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core import ledger
from core.billing import Checkout
from core.clock import ManualClock
from core.db import Database
from core.ledger import Account
from core.models import BookingStatus
from core.models.billing import (
    Payout,
    PayoutState,
    PurchaseStatus,
    Receipt,
    StripeEvent,
)
from core.money import Money
from core.payments.gateway import PaymentsUnavailable
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import (
    RECEIPT_SAYS,
    World,
    booking_of,
    checkout_of,
    ledger_violations,
    new_booking,
    outbox_rows,
    receipt_text,
)
from tests.support.stripe_stand_in import StandInParts, checkout_id

USD = "USD"


@pytest.fixture
async def checkout(stand_in: StandInParts, world: World) -> Checkout:
    """The world's booking at the stand-in's Checkout, not paid yet."""
    billing, _, _ = stand_in
    return await billing.start_checkout(world.booking_id, world.client_id)


def _requests(sandbox: StripeSandbox, path: str) -> list[Any]:
    return [r for r in sandbox.requests if r.path == path and r.method == "POST"]


async def test_the_whole_money_journey_with_the_real_sdk(
    db: Database, stand_in: StandInParts, clock: ManualClock, world: World
) -> None:
    billing, sandbox, wiring = stand_in
    other = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=2))

    # 1. The client pays for a session: a Checkout Session at "Stripe", paid on its page.
    checkout = await billing.start_checkout(world.booking_id, world.client_id)
    [created] = _requests(sandbox, "/v1/checkout/sessions")
    assert created.params["mode"] == "payment"
    items = [
        (item["price_data"]["product_data"]["name"], int(item["price_data"]["unit_amount"]))
        for item in created.params["line_items"]
    ]
    assert items == [
        ("60-minute live session with Ana Ruiz", 6000),
        ("Handling fee (non-refundable)", 349),
    ]
    assert created.params["metadata"]["purchase_id"] == str(checkout.purchase_id)
    assert int(created.params["expires_at"]) == int(checkout.expires_at.timestamp())
    assert created.idempotency_key and created.idempotency_key.startswith("checkout-")
    session_id = (await checkout_of(db, checkout.purchase_id)).checkout_session_id
    assert session_id is not None and checkout.url.endswith(session_id)
    assert (await billing.start_checkout(world.booking_id, world.client_id)).url == checkout.url
    assert len(_requests(sandbox, "/v1/checkout/sessions")) == 1

    await sandbox.pay(session_id)

    assert (200, "paid") in wiring.answers
    assert all(status == 200 for status, _ in wiring.answers)
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED
    purchase = await checkout_of(db, checkout.purchase_id)
    assert purchase.status == PurchaseStatus.PAID
    assert (purchase.payment_method_brand, purchase.payment_method_last4) == ("visa", "4242")
    async with db.uow() as uow:
        receipt = await uow.session.scalar(select(Receipt).where(Receipt.kind == "receipt"))
    assert receipt is not None
    text = await receipt_text(db, receipt)
    for expected in (*RECEIPT_SAYS, purchase.payment_intent_id or "?"):
        assert expected in text, expected
    assert {row.kind for row in await outbox_rows(db)} >= {
        "receipt",
        "next_steps",
        "payment_received",
    }

    # A replayed delivery of every event changes nothing.
    before = len(wiring.answers)
    for event in list(sandbox.events):
        await sandbox.redeliver(event["id"])
    assert {message for _, message in wiring.answers[before:]} == {
        "duplicate event: already processed"
    }

    # 2. A tip, and a second paid session.
    tip = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(500, USD))
    await sandbox.pay((await checkout_of(db, tip.purchase_id)).checkout_session_id or "")
    second = await billing.start_checkout(other, world.client_id)
    await sandbox.pay((await checkout_of(db, second.purchase_id)).checkout_session_id or "")
    assert (await checkout_of(db, tip.purchase_id)).status == PurchaseStatus.PAID

    # 3. The first session disappoints: a refund of the service price, by Stripe Refund.
    ends = (await booking_of(db, world.booking_id)).ends_at
    assert ends is not None
    clock.set(ends + timedelta(hours=2))
    outcome = await billing.request_refund(world.booking_id, world.client_id)
    await sandbox.flush()  # charge.refunded, delivered after the API answered
    [refund] = sandbox.state.objects["refund"].values()
    assert refund["amount"] == 6000 and refund["payment_intent"] == purchase.payment_intent_id
    assert outcome.credit_note_number == "CN-2026-000001"
    async with db.uow() as uow:
        note = await uow.session.scalar(select(Receipt).where(Receipt.kind == "credit_note"))
    assert note is not None
    note_text = await receipt_text(db, note)
    assert "CN-2026-000001" in note_text and "R-2026-000001" in note_text
    assert "$60.00" in note_text and "$3.49" in note_text and refund["id"] in note_text

    # 4. The advisor onboards with Stripe Connect; payouts once the windows have passed.
    link = await billing.start_payout_onboarding(
        world.advisor_id,
        refresh_url="https://pathwise.test/connect/refresh",
        return_url="https://pathwise.test/connect/done",
    )
    assert link.startswith(sandbox.url)
    [account_id] = sandbox.state.objects["account"]
    await sandbox.complete_onboarding(account_id)
    assert (200, "payouts enabled") in wiring.answers

    later_end = (await booking_of(db, other)).ends_at
    assert later_end is not None
    clock.set(later_end + timedelta(hours=72))
    run = await billing.release_due_payouts()
    await sandbox.flush()

    assert len(run.paid) == 2
    transfers = sorted(
        (t["transfer_group"], t["amount"], t["destination"])
        for t in sandbox.state.objects["transfer"].values()
    )
    assert transfers == sorted(
        [
            (f"booking_{world.booking_id}", 500, account_id),  # the refunded session: tip only
            (f"booking_{other}", 6000, account_id),
        ]
    )
    async with db.uow() as uow:
        payouts = list(await uow.session.scalars(select(Payout)))
        report = await ledger.check_ledger(uow)
        cash = await ledger.balance(uow, Account.CASH, USD)
        events = len(list(await uow.session.scalars(select(StripeEvent))))
    assert all(p.stripe_transfer_id for p in payouts)
    assert report.violations == []
    # The ledger's cash is the stand-in's platform balance, to the cent.
    assert cash == Money(sandbox.state.balance["usd"], USD) == Money(349 * 2, USD)
    assert events == len(sandbox.events)
    assert len(await outbox_rows(db, kind="payout_statement")) == 2
    assert (await billing.release_due_payouts()).paid == []


async def test_a_declined_card_leaves_the_checkout_open_for_another_try(
    db: Database, stand_in: StandInParts, world: World, checkout: Checkout
) -> None:
    billing, sandbox, _ = stand_in
    session_id = checkout_id(checkout.url)

    await sandbox.pay(session_id, card="declined")

    assert (await checkout_of(db, checkout.purchase_id)).status == PurchaseStatus.PENDING
    again = await billing.start_checkout(world.booking_id, world.client_id)
    assert again.url == checkout.url
    await sandbox.pay(session_id)
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED


async def test_a_delayed_payment_and_a_lapsed_checkout_through_the_stand_in(
    db: Database, stand_in: StandInParts, clock: ManualClock, world: World, checkout: Checkout
) -> None:
    billing, sandbox, wiring = stand_in
    session_id = checkout_id(checkout.url)
    await sandbox.pay(session_id, card="async")
    assert (await checkout_of(db, checkout.purchase_id)).status == PurchaseStatus.PROCESSING
    await sandbox.async_payment(session_id, succeeded=True)
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED

    lapsing = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=3))
    unpaid = await billing.start_checkout(lapsing, world.client_id)
    clock.set(unpaid.expires_at)
    await sandbox.expire_due()
    assert (200, "checkout expired; hold released") in wiring.answers
    assert (await booking_of(db, lapsing)).status == BookingStatus.EXPIRED


async def test_a_wrong_amount_from_stripe_is_held_for_an_admin(
    db: Database, stand_in: StandInParts, world: World, checkout: Checkout
) -> None:
    _, sandbox, _ = stand_in

    await sandbox.pay(checkout_id(checkout.url), amount_override=100)

    assert (await checkout_of(db, checkout.purchase_id)).status == PurchaseStatus.REJECTED
    assert (await booking_of(db, world.booking_id)).status != BookingStatus.CONFIRMED
    [alert] = await outbox_rows(db, audience="admin")
    assert "amount mismatch" in alert.payload["text"]
    assert await ledger_violations(db) == []
    async with db.uow() as uow:
        assert await ledger.balance(uow, Account.CASH, USD) == Money(100, USD)


async def test_a_dispute_from_the_card_network_holds_the_payout(
    db: Database, stand_in: StandInParts, checkout: Checkout
) -> None:
    _, sandbox, _ = stand_in
    await sandbox.pay(checkout_id(checkout.url))
    [charge_id] = sandbox.state.objects["charge"]

    await sandbox.dispute(charge_id)

    assert (await checkout_of(db, checkout.purchase_id)).payout_state == PayoutState.ON_HOLD
    assert await ledger_violations(db) == []
    async with db.uow() as uow:
        cash = await ledger.balance(uow, Account.CASH, USD)
    assert cash == Money(sandbox.state.balance["usd"], USD)


@pytest.mark.parametrize("failure", [429, 500, "timeout"])
async def test_stripe_failing_once_is_retried_with_the_same_idempotency_key(
    stand_in: StandInParts, world: World, failure: int | str
) -> None:
    billing, sandbox, _ = stand_in
    sandbox.fail_next("/v1/checkout/sessions", failure, delay=1.5)  # type: ignore[arg-type]

    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await sandbox.flush()
    attempts = _requests(sandbox, "/v1/checkout/sessions")
    assert len(attempts) >= 2
    assert len({r.idempotency_key for r in attempts}) == 1
    assert len(sandbox.state.objects["checkout.session"]) == 1
    [session] = sandbox.state.objects["checkout.session"].values()
    assert checkout.url == session["url"]


@pytest.mark.parametrize("failure", [429, 500, "timeout"])
async def test_stripe_down_asks_the_client_to_try_again_and_nothing_is_doubled(
    db: Database, stand_in: StandInParts, world: World, failure: int | str
) -> None:
    billing, sandbox, _ = stand_in
    sandbox.fail_next("/v1/checkout/sessions", failure, count=3, delay=1.5)  # type: ignore[arg-type]

    with pytest.raises(PaymentsUnavailable, match="Please try again in a moment"):
        await billing.start_checkout(world.booking_id, world.client_id)
    await sandbox.flush()
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await sandbox.flush()
    keys = {r.idempotency_key for r in _requests(sandbox, "/v1/checkout/sessions")}
    assert len(keys) == 1
    assert len(sandbox.state.objects["checkout.session"]) == 1
    assert (await checkout_of(db, checkout.purchase_id)).checkout_session_id in (
        sandbox.state.objects["checkout.session"]
    )
