"""Stripe Checkout for a held booking or a tip: the purchase row, its expiry, the link.

A checkout is asked of Stripe outside any database transaction, with an idempotency key
derived from the purchase, so pressing Pay twice or retrying never makes a second one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core import i18n, scheduling
from core.db import UnitOfWork
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus
from core.models.bookings import Booking, BookingStatus
from core.money import Money
from core.payments.deps import BillingDeps, client_locale
from core.payments.errors import (
    AlreadyPaid,
    HoldExpired,
    NotYourBooking,
    PaymentInProgress,
    TipNotAllowed,
)
from core.payments.gateway import CheckoutLine, CheckoutRequest, PaymentProviderError
from core.payments.locks import load_booking, lock_booking, lock_purchase
from core.payments.pricing import Quote, QuoteLine, commission_on, quote_service, quote_tip
from core.payments.times import local_time
from core.texts import billing as t

# Stripe accepts a Checkout Session's expires_at from 30 minutes to 24 hours after creation.
# A new checkout gets 35 minutes at least, so a retry within the next few minutes can send the
# very same request (same expires_at, same idempotency key) and still be accepted.
STRIPE_MIN_LIFETIME = timedelta(minutes=30, seconds=15)
CHECKOUT_MIN_LIFETIME = timedelta(minutes=35)
CHECKOUT_MAX_LIFETIME = timedelta(hours=23, minutes=55)
TIP_CHECKOUT_LIFETIME = timedelta(hours=1)
# An open checkout is handed out again only if the client has at least this long to pay.
REUSE_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Checkout:
    """A Stripe Checkout page for a purchase: the link to give the client."""

    purchase_id: int
    url: str
    expires_at: datetime
    quote: Quote
    reused: bool = False


def booking_quote(deps: BillingDeps, booking: Booking) -> Quote:
    """A booking's quote, its start shown in the client's zone."""
    client_zone = booking.client.timezone if booking.client is not None else "UTC"
    locale = client_locale(booking.client, deps.settings)
    detail = local_time(booking.starts_at, client_zone, locale) if booking.starts_at else ""
    return quote_service(
        offer_name=booking.offer.name,
        advisor_name=booking.advisor.display_name,
        price=booking.price,
        settings=deps.settings,
        detail=detail,
    )


async def quote_booking(deps: BillingDeps, booking_id: int, client_id: int) -> Quote:
    """The itemized price of a held booking, to show before the Pay button."""
    async with deps.db.uow() as uow:
        booking = await load_booking(uow, booking_id)
        if booking is None or booking.client_id != client_id:
            raise NotYourBooking()
        return booking_quote(deps, booking)


def redirect_urls(deps: BillingDeps, purchase_id: int) -> tuple[str, str]:
    """Where Stripe sends the client after paying or cancelling: by default back to the bot."""
    bot = deps.settings.bot_url
    success = deps.settings.checkout_success_url or f"{bot}?start=paid_{{purchase_id}}"
    cancel = deps.settings.checkout_cancel_url or f"{bot}?start=unpaid_{{purchase_id}}"
    return (
        success.replace("{purchase_id}", str(purchase_id)),
        cancel.replace("{purchase_id}", str(purchase_id)),
    )


def checkout_request(
    deps: BillingDeps, purchase: Purchase, lines: list[QuoteLine]
) -> CheckoutRequest:
    """What Stripe is asked for: the lines, the metadata naming our rows, the idempotency key."""
    assert purchase.checkout_expires_at is not None
    success, cancel = redirect_urls(deps, purchase.id)
    metadata = {
        "purchase_id": str(purchase.id),
        "purchase_kind": purchase.kind,
    }
    if purchase.booking_id is not None:
        metadata["booking_id"] = str(purchase.booking_id)
    return CheckoutRequest(
        lines=tuple(CheckoutLine(line.label, line.amount, line.detail or None) for line in lines),
        metadata=metadata,
        client_reference_id=f"purchase-{purchase.id}",
        success_url=success,
        cancel_url=cancel,
        expires_at=purchase.checkout_expires_at,
        idempotency_key=f"checkout-{purchase.idempotency_key}-{purchase.checkout_attempt}",
        transfer_group=f"booking_{purchase.booking_id}" if purchase.booking_id else None,
        locale=stripe_locale(i18n.current()),
    )


# The languages Stripe Checkout's page speaks, by the two-letter code it takes
# (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-locale).
STRIPE_LOCALES = frozenset(
    "bg cs da de el en es et fi fil fr hr hu id it ja ko lt lv ms mt nb nl pl pt ro ru sk sl "
    "sv th tr vi zh".split()
)


def stripe_locale(language: str) -> str:
    """The page's language for a client who reads ``language``; "auto" (their browser's)
    when Stripe does not speak it."""
    return language if language in STRIPE_LOCALES else "auto"


def plan_expiry(purchase: Purchase, wanted: datetime, now: datetime) -> None:
    """Choose the checkout's ``expires_at``, keeping the previous attempt's (and so its
    idempotency key) while Stripe would still accept it."""
    if purchase.checkout_session_id is None and purchase.checkout_expires_at is not None:
        if purchase.checkout_expires_at >= now + STRIPE_MIN_LIFETIME:
            return  # retry of a call that may have reached Stripe: same params, same key
    if purchase.checkout_expires_at is not None:
        purchase.checkout_attempt += 1
        purchase.checkout_session_id = None
        purchase.checkout_url = None
    expires = min(max(wanted, now + CHECKOUT_MIN_LIFETIME), now + CHECKOUT_MAX_LIFETIME)
    purchase.checkout_expires_at = expires.replace(microsecond=0)


def _check_payable(booking: Booking, purchase: Purchase | None, now: datetime) -> None:
    """Refuse a booking that is paid, being paid, or whose hold has run out."""
    if booking.status == BookingStatus.CONFIRMED or (
        purchase is not None and purchase.status == PurchaseStatus.PAID
    ):
        raise AlreadyPaid()
    if purchase is not None and purchase.status == PurchaseStatus.PROCESSING:
        raise PaymentInProgress()
    if booking.status != BookingStatus.HELD or (
        booking.hold_expires_at is not None and booking.hold_expires_at <= now
    ):
        raise HoldExpired()
    if purchase is not None and purchase.status not in (PurchaseStatus.PENDING,):
        raise HoldExpired()


def _open_link(purchase: Purchase | None, quote: Quote, now: datetime) -> Checkout | None:
    """The purchase's checkout, if it is open long enough to hand out again."""
    if (
        purchase is not None
        and purchase.checkout_session_id
        and purchase.checkout_url
        and purchase.checkout_expires_at is not None
        and purchase.checkout_expires_at > now + REUSE_MARGIN
    ):
        return Checkout(
            purchase.id, purchase.checkout_url, purchase.checkout_expires_at, quote, True
        )
    return None


def _booking_purchase(
    deps: BillingDeps, booking: Booking, client_id: int, quote: Quote, now: datetime
) -> Purchase:
    service = quote.service
    return Purchase(
        kind=PurchaseKind.BOOKING.value,
        status=PurchaseStatus.PENDING.value,
        client_id=client_id,
        advisor_id=booking.advisor_id,
        booking_id=booking.id,
        description=quote.lines[0].label[:200],
        currency=quote.currency,
        service_minor=service.amount,
        fee_minor=quote.fee.amount,
        tip_minor=0,
        commission_minor=commission_on(service, deps.settings).amount,
        total_minor=quote.total.amount,
        purchase_key=f"booking:{booking.id}",
        idempotency_key=uuid.uuid4().hex,
        created_at=now,
        updated_at=now,
    )


async def start_checkout(deps: BillingDeps, booking_id: int, client_id: int) -> Checkout:
    """The Stripe Checkout link for a held booking. Pressing Pay again while it is open
    returns the same link; it never makes a second checkout."""
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        booking = await lock_booking(uow, booking_id)
        if booking is None or booking.client_id != client_id:
            raise NotYourBooking()
        quote = booking_quote(deps, booking)
        purchase = await uow.session.scalar(
            select(Purchase).where(Purchase.purchase_key == f"booking:{booking.id}")
        )
        _check_payable(booking, purchase, now)
        reused = _open_link(purchase, quote, now)
        if reused is not None:
            return reused
        if purchase is None:
            purchase = _booking_purchase(deps, booking, client_id, quote, now)
            uow.session.add(purchase)
        hold_until = booking.hold_expires_at or now + timedelta(
            minutes=deps.settings.slot_hold_minutes
        )
        plan_expiry(purchase, hold_until, now)
        assert purchase.checkout_expires_at is not None
        # Keep the slot held for as long as the checkout can be paid, so a payment never
        # arrives for a slot that was given to someone else.
        await scheduling.extend_hold(uow, booking.id, purchase.checkout_expires_at, now)
        purchase.updated_at = now
        await uow.session.flush()
        request = checkout_request(deps, purchase, list(quote.lines))
        purchase_id = purchase.id
        await uow.commit()
    return await open_checkout(deps, purchase_id, request, quote)


async def open_checkout(
    deps: BillingDeps, purchase_id: int, request: CheckoutRequest, quote: Quote
) -> Checkout:
    """Create the Checkout Session at Stripe (outside any transaction) and remember it."""
    checkout = await deps.gateway.create_checkout(request)
    if not checkout.url:
        raise PaymentProviderError(t.CHECKOUT_WITHOUT_LINK())
    async with deps.db.uow() as uow:
        purchase, _ = await lock_purchase(uow, purchase_id)
        assert purchase is not None
        if purchase.status == PurchaseStatus.PENDING and (
            purchase.checkout_session_id in (None, checkout.id)
        ):
            purchase.checkout_session_id = checkout.id
            purchase.checkout_url = checkout.url
            purchase.checkout_expires_at = checkout.expires_at
            purchase.updated_at = deps.clock.now()
            await uow.commit()
    return Checkout(purchase_id, checkout.url, checkout.expires_at, quote)


# -- tips -----------------------------------------------------------------------------------


async def tippable_booking(
    uow: UnitOfWork, booking_id: int, client_id: int, *, lock: bool
) -> Booking:
    """The client's booking, if it may be tipped (it is paid)."""
    if lock:
        booking = await lock_booking(uow, booking_id)
    else:
        booking = await load_booking(uow, booking_id)
    if booking is None or booking.client_id != client_id:
        raise NotYourBooking()
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
        raise TipNotAllowed()
    return booking


async def quote_booking_tip(
    deps: BillingDeps, booking_id: int, client_id: int, amount: Money
) -> Quote:
    """The tip's quote (one line, no fee), after checking the amount and the booking."""
    async with deps.db.uow() as uow:
        booking = await tippable_booking(uow, booking_id, client_id, lock=False)
        return quote_tip(
            advisor_name=booking.advisor.display_name, amount=amount, settings=deps.settings
        )


async def _open_tip(
    uow: UnitOfWork, booking: Booking, client_id: int, amount: Money, now: datetime
) -> Purchase | None:
    """The same tip's checkout, if one is open long enough to hand out again."""
    found: Purchase | None = await uow.session.scalar(
        select(Purchase)
        .where(Purchase.kind == PurchaseKind.TIP.value)
        .where(Purchase.booking_id == booking.id)
        .where(Purchase.client_id == client_id)
        .where(Purchase.status == PurchaseStatus.PENDING.value)
        .where(Purchase.tip_minor == amount.amount)
        .where(Purchase.checkout_session_id.is_not(None))
        .where(Purchase.checkout_expires_at > now + REUSE_MARGIN)
        .order_by(Purchase.id.desc())
        .limit(1)
    )
    return found


def _tip_purchase(
    booking: Booking, client_id: int, amount: Money, quote: Quote, now: datetime
) -> Purchase:
    return Purchase(
        kind=PurchaseKind.TIP.value,
        status=PurchaseStatus.PENDING.value,
        client_id=client_id,
        advisor_id=booking.advisor_id,
        booking_id=booking.id,
        description=quote.lines[0].label[:200],
        currency=amount.currency,
        service_minor=0,
        fee_minor=0,
        tip_minor=amount.amount,
        commission_minor=0,
        total_minor=amount.amount,
        purchase_key=f"tip:{uuid.uuid4().hex}",
        idempotency_key=uuid.uuid4().hex,
        created_at=now,
        updated_at=now,
    )


async def start_tip_checkout(
    deps: BillingDeps, booking_id: int, client_id: int, amount: Money
) -> Checkout:
    """A separate Checkout with the tip line only. The same tip asked again while its
    checkout is open returns the same link."""
    now = deps.clock.now()
    async with deps.db.uow() as uow:
        booking = await tippable_booking(uow, booking_id, client_id, lock=True)
        quote = quote_tip(
            advisor_name=booking.advisor.display_name, amount=amount, settings=deps.settings
        )
        open_tip = await _open_tip(uow, booking, client_id, amount, now)
        if open_tip is not None and open_tip.checkout_url and open_tip.checkout_expires_at:
            return Checkout(
                open_tip.id, open_tip.checkout_url, open_tip.checkout_expires_at, quote, True
            )
        purchase = _tip_purchase(booking, client_id, amount, quote, now)
        uow.session.add(purchase)
        plan_expiry(purchase, now + TIP_CHECKOUT_LIFETIME, now)
        await uow.session.flush()
        request = checkout_request(deps, purchase, list(quote.lines))
        purchase_id = purchase.id
        await uow.commit()
    return await open_checkout(deps, purchase_id, request, quote)
