"""Stripe's webhook: the signature checked, the event recorded once, then dispatched.

A duplicate is recognised before any call to Stripe. What a handler needs from Stripe is
fetched before the transaction opens (:func:`prefetch`); the handler then applies the event
in one unit of work with its ledger rows, receipts and messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import stripe
from sqlalchemy import select, update

from core.db import UnitOfWork, insert_for
from core.errors import PathwiseError
from core.models.billing import Purchase, StripeEvent
from core.payments import LOGGER, checkout_events, disputes, earnings, refund_events
from core.payments.deps import BillingDeps
from core.payments.gateway import PaymentProviderError, PaymentsUnavailable, StripeRefund
from core.payments.stripe_parse import (
    MalformedEvent,
    Prefetched,
    RetryLater,
    WebhookResult,
    metadata_of,
    object_id,
    parse_event,
    precheck,
)

log = logging.getLogger(LOGGER)

# The card brand and last four for the receipt are worth this long of a webhook's time, no more
# (Stripe gives a webhook about 10 seconds before it counts it as failed).
PAYMENT_LOOKUP_TIMEOUT = 3.0

Handler = Callable[[BillingDeps, UnitOfWork, dict[str, Any], datetime, Prefetched], Awaitable[str]]

# The dispatch table; its keys are the events to enable on the Stripe webhook endpoint. Any
# other type is answered 200 and logged.
HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_events.on_checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_events.on_async_payment_succeeded,
    "checkout.session.async_payment_failed": checkout_events.on_async_payment_failed,
    "checkout.session.expired": checkout_events.on_checkout_expired,
    "charge.refunded": refund_events.on_charge_refunded,
    "refund.created": refund_events.on_refund_event,
    "refund.updated": refund_events.on_refund_event,
    "refund.failed": refund_events.on_refund_event,
    "charge.dispute.created": disputes.on_dispute_event,
    "charge.dispute.funds_withdrawn": disputes.on_dispute_event,
    "charge.dispute.funds_reinstated": disputes.on_dispute_event,
    "charge.dispute.closed": disputes.on_dispute_event,
    "account.updated": earnings.on_account_updated,
}
WEBHOOK_EVENT_TYPES = tuple(HANDLERS)

# Events about a payment: where its PaymentIntent may be named and its purchase looked up.
PAYMENT_EVENTS = frozenset(
    {
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    }
)
_PAID_CHECKOUT_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
_DUPLICATE = WebhookResult(200, "duplicate event: already processed")


async def handle_webhook(
    deps: BillingDeps, raw_body: bytes, signature_header: str
) -> WebhookResult:
    """Verify, record once and apply one Stripe event (see ``Billing.handle_webhook``)."""
    problem = verify_signature(deps, raw_body, signature_header)
    if problem is not None:
        return problem
    parsed = parse_event(raw_body)
    if isinstance(parsed, WebhookResult):
        return parsed
    event_id, event_type, obj = parsed
    try:
        outcome = await _apply(deps, event_id, event_type, obj)
    except MalformedEvent as error:
        log.warning("Stripe event %s (%s) rejected: %s", event_id, event_type, error)
        return WebhookResult(400, f"invalid event: {error}")
    except RetryLater as error:
        log.info("Stripe event %s (%s) not applied yet: %s", event_id, event_type, error)
        return WebhookResult(409, f"retry later: {error}")
    if outcome is None:
        log.info("Stripe event %s (%s) seen before; ignored", event_id, event_type)
        return _DUPLICATE
    # A receipt numbered here is rendered by whoever reads it first (the outbox delivery
    # sending it, the client asking for it, the sessions tick), never while Stripe waits.
    log.info("Stripe event %s (%s): %s", event_id, event_type, outcome)
    return WebhookResult(200, outcome)


async def _apply(
    deps: BillingDeps, event_id: str, event_type: str, obj: dict[str, Any]
) -> str | None:
    """Apply a new event and return its outcome; None if it was seen before."""
    async with deps.db.uow() as uow:
        if await uow.session.get(StripeEvent, event_id) is not None:
            return None
        known_intent = await intent_is_known(uow, event_type, obj)
    precheck(event_type, obj)
    prefetched = await prefetch(deps, event_type, obj, known_intent)
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        if not await record_event(uow, event_id, event_type, now):
            return None
        handler = HANDLERS.get(event_type)
        if handler is None:
            log.info("Stripe event %s of unhandled type %s", event_id, event_type)
            outcome = f"ignored: unhandled event type {event_type}"
        else:
            outcome = await handler(deps, uow, obj, now, prefetched)
        await uow.session.execute(
            update(StripeEvent).where(StripeEvent.id == event_id).values(outcome=outcome[:80])
        )
        await uow.commit()
    return outcome


def verify_signature(
    deps: BillingDeps, raw_body: bytes, signature_header: str
) -> WebhookResult | None:
    """None if Stripe signed ``raw_body`` with one of our endpoints' secrets: the platform
    endpoint's, or the connected-accounts endpoint's (advisors' ``account.updated``)."""
    settings = deps.settings
    secrets = [settings.require("stripe_webhook_secret")]
    if settings.stripe_connect_webhook_secret is not None:
        secrets.append(settings.stripe_connect_webhook_secret.get_secret_value())
    for secret in secrets:
        # The signature only: the SDK's construct_event also parses the body and fails
        # with an AttributeError on a signed JSON list; parse_event judges the body.
        try:
            stripe.WebhookSignature.verify_header(
                raw_body.decode("utf-8", errors="replace"),
                signature_header,
                secret,
                stripe.Webhook.DEFAULT_TOLERANCE,
            )
        except stripe.SignatureVerificationError:
            continue
        return None
    log.warning("Stripe webhook with a bad or stale signature rejected")
    return WebhookResult(400, "invalid signature")


async def record_event(uow: UnitOfWork, event_id: str, event_type: str, now: datetime) -> bool:
    """Insert the event id; False if it is there already. A concurrent worker handling the
    same id waits here until the first commits, then sees it."""
    statement = (
        insert_for(uow)(StripeEvent)
        .values(id=event_id, type=event_type[:80], outcome="processing", received_at=now)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeEvent.id)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none() is not None


async def intent_is_known(uow: UnitOfWork, event_type: str, obj: dict[str, Any]) -> bool:
    """Whether an event about a payment names a PaymentIntent this database knows."""
    if event_type not in PAYMENT_EVENTS:
        return True
    intent = object_id(obj.get("payment_intent"))
    if intent is None:
        return False
    found = await uow.session.scalar(
        select(Purchase.id).where(Purchase.payment_intent_id == intent)
    )
    return found is not None


async def _lookups(
    deps: BillingDeps, event_type: str, obj: dict[str, Any], known_intent: bool
) -> tuple[tuple[StripeRefund, ...] | None, dict[str, str]]:
    """A charge's refunds, and the metadata of a PaymentIntent this database cannot place."""
    refunds: tuple[StripeRefund, ...] | None = None
    intent_metadata: dict[str, str] = {}
    if event_type == "charge.refunded" and not isinstance(obj.get("refunds"), dict):
        charge_id = object_id(obj.get("id"))
        if charge_id is None:
            raise MalformedEvent("a charge without an id")
        refunds = tuple(await deps.gateway.list_refunds(charge_id))
    if (
        event_type in PAYMENT_EVENTS
        and not known_intent
        and metadata_of(obj).get("purchase_id") is None
    ):
        intent = object_id(obj.get("payment_intent"))
        if intent is not None:
            try:
                intent_metadata = await deps.gateway.payment_metadata(intent)
            except PaymentProviderError:
                intent_metadata = {}  # Stripe doesn't know it either: not ours
    return refunds, intent_metadata


async def prefetch(
    deps: BillingDeps, event_type: str, obj: dict[str, Any], known_intent: bool
) -> Prefetched:
    """What a handler needs from Stripe, asked before the transaction opens: the card for
    the receipt (best effort); a charge's refunds; the purchase id on a PaymentIntent
    this database cannot place yet. Stripe being unreachable for the last two answers
    the event non-2xx, so Stripe sends it again."""
    try:
        refunds, intent_metadata = await _lookups(deps, event_type, obj, known_intent)
    except PaymentsUnavailable as error:
        raise RetryLater(f"Stripe could not be asked ({type(error).__name__})") from None
    except PaymentProviderError as error:
        raise RetryLater(f"Stripe refused a lookup ({type(error).__name__})") from None
    if event_type not in _PAID_CHECKOUT_EVENTS or obj.get("payment_status") != "paid":
        return Prefetched(refunds=refunds, intent_metadata=intent_metadata)
    intent = object_id(obj.get("payment_intent"))
    if not intent:
        return Prefetched()
    try:
        details = await asyncio.wait_for(
            deps.gateway.payment_details(intent), PAYMENT_LOOKUP_TIMEOUT
        )
    except (PathwiseError, TimeoutError) as error:
        # The receipt then says "Online payment"; the payment itself is not held up.
        log.warning("payment method lookup failed (%s); receipt shows none", type(error).__name__)
        return Prefetched()
    return Prefetched(payment=details)
