"""Stripe's news of a Checkout Session: completed, paid later, failed, expired."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core import outbox
from core.db import UnitOfWork
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus
from core.models.bookings import Booking
from core.models.outbox import Audience
from core.payments import LOGGER
from core.payments.deps import BillingDeps
from core.payments.locks import lock_purchase
from core.payments.payment_received import payment_received, release_hold
from core.payments.stripe_parse import Prefetched, metadata_of, object_id, parse_row_id
from core.texts import billing as t

log = logging.getLogger(LOGGER)


async def purchase_of_checkout(
    uow: UnitOfWork, checkout: dict[str, Any]
) -> tuple[Purchase | None, Booking | None]:
    """The purchase a Checkout Session is for, row-locked: by the id in its metadata or its
    client reference, else by the session's id."""
    purchase_id = parse_row_id(metadata_of(checkout).get("purchase_id"))
    if purchase_id is None:
        reference = checkout.get("client_reference_id")
        if isinstance(reference, str) and reference.startswith("purchase-"):
            purchase_id = parse_row_id(reference.removeprefix("purchase-"))
    checkout_id = object_id(checkout.get("id"))
    if purchase_id is None and checkout_id:
        purchase_id = await uow.session.scalar(
            select(Purchase.id).where(Purchase.checkout_session_id == checkout_id)
        )
    if purchase_id is None:
        return None, None
    return await lock_purchase(uow, purchase_id)


async def on_checkout_completed(
    deps: BillingDeps, uow: UnitOfWork, checkout: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    purchase, booking = await purchase_of_checkout(uow, checkout)
    if purchase is None:
        log.warning("checkout %s names no purchase of ours", checkout.get("id"))
        return "ignored: unknown purchase"
    status = checkout.get("payment_status")
    if status == "paid":
        return await payment_received(deps, uow, purchase, booking, checkout, now, pre)
    if status == "unpaid" and purchase.status == PurchaseStatus.PENDING:
        # A delayed payment method (bank debit): wait for async_payment_succeeded/_failed.
        purchase.status = PurchaseStatus.PROCESSING.value
        purchase.payment_intent_id = object_id(checkout.get("payment_intent"))
        purchase.updated_at = now
        if purchase.client_id is not None:
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="payment_processing",
                client_id=purchase.client_id,
                text=outbox.words(t.PAYMENT_PROCESSING),
                dedupe_key=f"payment_processing:{purchase.id}",
                now=now,
            )
        return "payment processing"
    return f"ignored: purchase is {purchase.status}, payment {status}"


async def on_async_payment_succeeded(
    deps: BillingDeps, uow: UnitOfWork, checkout: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    purchase, booking = await purchase_of_checkout(uow, checkout)
    if purchase is None:
        return "ignored: unknown purchase"
    return await payment_received(deps, uow, purchase, booking, checkout, now, pre)


async def on_async_payment_failed(
    deps: BillingDeps, uow: UnitOfWork, checkout: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    purchase, booking = await purchase_of_checkout(uow, checkout)
    if purchase is None:
        return "ignored: unknown purchase"
    if purchase.status not in (PurchaseStatus.PENDING, PurchaseStatus.PROCESSING):
        return f"ignored: purchase is {purchase.status}"
    purchase.status = PurchaseStatus.FAILED.value
    if purchase.payment_intent_id is None:  # failed before its completed event came
        purchase.payment_intent_id = object_id(checkout.get("payment_intent"))
    purchase.updated_at = now
    await release_hold(uow, booking, purchase, now)
    if purchase.client_id is not None:
        failed = (
            t.PAYMENT_FAILED_SLOT_FREE
            if purchase.kind == PurchaseKind.BOOKING
            else t.PAYMENT_FAILED
        )
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="payment_failed",
            client_id=purchase.client_id,
            text=outbox.words(failed),
            dedupe_key=f"payment_failed:{purchase.id}",
            now=now,
        )
    return "payment failed"


async def on_checkout_expired(
    deps: BillingDeps, uow: UnitOfWork, checkout: dict[str, Any], now: datetime, pre: Prefetched
) -> str:
    purchase, booking = await purchase_of_checkout(uow, checkout)
    if purchase is None:
        return "ignored: unknown purchase"
    if purchase.status != PurchaseStatus.PENDING:
        return f"ignored: purchase is {purchase.status}"
    if purchase.checkout_session_id not in (None, checkout.get("id")):
        return "ignored: an older checkout of this purchase"
    purchase.status = PurchaseStatus.EXPIRED.value
    purchase.updated_at = now
    await release_hold(uow, booking, purchase, now)
    return "checkout expired; hold released"
