"""Fixtures for the Stripe stand-in's tests: a running sandbox, a real SDK client, an inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import stripe

from devtools.stripe_sandbox import StripeSandbox
from tests.devtools.stripe_helpers import WEBHOOK_SECRET, Inbox, make_client


@pytest.fixture
def inbox() -> Inbox:
    """Where the sandbox's webhooks land in-process."""
    return Inbox(WEBHOOK_SECRET)


@pytest.fixture
async def sandbox(inbox: Inbox) -> AsyncIterator[StripeSandbox]:
    """A running stand-in delivering signed webhooks to the inbox."""
    async with StripeSandbox(webhook_secret=WEBHOOK_SECRET, webhook_callback=inbox.receive,
                             seed=7) as running:
        yield running


@pytest.fixture
async def client(sandbox: StripeSandbox) -> AsyncIterator[stripe.StripeClient]:
    """An SDK client that does not retry, so each failure surfaces."""
    sdk, http = make_client(sandbox)
    yield sdk
    await http.close_async()
