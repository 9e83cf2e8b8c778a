"""Stripe's news of refunds (``charge.refunded``, ``refund.*``), in any order, and the one
place a refund is recorded as made: ledger, credit note, booking refunded, messages."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select

from core import ledger, outbox
from core.config import Settings
from core.db import UnitOfWork
from core.ledger import TransactionKind
from core.models.billing import (
    DisputeStatus,
    PayoutState,
    Purchase,
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
from core.payments.issuing import issue_credit_note
from core.payments.locks import claim, lock_purchase, people_of
from core.payments.notices import REASON_EXTERNAL, notify_refunded
from core.payments.stripe_parse import (
    MalformedEvent,
    Prefetched,
    RetryLater,
    metadata_of,
    object_id,
    parse_row_id,
    positive_amount,
)
from core.texts import Text
from core.texts import billing as t
from core.texts import refunds as rt

log = logging.getLogger(LOGGER)


async def find_payment(
    uow: UnitOfWork, obj: dict[str, Any], pre: Prefetched
) -> tuple[Purchase | None, Booking | None]:
    """The purchase a charge, refund or dispute is about, row-locked: by its PaymentIntent,
    else by the purchase id Pathwise put in the metadata of the Charge or PaymentIntent.
    RetryLater while that purchase's checkout has not completed here."""
    intent = object_id(obj.get("payment_intent"))
    purchase_id = (
        await uow.session.scalar(select(Purchase.id).where(Purchase.payment_intent_id == intent))
        if intent
        else None
    )
    if purchase_id is None:
        purchase_id = parse_row_id(metadata_of(obj).get("purchase_id"))
    if purchase_id is None:
        purchase_id = parse_row_id(pre.intent_metadata.get("purchase_id"))
    if purchase_id is None:
        return None, None
    purchase, booking = await lock_purchase(uow, purchase_id)
    if purchase is None:
        return None, None
    if intent and purchase.payment_intent_id not in (None, intent):
        log.warning("metadata names purchase %s, paid by another payment", purchase.id)
        return None, None
    if purchase.status in (PurchaseStatus.PENDING, PurchaseStatus.PROCESSING):
        raise RetryLater(f"purchase {purchase.id} is not paid here yet")
    return purchase, booking


async def not_a_sale(
    settings: Settings,
    uow: UnitOfWork,
    what: Text,
    obj: dict[str, Any],
    purchase: Purchase | None,
    now: datetime,
) -> str:
    """A refund or dispute (``what``: ``A_REFUND``, ``A_DISPUTE``) on a payment that is not a
    paid sale here: an admin looks."""
    found = object_id(obj.get("id")) or "?"

    def for_the_team(locale: str) -> str:
        where = (
            t.NOT_A_SALE_PURCHASE(purchase_id=purchase.id, status=purchase.status)
            if purchase is not None
            else t.NOT_A_SALE_UNKNOWN(intent=object_id(obj.get("payment_intent")))
        )
        return t.NOT_A_SALE(what=what(), object_id=found, where=where)

    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="payment_problem",
        text=for_the_team,
        language=settings.team_locale,
        dedupe_key=f"not_a_sale:{found}"[:120],
        now=now,
    )
    return f"{what.en} on unknown payment" if purchase is None else f"{what.en} needs review"


async def on_charge_refunded(
    deps: BillingDeps, uow: UnitOfWork, charge: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    """A charge was refunded. Its refunds are matched by their own ids: from the list on
    the charge when an older API version sends one, else from the API. Never assumed."""
    purchase, booking = await find_payment(uow, charge, pre)
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        return await not_a_sale(deps.settings, uow, t.A_REFUND, charge, purchase, now)
    listed = charge.get("refunds")
    if isinstance(listed, dict):
        data = listed.get("data")
        if not isinstance(data, list):
            raise MalformedEvent("charge.refunds has no data list")
        # An expanded list on a charge.refunded: what it lists has been refunded.
        refunds = [r for r in data if isinstance(r, dict)]
        default_status: str | None = "succeeded"
    else:
        refunds = [r.as_event_object() for r in pre.refunds or ()]
        default_status = None
    outcome = [
        await sync_refund(deps.settings, uow, purchase, booking, r, now, default_status)
        for r in refunds
    ]
    return "; ".join(o for o in outcome if o != "nothing new") or "nothing new"


async def on_refund_event(
    deps: BillingDeps, uow: UnitOfWork, refund: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    purchase, booking = await find_payment(uow, refund, pre)
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        return await not_a_sale(deps.settings, uow, t.A_REFUND, refund, purchase, now)
    return await sync_refund(deps.settings, uow, purchase, booking, refund, now, None)


def _checked(
    purchase: Purchase, stripe_refund: dict[str, Any], default_status: str | None
) -> tuple[str, str, int]:
    """(Stripe id, status, amount) of a refund as Stripe sends it; MalformedEvent if not."""
    stripe_id = object_id(stripe_refund.get("id"))
    status = stripe_refund.get("status") or default_status
    amount = positive_amount(stripe_refund.get("amount"))
    if stripe_id is None or not isinstance(status, str):
        raise MalformedEvent("a refund without an id or status")
    if amount is None:
        raise MalformedEvent("a refund without a positive amount")
    currency = stripe_refund.get("currency") or purchase.currency
    if not isinstance(currency, str) or currency.upper() != purchase.currency:
        raise MalformedEvent("a refund in another currency than its payment")
    return stripe_id, status, amount


def _ours(purchase: Purchase, stripe_refund: dict[str, Any], stripe_id: str) -> Refund | None:
    """The refund row a Stripe refund is: by its Stripe id, or the refund id in its metadata."""
    local = next((r for r in purchase.refunds if r.stripe_refund_id == stripe_id), None)
    if local is not None:
        return local
    own_id = parse_row_id(metadata_of(stripe_refund).get("refund_id"))
    return next(
        (r for r in purchase.refunds if r.id == own_id and r.stripe_refund_id in (None, stripe_id)),
        None,
    )


async def sync_refund(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    stripe_refund: dict[str, Any],
    now: datetime,
    default_status: str | None,
) -> str:
    """Bring one Stripe refund into the records, whatever order its news comes in: a
    refund Pathwise made (matched by its Stripe id or the refund id in its metadata) is
    confirmed or failed; one made elsewhere is recorded as such. Never moves backwards."""
    stripe_id, status, amount = _checked(purchase, stripe_refund, default_status)
    local = _ours(purchase, stripe_refund, stripe_id)
    if local is None:
        if status in ("failed", "canceled"):
            return "nothing new"
        local = await record_external_refund(
            uow, purchase, Money(amount, purchase.currency), stripe_id, now
        )
    if local.stripe_refund_id is None:
        local.stripe_refund_id = stripe_id
    if status == "succeeded":
        if local.status != RefundStatus.PENDING:
            return "nothing new"
        await finalize_refund(settings, uow, purchase, booking, local, stripe_id, now)
        if local.kind == RefundKind.EXTERNAL:
            return "refund made outside Pathwise recorded"
        return f"refund {local.id} confirmed"
    if status in ("failed", "canceled"):
        return await _refund_undone(settings, uow, purchase, local, stripe_id, status, now)
    return "nothing new" if local.status != RefundStatus.PENDING else "refund pending"


async def _refund_undone(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    local: Refund,
    stripe_id: str,
    status: str,
    now: datetime,
) -> str:
    """Stripe says the refund failed or was canceled, possibly after it had succeeded."""
    if local.status == RefundStatus.SUCCEEDED:
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="refund_failed",
            text=outbox.words(
                rt.FAILED_LATE, stripe_id=stripe_id, purchase_id=purchase.id, status=status
            ),
            language=settings.team_locale,
            dedupe_key=f"refund_failed_late:{local.id}",
            now=now,
        )
        return f"refund {local.id} {status} after succeeding"
    if local.status != RefundStatus.PENDING or not await claim(
        uow, Refund, local.id, "status", RefundStatus.PENDING
    ):
        return "nothing new"
    local.status = RefundStatus.FAILED.value
    local.completed_at = now
    await refund_failed(settings, uow, purchase, local, status, now)
    return f"refund {local.id} {status}"


async def refund_failed(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    refund: Refund,
    status: str,
    now: datetime,
) -> None:
    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="refund_failed",
        text=outbox.words(
            rt.FAILED, stripe_id=refund.stripe_refund_id, purchase_id=purchase.id, status=status
        ),
        language=settings.team_locale,
        dedupe_key=f"refund_failed:{refund.id}",
        now=now,
    )
    if refund.kind == RefundKind.EXTERNAL and purchase.payout_state == PayoutState.ON_HOLD:
        if not any(
            r.kind == RefundKind.EXTERNAL and r.status != RefundStatus.FAILED
            for r in purchase.refunds
            if r.id != refund.id
        ) and purchase.dispute_status in (None, DisputeStatus.WON):
            purchase.payout_state = PayoutState.HELD.value


async def record_external_refund(
    uow: UnitOfWork, purchase: Purchase, amount: Money, stripe_refund_id: str, now: datetime
) -> Refund:
    """A refund made at Stripe directly (the Dashboard): recorded as what it is, pending
    until Stripe says it succeeded; the advisor's payout waits for an admin's decision."""
    refund = Refund(
        purchase_id=purchase.id,
        kind=RefundKind.EXTERNAL.value,
        status=RefundStatus.PENDING.value,
        amount_minor=amount.amount,
        currency=amount.currency,
        idempotency_key=f"external-{stripe_refund_id}"[:80],
        stripe_refund_id=stripe_refund_id,
        reason=REASON_EXTERNAL,
        requested_at=now,
    )
    uow.session.add(refund)
    await uow.session.flush()
    purchase.refunds.append(refund)
    if purchase.payout_state == PayoutState.HELD:
        purchase.payout_state = PayoutState.ON_HOLD.value
    purchase.updated_at = now
    return refund


async def _post_external(
    settings: Settings, uow: UnitOfWork, purchase: Purchase, refund: Refund, now: datetime
) -> None:
    """A refund made outside Pathwise: booked, the payout on hold, an admin decides."""
    await ledger.post(
        uow,
        key=f"ext_refund:{refund.id}",
        kind=TransactionKind.EXTERNAL_REFUND,
        postings=ledger.external_refund_postings(refunded=refund.amount),
        now=now,
        purchase_id=purchase.id,
        refund_id=refund.id,
        memo="refund made outside Pathwise",
    )
    if purchase.payout_state == PayoutState.HELD:
        purchase.payout_state = PayoutState.ON_HOLD.value
    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind="external_refund",
        text=partial(_external_text, purchase, refund),
        language=settings.team_locale,
        dedupe_key=f"external_refund:{refund.id}",
        now=now,
    )


def _external_text(purchase: Purchase, refund: Refund, locale: str) -> str:
    """The team's news of a refund made at Stripe, outside Pathwise."""
    return rt.EXTERNAL_ADMIN(
        amount=refund.amount.format(locale),
        purchase_id=purchase.id,
        booking_id=purchase.booking_id,
        stripe_id=refund.stripe_refund_id,
        payout_state=purchase.payout_state,
    )


async def _post_refund(
    uow: UnitOfWork, purchase: Purchase, booking: Booking | None, refund: Refund, now: datetime
) -> None:
    """A refund Pathwise made: booked with the commission back, nothing more paid out, the
    booking refunded."""
    commission_back = Money(min(purchase.commission_minor, refund.amount_minor), purchase.currency)
    await ledger.post(
        uow,
        key=f"refund:{refund.id}",
        kind=TransactionKind.REFUND,
        postings=ledger.refund_postings(
            refund=refund.amount, commission_back=commission_back, advisor_id=purchase.advisor_id
        ),
        now=now,
        purchase_id=purchase.id,
        refund_id=refund.id,
        memo=refund.reason,
    )
    if purchase.payout_state in (PayoutState.HELD, PayoutState.ON_HOLD):
        purchase.payout_state = PayoutState.NOTHING_DUE.value
    if booking is not None and booking.status in (
        BookingStatus.CONFIRMED,
        BookingStatus.COMPLETED,
    ):
        booking.status = BookingStatus.REFUNDED.value
        booking.updated_at = now


async def finalize_refund(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    refund: Refund,
    stripe_refund_id: str | None,
    now: datetime,
) -> Receipt | None:
    """Stripe took the refund: ledger, credit note, booking refunded, messages. Runs once
    per refund, whichever comes first: Stripe's answer or its charge.refunded event."""
    if refund.status == RefundStatus.SUCCEEDED or not await claim(
        uow, Refund, refund.id, "status", RefundStatus.PENDING
    ):
        return None  # the other path (Stripe's answer or its event) got here first
    refund.status = RefundStatus.SUCCEEDED.value
    refund.completed_at = now
    if stripe_refund_id and refund.stripe_refund_id is None:
        refund.stripe_refund_id = stripe_refund_id
    if refund.kind == RefundKind.EXTERNAL:
        await _post_external(settings, uow, purchase, refund, now)
    else:
        await _post_refund(uow, purchase, booking, refund, now)
    purchase.updated_at = now
    receipt = await issue_credit_note(settings, uow, purchase, refund, now)
    people = await people_of(uow, purchase)
    await notify_refunded(settings, uow, purchase, booking, refund, receipt, people, now)
    return receipt
