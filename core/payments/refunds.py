"""The money-back guarantee's refunds: whether one is allowed, its preview, making it at
Stripe and recording it once (ledger, credit note, booking refunded, messages).

A refund returns the service price, never the handling fee; tips are not touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import outbox
from core.db import UnitOfWork
from core.errors import PathwiseError
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
from core.models.bookings import Booking, BookingStatus
from core.models.outbox import Audience
from core.money import Money
from core.payments import LOGGER
from core.payments.deps import BillingDeps
from core.payments.errors import (
    AlreadyRefunded,
    NothingToRefund,
    NotYourBooking,
    PaymentUnderReview,
    RefundNotYetAvailable,
    RefundRefused,
    RefundWindowClosed,
)
from core.payments.gateway import PaymentProviderError, RefundResult
from core.payments.guarantee import guarantee_window, refundable_left, unsettled_no_show
from core.payments.locks import lock_booking, lock_purchase
from core.payments.notices import REASON_CANCELLED, REASON_GUARANTEE, REASON_NO_SHOW
from core.payments.pricing import LineKind, QuoteLine, purchase_lines
from core.payments.refund_events import finalize_refund
from core.payments.times import local_time
from core.texts import refunds as rt

log = logging.getLogger(LOGGER)

_REFUNDABLE_PAYOUTS = (PayoutState.HELD, PayoutState.ON_HOLD)


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What a refund would return and what it would not, shown before the client confirms."""

    booking_id: int
    purchase_id: int
    refunded: tuple[QuoteLine, ...]
    kept: tuple[QuoteLine, ...]
    untouched_tips: tuple[QuoteLine, ...]
    window_closes_at: datetime

    @property
    def amount(self) -> Money:
        total = Money.zero(self.refunded[0].amount.currency)
        for line in self.refunded:
            total = total + line.amount
        return total

    def describe(self, locale: str = "en_US", timezone: str = "UTC") -> str:
        def rows_of(lines: tuple[QuoteLine, ...]) -> list[str]:
            return [
                rt.PREVIEW_LINE(label=line.label, amount=line.amount.format(locale))
                for line in lines
            ]

        rows = [rt.PREVIEW_BACK(), *rows_of(self.refunded)]
        rows.append(rt.PREVIEW_TOTAL(amount=self.amount.format(locale)))
        if self.kept:
            rows += [rt.PREVIEW_KEPT(), *rows_of(self.kept)]
        if self.untouched_tips:
            rows += [rt.PREVIEW_TIPS(), *rows_of(self.untouched_tips)]
        rows.append(rt.PREVIEW_UNTIL(when=local_time(self.window_closes_at, timezone)))
        return "\n".join(rows)


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    refund_id: int
    amount: Money
    credit_note_number: str | None


# -- may the client have a refund now? ---------------------------------------------------------


async def _paid_purchase(
    uow: UnitOfWork, booking_id: int, client_id: int
) -> tuple[Purchase, Booking]:
    """The client's booking and its paid purchase, both row-locked."""
    booking = await lock_booking(uow, booking_id)
    if booking is None or booking.client_id != client_id:
        raise NotYourBooking()
    purchase_id = await uow.session.scalar(
        select(Purchase.id).where(Purchase.purchase_key == f"booking:{booking.id}")
    )
    if purchase_id is None:
        raise NothingToRefund()
    purchase, _ = await lock_purchase(uow, purchase_id)
    assert purchase is not None
    if purchase.status != PurchaseStatus.PAID:
        raise NothingToRefund()
    return purchase, booking


def _guarantee_refunds(purchase: Purchase, status: RefundStatus) -> list[Refund]:
    return [r for r in purchase.refunds if r.kind == RefundKind.GUARANTEE and r.status == status]


def _check_not_settled(purchase: Purchase, booking: Booking) -> None:
    """Refuse a booking already refunded, or whose payment is disputed."""
    if (
        _guarantee_refunds(purchase, RefundStatus.SUCCEEDED)
        or booking.status == BookingStatus.REFUNDED
        or refundable_left(purchase) <= 0
    ):
        raise AlreadyRefunded()
    if purchase.disputed_at is not None and purchase.dispute_status != DisputeStatus.WON:
        raise PaymentUnderReview()


def _check_guarantee(
    purchase: Purchase, booking: Booking, now: datetime, opens: datetime, closes: datetime
) -> None:
    """Refuse a refund the client asked for outside the guarantee's window."""
    if booking.status == BookingStatus.CANCELLED:
        raise NothingToRefund(rt.COMES_WITH_CANCELLATION())
    if now < opens:
        raise RefundNotYetAvailable()
    if now > closes or purchase.payout_state not in _REFUNDABLE_PAYOUTS:
        zone = booking.client.timezone if booking.client else "UTC"
        raise RefundWindowClosed(rt.WINDOW_CLOSED_ON(when=local_time(closes, zone)))
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        raise NothingToRefund()


async def refundable(
    deps: BillingDeps,
    uow: UnitOfWork,
    booking_id: int,
    client_id: int,
    now: datetime,
    *,
    cancellation: bool = False,
    unanswered_no_show: bool = False,
) -> tuple[Purchase, Booking, datetime]:
    """The booking's purchase if the client may have its service price back now (under the
    guarantee, because the booking was cancelled in time, or because the advisor did not
    show up and the client did not answer before the window closed); else the refusal."""
    purchase, booking = await _paid_purchase(uow, booking_id, client_id)
    opens, closes = guarantee_window(booking, purchase, deps.settings)
    if _guarantee_refunds(purchase, RefundStatus.PENDING):
        return purchase, booking, closes  # asked in time; Stripe not yet confirmed
    _check_not_settled(purchase, booking)
    if unanswered_no_show:
        if not unsettled_no_show(booking, purchase):
            raise NothingToRefund()
        if purchase.payout_state not in _REFUNDABLE_PAYOUTS:
            raise RefundWindowClosed()
    elif cancellation:
        # Scheduling allowed the cancellation (it was in time); the refund follows it.
        if booking.status != BookingStatus.CANCELLED:
            raise NothingToRefund(rt.NOT_CANCELLED())
        if purchase.payout_state not in _REFUNDABLE_PAYOUTS:
            raise RefundWindowClosed()
    else:
        _check_guarantee(purchase, booking, now, opens, closes)
    return purchase, booking, closes


async def _tips_for(uow: UnitOfWork, booking_id: int) -> list[Purchase]:
    return list(
        await uow.session.scalars(
            select(Purchase)
            .where(Purchase.booking_id == booking_id)
            .where(Purchase.kind == PurchaseKind.TIP.value)
            .where(Purchase.status == PurchaseStatus.PAID.value)
            .order_by(Purchase.id)
        )
    )


async def preview_refund(deps: BillingDeps, booking_id: int, client_id: int) -> RefundPreview:
    """What the guarantee would give back (the service price) and keep (the fee; tips are
    not touched). Raises the refusal if the client may not have a refund now."""
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        purchase, booking, closes = await refundable(deps, uow, booking_id, client_id, now)
        lines = purchase_lines(purchase)
        tips = [line for tip in await _tips_for(uow, booking.id) for line in purchase_lines(tip)]
        back = purchase.money(refundable_left(purchase))
        return RefundPreview(
            booking_id=booking.id,
            purchase_id=purchase.id,
            refunded=tuple(
                QuoteLine(line.kind, line.label, back, True, line.detail)
                for line in lines
                if line.kind is LineKind.SERVICE
            ),
            kept=tuple(line for line in lines if line.kind is LineKind.FEE),
            untouched_tips=tuple(tips),
            window_closes_at=closes,
        )


# -- making it ------------------------------------------------------------------------------


async def _unanswered_no_shows(deps: BillingDeps, now: datetime) -> list[tuple[int, int]]:
    """(booking id, client id) of each no-show whose window closed without the client's word."""
    async with deps.db.uow() as uow:
        rows = list(
            await uow.session.execute(
                select(Purchase, Booking)
                .join(Booking, Booking.id == Purchase.booking_id)
                .where(Purchase.kind == PurchaseKind.BOOKING.value)
                .where(Purchase.status == PurchaseStatus.PAID.value)
                .where(Purchase.advisor_no_show_at.is_not(None))
                .where(
                    Purchase.payout_state.in_([PayoutState.HELD.value, PayoutState.ON_HOLD.value])
                )
                .options(selectinload(Booking.offer))
                .order_by(Purchase.id)
            )
        )
        return [
            (booking.id, booking.client_id)
            for purchase, booking in rows
            if booking.client_id is not None
            and unsettled_no_show(booking, purchase)
            and guarantee_window(booking, purchase, deps.settings)[1] <= now
        ]


async def refund_unanswered_no_shows(deps: BillingDeps) -> list[int]:
    """Refund the service price (the fee stays) of each no-show whose client chose neither
    a refund nor a new time before the guarantee window closed; the booking ids."""
    due = await _unanswered_no_shows(deps, deps.clock.now())
    refunded = []
    for booking_id, client_id in due:
        try:
            await refund(deps, booking_id, client_id, unanswered_no_show=True)
        except RefundRefused:
            continue  # settled meanwhile (a refund, a dispute)
        except PathwiseError as error:
            log.warning(
                "no-show refund of booking %s failed (%s); retried next tick",
                booking_id,
                type(error).__name__,
            )
            continue
        refunded.append(booking_id)
    return refunded


def _new_refund(purchase: Purchase, cancellation: bool, now: datetime) -> Refund:
    """The guarantee refund's row. A failed attempt keeps its key; a new attempt gets the
    next one."""
    attempt = 1 + len(_guarantee_refunds(purchase, RefundStatus.FAILED))
    key = f"refund-{purchase.idempotency_key}"
    return Refund(
        purchase_id=purchase.id,
        kind=RefundKind.GUARANTEE.value,
        status=RefundStatus.PENDING.value,
        amount_minor=refundable_left(purchase),
        currency=purchase.currency,
        idempotency_key=key if attempt == 1 else f"{key}-{attempt}",
        reason=(
            REASON_CANCELLED
            if cancellation
            else REASON_NO_SHOW
            if purchase.advisor_no_show_at is not None
            else REASON_GUARANTEE
        ),
        requested_at=now,
    )


@dataclass(frozen=True, slots=True)
class _Asked:
    """A refund row committed as pending, to be made at Stripe."""

    refund_id: int
    purchase_id: int
    intent: str | None
    amount: Money
    key: str


async def _pending_refund(
    deps: BillingDeps, booking_id: int, client_id: int, *, cancellation: bool, no_show: bool
) -> _Asked:
    """Check the refund is allowed and commit its pending row (or find the one pending)."""
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        purchase, _booking, _ = await refundable(
            deps,
            uow,
            booking_id,
            client_id,
            now,
            cancellation=cancellation,
            unanswered_no_show=no_show,
        )
        pending = _guarantee_refunds(purchase, RefundStatus.PENDING)
        made = pending[0] if pending else None
        if made is None:
            made = _new_refund(purchase, cancellation, now)
            uow.session.add(made)
            await uow.session.flush()
        asked = _Asked(
            made.id, purchase.id, purchase.payment_intent_id, made.amount, made.idempotency_key
        )
        await uow.commit()
    return asked


async def refund(
    deps: BillingDeps,
    booking_id: int,
    client_id: int,
    *,
    cancellation: bool = False,
    unanswered_no_show: bool = False,
) -> RefundOutcome:
    """Make the booking's guarantee refund at Stripe, once, and record Stripe's answer."""
    asked = await _pending_refund(
        deps, booking_id, client_id, cancellation=cancellation, no_show=unanswered_no_show
    )
    if asked.intent is None:
        raise PaymentProviderError(rt.NO_STRIPE_REFERENCE())
    result = await deps.gateway.create_refund(
        payment_intent_id=asked.intent,
        amount=asked.amount,
        idempotency_key=asked.key,
        metadata={"purchase_id": str(asked.purchase_id), "refund_id": str(asked.refund_id)},
    )
    return await _record_answer(deps, asked, result)


async def _record_answer(deps: BillingDeps, asked: _Asked, result: RefundResult) -> RefundOutcome:
    """Stripe's answer to the refund: failed (admin told), pending (its event confirms it), or
    succeeded (recorded now, unless its event got here first)."""
    async with deps.db.uow() as uow:
        locked, locked_booking = await lock_purchase(uow, asked.purchase_id)
        assert locked is not None
        made = next(r for r in locked.refunds if r.id == asked.refund_id)
        if result.status in ("failed", "canceled"):
            made.status = RefundStatus.FAILED.value
            made.stripe_refund_id = result.id
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="refund_failed",
                text=outbox.words(
                    rt.FAILED, stripe_id=result.id, purchase_id=locked.id, status=result.status
                ),
                language=deps.settings.team_locale,
                dedupe_key=f"refund_failed:{made.id}",
                now=deps.clock.now(),
            )
            await uow.commit()
            raise PaymentProviderError(rt.STRIPE_REFUSED())
        if result.status != "succeeded":
            # Pending at Stripe: its refund.updated event confirms it (credit note then).
            if made.stripe_refund_id is None:
                made.stripe_refund_id = result.id
            await uow.commit()
            return RefundOutcome(asked.refund_id, asked.amount, None)
        receipt = await finalize_refund(
            deps.settings, uow, locked, locked_booking, made, result.id, deps.clock.now()
        )
        number = (
            receipt.number
            if receipt
            else await uow.session.scalar(
                select(Receipt.number).where(Receipt.refund_id == made.id)
            )
        )
        await uow.commit()
    return RefundOutcome(asked.refund_id, asked.amount, number)
