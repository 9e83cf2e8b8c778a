"""Reading a signed Stripe event: its id, type and object, and the ids Pathwise put in it.

Anything that is not what Stripe sends raises :class:`MalformedEvent` (answered 400, never
applied) before any call to Stripe.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.payments import LOGGER
from core.payments.gateway import PaymentDetails, StripeRefund

log = logging.getLogger(LOGGER)

# Row ids in Stripe metadata: plain ASCII digits, within the database's integer range.
MAX_ROW_ID = 2**31 - 1


class WebhookResult(NamedTuple):
    """The answer for Stripe: 200 when handled (or safely ignored), 400 when rejected."""

    status: int
    message: str


class MalformedEvent(Exception):
    """A signed event whose body is not what Stripe sends: answered 400, never applied."""


class RetryLater(Exception):
    """An event about a payment Pathwise cannot place yet (its checkout has not completed
    here): answered non-2xx so Stripe sends it again, never acknowledged and dropped."""


def metadata_of(obj: dict[str, Any]) -> dict[str, Any]:
    """A Stripe object's metadata, or an empty dict."""
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def object_id(value: Any) -> str | None:
    """An id from a field Stripe sends either as an id or as an expanded object; anything
    else there (a number, a list) makes the event malformed."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 255:
        raise MalformedEvent("an id field is not a string")
    return value


def parse_row_id(value: Any) -> int | None:
    """A row id Pathwise wrote into Stripe metadata: None when absent; MalformedEvent when
    present but not plain ASCII digits within range (" 7", "²", 23 digits, an object)."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or len(value) > len(str(MAX_ROW_ID))
    ):
        raise MalformedEvent("a metadata id is not a plain number")
    number = int(value)
    if not 1 <= number <= MAX_ROW_ID:
        raise MalformedEvent("a metadata id is out of range")
    return number


def positive_amount(value: Any) -> int | None:
    """The positive integer amount Stripe sent, or None (a bool is not one)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def precheck(event_type: str, obj: dict[str, Any]) -> None:
    """Refuse, before any call to Stripe, an object whose ids or amounts are not what Stripe
    sends (MalformedEvent); the handlers check the rest."""
    metadata = metadata_of(obj)
    for name in ("purchase_id", "refund_id", "booking_id"):
        parse_row_id(metadata.get(name))
    if "metadata" in obj and obj["metadata"] is not None and not isinstance(obj["metadata"], dict):
        raise MalformedEvent("metadata is not an object")
    object_id(obj.get("id"))
    object_id(obj.get("payment_intent"))
    if event_type.startswith(("refund.", "charge.dispute.")):
        if positive_amount(obj.get("amount")) is None:
            raise MalformedEvent(f"a {obj.get('object')} without a positive amount")


def _invalid(message: str, *args: object) -> WebhookResult:
    log.warning(message, *args)
    return WebhookResult(400, "invalid payload")


def parse_event(raw_body: bytes) -> tuple[str, str, dict[str, Any]] | WebhookResult:
    """(id, type, data.object) of a signed body, or the 400 answer for one that is not an
    event as Stripe sends it."""
    try:
        event = json.loads(raw_body)
    except ValueError:
        return _invalid("Stripe webhook rejected: the signed body is not JSON")
    if not isinstance(event, dict):
        return _invalid("Stripe webhook rejected: the signed body is not an event object")
    event_id = event.get("id")
    shown = repr(event_id)[:80]
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255 or not event_id.isascii():
        return _invalid("Stripe event %s rejected: no usable event id", shown)
    event_type = event.get("type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 80:
        return _invalid("Stripe event %s rejected: no event type", shown)
    if not isinstance(obj, dict):
        return _invalid(
            "Stripe event %s (%s) rejected: data.object is not an object", shown, event_type[:80]
        )
    return event_id, event_type, obj


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What a webhook handler needed from Stripe, fetched before the transaction opened."""

    payment: PaymentDetails = field(default_factory=PaymentDetails)
    # A charge's refunds, listed through the API (webhook payloads carry none).
    refunds: tuple[StripeRefund, ...] | None = None
    # The metadata of a PaymentIntent this database cannot yet tie to a purchase.
    intent_metadata: dict[str, str] = field(default_factory=dict)
