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
from datetime import timedelta
from typing import Any

import pytest
import stripe

from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.money import Money
from core.payments.stripe_gateway import RetryPolicy, StripeGateway, build_stripe_client
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import (
    SECRET,
    World,
    billing_settings,
    ends_at,
    fonts,
    new_booking,
    seed,
)

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
async def sdk_for(sandbox: StripeSandbox) -> AsyncIterator[stripe.StripeClient]:
    """The real Stripe SDK pointed at the stand-in, as `pathwise reconcile` builds it."""
    http = stripe.HTTPXClient(timeout=5.0)
    settings = billing_settings(
        "sqlite://", stripe_secret_key=sandbox.api_key, stripe_api_base=sandbox.url
    )
    try:
        yield build_stripe_client(settings, http_client=http)
    finally:
        await http.close_async()


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


async def onboard_at(billing: Billing, sandbox: StripeSandbox, advisor_id: int) -> str:
    """The advisor, the stand-in's first, onboarded on its Connect pages: the account's id."""
    await billing.start_payout_onboarding(
        advisor_id, refresh_url="https://p.test/r", return_url="https://p.test/ok"
    )
    [account_id] = sandbox.state.objects["account"]
    await sandbox.complete_onboarding(account_id)
    return account_id


@dataclass
class History:
    """What `history` made at a stand-in: the world, its purchases (the two sessions, then
    the tip) and the advisor's connected account."""

    sandbox: StripeSandbox
    world: World
    purchases: list[int]
    account_id: str


async def history(
    db: Database, billing: Billing, sandbox: StripeSandbox, clock: ManualClock
) -> History:
    """Two paid sessions and a tip; the first session refunded under the guarantee; the
    advisor onboarded and paid both payouts (the tip, and the second session)."""
    world = await seed(db, clock.now())
    other = await new_booking(db, world, clock.now(), starts_at=clock.now() + timedelta(days=2))
    purchases = []
    for booking_id in (world.booking_id, other):
        made = await billing.start_checkout(booking_id, world.client_id)
        purchases.append(made.purchase_id)
        await sandbox.pay(checkout_id(made.url))
    tip = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(500, "USD"))
    purchases.append(tip.purchase_id)
    await sandbox.pay(checkout_id(tip.url))
    first_end, second_end = await ends_at(db, world.booking_id), await ends_at(db, other)
    clock.set(first_end + timedelta(hours=1))
    await billing.request_refund(world.booking_id, world.client_id)
    account_id = await onboard_at(billing, sandbox, world.advisor_id)
    clock.set(second_end + timedelta(hours=72))
    assert len((await billing.release_due_payouts()).paid) == 2
    await sandbox.flush()
    return History(sandbox, world, purchases, account_id)


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


@pytest.fixture
async def stand_in_sdk(stand_in: StandInParts) -> AsyncIterator[stripe.StripeClient]:
    """The real Stripe SDK on the `stand_in` fixture's stand-in."""
    async with sdk_for(stand_in[1]) as client:
        yield client


@pytest.fixture
async def stripe_history(
    db: Database, stand_in: StandInParts, clock: ManualClock
) -> History:
    """`history`, made on the `stand_in` fixture's billing and stand-in."""
    billing, sandbox, _ = stand_in
    return await history(db, billing, sandbox, clock)
