"""The billing tests' starting points, as fixtures: a seeded world, billing on a fake Stripe,
the world's booking at checkout or paid (with a tip), and its advisor onboarded.

Registered for every test through ``pytest_plugins`` in tests/conftest.py.
A test that needs other settings builds its billing with ``make_billing`` instead.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.billing import Billing, Checkout
from core.clock import ManualClock
from core.db import Database
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    billing_settings,
    ends_at,
    make_billing,
    onboard,
    pay,
    seed,
    tip_paid,
)


@pytest.fixture
async def world(db: Database, clock: ManualClock) -> World:
    """A client, another client, an advisor with a $60 offer, and a booking held tomorrow."""
    return await seed(db, clock.now())


@pytest.fixture
def gateway() -> FakePaymentGateway:
    """Stripe, faked: what billing asked of it, and what it answers."""
    return FakePaymentGateway()


@pytest.fixture
def billing(
    db: Database, database_url: str, clock: ManualClock, gateway: FakePaymentGateway
) -> Billing:
    """Billing with the default settings, on the fake Stripe."""
    return make_billing(db, billing_settings(database_url), clock, gateway)[0]


@pytest.fixture
async def checkout(billing: Billing, world: World) -> Checkout:
    """The world's booking at Stripe Checkout, not paid yet."""
    return await billing.start_checkout(world.booking_id, world.client_id)


@pytest.fixture
async def paid_purchase(db: Database, billing: Billing, checkout: Checkout) -> int:
    """The world's booking paid, as Stripe's webhook tells it: the purchase's id."""
    await pay(billing, db, checkout.purchase_id)
    return checkout.purchase_id


@pytest.fixture
async def refund_window_open(
    db: Database, clock: ManualClock, world: World, paid_purchase: int
) -> None:
    """The world's booking paid, and the clock an hour after its session ended: the
    money-back window is open. (Ask for ``paid_tip`` before it, to tip before the session.)"""
    clock.set(await ends_at(db, world.booking_id) + timedelta(hours=1))


@pytest.fixture
async def paid_tip(db: Database, billing: Billing, world: World, paid_purchase: int) -> int:
    """A $5 tip on the paid booking, paid: the tip purchase's id."""
    return await tip_paid(billing, db, world)


@pytest.fixture
async def onboarded_advisor(billing: Billing, gateway: FakePaymentGateway, world: World) -> str:
    """The world's advisor onboarded with Stripe Connect: their connected account's id."""
    return await onboard(billing, gateway, world.advisor_id)
