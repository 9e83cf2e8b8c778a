"""Wiring for running Pathwise on one machine without real Stripe: the local stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from core.billing import Billing
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.payments.stripe_gateway import StripeGateway
from devtools.stripe_sandbox import StripeSandbox

SANDBOX_WEBHOOK_SECRET = "whsec_local_stand_in"


@dataclass
class LocalBilling:
    """Billing wired to the local Stripe stand-in, whose webhooks go straight to billing."""

    billing: Billing
    sandbox: StripeSandbox
    settings: Settings


@asynccontextmanager
async def local_billing(
    db: Database, settings: Settings, clock: Clock
) -> AsyncIterator[LocalBilling]:
    """Start the stand-in on 127.0.0.1 and a Billing that talks to it (never with a real key)."""
    if settings.stripe_secret_key is not None and settings.stripe_api_base is None:
        raise RuntimeError("a real Stripe key is configured; the local stand-in is not used")
    holder: list[Billing] = []

    async def deliver(body: bytes, signature: str) -> int:
        return (await holder[0].handle_webhook(body, signature)).status

    callback: Callable[[bytes, str], Awaitable[int]] = deliver
    async with StripeSandbox(
        webhook_secret=SANDBOX_WEBHOOK_SECRET, webhook_callback=callback, clock=clock
    ) as sandbox:
        local = settings.model_copy(
            update={
                "stripe_secret_key": SecretStr(sandbox.api_key),
                "stripe_webhook_secret": SecretStr(SANDBOX_WEBHOOK_SECRET),
                "stripe_api_base": sandbox.url,
            }
        )
        gateway = StripeGateway.from_settings(local)
        holder.append(Billing(db, gateway, local, clock))
        try:
            yield LocalBilling(holder[0], sandbox, local)
        finally:
            await gateway.aclose()
