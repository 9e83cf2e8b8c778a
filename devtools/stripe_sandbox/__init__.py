"""A local, stateful Stripe stand-in for tests and the offline demo.

The real ``stripe`` SDK talks to it over HTTP::

    async with StripeSandbox(webhook_callback=receive) as sandbox:
        client = stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url})
        session = await client.v1.checkout.sessions.create_async({...})
        event_ids = await sandbox.pay(session.id)   # delivered, signed, before this returns

Objects start from Stripe's own fixtures, so their keys are Stripe's. See ``server.py`` for
the control surface (pay, expire, onboarding, disputes, fault injection, redelivery).
"""

from __future__ import annotations

from devtools.stripe_sandbox.errors import SandboxError, StripeApiError
from devtools.stripe_sandbox.faults import Failure
from devtools.stripe_sandbox.forms import decode_form
from devtools.stripe_sandbox.server import API_VERSION, RecordedRequest, StripeSandbox
from devtools.stripe_sandbox.signing import sign_payload
from devtools.stripe_sandbox.threaded import ThreadedStripeSandbox
from devtools.stripe_sandbox.webhooks import Delivery, WebhookCallback, event_payload

__all__ = [
    "API_VERSION",
    "Delivery",
    "Failure",
    "RecordedRequest",
    "SandboxError",
    "StripeApiError",
    "StripeSandbox",
    "ThreadedStripeSandbox",
    "WebhookCallback",
    "decode_form",
    "event_payload",
    "sign_payload",
]
