"""The team's goodwill refunds, and holding or releasing an advisor's payout by hand.

A goodwill refund is the team's decision, not the client's guarantee: it may be made at any
time (before the session, after the money-back window), of all or part of the service price,
always with a reason (printed on the credit note). The handling fee is never refunded, so at
most the service price less what was already refunded can go back.

Who bears it: a goodwill refund of the *whole* service price made before the advisor was paid
undoes the advisor's share, as a guarantee refund does (their session share is not paid out);
any other goodwill refund (part of the price, or after the payout) is the platform's cost,
booked to ``goodwill_refunds``, and the advisor's share is unchanged.

A payout on hold is never released by the payout run; released, it goes on its normal date
(the end of the money-back window), or with the next run if that date has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core import ledger, outbox
from core.config import Settings
from core.db import UnitOfWork
from core.errors import Conflict, NotFound, ValidationFailed
from core.ledger import Account, Posting, TransactionKind
from core.models.billing import (
    DisputeStatus,
    PayoutState,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    Receipt,
    Refund,
    RefundKind,
    RefundStatus,
)
from core.models.bookings import Booking
from core.models.outbox import Audience
from core.money import Money, minor_digits
from core.outbox import DocumentRef
from core.payments.deps import BillingParts
from core.payments.gateway import PaymentProviderError
from core.payments.guarantee import release_times
from core.payments.issuing import issue_credit_note
from core.payments.locks import claim, lock_booking, lock_purchase, people_of
from core.payments.notices import booking_when
from core.payments.payouts import release_due_payouts
from core.texts import goodwill as t
from core.texts import refunds as rt

__all__ = [
    "GOODWILL_ACCOUNT",
    "GoodwillOutcome",
    "PayoutHold",
    "goodwill_refund",
    "hold_payout",
    "parse_refund_amount",
    "release_payout",
]

GOODWILL_ACCOUNT = Account.GOODWILL
_AMOUNT = re.compile(r"^[$€£]?\s*([0-9]{1,9})(?:[.,]([0-9]+))?$")  # ASCII digits only
REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class GoodwillOutcome:
    booking_id: int
    amount: Money
    status: str  # succeeded / pending
    credit_note_number: str | None
    still_refundable: Money
    advisor_share_undone: bool
    fee: Money


def _all_words() -> set[str]:
    """The words for "everything that is left", in the language of the moment and English."""
    words = f"{t.ALL_WORDS()},{t.ALL_WORDS.en}"
    return {word.strip().lower() for word in words.split(",") if word.strip()}


def parse_refund_amount(text: str, left: Money) -> Money:
    """What the team typed: "all" (or the team's language's word for it: "todo"), or an
    amount in plain digits ("20", "12.50", "$5")."""
    cleaned = text.strip().lower()
    if cleaned in _all_words():
        return left
    match = _AMOUNT.fullmatch(cleaned)
    digits = minor_digits(left.currency)
    if match is None or (match.group(2) is not None and len(match.group(2)) > digits):
        raise ValidationFailed(t.NOT_AN_AMOUNT(typed=repr(text.strip()[:20])))
    whole, cents = match.group(1), (match.group(2) or "").ljust(digits, "0")
    amount = Money(int(whole) * 10**digits + int(cents or 0), left.currency)
    if amount.amount <= 0:
        raise ValidationFailed(t.NOT_ZERO())
    return amount


def _refunded(purchase: Purchase) -> int:
    """What is refunded or on its way back already (any kind), in minor units."""
    return sum(r.amount_minor for r in purchase.refunds if r.status != RefundStatus.FAILED)


async def _booking_purchase(uow: UnitOfWork, booking_id: int) -> tuple[Purchase, Booking]:
    """The booking's paid purchase, locked; NotFound if there is none."""
    booking = await lock_booking(uow, booking_id)
    if booking is None:
        raise NotFound(t.NO_BOOKING(booking_id=booking_id))
    purchase_id = await uow.session.scalar(
        select(Purchase.id).where(Purchase.purchase_key == f"booking:{booking.id}")
    )
    purchase = (await lock_purchase(uow, purchase_id))[0] if purchase_id else None
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        raise NotFound(t.NO_PAID_PURCHASE(booking_id=booking_id))
    return purchase, booking


def _reason(reason: str) -> str:
    """The reason the team gave, on one line; ValidationFailed if none or too long."""
    why = " ".join(reason.split())
    if not why:
        raise ValidationFailed(t.REASON_NEEDED())
    if len(why) > REASON_MAX:
        raise ValidationFailed(t.REASON_TOO_LONG(limit=REASON_MAX))
    return why


def _amount(
    purchase: Purchase, pending: Refund | None, booking_id: int, text: str, locale: str
) -> Money:
    """What the team asked to refund, checked against what is left (the fee never is)."""
    left = Money(purchase.service_minor - _refunded(purchase), purchase.currency)
    if pending is not None:
        left = left + pending.amount
    fee = purchase.fee.format(locale)
    if left.amount <= 0:
        service = purchase.service.format(locale)
        raise Conflict(t.NOTHING_LEFT(booking_id=booking_id, service=service, fee=fee))
    amount = parse_refund_amount(text, left)
    if amount > left:
        raise ValidationFailed(t.AT_MOST(left=left.format(locale), booking_id=booking_id, fee=fee))
    if pending is not None and pending.amount != amount:
        raise Conflict(t.STILL_PENDING(amount=pending.amount.format(locale), booking_id=booking_id))
    return amount


@dataclass(frozen=True, slots=True)
class _Asked:
    """A goodwill refund row committed as pending, to be made at Stripe."""

    refund_id: int
    purchase_id: int
    intent: str | None
    amount: Money
    key: str


async def _pending_goodwill(
    billing: BillingParts, booking_id: int, amount_text: str, why: str
) -> _Asked:
    """Check the refund and commit its pending row (or find the one still pending)."""
    now = billing.clock.now()
    async with billing.db.uow() as uow:
        purchase, _booking = await _booking_purchase(uow, booking_id)
        if purchase.disputed_at is not None:
            raise Conflict(t.DISPUTED(booking_id=booking_id))
        pending = next(
            (
                r
                for r in purchase.refunds
                if r.kind == RefundKind.GOODWILL and r.status == RefundStatus.PENDING
            ),
            None,
        )
        amount = _amount(purchase, pending, booking_id, amount_text, billing.settings.locale)
        refund = pending
        if refund is None:
            count = sum(1 for r in purchase.refunds if r.kind == RefundKind.GOODWILL)
            refund = Refund(
                purchase_id=purchase.id,
                kind=RefundKind.GOODWILL.value,
                status=RefundStatus.PENDING.value,
                amount_minor=amount.amount,
                currency=amount.currency,
                idempotency_key=f"goodwill-{purchase.idempotency_key}-{count + 1}"[:80],
                reason=why,
                requested_at=now,
            )
            uow.session.add(refund)
            await uow.session.flush()
        asked = _Asked(
            refund.id, purchase.id, purchase.payment_intent_id, amount, refund.idempotency_key
        )
        await uow.commit()
    return asked


async def goodwill_refund(
    billing: BillingParts, booking_id: int, amount_text: str, reason: str
) -> GoodwillOutcome:
    """Refund all or part of a booking's service price as the team decided, with a reason.

    Raises ValidationFailed (bad amount, no reason, more than is left) or NotFound / Conflict
    with words for the team. Asking again while Stripe is busy resumes the same refund."""
    asked = await _pending_goodwill(billing, booking_id, amount_text, _reason(reason))
    if asked.intent is None:
        raise PaymentProviderError(rt.NO_STRIPE_REFERENCE())
    result = await billing.gateway.create_refund(
        payment_intent_id=asked.intent,
        amount=asked.amount,
        idempotency_key=asked.key,
        metadata={"purchase_id": str(asked.purchase_id), "refund_id": str(asked.refund_id)},
    )
    async with billing.db.uow() as uow:
        locked, booking = await lock_purchase(uow, asked.purchase_id)
        assert locked is not None
        made = next(r for r in locked.refunds if r.id == asked.refund_id)
        if result.status in ("failed", "canceled"):
            made.status = RefundStatus.FAILED.value
            made.stripe_refund_id = result.id
            await uow.commit()
            raise PaymentProviderError(t.STRIPE_REFUSED(status=result.status))
        undone = False
        number = None
        status = "pending"
        if result.status == "succeeded":
            status = "succeeded"
            undone, number = await _finalize_goodwill(
                billing, uow, locked, booking, made, result.id
            )
        still = Money(locked.service_minor - _refunded(locked), locked.currency)
        await uow.commit()
    fee = Money(locked.fee_minor, locked.currency)
    return GoodwillOutcome(booking_id, asked.amount, status, number, still, undone, fee)


async def _post_goodwill(
    uow: UnitOfWork, purchase: Purchase, refund: Refund, now: datetime
) -> bool:
    """Book the refund: as a guarantee refund (the advisor's share undone) if it returns the
    whole service price before the payout, else as the platform's cost. Whether undone."""
    earlier = _refunded(purchase) - refund.amount_minor
    undone = (
        earlier == 0
        and refund.amount_minor == purchase.service_minor
        and purchase.payout_state in (PayoutState.HELD, PayoutState.ON_HOLD)
    )
    if undone:
        postings = ledger.refund_postings(
            refund=refund.amount,
            commission_back=Money(
                min(purchase.commission_minor, refund.amount_minor), purchase.currency
            ),
            advisor_id=purchase.advisor_id,
        )
        purchase.payout_state = PayoutState.NOTHING_DUE.value
    else:
        postings = [
            Posting(Account.GOODWILL, refund.amount),
            Posting(Account.CASH, -refund.amount),
        ]
    await ledger.post(
        uow,
        key=f"refund:{refund.id}",
        kind=TransactionKind.REFUND,
        postings=postings,
        now=now,
        purchase_id=purchase.id,
        refund_id=refund.id,
        memo=f"goodwill: {refund.reason}",
    )
    return undone


async def _finalize_goodwill(
    billing: BillingParts,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    stripe_refund_id: str,
) -> tuple[bool, str | None]:
    """Stripe made the refund: ledger, credit note, the client and the advisor told. Returns
    whether the advisor's share was undone, and the credit note's number."""
    now = billing.clock.now()
    if not await claim(uow, Refund, refund.id, "status", RefundStatus.PENDING):
        number = await uow.session.scalar(
            select(Receipt.number).where(Receipt.refund_id == refund.id)
        )
        return purchase.payout_state == PayoutState.NOTHING_DUE, number
    refund.status = RefundStatus.SUCCEEDED.value
    refund.completed_at = now
    refund.stripe_refund_id = refund.stripe_refund_id or stripe_refund_id
    undone = await _post_goodwill(uow, purchase, refund, now)
    purchase.updated_at = now
    receipt = await issue_credit_note(billing.settings, uow, purchase, refund, now)
    await _tell_goodwill(billing.settings, uow, purchase, booking, refund, receipt, undone, now)
    return undone, receipt.number


async def _tell_goodwill(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    receipt: Receipt,
    undone: bool,
    now: datetime,
) -> None:
    """The client's credit note and the advisor's notice of a goodwill refund."""
    client, advisor = await people_of(uow, purchase)
    ids = {"purchase_id": purchase.id, "booking_id": purchase.booking_id}
    if client is not None:
        zone = client.timezone

        def for_the_client(locale: str) -> str:
            fee = rt.FEE_KEPT(fee=purchase.fee.format(locale)) if purchase.fee_minor else ""
            return t.CLIENT_REFUNDED(
                amount=refund.amount.format(locale),
                description=purchase.description,
                when=booking_when(booking, zone, locale),
                reason=refund.reason,
                number=receipt.number,
                fee=fee,
            )

        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="credit_note",
            client_id=client.id,
            text=for_the_client,
            document=DocumentRef("receipt", receipt.id, receipt.filename),
            data=ids,
            dedupe_key=f"credit_note:{receipt.id}",
            now=now,
        )

    def for_the_advisor(locale: str) -> str:
        return t.ADVISOR_REFUNDED(
            amount=refund.amount.format(locale),
            description=purchase.description,
            when=booking_when(booking, advisor.timezone, locale),
            share=t.SHARE_UNDONE() if undone else t.SHARE_KEPT(),
        )

    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind="refund_notice",
        advisor_id=advisor.id,
        text=for_the_advisor,
        data=ids,
        dedupe_key=f"refund_notice:{refund.id}",
        now=now,
    )


# -- payouts held by hand ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayoutHold:
    """Where a booking's payout stands after a hold or a release."""

    booking_id: int
    state: str  # a PayoutState of the session's purchase
    release_at: datetime | None  # its normal date (end of the money-back window)
    paid_now: bool = False
    due: bool = False  # its normal date has passed


async def _payout_purchases(uow: UnitOfWork, booking_id: int) -> list[Purchase]:
    """The booking's paid purchases (the session and its tips), locked, session first."""
    await _booking_purchase(uow, booking_id)
    return list(
        await uow.session.scalars(
            select(Purchase)
            .where(Purchase.booking_id == booking_id)
            .where(Purchase.status == PurchaseStatus.PAID.value)
            .order_by(Purchase.kind != PurchaseKind.BOOKING.value, Purchase.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _refuse_unless_held(booking_id: int, state: str) -> None:
    if state in (PayoutState.IN_PAYOUT, PayoutState.PAID_OUT):
        raise Conflict(t.ALREADY_PAID_OUT(booking_id=booking_id))
    if state == PayoutState.NOTHING_DUE:
        raise Conflict(t.NOTHING_DUE(booking_id=booking_id))


async def hold_payout(billing: BillingParts, booking_id: int) -> PayoutHold:
    """Keep a booking's payout (its session and tips) from being released until released."""
    async with billing.db.uow() as uow:
        purchases = await _payout_purchases(uow, booking_id)
        main = purchases[0]  # the session's own purchase; tips follow
        _refuse_unless_held(booking_id, main.payout_state)
        now = billing.clock.now()
        for purchase in purchases:
            if purchase.payout_state == PayoutState.HELD:
                purchase.payout_state = PayoutState.ON_HOLD.value
                purchase.updated_at = now
        [(_, release)] = await release_times(uow, [main], billing.settings)
        state = main.payout_state
        await uow.commit()
    return PayoutHold(booking_id, state, release)


async def release_payout(billing: BillingParts, booking_id: int) -> PayoutHold:
    """Let a held payout go on its normal date; at once if that date has passed. Refused
    while the payment is disputed or a refund is on its way."""
    async with billing.db.uow() as uow:
        purchases = await _payout_purchases(uow, booking_id)
        main = purchases[0]  # the session's own purchase; tips follow
        _refuse_unless_held(booking_id, main.payout_state)
        if main.dispute_status == DisputeStatus.LOST:
            raise Conflict(t.DISPUTE_LOST(booking_id=booking_id))
        if main.disputed_at is not None and main.dispute_status != DisputeStatus.WON:
            raise Conflict(t.PAYOUT_DISPUTED(booking_id=booking_id))
        pending = await uow.session.scalar(
            select(Refund.id)
            .where(Refund.purchase_id.in_([p.id for p in purchases]))
            .where(Refund.status == RefundStatus.PENDING.value)
            .limit(1)
        )
        if pending is not None:
            raise Conflict(t.REFUND_ON_ITS_WAY(booking_id=booking_id))
        now = billing.clock.now()
        for purchase in purchases:
            if purchase.payout_state == PayoutState.ON_HOLD:
                purchase.payout_state = PayoutState.HELD.value
                purchase.updated_at = now
        [(_, release)] = await release_times(uow, [main], billing.settings)
        main_id = main.id
        await uow.commit()
    paid_now = False
    if release <= now:
        run = await release_due_payouts(billing.db, billing.gateway, billing.settings, now)
        paid_now = bool(run.paid)
    async with billing.db.uow() as uow:
        state = await uow.session.scalar(
            select(Purchase.payout_state).where(Purchase.id == main_id)
        )
    return PayoutHold(booking_id, str(state), release, paid_now, release <= now)
