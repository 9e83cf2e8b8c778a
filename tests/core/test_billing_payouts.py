"""Payouts: held until the guarantee window passes, then the advisor's share, once, with a
statement; advisors not yet onboarded accrue and are paid once they are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import ledger
from core.billing import Billing, release_due_payouts
from core.clock import ManualClock
from core.db import Database
from core.ledger import Account
from core.models.billing import Payout, PayoutState, PayoutStatus
from core.money import Money
from core.payments.gateway import PaymentProviderError, PaymentsUnavailable
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    billing_settings,
    checkout_of,
    checkout_paid,
    deliver,
    dispute_object,
    ledger_violations,
    make_billing,
    new_booking,
    onboard,
    outbox_rows,
    pay,
    tip_paid,
    window_closes,
)

USD = "USD"
# Most tests: the advisor onboarded, then the world's booking paid with a $5 tip on it.
onboarded_and_paid = pytest.mark.usefixtures("onboarded_advisor", "paid_purchase", "paid_tip")


async def _payouts(db: Database) -> list[Payout]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(Payout).order_by(Payout.id)))


async def test_the_advisor_is_paid_their_share_once_the_window_has_passed(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    onboarded_advisor: str, paid_purchase: int, paid_tip: int,
) -> None:
    account_id, booked_id, tip_id = onboarded_advisor, paid_purchase, paid_tip
    closes = await window_closes(db, world.booking_id)

    clock.set(closes - timedelta(seconds=1))
    early = await billing.release_due_payouts()
    assert early.paid == [] and gateway.transfers == {}

    clock.set(closes)
    run = await billing.release_due_payouts()

    [payout] = await _payouts(db)
    assert run.paid == [payout.id]
    assert (payout.status, payout.gross_minor, payout.commission_minor, payout.net_minor) == (
        PayoutStatus.PAID,
        6500,
        0,
        6500,
    )
    [(made, destination, group)] = gateway.transfers.values()
    assert made.amount == Money(6500, USD)
    assert destination == account_id and group == f"booking_{world.booking_id}"
    assert payout.stripe_transfer_id == made.id
    assert gateway.calls[-1] == ("create_transfer", payout.idempotency_key)
    for purchase_id in (booked_id, tip_id):
        purchase = await checkout_of(db, purchase_id)
        assert purchase.payout_state == PayoutState.PAID_OUT and purchase.payout_id == payout.id
    async with db.uow() as uow:
        owed = await ledger.balance(uow, Account.ADVISOR_PAYABLE, USD, advisor_id=world.advisor_id)
        cash = await ledger.balance(uow, Account.CASH, USD)
    assert owed == Money(0, USD) and cash == Money(349, USD)  # the platform keeps the fee
    [statement] = await outbox_rows(db, kind="payout_statement")
    assert statement.advisor_id == world.advisor_id
    text = statement.payload["text"]
    for expected in (
        "Payout statement",
        "60-minute live session with Ana Ruiz: $60.00",
        "Tip for Ana Ruiz: $5.00",
        "Gross: $65.00",
        "Commission: $0.00",
        "Net paid to you: $65.00",
        f"Date: {closes:%d %b %Y}",
        made.id,
    ):
        assert expected in text, expected

    again = await billing.release_due_payouts()
    assert again.paid == [] and len(gateway.transfers) == 1
    assert await ledger_violations(db) == []


async def test_commission_comes_off_the_service_price_only(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    settings = billing_settings(database_url, commission_percent=10)
    billing, gateway = make_billing(db, settings, clock)
    await onboard(billing, gateway, world.advisor_id)
    await checkout_paid(billing, db, world)
    await tip_paid(billing, db, world)
    clock.set(await window_closes(db, world.booking_id))

    await billing.release_due_payouts()

    [payout] = await _payouts(db)
    assert (payout.gross_minor, payout.commission_minor, payout.net_minor) == (6500, 600, 5900)
    async with db.uow() as uow:
        commission = await ledger.balance(uow, Account.COMMISSION, USD)
    assert commission == Money(-600, USD)
    [statement] = await outbox_rows(db, kind="payout_statement")
    assert "Commission: $6.00" in statement.payload["text"]
    assert "Net paid to you: $59.00" in statement.payload["text"]
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_purchase", "paid_tip")
async def test_an_advisor_not_yet_onboarded_accrues_and_is_paid_once_onboarded(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    second = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=2))
    await checkout_paid(billing, db, world, second)
    clock.set(await window_closes(db, second) + timedelta(hours=1))

    waiting = await billing.release_due_payouts()
    assert waiting.waiting_for_onboarding == {world.advisor_id}
    assert gateway.transfers == {}
    earnings = await billing.advisor_earnings(world.advisor_id)
    assert earnings.ready == Money(12500, USD) and not earnings.payouts_enabled

    await onboard(billing, gateway, world.advisor_id)
    run = await billing.release_due_payouts()

    assert len(run.paid) == 2  # one payout per booking, each with its transfer group
    groups = sorted(group for _, _, group in gateway.transfers.values())
    assert groups == sorted([f"booking_{world.booking_id}", f"booking_{second}"])
    assert len(await outbox_rows(db, kind="payout_statement")) == 2
    earnings = await billing.advisor_earnings(world.advisor_id)
    assert earnings.paid_out == Money(12500, USD) and earnings.ready == Money(0, USD)
    assert await ledger_violations(db) == []


@onboarded_and_paid
async def test_a_refunded_session_pays_out_only_its_tips(
    db: Database, clock: ManualClock, world: World, billing: Billing, paid_purchase: int
) -> None:
    booked_id = paid_purchase
    closes = await window_closes(db, world.booking_id)
    clock.set(closes - timedelta(hours=1))
    await billing.request_refund(world.booking_id, world.client_id)
    clock.set(closes)

    await billing.release_due_payouts()

    [payout] = await _payouts(db)
    assert (payout.gross_minor, payout.net_minor) == (500, 500)
    assert (await checkout_of(db, booked_id)).payout_state == PayoutState.NOTHING_DUE
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("onboarded_advisor")
async def test_a_disputed_payment_is_not_paid_out(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int,
) -> None:
    purchase = await checkout_of(db, paid_purchase)
    await deliver(billing, "charge.dispute.created", dispute_object(purchase, id="dp_x"))
    clock.set(await window_closes(db, world.booking_id) + timedelta(days=1))

    await billing.release_due_payouts()

    assert gateway.transfers == {} and await _payouts(db) == []


@pytest.mark.usefixtures("onboarded_advisor")
async def test_a_cancelled_session_is_never_paid_out(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int,
) -> None:
    from core import scheduling

    async with db.uow() as uow:
        await scheduling.cancel_booking(
            uow, world.booking_id, client_id=world.client_id, now=clock.now()
        )
        await uow.commit()
    clock.set(await window_closes(db, world.booking_id) + timedelta(days=1))

    await billing.release_due_payouts()  # the refund has not been asked for yet

    assert gateway.transfers == {}
    assert (await checkout_of(db, paid_purchase)).payout_state == PayoutState.HELD


@onboarded_and_paid
async def test_when_stripe_is_busy_the_payout_is_retried_with_the_same_key(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    clock.set(await window_closes(db, world.booking_id))
    gateway.fail_next("create_transfer", PaymentsUnavailable())

    first = await billing.release_due_payouts()
    second = await billing.release_due_payouts()

    [payout] = await _payouts(db)
    assert first.retry_later == [payout.id] and second.paid == [payout.id]
    keys = [key for method, key in gateway.calls if method == "create_transfer"]
    assert keys == [payout.idempotency_key, payout.idempotency_key]
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("onboarded_advisor", "paid_tip")
async def test_a_refused_payout_is_put_on_hold_for_an_admin(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int,
) -> None:
    clock.set(await window_closes(db, world.booking_id))
    gateway.fail_next("create_transfer", PaymentProviderError(code="insufficient_capabilities"))

    run = await billing.release_due_payouts()

    [payout] = await _payouts(db)
    assert run.failed == [payout.id] and payout.status == PayoutStatus.FAILED
    assert (await checkout_of(db, paid_purchase)).payout_state == PayoutState.ON_HOLD
    [alert] = await outbox_rows(db, kind="payout_failed")
    assert "insufficient_capabilities" in alert.payload["text"]
    assert (await billing.release_due_payouts()).paid == []
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("onboarded_advisor", "paid_purchase")
async def test_a_tip_after_the_window_is_paid_at_the_next_run(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    clock.set(await window_closes(db, world.booking_id) + timedelta(days=2))
    await release_due_payouts(db, gateway, billing.settings, clock.now())

    tip = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(300, USD))
    await pay(billing, db, tip.purchase_id)
    run = await billing.release_due_payouts()

    payouts = await _payouts(db)
    assert [p.net_minor for p in payouts] == [6000, 300]
    assert run.paid == [payouts[1].id]
    assert {group for _, _, group in gateway.transfers.values()} == {f"booking_{world.booking_id}"}
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_purchase", "paid_tip")
@pytest.mark.parametrize("state", ["held", "available"])
async def test_advisor_earnings_split_held_from_ready(
    db: Database, clock: ManualClock, world: World, billing: Billing, state: str
) -> None:
    if state == "available":
        clock.set(await window_closes(db, world.booking_id))
    earnings = await billing.advisor_earnings(world.advisor_id)
    expected = Money(6500, USD)
    assert (earnings.held, earnings.ready) == (
        (expected, Money(0, USD)) if state == "held" else (Money(0, USD), expected)
    )


@pytest.mark.usefixtures("onboarded_advisor", "paid_tip")
async def test_a_refund_still_in_flight_at_the_window_close_blocks_the_session_payout(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int,
) -> None:
    booked_id = paid_purchase
    closes = await window_closes(db, world.booking_id)
    clock.set(closes - timedelta(minutes=1))
    gateway.fail_next("create_refund", PaymentsUnavailable())
    with pytest.raises(PaymentsUnavailable):
        await billing.request_refund(world.booking_id, world.client_id)
    clock.set(closes + timedelta(minutes=1))

    await billing.release_due_payouts()

    assert [p.net_minor for p in await _payouts(db)] == [500]  # the tip only
    assert (await checkout_of(db, booked_id)).payout_state == PayoutState.HELD
    await billing.request_refund(world.booking_id, world.client_id)  # Stripe answers now
    await billing.release_due_payouts()
    assert [p.net_minor for p in await _payouts(db)] == [500]
    assert (await checkout_of(db, booked_id)).payout_state == PayoutState.NOTHING_DUE
    assert await ledger_violations(db) == []


async def test_advisors_onboarding_arrives_signed_by_the_connected_accounts_endpoint(
    db: Database, database_url: str, clock: ManualClock, world: World
) -> None:
    """Stripe sends connected accounts' events to a second endpoint with its own secret."""
    from tests.support.billing import event_body, sign

    connect_secret = "whsec_connect_0123456789"
    settings = billing_settings(database_url, stripe_connect_webhook_secret=connect_secret)
    billing, gateway = make_billing(db, settings, clock)
    await billing.start_payout_onboarding(
        world.advisor_id, refresh_url="https://x.test/r", return_url="https://x.test/ok"
    )
    account_id = list(gateway.accounts)[-1]
    obj = {
        "id": account_id,
        "object": "account",
        "payouts_enabled": True,
        "details_submitted": True,
    }

    forged = event_body("account.updated", obj)
    assert (await billing.handle_webhook(forged, sign(forged, "whsec_someone_else"))).status == 400
    assert not (await billing.advisor_earnings(world.advisor_id)).payouts_enabled

    body = event_body("account.updated", obj)
    result = await billing.handle_webhook(body, sign(body, connect_secret))
    assert result.status == 200
    assert (await billing.advisor_earnings(world.advisor_id)).payouts_enabled

    # Without the setting, the connected-accounts endpoint's events are refused.
    plain, _ = make_billing(db, billing_settings(database_url), clock)
    again = event_body("account.updated", obj)
    assert (await plain.handle_webhook(again, sign(again, connect_secret))).status == 400
