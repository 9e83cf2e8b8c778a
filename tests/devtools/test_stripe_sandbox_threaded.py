"""Synchronous code (the SDK's sync client) uses the sandbox through its thread runner."""

from __future__ import annotations

import subprocess
import sys

import pytest
import stripe

from devtools.stripe_sandbox import ThreadedStripeSandbox
from tests.devtools.stripe_helpers import WEBHOOK_SECRET, checkout_params


def test_the_sync_sdk_creates_and_pays_against_the_threaded_sandbox() -> None:
    received: list[str] = []

    def receive(body: bytes, signature: str) -> None:
        received.append(stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET).type)

    with ThreadedStripeSandbox(webhook_secret=WEBHOOK_SECRET, webhook_callback=receive) as sandbox:
        client = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url},
                                     http_client=stripe.RequestsClient())
        session = client.v1.checkout.sessions.create(checkout_params())
        sandbox.pay(session.id)
        paid = client.v1.checkout.sessions.retrieve(session.id)
        sandbox.fail_next("/v1/refunds", 500)
        with pytest.raises(stripe.APIError) as failed:
            client.v1.refunds.create({"payment_intent": paid.payment_intent})
        refund = client.v1.refunds.create({"payment_intent": paid.payment_intent})
        sandbox.flush()
    assert paid.payment_status == "paid"
    assert failed.value.http_status == 500
    assert refund.amount == 4849
    assert received[-2:] == ["refund.created", "charge.refunded"]
    assert "checkout.session.completed" in received


def test_the_command_line_documents_its_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devtools.stripe_sandbox", "--help"],
        capture_output=True, text=True, check=True, timeout=30,
    )
    assert "--port" in result.stdout and "--webhook-url" in result.stdout
