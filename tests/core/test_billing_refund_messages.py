"""Refund and dispute messages say what happened, to the client and to the advisor, each with
the amount and the booking's date; a no-show the client leaves unanswered is refunded when
the guarantee window ends (the service price; the fee stays)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.billing import Billing, report_advisor_no_show
from core.clock import ManualClock
from core.db import Database
from core.models import Booking, BookingStatus
from core.models.billing import PayoutState, Refund
from core.payments.reconcile import RecordKind, ledger_records
from core.payments.times import local_time as _local
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    booking_of,
    charge_object,
    checkout_of,
    deliver,
    dispute_object,
    onboard,
    outbox_rows,
    window_closes,
)

# Every test: the world's booking, paid.
pytestmark = pytest.mark.usefixtures("paid_purchase")


async def _texts(db: Database) -> tuple[str, str]:
    [to_client] = await outbox_rows(db, kind="credit_note")
    [to_advisor] = await outbox_rows(db, kind="refund_notice")
    return to_client.payload["text"], to_advisor.payload["text"]


async def test_a_cancellation_refund_is_worded_as_a_cancellation_to_both(
    db: Database, world: World, billing: Billing
) -> None:
    booking = await booking_of(db, world.booking_id)
    async with db.uow() as uow:
        await uow.session.execute(
            update(Booking)
            .where(Booking.id == booking.id)
            .values(status=BookingStatus.CANCELLED.value)
        )
        await uow.commit()

    await billing.refund_cancelled_booking(world.booking_id, world.client_id)

    client, advisor = await _texts(db)
    assert booking.starts_at is not None
    assert client.startswith(
        f"You cancelled your booking on {_local(booking.starts_at, 'Europe/Madrid')} in time: "
        "your refund of $60.00 is on its way back to your card"
    )
    assert "$3.49 handling fee is non-refundable" in client
    assert "cancelled" in advisor and "($60.00) was refunded" in advisor
    assert _local(booking.starts_at, "Europe/Madrid") in advisor
    assert "money-back guarantee" not in advisor


async def test_a_guarantee_refund_is_worded_as_the_guarantee(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    booking = await booking_of(db, world.booking_id)
    assert booking.ends_at is not None and booking.starts_at is not None
    clock.set(booking.ends_at + timedelta(hours=1))

    await billing.request_refund(world.booking_id, world.client_id)

    client, advisor = await _texts(db)
    when = _local(booking.starts_at, "Europe/Madrid")
    assert client.startswith(f"Money-back guarantee for your session on {when}: your refund of")
    assert "used the money-back guarantee" in advisor and "$60.00 was refunded" in advisor
    assert when in advisor


async def test_an_unanswered_no_show_is_refunded_when_the_window_ends_and_never_paid_out(
    db: Database, clock: ManualClock, world: World, billing: Billing, paid_purchase: int
) -> None:
    purchase_id = paid_purchase
    booking = await booking_of(db, world.booking_id)
    assert booking.starts_at is not None and booking.ends_at is not None
    async with db.uow() as uow:
        await report_advisor_no_show(uow, booking.id, booking.starts_at + timedelta(minutes=10))
        await uow.commit()
    closes = booking.ends_at + timedelta(hours=72)

    clock.set(closes - timedelta(minutes=1))
    assert (await billing.release_due_payouts()).no_show_refunds == []
    clock.set(closes + timedelta(minutes=1))
    run = await billing.release_due_payouts()

    assert run.no_show_refunds == [booking.id] and run.paid == []
    async with db.uow() as uow:
        [refund] = list(await uow.session.scalars(select(Refund)))
    assert (refund.amount_minor, refund.status) == (6000, "succeeded")  # the fee stays
    assert (await checkout_of(db, purchase_id)).payout_state == PayoutState.NOTHING_DUE
    client, advisor = await _texts(db)
    when = _local(booking.starts_at, "Europe/Madrid")
    assert client.startswith(f"Your advisor didn't attend your session on {when}")
    assert "your refund of $60.00" in client and "$3.49 handling fee is non-refundable" in client
    assert advisor.startswith("You didn't attend") and "($60.00) was refunded" in advisor
    assert (await billing.release_due_payouts()).no_show_refunds == []  # once


async def test_a_dispute_is_told_to_both_sides_and_a_lost_one_is_not_paid_out(
    db: Database, clock: ManualClock, world: World, billing: Billing, paid_purchase: int
) -> None:
    purchase_id = paid_purchase
    booking = await booking_of(db, world.booking_id)
    assert booking.starts_at is not None
    purchase = await checkout_of(db, purchase_id)
    dispute = dispute_object(purchase, id="dp_msg", reason="fraudulent", charge="ch_msg")

    assert (await deliver(billing, "charge.dispute.created", dispute)).status == 200
    [to_client] = await outbox_rows(db, kind="dispute", audience="client")
    [to_advisor] = await outbox_rows(db, kind="dispute", audience="advisor")
    when = _local(booking.starts_at, "Europe/Madrid")
    assert "disputed the payment of $63.49" in to_client.payload["text"]
    assert when in to_client.payload["text"]
    assert "$63.49" in to_advisor.payload["text"] and "on hold" in to_advisor.payload["text"]

    lost = await deliver(billing, "charge.dispute.closed", {**dispute, "status": "lost"})

    assert lost == (200, "dispute lost; advisor share not paid")
    assert (await checkout_of(db, purchase_id)).payout_state == PayoutState.NOTHING_DUE
    [closed] = await outbox_rows(db, kind="dispute_closed", audience="admin")
    assert "was lost" in closed.payload["text"]
    [told] = await outbox_rows(db, kind="dispute_closed", audience="advisor")
    assert "won't be paid to you" in told.payload["text"]
    clock.set(clock.now() + timedelta(days=10))
    assert (await billing.release_due_payouts()).paid == []


async def test_a_dispute_lost_after_the_payout_reverses_the_transfer(
    db: Database, clock: ManualClock, world: World, billing: Billing, gateway: FakePaymentGateway,
    paid_purchase: int,
) -> None:
    from core import ledger

    purchase_id = paid_purchase
    await onboard(billing, gateway, world.advisor_id)
    clock.set(await window_closes(db, world.booking_id) + timedelta(minutes=1))
    assert len((await billing.release_due_payouts()).paid) == 1
    purchase = await checkout_of(db, purchase_id)
    dispute = dispute_object(purchase, id="dp_late", status="lost", charge="ch_late")

    assert (await deliver(billing, "charge.dispute.closed", dispute)).status == 200
    assert (await checkout_of(db, purchase_id)).payout_state == PayoutState.REVERSAL_DUE
    run = await billing.release_due_payouts()

    assert len(run.reversed) == 1
    [(_transfer_id, amount)] = gateway.reversals.values()
    assert amount.amount == (await checkout_of(db, purchase_id)).advisor_share.amount
    assert (await checkout_of(db, purchase_id)).payout_state == PayoutState.REVERSED
    assert (await billing.release_due_payouts()).reversed == []  # once
    async with db.uow() as uow:
        assert (await ledger.check_ledger(uow)).violations == []
        # Reconciliation pairs the ledger's reversal with Stripe's by the reversal's own id.
        reversals = [
            r for r in await ledger_records(uow, None) if r.kind is RecordKind.REVERSAL
        ]
    assert [(r.key, r.amount) for r in reversals] == [("trr_fake_000001", amount)]


@pytest.mark.usefixtures("refund_window_open")
async def test_a_charge_refunded_without_a_refunds_list_never_confirms_a_pending_refund(
    db: Database, world: World, billing: Billing, gateway: FakePaymentGateway, paid_purchase: int
) -> None:
    """Issue 13, point 2: a $3 Dashboard refund while the $60 guarantee refund is pending."""
    from core.payments.gateway import StripeRefund

    purchase_id = paid_purchase
    gateway.refund_status = "pending"
    outcome = await billing.request_refund(world.booking_id, world.client_id)
    assert outcome.credit_note_number is None  # not confirmed yet
    [ours] = gateway.refunds.values()
    gateway.charge_refunds["ch_1"] = [
        StripeRefund("re_dashboard", "succeeded", 300, "USD"),
        StripeRefund(ours.id, "pending", 6000, "USD", {"refund_id": str(outcome.refund_id)}),
    ]
    charge = charge_object(
        await checkout_of(db, purchase_id),
        id="ch_1",
        amount_refunded=6300,
        metadata={"purchase_id": str(purchase_id)},
    )

    result = await deliver(billing, "charge.refunded", charge)

    assert result.status == 200
    async with db.uow() as uow:
        refunds = {
            r.stripe_refund_id: (r.kind, r.status, r.amount_minor)
            for r in await uow.session.scalars(select(Refund))
        }
    assert refunds == {
        ours.id: ("guarantee", "pending", 6000),
        "re_dashboard": ("external", "succeeded", 300),
    }
    [note] = await outbox_rows(db, kind="credit_note")  # the Dashboard refund's own
    assert note.payload["text"].startswith("A refund of $3.00 for your booking on")
    assert "$60.00" not in note.payload["text"]
