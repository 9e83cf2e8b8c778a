"""One Stripe wiring: Billing on the real Stripe SDK, over HTTP, against the local stand-in.

The stand-in's signed webhooks are handed to `Billing.handle_webhook`, as `bots/web` hands
them on in production, and every answer is kept so a test can see what Stripe was told.

    async with stripe_stand_in(db, database_url, clock, seed=3) as stand:
        checkout = await stand.billing.start_checkout(booking_id, client_id)
        await stand.sandbox.pay(checkout_id(checkout.url))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.payments.stripe_gateway import RetryPolicy, StripeGateway
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import SECRET, billing_settings, fonts


@dataclass
class Webhooks:
    """Where the stand-in delivers its events: billing, as the web server would call it."""

    billing: Billing | None = None
    answers: list[tuple[int, str]] = field(default_factory=list)

    @property
    def statuses(self) -> list[int]:
        return [status for status, _ in self.answers]

    async def receive(self, body: bytes, signature: str) -> int:
        assert self.billing is not None, "the stand-in delivered before billing was wired"
        result = await self.billing.handle_webhook(body, signature)
        self.answers.append((result.status, result.message))
        return result.status


@dataclass
class StandIn:
    billing: Billing
    sandbox: StripeSandbox
    webhooks: Webhooks
    settings: Settings
    gateway: StripeGateway


StandInParts = tuple[Billing, StripeSandbox, Webhooks]


def checkout_id(url: str) -> str:
    """The Checkout Session id at the end of a Checkout URL from the stand-in."""
    return url.rsplit("/", 1)[1]


@asynccontextmanager
async def stripe_stand_in(
    db: Database,
    database_url: str,
    clock: ManualClock,
    *,
    seed: int | None = None,
    enforce_balance: bool = True,
    stripe_timeout: float = 2.0,
    retry: RetryPolicy | None = None,
    **overrides: Any,
) -> AsyncIterator[StandIn]:
    """Billing wired to a running stand-in; `overrides` are extra settings."""
    webhooks = Webhooks()
    async with StripeSandbox(
        webhook_secret=SECRET,
        webhook_callback=webhooks.receive,
        clock=clock,
        seed=seed,
        enforce_balance=enforce_balance,
    ) as sandbox:
        settings = billing_settings(
            database_url,
            stripe_secret_key=sandbox.api_key,
            stripe_api_base=sandbox.url,
            **overrides,
        )
        gateway = StripeGateway.from_settings(
            settings, timeout=stripe_timeout, retry=retry or RetryPolicy(attempts=2, delays=(0.05,))
        )
        webhooks.billing = Billing(db, gateway, settings, clock, fonts=fonts())
        try:
            yield StandIn(webhooks.billing, sandbox, webhooks, settings, gateway)
        finally:
            await gateway.aclose()


@pytest.fixture
async def stand_in(
    db: Database, database_url: str, clock: ManualClock
) -> AsyncIterator[StandInParts]:
    """Billing, the stand-in and its webhook answers, for tests that unpack the three."""
    retry = RetryPolicy(attempts=3, delays=(0.05,))
    async with stripe_stand_in(
        db, database_url, clock, seed=3, stripe_timeout=1.0, retry=retry
    ) as stand:
        yield stand.billing, stand.sandbox, stand.webhooks
