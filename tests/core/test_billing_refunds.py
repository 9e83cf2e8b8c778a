"""The money-back guarantee: a preview, then a refund of the service price, once, in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import ledger, scheduling
from core.billing import (
    AlreadyRefunded,
    Billing,
    NothingToRefund,
    NotYourBooking,
    PaymentUnderReview,
    RefundNotYetAvailable,
    RefundWindowClosed,
    report_advisor_no_show,
)
from core.clock import ManualClock
from core.db import Database
from core.ledger import Account
from core.models import Booking, BookingStatus
from core.models.billing import (
    PayoutState,
    Receipt,
    Refund,
    RefundKind,
    RefundStatus,
)
from core.money import Money
from core.payments.gateway import PaymentsUnavailable
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    BUYER,
    SESSION_AND_FEE,
    World,
    charge_object,
    checkout_of,
    deliver,
    dispute_object,
    ends_at,
    ledger_violations,
    outbox_rows,
    receipt_text,
)

USD = "USD"
# Most tests: a paid 60-minute session tomorrow, and a $5 tip on it.
paid_with_a_tip = pytest.mark.usefixtures("paid_purchase", "paid_tip")


@paid_with_a_tip
async def test_the_preview_returns_the_service_price_and_keeps_the_fee_and_tips(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    clock.set(await ends_at(db, world.booking_id) + timedelta(minutes=1))

    preview = await billing.preview_refund(world.booking_id, world.client_id)

    assert preview.amount == Money(6000, USD)
    assert [(line.label, line.amount.amount) for line in preview.refunded] == [
        ("60-minute live session with Ana Ruiz", 6000)
    ]
    assert [(line.label, line.amount.amount) for line in preview.kept] == [
        ("Handling fee (non-refundable)", 349)
    ]
    assert [(line.label, line.amount.amount) for line in preview.untouched_tips] == [
        ("Tip for Ana Ruiz", 500)
    ]
    text = preview.describe(timezone="Europe/Madrid")
    assert "Total refund: $60.00" in text
    assert "Handling fee (non-refundable): $3.49" in text
    assert "Your tips are not affected" in text and "(Europe/Madrid)" in text


@pytest.mark.usefixtures("checkout")
async def test_an_unpaid_booking_has_nothing_to_refund(world: World, billing: Billing) -> None:
    with pytest.raises(NothingToRefund):
        await billing.preview_refund(world.booking_id, world.client_id)


@pytest.mark.usefixtures("paid_tip", "refund_window_open")
async def test_a_refund_returns_exactly_the_service_price_with_a_credit_note(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int, paid_tip: int,
) -> None:
    purchase_id, tip_id = paid_purchase, paid_tip

    outcome = await billing.request_refund(world.booking_id, world.client_id)

    purchase = await checkout_of(db, purchase_id)
    [(_method, key)] = [call for call in gateway.calls if call[0] == "create_refund"]
    assert key == f"refund-{purchase.idempotency_key}"
    [made] = gateway.refunds.values()
    assert made.amount == Money(6000, USD)
    assert outcome.amount == Money(6000, USD) and outcome.credit_note_number == "CN-2026-000001"
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, world.booking_id)
        refund = await uow.session.scalar(select(Refund))
        note = await uow.session.scalar(select(Receipt).where(Receipt.kind == "credit_note"))
        fees = await ledger.balance(uow, Account.PLATFORM_FEES, USD)
        payable = await ledger.balance(
            uow, Account.ADVISOR_PAYABLE, USD, advisor_id=world.advisor_id
        )
        cash = await ledger.balance(uow, Account.CASH, USD)
    assert booking is not None and booking.status == BookingStatus.REFUNDED
    assert refund is not None and refund.status == RefundStatus.SUCCEEDED
    assert refund.stripe_refund_id == made.id
    assert fees == Money(-349, USD)  # the fee stays with the platform
    assert payable == Money(-500, USD)  # only the tip is still owed to the advisor
    assert cash == Money(6349 + 500 - 6000, USD)
    assert purchase.payout_state == PayoutState.NOTHING_DUE
    assert (await checkout_of(db, tip_id)).payout_state == PayoutState.HELD

    assert note is not None
    text = await receipt_text(db, note)
    for expected in (
        "CN-2026-000001",
        "R-2026-000001",
        BUYER,
        *SESSION_AND_FEE,
        "Money-back guarantee",
        made.id,
    ):
        assert expected in text, expected

    [to_client] = await outbox_rows(db, kind="credit_note")
    assert to_client.client_id == world.client_id
    assert to_client.payload["document"]["id"] == note.id
    assert "refund of $60.00" in to_client.payload["text"]
    assert "$3.49 handling fee is non-refundable" in to_client.payload["text"]
    [to_advisor] = await outbox_rows(db, kind="refund_notice")
    assert (
        to_advisor.advisor_id == world.advisor_id
        and "Tips are not affected" in (to_advisor.payload["text"])
    )
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_tip", "refund_window_open")
async def test_asking_twice_is_refused_and_stripe_is_asked_once(
    world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    await billing.request_refund(world.booking_id, world.client_id)

    with pytest.raises(AlreadyRefunded, match="already been refunded"):
        await billing.request_refund(world.booking_id, world.client_id)
    with pytest.raises(AlreadyRefunded):
        await billing.preview_refund(world.booking_id, world.client_id)
    assert len(gateway.refunds) == 1


@paid_with_a_tip
async def test_no_refund_before_the_session_ends_or_after_the_window(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    ends = await ends_at(db, world.booking_id)

    clock.set(ends - timedelta(minutes=1))
    with pytest.raises(RefundNotYetAvailable, match="once your session has ended"):
        await billing.preview_refund(world.booking_id, world.client_id)

    clock.set(ends + timedelta(hours=72))
    assert (await billing.preview_refund(world.booking_id, world.client_id)).amount.amount == 6000

    clock.set(ends + timedelta(hours=72, seconds=1))
    with pytest.raises(RefundWindowClosed, match="money-back window for this session closed on"):
        await billing.request_refund(world.booking_id, world.client_id)
    assert gateway.refunds == {}


@pytest.mark.usefixtures("paid_tip", "refund_window_open")
async def test_someone_elses_booking_is_refused(
    world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    with pytest.raises(NotYourBooking, match="couldn't find that booking among yours"):
        await billing.request_refund(world.booking_id, world.other_client_id)
    with pytest.raises(NotYourBooking):
        await billing.preview_refund(424242, world.client_id)
    assert gateway.refunds == {}


@paid_with_a_tip
async def test_an_advisor_no_show_opens_the_refund_at_once(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    ends = await ends_at(db, world.booking_id)
    clock.set(ends - timedelta(minutes=45))  # 15 minutes into the session
    async with db.uow() as uow:
        assert await report_advisor_no_show(uow, world.booking_id, clock.now())
        await uow.commit()

    outcome = await billing.request_refund(world.booking_id, world.client_id)

    assert outcome.amount == Money(6000, USD)
    async with db.uow() as uow:
        refund = await uow.session.scalar(select(Refund))
    assert refund is not None and refund.reason == "Advisor did not attend"


@paid_with_a_tip
async def test_when_stripe_is_busy_the_refund_resumes_with_the_same_key_even_after_the_window(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    ends = await ends_at(db, world.booking_id)
    clock.set(ends + timedelta(hours=71, minutes=59))
    gateway.fail_next("create_refund", PaymentsUnavailable())

    with pytest.raises(PaymentsUnavailable, match="try again in a moment"):
        await billing.request_refund(world.booking_id, world.client_id)
    clock.advance(timedelta(minutes=5))  # the window has closed meanwhile; the ask was in time
    outcome = await billing.request_refund(world.booking_id, world.client_id)

    keys = [key for method, key in gateway.calls if method == "create_refund"]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert outcome.credit_note_number == "CN-2026-000001"
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_tip", "refund_window_open")
async def test_the_charge_refunded_event_confirms_a_refund_whose_answer_was_lost(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway, paid_purchase: int
) -> None:
    purchase_id = paid_purchase
    gateway.fail_next("create_refund", PaymentsUnavailable())
    with pytest.raises(PaymentsUnavailable):
        await billing.request_refund(world.booking_id, world.client_id)
    async with db.uow() as uow:
        pending = await uow.session.scalar(select(Refund))
    assert pending is not None and pending.status == RefundStatus.PENDING
    purchase = await checkout_of(db, purchase_id)
    refund = {
        "id": "re_from_event",
        "amount": 6000,
        "status": "succeeded",
        "metadata": {"purchase_id": str(purchase_id), "refund_id": str(pending.id)},
    }
    charge = charge_object(
        purchase, amount_refunded=6000, refunds={"object": "list", "data": [refund]}
    )

    first = await deliver(billing, "charge.refunded", charge)
    again = await deliver(billing, "charge.refunded", charge)

    assert first == (200, f"refund {pending.id} confirmed")
    assert again == (200, "nothing new")
    with pytest.raises(AlreadyRefunded):
        await billing.request_refund(world.booking_id, world.client_id)
    async with db.uow() as uow:
        refund = await uow.session.get(Refund, pending.id)
        notes = list(
            await uow.session.scalars(select(Receipt).where(Receipt.kind == "credit_note"))
        )
    assert refund is not None and refund.stripe_refund_id == "re_from_event"
    assert len(notes) == 1
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_tip")
async def test_a_refund_made_outside_pathwise_is_recorded_and_holds_the_payout(
    db: Database, billing: Billing, paid_purchase: int
) -> None:
    purchase_id = paid_purchase
    purchase = await checkout_of(db, purchase_id)
    dashboard = {"id": "re_dashboard", "amount": 6349}
    charge = charge_object(
        purchase,
        id="ch_test_2",
        amount_refunded=6349,
        refunds={"object": "list", "data": [dashboard]},
    )

    result = await deliver(billing, "charge.refunded", charge)

    assert result == (200, "refund made outside Pathwise recorded")
    async with db.uow() as uow:
        refund = await uow.session.scalar(select(Refund))
        manual = await ledger.balance(uow, Account.MANUAL_REFUNDS, USD)
        fees = await ledger.balance(uow, Account.PLATFORM_FEES, USD)
    assert refund is not None and refund.kind == RefundKind.EXTERNAL
    assert refund.amount_minor == 6349 and refund.stripe_refund_id == "re_dashboard"
    assert manual == Money(6349, USD) and fees == Money(-349, USD)
    assert (await checkout_of(db, purchase_id)).payout_state == PayoutState.ON_HOLD
    [alert] = await outbox_rows(db, kind="external_refund")
    assert "outside Pathwise" in alert.payload["text"]
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("paid_tip")
async def test_a_disputed_payment_cannot_be_refunded_here(
    db: Database, clock: ManualClock, world: World, billing: Billing, paid_purchase: int
) -> None:
    purchase = await checkout_of(db, paid_purchase)
    dispute = dispute_object(purchase, id="dp_1", reason="general")
    await deliver(billing, "charge.dispute.created", dispute)
    clock.set(await ends_at(db, world.booking_id) + timedelta(hours=1))
    with pytest.raises(PaymentUnderReview):
        await billing.request_refund(world.booking_id, world.client_id)


@paid_with_a_tip
async def test_a_booking_cancelled_in_time_gets_its_service_price_back(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    async with db.uow() as uow:
        await scheduling.cancel_booking(
            uow, world.booking_id, client_id=world.client_id, now=clock.now()
        )
        await uow.commit()
    with pytest.raises(NothingToRefund, match="refund comes with the cancellation"):
        await billing.request_refund(world.booking_id, world.client_id)

    outcome = await billing.refund_cancelled_booking(world.booking_id, world.client_id)

    assert outcome.amount == Money(6000, USD)
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, world.booking_id)
        refund = await uow.session.scalar(select(Refund))
    assert booking is not None and booking.status == BookingStatus.CANCELLED
    assert refund is not None and refund.reason == "Booking cancelled"
    assert await ledger_violations(db) == []


@pytest.mark.usefixtures("refund_window_open")
async def test_a_failed_stripe_refund_tells_an_admin(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway
) -> None:
    from core.payments.gateway import PaymentProviderError

    gateway.refund_status = "failed"

    with pytest.raises(PaymentProviderError, match="couldn't make the refund"):
        await billing.request_refund(world.booking_id, world.client_id)
    [alert] = await outbox_rows(db, kind="refund_failed")
    assert "failed" in alert.payload["text"]
    assert await ledger_violations(db) == []
