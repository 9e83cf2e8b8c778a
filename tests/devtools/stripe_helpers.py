"""Helpers for the Stripe stand-in's tests: a webhook inbox, a purchase, an SDK client."""

from __future__ import annotations

import time
from typing import Any

import stripe

from devtools.stripe_sandbox import StripeSandbox

WEBHOOK_SECRET = "whsec_test_devtools"


class Inbox:
    """An in-process webhook receiver that checks each signature as Pathwise's endpoint will."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.raw: list[tuple[bytes, str]] = []
        self.events: list[stripe.Event] = []

    async def receive(self, body: bytes, signature: str) -> int:
        """Verify and keep one delivery; a bad signature is answered 400 as the app would."""
        self.raw.append((body, signature))
        try:
            event = stripe.Webhook.construct_event(body, signature, self.secret)
        except stripe.SignatureVerificationError:
            return 400
        self.events.append(event)
        return 200

    @property
    def types(self) -> list[str]:
        """The verified events' types, in arrival order."""
        return [event.type for event in self.events]

    def of_type(self, event_type: str) -> list[stripe.Event]:
        """The verified events of one type."""
        return [event for event in self.events if event.type == event_type]


def checkout_params(**overrides: Any) -> dict[str, Any]:
    """A Pathwise purchase: a 45.00 session plus the 3.49 handling fee."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 4500,
                    "product_data": {"name": "Live session, 60 min", "description": "With Ada"},
                },
                "quantity": 1,
            },
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 349,
                    "product_data": {"name": "Handling fee (non-refundable)"},
                },
                "quantity": 1,
            },
        ],
        "metadata": {"purchase_id": "p-1"},
        "client_reference_id": "booking-1",
        "success_url": "https://pathwise.test/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://pathwise.test/cancelled",
        "expires_at": int(time.time()) + 3600,
        "customer_email": "client@example.com",
        "payment_intent_data": {"transfer_group": "p-1", "metadata": {"purchase_id": "p-1"}},
    }
    params.update(overrides)
    return params


def make_client(
    sandbox: StripeSandbox, *, retries: int = 0, timeout: float = 5.0
) -> tuple[stripe.StripeClient, stripe.HTTPXClient]:
    """The real SDK client, async over httpx, pointed at the stand-in."""
    http = stripe.HTTPXClient(timeout=timeout)
    client = stripe.StripeClient(
        sandbox.api_key,
        base_addresses={"api": sandbox.url},
        http_client=http,
        max_network_retries=retries,
    )
    return client, http
