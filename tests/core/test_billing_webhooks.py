"""Stripe webhooks in core: signed, recorded once, and every event ends in the right state."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import ledger
from core.billing import Billing, Checkout
from core.clock import ManualClock
from core.db import Database
from core.ledger import Account
from core.models import BookingStatus
from core.models.billing import (
    AdvisorPayoutAccount,
    LedgerEntry,
    LedgerTransaction,
    PayoutState,
    Purchase,
    PurchaseStatus,
    Receipt,
    StripeEvent,
)
from core.money import Money
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    RECEIPT_SAYS,
    World,
    billing_settings,
    booking_of,
    checkout_of,
    count,
    deliver,
    dispute_object,
    event_body,
    ledger_violations,
    make_billing,
    new_booking,
    outbox_rows,
    pay,
    receipt_text,
    session_object,
    sign,
)


@pytest.fixture
async def purchase(db: Database, checkout: Checkout) -> Purchase:
    """The world's booking's purchase, at checkout."""
    return await checkout_of(db, checkout.purchase_id)


async def test_a_paid_checkout_confirms_the_booking_and_writes_ledger_receipt_and_messages(
    db: Database, world: World, billing: Billing, checkout: Checkout
) -> None:
    result = await pay(billing, db, checkout.purchase_id)

    assert result == (200, "paid")
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED
    purchase = await checkout_of(db, checkout.purchase_id)
    assert purchase.status == PurchaseStatus.PAID
    assert purchase.payout_state == PayoutState.HELD
    assert (purchase.service_minor, purchase.fee_minor, purchase.total_minor) == (6000, 349, 6349)

    async with db.uow() as uow:
        entries = {
            e.account: e.amount_minor for e in await uow.session.scalars(select(LedgerEntry))
        }
        receipt = await uow.session.scalar(select(Receipt))
    assert entries == {
        Account.CASH: 6349,
        Account.PLATFORM_FEES: -349,
        Account.ADVISOR_PAYABLE: -6000,
    }
    assert receipt is not None and receipt.number == "R-2026-000001"
    text = await receipt_text(db, receipt)
    for expected in (*RECEIPT_SAYS, "Ana Ruiz", f"pi_test_{purchase.id:06d}", "Pathwise"):
        assert expected in text, expected

    client_rows = await outbox_rows(db, audience="client")
    assert [row.kind for row in client_rows] == ["receipt", "next_steps", "calendar"]
    assert client_rows[0].client_id == world.client_id
    assert client_rows[0].payload["document"] == {
        "kind": "receipt",
        "id": receipt.id,
        "filename": receipt.filename,
    }
    assert "R-2026-000001" in client_rows[0].payload["text"]
    steps = client_rows[1].payload["text"]
    assert "private Discord room opens 10 minutes before" in steps
    assert "(Europe/Madrid)" in steps and "$3.49 handling fee is non-refundable" in steps
    [advisor_row] = await outbox_rows(db, audience="advisor")
    assert advisor_row.advisor_id == world.advisor_id
    assert (
        "You earn $60.00, paid out after the 72-hour money-back window"
        in (advisor_row.payload["text"])
    )
    assert "4242" not in str([r.payload for r in await outbox_rows(db)])  # no card data
    assert await ledger_violations(db) == []


async def test_receipt_numbers_run_on_without_gaps(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    numbers = []
    for day in range(1, 4):
        booking_id = await new_booking(
            db, world, clock.now(), starts_at=clock.now() + timedelta(days=day, hours=3)
        )
        checkout = await billing.start_checkout(booking_id, world.client_id)
        assert (await pay(billing, db, checkout.purchase_id)).status == 200
    async with db.uow() as uow:
        numbers = list(await uow.session.scalars(select(Receipt.number).order_by(Receipt.id)))
    assert numbers == ["R-2026-000001", "R-2026-000002", "R-2026-000003"]


async def test_a_forged_or_stale_signature_is_rejected_and_changes_nothing(
    db: Database, billing: Billing, purchase: Purchase
) -> None:
    body = event_body("checkout.session.completed", session_object(purchase))

    forged = await billing.handle_webhook(body, sign(body, secret="whsec_someone_else"))
    stale = await billing.handle_webhook(body, sign(body, timestamp=int(time.time()) - 3600))
    missing = await billing.handle_webhook(body, "")
    tampered = await billing.handle_webhook(body.replace(b"6349", b"1"), sign(body))

    assert [r.status for r in (forged, stale, missing, tampered)] == [400, 400, 400, 400]
    assert forged.message == "invalid signature"
    assert (await checkout_of(db, purchase.id)).status == PurchaseStatus.PENDING
    assert await count(db, StripeEvent) == 0
    assert await count(db, LedgerTransaction) == 0


async def test_a_replayed_event_is_applied_once(
    db: Database, billing: Billing, purchase: Purchase
) -> None:
    obj = session_object(purchase)

    first = await deliver(billing, "checkout.session.completed", obj, event_id="evt_same")
    again = await deliver(billing, "checkout.session.completed", obj, event_id="evt_same")
    # The same payment announced by a different event (Stripe sends both for delayed methods).
    other = await deliver(billing, "checkout.session.async_payment_succeeded", obj)

    assert first == (200, "paid")
    assert again == (200, "duplicate event: already processed")
    assert other == (200, "already paid")
    assert await count(db, Receipt) == 1
    assert await count(db, LedgerTransaction) == 1
    assert len(await outbox_rows(db, audience="advisor")) == 1
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("world")
async def test_an_event_for_an_unknown_purchase_is_acknowledged_and_ignored(
    db: Database, billing: Billing
) -> None:
    obj = {
        "id": "cs_test_not_ours",
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": 6349,
        "currency": "usd",
        "metadata": {"purchase_id": "999999"},
        "payment_intent": "pi_unknown",
    }
    result = await deliver(billing, "checkout.session.completed", obj)
    no_metadata = await deliver(
        billing, "checkout.session.completed", {**obj, "metadata": {}, "id": "cs_other"}
    )

    assert result == (200, "ignored: unknown purchase")
    assert no_metadata == (200, "ignored: unknown purchase")
    assert await count(db, LedgerTransaction) == 0
    assert await outbox_rows(db) == []


@pytest.mark.parametrize(
    ("amount", "currency"), [(100, None), (6349, "eur")], ids=["amount", "currency"]
)
async def test_an_amount_or_currency_mismatch_is_not_confirmed_and_an_admin_is_told(
    db: Database, world: World, billing: Billing, checkout: Checkout, amount: int,
    currency: str | None,
) -> None:
    result = await pay(billing, db, checkout.purchase_id, amount_total=amount, currency=currency)

    assert result.status == 200 and result.message.startswith("held for review: amount mismatch")
    assert (await checkout_of(db, checkout.purchase_id)).status == PurchaseStatus.REJECTED
    assert (await booking_of(db, world.booking_id)).status != BookingStatus.CONFIRMED
    assert await count(db, Receipt) == 0
    [alert] = await outbox_rows(db, audience="admin")
    assert alert.kind == "payment_problem" and "NOT confirmed" in alert.payload["text"]
    [told] = await outbox_rows(db, audience="client")
    assert "haven't confirmed it yet" in told.payload["text"]
    async with db.uow() as uow:
        suspense = await ledger.balance(uow, Account.SUSPENSE, (currency or "usd").upper())
    assert suspense == Money(-amount, (currency or "usd").upper())
    assert await ledger_violations(db) == []


async def test_an_unknown_event_type_is_answered_200(billing: Billing) -> None:
    result = await deliver(billing, "customer.created", {"id": "cus_1", "object": "customer"})
    assert result == (200, "ignored: unhandled event type customer.created")


async def test_an_expired_checkout_releases_the_hold(
    db: Database, world: World, billing: Billing, purchase: Purchase
) -> None:
    result = await deliver(billing, "checkout.session.expired", session_object(purchase))

    assert result == (200, "checkout expired; hold released")
    assert (await checkout_of(db, purchase.id)).status == PurchaseStatus.EXPIRED
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.EXPIRED


async def test_a_late_expired_event_does_not_undo_a_payment(
    db: Database, world: World, billing: Billing, purchase: Purchase
) -> None:
    await pay(billing, db, purchase.id)

    result = await deliver(billing, "checkout.session.expired", session_object(purchase))

    assert result == (200, "ignored: purchase is paid")
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED


async def test_a_delayed_payment_waits_then_confirms_or_releases(
    db: Database, clock: ManualClock, world: World, billing: Billing, purchase: Purchase
) -> None:
    waiting = await deliver(
        billing, "checkout.session.completed", session_object(purchase, payment_status="unpaid")
    )
    assert waiting == (200, "payment processing")
    assert (await checkout_of(db, purchase.id)).status == PurchaseStatus.PROCESSING
    settled = await deliver(
        billing, "checkout.session.async_payment_succeeded", session_object(purchase)
    )
    assert settled == (200, "paid")
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED

    second = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=3))
    checkout = await billing.start_checkout(second, world.client_id)
    purchase = await checkout_of(db, checkout.purchase_id)
    await deliver(
        billing, "checkout.session.completed", session_object(purchase, payment_status="unpaid")
    )
    failed = await deliver(
        billing,
        "checkout.session.async_payment_failed",
        session_object(purchase, payment_status="unpaid"),
    )
    assert failed == (200, "payment failed")
    assert (await booking_of(db, second)).status == BookingStatus.EXPIRED
    assert (
        "nothing was charged" in (await outbox_rows(db, kind="payment_failed"))[0].payload["text"]
    )
    assert await ledger_violations(db) == []


async def test_a_payment_after_the_hold_lapsed_confirms_if_the_slot_is_still_free(
    db: Database, clock: ManualClock, world: World, billing: Billing, checkout: Checkout
) -> None:
    clock.advance(timedelta(hours=2))  # the webhook was delayed well past the hold

    assert (await pay(billing, db, checkout.purchase_id)) == (200, "paid")
    assert (await booking_of(db, world.booking_id)).status == BookingStatus.CONFIRMED


async def test_a_dispute_holds_the_payout_and_alerts_an_admin(
    db: Database, billing: Billing, paid_purchase: int
) -> None:
    purchase = await checkout_of(db, paid_purchase)
    dispute = dispute_object(purchase, charge="ch_test_1", reason="fraudulent")

    result = await deliver(billing, "charge.dispute.created", dispute)
    again = await deliver(
        billing, "charge.dispute.created", dispute
    )  # a new event id, same dispute

    assert result == (200, "dispute recorded; payout held")
    assert again.status == 200
    after = await checkout_of(db, paid_purchase)
    assert after.payout_state == PayoutState.ON_HOLD and after.disputed_at is not None
    [alert] = await outbox_rows(db, audience="admin")
    assert "dp_test_1" in alert.payload["text"] and "on hold" in alert.payload["text"]
    async with db.uow() as uow:
        assert await ledger.balance(uow, Account.DISPUTES, "USD") == Money(6349, "USD")
    assert await ledger_violations(db) == []


async def test_account_updated_turns_payouts_on(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    link = await billing.start_payout_onboarding(
        world.advisor_id, refresh_url="https://x.test/r", return_url="https://x.test/ok"
    )
    assert link.startswith("https://connect.stripe.test/setup/acct_")
    [account_id] = gateway.accounts

    result = await deliver(
        billing,
        "account.updated",
        {"id": account_id, "object": "account", "payouts_enabled": True, "details_submitted": True},
    )

    assert result == (200, "payouts enabled")
    async with db.uow() as uow:
        account = await uow.session.get(AdvisorPayoutAccount, world.advisor_id)
        assert account is not None and account.payouts_enabled
    [dm] = await outbox_rows(db, kind="payouts_enabled")
    assert dm.advisor_id == world.advisor_id
    unknown = await deliver(billing, "account.updated", {"id": "acct_nobody", "object": "account"})
    assert unknown == (200, "ignored: unknown account")


async def test_a_missing_webhook_secret_is_a_configuration_error(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    from core.errors import ConfigurationError

    billing, _ = make_billing(db, billing_settings(database_url, stripe_webhook_secret=None), clock)
    body = event_body("customer.created", {"id": "cus_1"})
    with pytest.raises(ConfigurationError, match="PATHWISE_STRIPE_WEBHOOK_SECRET"):
        await billing.handle_webhook(body, sign(body))


async def test_purchases_and_bookings_agree(
    db: Database, world: World, checkout: Checkout
) -> None:
    async with db.uow() as uow:
        purchase = await uow.session.scalar(select(Purchase))
    assert purchase is not None and purchase.booking_id == world.booking_id
    assert checkout.purchase_id == purchase.id


@pytest.mark.parametrize("trouble", ["down", "slow"])
async def test_when_the_card_lookup_fails_the_payment_still_counts(
    db: Database,
    world: World,
    database_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    trouble: str,
) -> None:
    import asyncio

    import core.payments.stripe_events
    from core.payments.gateway import PaymentDetails, PaymentsUnavailable

    class SlowLookup(FakePaymentGateway):
        async def payment_details(self, payment_intent_id: str) -> PaymentDetails:
            await asyncio.sleep(5)
            return PaymentDetails("visa", "4242")

    gateway = SlowLookup() if trouble == "slow" else FakePaymentGateway()
    if trouble == "down":
        gateway.fail_next("payment_details", PaymentsUnavailable())
    monkeypatch.setattr(core.payments.stripe_events, "PAYMENT_LOOKUP_TIMEOUT", 0.05)
    billing, _ = make_billing(db, billing_settings(database_url), clock, gateway)
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    assert (await pay(billing, db, checkout.purchase_id)) == (200, "paid")

    async with db.uow() as uow:
        receipt = await uow.session.scalar(select(Receipt))
    assert receipt is not None
    text = await receipt_text(db, receipt)
    assert "Online payment" in text and "4242" not in text
