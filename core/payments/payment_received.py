"""The paid path: the booking confirmed, the ledger, the receipt and the messages, in one
transaction; money that cannot count as the sale is held in suspense for the team."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core import ledger, outbox, scheduling
from core.db import UnitOfWork
from core.ledger import TransactionKind
from core.models.billing import PayoutState, Purchase, PurchaseKind, PurchaseStatus
from core.models.bookings import Booking, BookingStatus
from core.models.outbox import Audience
from core.money import Money
from core.payments import LOGGER
from core.payments.deps import BillingDeps
from core.payments.issuing import issue_receipt
from core.payments.locks import people_of
from core.payments.notices import notify_paid
from core.payments.stripe_parse import Prefetched, object_id
from core.texts import billing as t

log = logging.getLogger(LOGGER)


async def payment_received(
    deps: BillingDeps,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    checkout: dict[str, Any],
    now: datetime,
    pre: Prefetched,
) -> str:
    """Paid: booking confirmed, ledger, receipt and messages, all in this transaction."""
    # Taken now, while the locked booking still holds them (no query); kept for the receipt
    # and the messages.
    people = await people_of(uow, purchase)
    offer = booking.offer if booking is not None else None
    intent = object_id(checkout.get("payment_intent"))
    amount = checkout.get("amount_total")
    currency = str(checkout.get("currency") or "").upper()
    if purchase.status == PurchaseStatus.PAID:
        if intent is None or intent == purchase.payment_intent_id:
            return "already paid"
        return await hold_in_suspense(
            deps,
            uow,
            purchase,
            intent,
            amount,
            currency,
            now,
            "a second payment for a paid purchase",
        )
    if purchase.status == PurchaseStatus.REJECTED and intent == purchase.payment_intent_id:
        return "already held for review"
    rejection = await _rejection(deps, uow, purchase, booking, amount, currency, now)
    if rejection is not None:
        why, give_back_slot = rejection
        purchase.status = PurchaseStatus.REJECTED.value
        purchase.payment_intent_id = intent
        purchase.updated_at = now
        if give_back_slot:
            await release_hold(uow, booking, purchase, now)
        return await hold_in_suspense(deps, uow, purchase, intent, amount, currency, now, why)
    _mark_paid(purchase, intent, pre, now)
    await ledger.post(
        uow,
        key=f"payment:{purchase.id}",
        kind=TransactionKind.PAYMENT,
        postings=ledger.payment_postings(
            service=purchase.service,
            fee=purchase.fee,
            commission=purchase.commission,
            tip=purchase.tip,
            advisor_id=purchase.advisor_id,
        ),
        now=now,
        purchase_id=purchase.id,
        memo=purchase.description,
    )
    receipt = await issue_receipt(deps.settings, uow, purchase, booking, people, now)
    await notify_paid(deps.settings, uow, purchase, booking, receipt, people, offer, now)
    return "paid"


def _mark_paid(purchase: Purchase, intent: str | None, pre: Prefetched, now: datetime) -> None:
    purchase.status = PurchaseStatus.PAID.value
    purchase.paid_at = now
    purchase.payment_intent_id = intent
    purchase.payment_method_brand = pre.payment.brand
    purchase.payment_method_last4 = pre.payment.last4
    purchase.payout_state = PayoutState.HELD.value
    purchase.updated_at = now


async def _rejection(
    deps: BillingDeps,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    amount: Any,
    currency: str,
    now: datetime,
) -> tuple[str, bool] | None:
    """Why a payment cannot count as this sale (and whether its held slot goes back), or None
    once the booking is confirmed."""
    if (
        not isinstance(amount, int)
        or amount != purchase.total_minor
        or currency != purchase.currency
    ):
        return f"amount mismatch: expected {purchase.total_minor} {purchase.currency}", True
    if purchase.status not in (
        PurchaseStatus.PENDING,
        PurchaseStatus.PROCESSING,
        PurchaseStatus.EXPIRED,
    ):
        return "paid after the payment failed", False
    if purchase.kind == PurchaseKind.BOOKING:
        problem = await confirm_slot(deps, uow, booking, now)
        if problem is not None:
            return problem, False
    return None


async def confirm_slot(
    deps: BillingDeps, uow: UnitOfWork, booking: Booking | None, now: datetime
) -> str | None:
    """Confirm the paid booking through scheduling (which re-claims a lapsed hold's slot if
    it is still free); the reason it cannot be, or None."""
    if booking is None:
        return "paid but the booking is gone"
    try:
        await scheduling.confirm_booking(uow, booking.id, now, rules=deps.rules)
    except scheduling.SlotUnavailable:
        return "paid but the slot was taken after the hold lapsed"
    except (scheduling.BookingClosed, scheduling.BookingNotFound):
        return f"paid but the booking is {booking.status}"
    return None


async def release_hold(
    uow: UnitOfWork, booking: Booking | None, purchase: Purchase, now: datetime
) -> None:
    """Give a held slot back when its checkout can no longer be paid."""
    if (
        purchase.kind == PurchaseKind.BOOKING
        and booking is not None
        and booking.status == BookingStatus.HELD
    ):
        await scheduling.release_hold(uow, booking.id, now)


async def hold_in_suspense(
    deps: BillingDeps,
    uow: UnitOfWork,
    purchase: Purchase,
    intent: str | None,
    amount: Any,
    currency: str,
    now: datetime,
    why: str,
) -> str:
    """Money arrived that cannot count as this sale: book it to suspense, tell an admin
    and the client. Nothing is confirmed."""
    if isinstance(amount, int) and amount > 0 and len(currency) == 3 and intent:
        await ledger.post(
            uow,
            key=f"suspense:{intent}",
            kind=TransactionKind.SUSPENSE,
            postings=ledger.suspense_postings(received=Money(amount, currency)),
            now=now,
            purchase_id=purchase.id,
            memo=why,
        )

    def for_the_team(locale: str) -> str:
        received = (
            t.RECEIVED_AMOUNT(amount=amount, currency=currency)
            if isinstance(amount, int)
            else t.RECEIVED_UNKNOWN()
        )
        return t.PAYMENT_HELD_ADMIN(
            purchase_id=purchase.id,
            kind=purchase.kind,
            booking_id=purchase.booking_id,
            received=received,
            intent=intent,
            why=why,
        )

    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="payment_problem",
        text=for_the_team,
        language=deps.settings.team_locale,
        dedupe_key=f"payment_problem:{intent or purchase.id}",
        now=now,
    )
    if purchase.client_id is not None:
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="payment_problem",
            client_id=purchase.client_id,
            text=outbox.words(t.PAYMENT_HELD_CLIENT),
            dedupe_key=f"payment_problem_client:{intent or purchase.id}",
            now=now,
        )
    log.warning("purchase %s held in suspense: %s", purchase.id, why)
    return f"held for review: {why}"
