"""Shared helpers for the billing tests: a seeded world, signed Stripe events, PDF text.

Imported by the ``test_billing*`` modules (``from tests.support.billing import ...``);
it holds no tests itself. Its fixtures (a seeded world, billing on a fake Stripe, a paid
booking, an onboarded advisor) are in ``tests/support/billing_fixtures.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select

from core import ledger
from core.billing import Billing, Checkout, WebhookResult
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.documents import load_document
from core.models import Advisor, Booking, BookingStatus, Client, Offer, OutboxMessage
from core.models.billing import Purchase, Receipt
from core.money import Money
from core.outbox import DocumentRef
from core.receipts import ReceiptFonts
from devtools.fake_payments import FakePaymentGateway

SECRET = "whsec_test_0123456789abcdef"
BUYER = "Zoë Łukasz 李雷"
# What the receipt of the seeded booking says, whatever else it says.
SESSION_AND_FEE = (
    "60-minute live session with Ana Ruiz",
    "$60.00",
    "Handling fee (non-refundable)",
    "$3.49",
)
RECEIPT_SAYS = ("R-2026-000001", BUYER, *SESSION_AND_FEE, "$63.49", "Visa •••• 4242")
# The guarantee window of the default settings (PATHWISE_GUARANTEE_WINDOW_HOURS).
WINDOW = timedelta(hours=72)


def billing_settings(database_url: str, **overrides: Any) -> Settings:
    """Default settings plus Stripe test secrets; never the machine's .env."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "stripe_secret_key": "sk_test_pathwise",
        "stripe_webhook_secret": SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class World:
    client_id: int
    other_client_id: int
    advisor_id: int
    offer_id: int
    booking_id: int


async def seed(
    db: Database,
    now: datetime,
    *,
    price_minor: int = 6000,
    starts_in: timedelta = timedelta(days=1),
    currency: str = "USD",
    client_name: str = BUYER,
) -> World:
    """A client (with a Unicode name), another client, an advisor with a 60-minute offer,
    and a booking held for the first client."""
    async with db.uow() as uow:
        client = Client(
            display_name=client_name, locale="en_US", timezone="Europe/Madrid", created_at=now
        )
        other = Client(display_name="Someone Else", created_at=now)
        advisor = Advisor(
            slug=f"ana-{uuid.uuid4().hex[:6]}",
            display_name="Ana Ruiz",
            bio="Career and family.",
            timezone="Europe/Madrid",
            active=True,
            approved=True,
            created_at=now,
        )
        uow.session.add_all([client, other, advisor])
        await uow.session.flush()
        offer = Offer(
            advisor_id=advisor.id,
            kind="live60",
            price_minor=price_minor,
            currency=currency,
            active=True,
        )
        uow.session.add(offer)
        await uow.session.flush()
        world = World(client.id, other.id, advisor.id, offer.id, 0)
        await uow.commit()
    world.booking_id = await new_booking(db, world, now, starts_at=now + starts_in)
    return world


async def new_booking(
    db: Database,
    world: World,
    now: datetime,
    *,
    starts_at: datetime,
    minutes: int = 60,
    hold: timedelta = timedelta(minutes=30),
    client_id: int | None = None,
    price_minor: int | None = None,
) -> int:
    async with db.uow() as uow:
        offer = await uow.session.get(Offer, world.offer_id)
        assert offer is not None
        booking = Booking(
            client_id=client_id or world.client_id,
            advisor_id=world.advisor_id,
            offer_id=world.offer_id,
            status=BookingStatus.HELD.value,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            hold_expires_at=now + hold,
            price_minor=offer.price_minor if price_minor is None else price_minor,
            currency=offer.currency,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(booking)
        await uow.commit()
        return booking.id


@cache
def fonts() -> ReceiptFonts:
    """The receipt fonts, parsed once for the whole test run (as the app does at start-up)."""
    return ReceiptFonts()


def make_billing(
    db: Database, settings: Settings, clock: ManualClock, gateway: FakePaymentGateway | None = None
) -> tuple[Billing, FakePaymentGateway]:
    """Billing on ``settings`` and a fake Stripe (a new one unless ``gateway`` is given)."""
    gateway = gateway or FakePaymentGateway()
    return Billing(db, gateway, settings, clock, fonts=fonts()), gateway


async def checkout_paid(
    billing: Billing, db: Database, world: World, booking_id: int | None = None
) -> Checkout:
    """A booking of the world's client (the seeded one by default) checked out and paid."""
    checkout = await billing.start_checkout(booking_id or world.booking_id, world.client_id)
    await pay(billing, db, checkout.purchase_id)
    return checkout


async def tip_paid(billing: Billing, db: Database, world: World, minor: int = 500) -> int:
    """A tip on the seeded booking, checked out and paid: its purchase id."""
    tip = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(minor, "USD"))
    await pay(billing, db, tip.purchase_id)
    return tip.purchase_id


async def onboard(billing: Billing, gateway: FakePaymentGateway, advisor_id: int) -> str:
    """The advisor onboarded with Stripe Connect, as Stripe's account.updated tells it: their
    connected account's id."""
    await billing.start_payout_onboarding(
        advisor_id, refresh_url="https://x.test/r", return_url="https://x.test/ok"
    )
    account_id = list(gateway.accounts)[-1]
    await deliver(
        billing,
        "account.updated",
        {"id": account_id, "object": "account", "payouts_enabled": True, "details_submitted": True},
    )
    return account_id


# -- Stripe events ---------------------------------------------------------------------------


def sign(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header, made the way Stripe makes it."""
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={mac.hexdigest()}"


def event_body(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "api_version": "2026-10-28",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


async def deliver(
    billing: Billing, event_type: str, obj: dict[str, Any], event_id: str | None = None
) -> WebhookResult:
    body = event_body(event_type, obj, event_id)
    return await billing.handle_webhook(body, sign(body))


async def checkout_of(db: Database, purchase_id: int) -> Purchase:
    async with db.uow() as uow:
        purchase = await uow.session.get(Purchase, purchase_id)
        assert purchase is not None
        return purchase


def session_object(
    purchase: Purchase,
    *,
    payment_status: str = "paid",
    amount_total: int | None = None,
    currency: str | None = None,
    payment_intent: str | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """A checkout.session object as Stripe sends it in events (the fields billing reads)."""
    return {
        "id": session_id or purchase.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": payment_status,
        "amount_total": purchase.total_minor if amount_total is None else amount_total,
        "currency": (currency or purchase.currency).lower(),
        "client_reference_id": f"purchase-{purchase.id}",
        "metadata": {"purchase_id": str(purchase.id), "purchase_kind": purchase.kind},
        "payment_intent": payment_intent or f"pi_test_{purchase.id:06d}",
    }


def charge_object(purchase: Purchase, **fields: Any) -> dict[str, Any]:
    """The charge of a purchase's payment as Stripe sends it in events (``charge.refunded``);
    ``fields`` add to it or override (``amount_refunded``, say)."""
    return {
        "id": "ch_test_1",
        "object": "charge",
        "amount": purchase.total_minor,
        "currency": purchase.currency.lower(),
        "payment_intent": purchase.payment_intent_id,
        **fields,
    }


def dispute_object(purchase: Purchase, **fields: Any) -> dict[str, Any]:
    """A dispute of a purchase's whole payment as Stripe sends it in events; ``fields`` add
    to it or override (a ``status`` of "lost", say)."""
    return {
        "id": "dp_test_1",
        "object": "dispute",
        "amount": purchase.total_minor,
        "currency": purchase.currency.lower(),
        "status": "needs_response",
        "payment_intent": purchase.payment_intent_id,
        "metadata": {},
        **fields,
    }


async def pay(billing: Billing, db: Database, purchase_id: int, **overrides: Any) -> WebhookResult:
    """Stripe tells us the checkout was paid."""
    purchase = await checkout_of(db, purchase_id)
    return await deliver(
        billing, "checkout.session.completed", session_object(purchase, **overrides)
    )


# -- reading back ----------------------------------------------------------------------------


async def booking_of(db: Database, booking_id: int) -> Booking:
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        return booking


async def ends_at(db: Database, booking_id: int) -> datetime:
    """When the booked session ends."""
    booking = await booking_of(db, booking_id)
    assert booking.ends_at is not None
    return booking.ends_at


async def window_closes(db: Database, booking_id: int) -> datetime:
    """When the money-back window of a booking closes (and its payout falls due)."""
    return await ends_at(db, booking_id) + WINDOW


async def ledger_violations(db: Database) -> list[str]:
    """What ``pathwise ledger check`` finds wrong (nothing, in a healthy ledger)."""
    async with db.uow() as uow:
        return (await ledger.check_ledger(uow)).violations


def pdf_text(data: bytes) -> str:
    """All text of a PDF, pages joined."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


async def receipt_text(db: Database, receipt: Receipt) -> str:
    """The text of a receipt or credit note as its reader gets it (rendered on first read)."""
    async with db.uow() as uow:
        ref = DocumentRef("receipt", receipt.id, receipt.filename)
        pdf = await load_document(uow, ref, fonts())
        await uow.commit()
    return pdf_text(pdf)


async def outbox_rows(db: Database, **where: Any) -> list[OutboxMessage]:
    async with db.uow() as uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(await uow.session.scalars(query))


async def count(db: Database, model: Any) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)
