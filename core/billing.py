"""Billing: fee rules and quotes, Stripe Checkout, webhooks, refunds, tips, payouts.

The rules of DESIGN.md live here and only here:

* every purchase except a tip carries the flat handling fee, shown as its own line and
  never refunded;
* the commission applies to the service price only; an advisor's share is
  service − commission + tips;
* the money-back guarantee returns the service price, from when the session ends (at once
  if the advisor did not show up) until the guarantee window closes;
* the advisor is paid, through Stripe Connect, once that window has passed without a refund.

Adapters call :class:`Billing` (built once by the composition root with the database, the
payment gateway, the settings and the clock). Each state change happens in one unit of work
together with its ledger rows, its receipt and its outbox messages. Calls to Stripe happen
outside database transactions, with idempotency keys derived from the rows that caused them,
so a retry never charges, refunds or pays anyone twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import stripe
from babel import Locale, UnknownLocaleError
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from core import ledger, outbox, scheduling
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork, insert_for
from core.documents import receipt_pdf
from core.errors import (
    ConfigurationError,
    Conflict,
    NotAllowed,
    NotFound,
    PathwiseError,
    ValidationFailed,
)
from core.ledger import TransactionKind
from core.models.accounts import Advisor, Client
from core.models.billing import (
    AdvisorPayoutAccount,
    DisputeStatus,
    Payout,
    PayoutState,
    PayoutStatus,
    Purchase,
    PurchaseKind,
    PurchaseStatus,
    Receipt,
    ReceiptCounter,
    Refund,
    RefundKind,
    RefundStatus,
    StripeEvent,
)
from core.models.bookings import Booking, BookingStatus
from core.models.outbox import Audience
from core.money import Money
from core.names import advisor_facing_name, receipt_name
from core.outbox import DocumentRef
from core.payments_gateway import (
    CheckoutLine,
    CheckoutRequest,
    PaymentDetails,
    PaymentGateway,
    PaymentProviderError,
    PaymentsUnavailable,
    StripeRefund,
)
from core.receipts import (
    CreditNoteData,
    PaymentMethod,
    ReceiptData,
    ReceiptFonts,
    ReceiptLine,
    document_payload,
    format_receipt_number,
    receipt_filename,
)

log = logging.getLogger(__name__)

# Stripe accepts a Checkout Session's expires_at from 30 minutes to 24 hours after creation.
# A new checkout gets 35 minutes at least, so a retry within the next few minutes can send the
# very same request (same expires_at, same idempotency key) and still be accepted.
STRIPE_MIN_LIFETIME = timedelta(minutes=30, seconds=15)
CHECKOUT_MIN_LIFETIME = timedelta(minutes=35)
CHECKOUT_MAX_LIFETIME = timedelta(hours=23, minutes=55)
TIP_CHECKOUT_LIFETIME = timedelta(hours=1)
# The card brand and last four for the receipt are worth this long of a webhook's time, no more
# (Stripe gives a webhook about 10 seconds before it counts it as failed).
PAYMENT_LOOKUP_TIMEOUT = 3.0
# An open checkout is handed out again only if the client has at least this long to pay.
REUSE_MARGIN = timedelta(minutes=2)

FEE_LABEL = "Handling fee (non-refundable)"

# The events to enable on the Stripe webhook endpoint; any other type is answered 200 and logged.
WEBHOOK_EVENT_TYPES = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "refund.created",
    "refund.updated",
    "refund.failed",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
    "account.updated",
)

# Why a refund was made: the wording of its messages follows it.
REASON_GUARANTEE = "Money-back guarantee"
REASON_CANCELLED = "Booking cancelled"
REASON_NO_SHOW = "Advisor did not attend"
REASON_EXTERNAL = "refunded outside Pathwise"

# Row ids in Stripe metadata: plain ASCII digits, within the database's integer range.
MAX_ROW_ID = 2**31 - 1
# Events about a payment: where its PaymentIntent may be named and its purchase looked up.
_PAYMENT_EVENTS = frozenset(
    {
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    }
)
_DISPUTE_CLOSED = frozenset({"won", "lost", "warning_closed", "prevented"})


# -- errors a user can meet -----------------------------------------------------------------


class InvalidTip(ValidationFailed):
    """A tip amount that is not a number or outside the allowed range."""

    user_message = "Please send a number, like 5."


class HoldExpired(Conflict):
    user_message = "Your hold on this time ran out. Please pick a time again."


class AlreadyPaid(Conflict):
    user_message = "This booking is already paid. See your receipt in this chat."


class PaymentInProgress(Conflict):
    user_message = (
        "Your bank is still confirming this payment. We'll message you as soon as it's through."
    )


class NotYourBooking(NotAllowed):
    user_message = "We couldn't find that booking among yours."


class RefundRefused(NotAllowed):
    """Base of every reason a refund is refused; the message says which."""

    user_message = "This booking can't be refunded."


class AlreadyRefunded(RefundRefused):
    user_message = "This booking has already been refunded."


class RefundNotYetAvailable(RefundRefused):
    user_message = "You can ask for a refund once your session has ended."


class RefundWindowClosed(RefundRefused):
    user_message = "The money-back window for this session has closed."


class NothingToRefund(RefundRefused):
    user_message = "This booking wasn't paid, so there is nothing to refund."


class PaymentUnderReview(RefundRefused):
    user_message = (
        "This payment is under review with your bank, so it can't be refunded here. "
        "Our team will be in touch."
    )


class TipNotAllowed(Conflict):
    user_message = "You can leave a tip once you have a paid session with this advisor."


# -- fee rules and quotes (pure) ------------------------------------------------------------


class LineKind(StrEnum):
    SERVICE = "service"
    FEE = "fee"
    TIP = "tip"


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line of a quote, a checkout, a receipt."""

    kind: LineKind
    label: str
    amount: Money
    refundable: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """An itemized price, shown before paying: the lines and their total."""

    lines: tuple[QuoteLine, ...]
    currency: str

    def _sum(self, kind: LineKind | None = None) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            if kind is None or line.kind is kind:
                total = total + line.amount
        return total

    @property
    def total(self) -> Money:
        return self._sum()

    @property
    def service(self) -> Money:
        return self._sum(LineKind.SERVICE)

    @property
    def fee(self) -> Money:
        return self._sum(LineKind.FEE)

    @property
    def tip(self) -> Money:
        return self._sum(LineKind.TIP)

    def describe(self, locale: str = "en_US") -> str:
        """The quote in plain words, one line each, then the total."""
        rows = []
        for line in self.lines:
            detail = f" — {line.detail}" if line.detail else ""
            rows.append(f"{line.label}{detail}: {line.amount.format(locale)}")
        rows.append(f"Total: {self.total.format(locale)}")
        return "\n".join(rows)


def handling_fee(settings: Settings) -> Money:
    """The flat fee on every purchase except a tip."""
    return Money(settings.handling_fee_minor, settings.currency)


def commission_on(service: Money, settings: Settings) -> Money:
    """The platform's commission: a share of the service price only (never of fee or tip)."""
    return service.percent(settings.commission_percent)


def advisor_share(service: Money, commission: Money, tips: Money) -> Money:
    """What an advisor earns: service price − commission + tips."""
    return service - commission + tips


def _check_currency(amount: Money, settings: Settings) -> None:
    if amount.currency != settings.currency:
        raise ConfigurationError(
            f"Prices must be in {settings.currency} (PATHWISE_CURRENCY); got {amount.currency}."
        )


def quote_service(
    *, offer_name: str, advisor_name: str, price: Money, settings: Settings, detail: str = ""
) -> Quote:
    """A session's quote: the service line, the handling-fee line, the total."""
    _check_currency(price, settings)
    lines = [
        QuoteLine(LineKind.SERVICE, f"{offer_name} with {advisor_name}", price, True, detail),
    ]
    fee = handling_fee(settings)
    if fee:
        lines.append(QuoteLine(LineKind.FEE, FEE_LABEL, fee, False))
    return Quote(tuple(lines), price.currency)


def quote_tip(*, advisor_name: str, amount: Money, settings: Settings) -> Quote:
    """A tip's quote: the tip line alone. No fee, and all of it goes to the advisor."""
    _check_tip_range(amount, settings)
    return Quote(
        (QuoteLine(LineKind.TIP, f"Tip for {advisor_name}", amount, False),), amount.currency
    )


def tip_presets(settings: Settings) -> list[Money]:
    """The tip amounts offered as buttons."""
    return [
        Money(minor, settings.currency)
        for minor in settings.tip_presets_minor
        if settings.tip_min_minor <= minor <= settings.tip_max_minor
    ]


def parse_tip(text: str, settings: Settings) -> Money:
    """A tip amount a client typed ("5", "7.50", "$10"); InvalidTip says what to send instead."""
    try:
        amount = Money.parse(text, settings.currency)
    except ValueError:
        raise InvalidTip() from None
    _check_tip_range(amount, settings)
    return amount


def _check_tip_range(amount: Money, settings: Settings) -> None:
    _check_currency(amount, settings)
    smallest = Money(settings.tip_min_minor, settings.currency)
    largest = Money(settings.tip_max_minor, settings.currency)
    locale = settings.locale
    if amount < smallest:
        raise InvalidTip(
            f"The smallest tip is {smallest.format(locale)}. "
            f"Please send {smallest.format(locale)} or more."
        )
    if amount > largest:
        raise InvalidTip(
            f"The largest tip is {largest.format(locale)}. "
            f"Please send {largest.format(locale)} or less."
        )


def purchase_lines(purchase: Purchase, detail: str = "") -> list[QuoteLine]:
    """A purchase's lines, from the amounts frozen on it when it was quoted."""
    lines = []
    if purchase.service_minor:
        lines.append(
            QuoteLine(LineKind.SERVICE, purchase.description, purchase.service, True, detail)
        )
    if purchase.fee_minor:
        lines.append(QuoteLine(LineKind.FEE, FEE_LABEL, purchase.fee, False))
    if purchase.tip_minor:
        lines.append(QuoteLine(LineKind.TIP, purchase.description, purchase.tip, False))
    return lines


# -- what the service hands back ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkout:
    """A Stripe Checkout page for a purchase: the link to give the client."""

    purchase_id: int
    url: str
    expires_at: datetime
    quote: Quote
    reused: bool = False


class WebhookResult(NamedTuple):
    """The answer for Stripe: 200 when handled (or safely ignored), 400 when rejected."""

    status: int
    message: str


@dataclass(frozen=True, slots=True)
class RefundPreview:
    """What a refund would return and what it would not, shown before the client confirms."""

    booking_id: int
    purchase_id: int
    refunded: tuple[QuoteLine, ...]
    kept: tuple[QuoteLine, ...]
    untouched_tips: tuple[QuoteLine, ...]
    window_closes_at: datetime

    @property
    def amount(self) -> Money:
        total = Money.zero(self.refunded[0].amount.currency)
        for line in self.refunded:
            total = total + line.amount
        return total

    def describe(self, locale: str = "en_US", timezone: str = "UTC") -> str:
        rows = ["You get back:"]
        rows += [f"  {line.label}: {line.amount.format(locale)}" for line in self.refunded]
        rows.append(f"  Total refund: {self.amount.format(locale)}")
        if self.kept:
            rows.append("Not refunded:")
            rows += [f"  {line.label}: {line.amount.format(locale)}" for line in self.kept]
        if self.untouched_tips:
            rows.append("Your tips are not affected:")
            rows += [
                f"  {line.label}: {line.amount.format(locale)}" for line in self.untouched_tips
            ]
        rows.append(f"You can ask until {_local(self.window_closes_at, timezone)}.")
        return "\n".join(rows)


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    refund_id: int
    amount: Money
    credit_note_number: str | None


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    """A stored receipt or credit note, ready to send."""

    id: int
    number: str
    filename: str
    pdf: bytes


@dataclass(frozen=True, slots=True)
class AdvisorEarnings:
    """An advisor's money: held (guarantee window open), waiting for payout set-up, paid."""

    held: Money
    ready: Money
    paid_out: Money
    payouts_enabled: bool


@dataclass
class PayoutRun:
    """What one pass of :func:`release_due_payouts` did."""

    paid: list[int] = field(default_factory=list)  # payout ids transferred
    failed: list[int] = field(default_factory=list)  # refused by Stripe, admin alerted
    retry_later: list[int] = field(default_factory=list)  # Stripe unavailable
    waiting_for_onboarding: set[int] = field(default_factory=set)  # advisor ids
    no_show_refunds: list[int] = field(default_factory=list)  # booking ids refunded
    reversed: list[int] = field(default_factory=list)  # payout ids reversed (lost disputes)


# -- small helpers --------------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime, timezone: str | None) -> str:
    """A moment in a person's time zone, e.g. ``Mon 23 Nov 2026, 14:00 (Europe/Madrid)``."""
    zone = _zone(timezone)
    return f"{moment.astimezone(zone):%a %d %b %Y, %H:%M} ({zone.key})"


async def _serialize_writers(uow: UnitOfWork) -> None:
    """On SQLite, take the database's write lock now, as ``BEGIN IMMEDIATE`` would.

    SQLite has no row locks and its Python driver runs reads outside any transaction until
    the first write, so two workers could both read "pending" and both act. A no-op write
    first makes the transaction a writer at once: a second worker waits here (busy timeout)
    until the first commits, then reads what it committed. PostgreSQL uses row locks instead.
    """
    if uow.session.get_bind().dialect.name == "sqlite":
        await uow.session.execute(
            update(ReceiptCounter)
            .where(ReceiptCounter.year == -1)
            .values(last_sequence=ReceiptCounter.last_sequence)
            .execution_options(synchronize_session=False)
        )


async def _claim(uow: UnitOfWork, model: Any, row_id: Any, column: str, expected: Any) -> bool:
    """Move one row out of an expected state, atomically: ``UPDATE ... WHERE id = :id AND
    <column> IN (:expected)``. Only one of two racing workers gets True.

    On PostgreSQL the row locks taken before make this a formality. On SQLite, which has no
    row locks and whose driver reads outside transactions, it is what keeps two handlers of
    the same refund or payment from both acting: the UPDATE waits for the write lock and then
    sees the other's committed change.
    """
    values = expected if isinstance(expected, list | tuple | set) else [expected]
    result = await uow.session.execute(
        update(model)
        .where(model.id == row_id)
        .where(getattr(model, column).in_([str(v) for v in values]))
        .values({column: getattr(model, column)})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def _lock_booking(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """The booking, row-locked, with its offer, advisor and client loaded."""
    await _serialize_writers(uow)
    return await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            selectinload(Booking.offer), selectinload(Booking.advisor), selectinload(Booking.client)
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _lock_purchase(
    uow: UnitOfWork, purchase_id: int
) -> tuple[Purchase | None, Booking | None]:
    """A purchase and its booking, row-locked in the one order every path uses: booking first,
    then purchase, so two workers never wait on each other in a circle."""
    # A purchase's booking is set when it is made and never changes: safe to read unlocked.
    booking_id = await uow.session.scalar(
        select(Purchase.booking_id).where(Purchase.id == purchase_id)
    )
    booking = None
    if booking_id is not None:
        booking = await _lock_booking(uow, booking_id)  # serializes writers first
    else:
        await _serialize_writers(uow)
    purchase = await uow.session.scalar(
        select(Purchase)
        .where(Purchase.id == purchase_id)
        .options(selectinload(Purchase.refunds))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return purchase, booking


def _service_end(booking: Booking | None, purchase: Purchase) -> datetime:
    """When the service bought ends: the session's end, or a messaging package's last day."""
    if booking is not None and booking.ends_at is not None:
        return booking.ends_at
    start = purchase.paid_at or purchase.created_at
    days = booking.offer.days if booking is not None and booking.offer is not None else None
    return start + timedelta(days=days or 0)


def guarantee_window(
    booking: Booking | None, purchase: Purchase, settings: Settings
) -> tuple[datetime, datetime]:
    """(opens, closes) of the money-back guarantee for a booking's purchase.

    It opens when the session ends, or at once when the advisor did not show up, and closes
    ``guarantee_window_hours`` after the later of the two.
    """
    end = _service_end(booking, purchase)
    opens = end
    if purchase.advisor_no_show_at is not None:
        opens = min(opens, purchase.advisor_no_show_at)
        end = max(end, purchase.advisor_no_show_at)
    return opens, end + timedelta(hours=settings.guarantee_window_hours)


def _metadata(obj: dict[str, Any]) -> dict[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def _object_id(value: Any) -> str | None:
    """An id from a field Stripe sends either as an id or as an expanded object; anything
    else there (a number, a list) makes the event malformed."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 255:
        raise MalformedEvent("an id field is not a string")
    return value


def parse_row_id(value: Any) -> int | None:
    """A row id Pathwise wrote into Stripe metadata: None when absent; MalformedEvent when
    present but not plain ASCII digits within range (" 7", "²", 23 digits, an object)."""
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or len(value) > len(str(MAX_ROW_ID))
    ):
        raise MalformedEvent("a metadata id is not a plain number")
    number = int(value)
    if not 1 <= number <= MAX_ROW_ID:
        raise MalformedEvent("a metadata id is out of range")
    return number


class MalformedEvent(Exception):
    """A signed event whose body is not what Stripe sends: answered 400, never applied."""


class RetryLater(Exception):
    """An event about a payment Pathwise cannot place yet (its checkout has not completed
    here): answered non-2xx so Stripe sends it again, never acknowledged and dropped."""


def _precheck(event_type: str, obj: dict[str, Any]) -> None:
    """Refuse, before any call to Stripe, an object whose ids or amounts are not what Stripe
    sends (MalformedEvent); the handlers check the rest."""
    metadata = _metadata(obj)
    for name in ("purchase_id", "refund_id", "booking_id"):
        parse_row_id(metadata.get(name))
    if "metadata" in obj and obj["metadata"] is not None and not isinstance(obj["metadata"], dict):
        raise MalformedEvent("metadata is not an object")
    _object_id(obj.get("id"))
    _object_id(obj.get("payment_intent"))
    if event_type.startswith(("refund.", "charge.dispute.")):
        amount = obj.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise MalformedEvent(f"a {obj.get('object')} without a positive amount")


def _parse_event(raw_body: bytes) -> tuple[str, str, dict[str, Any]] | WebhookResult:
    """(id, type, data.object) of a signed body, or the 400 answer for one that is not an
    event as Stripe sends it."""
    try:
        event = json.loads(raw_body)
    except ValueError:
        log.warning("Stripe webhook rejected: the signed body is not JSON")
        return WebhookResult(400, "invalid payload")
    if not isinstance(event, dict):
        log.warning("Stripe webhook rejected: the signed body is not an event object")
        return WebhookResult(400, "invalid payload")
    event_id = event.get("id")
    shown = repr(event_id)[:80]
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 255 or not event_id.isascii():
        log.warning("Stripe event %s rejected: no usable event id", shown)
        return WebhookResult(400, "invalid payload")
    event_type = event.get("type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 80:
        log.warning("Stripe event %s rejected: no event type", shown)
        return WebhookResult(400, "invalid payload")
    if not isinstance(obj, dict):
        log.warning(
            "Stripe event %s (%s) rejected: data.object is not an object", shown, event_type[:80]
        )
        return WebhookResult(400, "invalid payload")
    return event_id, event_type, obj


# -- receipts -------------------------------------------------------------------------------


async def allocate_number(uow: UnitOfWork, kind: str, year: int) -> int:
    """The next receipt or credit-note number of ``year``, inside the caller's transaction.

    One upsert bumps the (kind, year) counter and returns it; the counter row stays locked
    until the transaction ends, and a rollback gives the number back, so numbers have no
    gaps and are never given twice.
    """
    insert = insert_for(uow)
    statement = (
        insert(ReceiptCounter)
        .values(kind=kind, year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=["kind", "year"],
            set_={"last_sequence": ReceiptCounter.last_sequence + 1},
        )
        .returning(ReceiptCounter.last_sequence)
    )
    return int((await uow.session.execute(statement)).scalar_one())


def _receipt_lines(lines: list[QuoteLine]) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            description=line.label,
            amount=line.amount,
            kind=line.kind.value,
            refundable=line.refundable,
            detail=line.detail,
        )
        for line in lines
    ]


# -- the service ----------------------------------------------------------------------------


Handler = Callable[[UnitOfWork, dict[str, Any], datetime, "Prefetched"], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What a webhook handler needed from Stripe, fetched before the transaction opened."""

    payment: PaymentDetails = field(default_factory=PaymentDetails)
    # A charge's refunds, listed through the API (webhook payloads carry none).
    refunds: tuple[StripeRefund, ...] | None = None
    # The metadata of a PaymentIntent this database cannot yet tie to a purchase.
    intent_metadata: dict[str, str] = field(default_factory=dict)


class Billing:
    """Billing's public face: what dialogs, adapters and the tick call."""

    def __init__(
        self,
        db: Database,
        gateway: PaymentGateway,
        settings: Settings,
        clock: Clock,
        *,
        fonts: ReceiptFonts | None = None,
    ) -> None:
        self.db = db
        self.gateway = gateway
        self.settings = settings
        self.clock = clock
        self.fonts = fonts
        self.rules = scheduling.SchedulingRules.from_settings(settings)
        self._handlers: dict[str, Handler] = {
            "checkout.session.completed": self._on_checkout_completed,
            "checkout.session.async_payment_succeeded": self._on_async_payment_succeeded,
            "checkout.session.async_payment_failed": self._on_async_payment_failed,
            "checkout.session.expired": self._on_checkout_expired,
            "charge.refunded": self._on_charge_refunded,
            "refund.created": self._on_refund_event,
            "refund.updated": self._on_refund_event,
            "refund.failed": self._on_refund_event,
            "charge.dispute.created": self._on_dispute_event,
            "charge.dispute.funds_withdrawn": self._on_dispute_event,
            "charge.dispute.funds_reinstated": self._on_dispute_event,
            "charge.dispute.closed": self._on_dispute_event,
            "account.updated": self._on_account_updated,
        }
        assert tuple(self._handlers) == WEBHOOK_EVENT_TYPES

    # -- quotes and checkout ----------------------------------------------------------------

    def _booking_quote(self, booking: Booking) -> Quote:
        client_zone = booking.client.timezone if booking.client is not None else "UTC"
        detail = _local(booking.starts_at, client_zone) if booking.starts_at else ""
        return quote_service(
            offer_name=booking.offer.name,
            advisor_name=booking.advisor.display_name,
            price=booking.price,
            settings=self.settings,
            detail=detail,
        )

    async def quote_booking(self, booking_id: int, client_id: int) -> Quote:
        """The itemized price of a held booking, to show before the Pay button."""
        async with self.db.uow() as uow:
            booking = await uow.session.scalar(
                select(Booking)
                .where(Booking.id == booking_id)
                .options(
                    selectinload(Booking.offer),
                    selectinload(Booking.advisor),
                    selectinload(Booking.client),
                )
            )
            if booking is None or booking.client_id != client_id:
                raise NotYourBooking()
            return self._booking_quote(booking)

    def _redirect_urls(self, purchase_id: int) -> tuple[str, str]:
        """Where Stripe sends the client after paying or cancelling: by default back to the bot."""
        bot = f"https://t.me/{self.settings.telegram_bot_username}"
        success = self.settings.checkout_success_url or f"{bot}?start=paid_{{purchase_id}}"
        cancel = self.settings.checkout_cancel_url or f"{bot}?start=unpaid_{{purchase_id}}"
        return (
            success.replace("{purchase_id}", str(purchase_id)),
            cancel.replace("{purchase_id}", str(purchase_id)),
        )

    def _checkout_request(self, purchase: Purchase, lines: list[QuoteLine]) -> CheckoutRequest:
        assert purchase.checkout_expires_at is not None
        success, cancel = self._redirect_urls(purchase.id)
        metadata = {
            "purchase_id": str(purchase.id),
            "purchase_kind": purchase.kind,
        }
        if purchase.booking_id is not None:
            metadata["booking_id"] = str(purchase.booking_id)
        return CheckoutRequest(
            lines=tuple(
                CheckoutLine(line.label, line.amount, line.detail or None) for line in lines
            ),
            metadata=metadata,
            client_reference_id=f"purchase-{purchase.id}",
            success_url=success,
            cancel_url=cancel,
            expires_at=purchase.checkout_expires_at,
            idempotency_key=f"checkout-{purchase.idempotency_key}-{purchase.checkout_attempt}",
            transfer_group=f"booking_{purchase.booking_id}" if purchase.booking_id else None,
        )

    def _plan_expiry(self, purchase: Purchase, wanted: datetime, now: datetime) -> None:
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

    async def start_checkout(self, booking_id: int, client_id: int) -> Checkout:
        """The Stripe Checkout link for a held booking. Pressing Pay again while it is open
        returns the same link; it never makes a second checkout."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            booking = await _lock_booking(uow, booking_id)
            if booking is None or booking.client_id != client_id:
                raise NotYourBooking()
            quote = self._booking_quote(booking)
            purchase = await uow.session.scalar(
                select(Purchase).where(Purchase.purchase_key == f"booking:{booking.id}")
            )
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
            if purchase is None:
                service = quote.service
                purchase = Purchase(
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
                    commission_minor=commission_on(service, self.settings).amount,
                    total_minor=quote.total.amount,
                    purchase_key=f"booking:{booking.id}",
                    idempotency_key=uuid.uuid4().hex,
                    created_at=now,
                    updated_at=now,
                )
                uow.session.add(purchase)
            hold_until = booking.hold_expires_at or now + timedelta(
                minutes=self.settings.slot_hold_minutes
            )
            self._plan_expiry(purchase, hold_until, now)
            assert purchase.checkout_expires_at is not None
            # Keep the slot held for as long as the checkout can be paid, so a payment never
            # arrives for a slot that was given to someone else.
            await scheduling.extend_hold(uow, booking.id, purchase.checkout_expires_at, now)
            purchase.updated_at = now
            await uow.session.flush()
            request = self._checkout_request(purchase, list(quote.lines))
            purchase_id = purchase.id
            await uow.commit()
        return await self._open_checkout(purchase_id, request, quote)

    async def _open_checkout(
        self, purchase_id: int, request: CheckoutRequest, quote: Quote
    ) -> Checkout:
        """Create the session at Stripe (outside any transaction) and remember it."""
        session = await self.gateway.create_checkout(request)
        if not session.url:
            raise PaymentProviderError("Stripe made a checkout without a link.")
        async with self.db.uow() as uow:
            purchase, _ = await _lock_purchase(uow, purchase_id)
            assert purchase is not None
            if purchase.status == PurchaseStatus.PENDING and (
                purchase.checkout_session_id in (None, session.id)
            ):
                purchase.checkout_session_id = session.id
                purchase.checkout_url = session.url
                purchase.checkout_expires_at = session.expires_at
                purchase.updated_at = self.clock.now()
                await uow.commit()
        return Checkout(purchase_id, session.url, session.expires_at, quote)

    # -- tips -------------------------------------------------------------------------------

    def tip_options(self) -> list[Money]:
        """The preset tip amounts (a custom amount is also accepted; see :func:`parse_tip`)."""
        return tip_presets(self.settings)

    async def quote_tip(self, booking_id: int, client_id: int, amount: Money) -> Quote:
        """The tip's quote (one line, no fee), after checking the amount and the booking."""
        async with self.db.uow() as uow:
            booking = await self._tippable_booking(uow, booking_id, client_id, lock=False)
            return quote_tip(
                advisor_name=booking.advisor.display_name, amount=amount, settings=self.settings
            )

    async def _tippable_booking(
        self, uow: UnitOfWork, booking_id: int, client_id: int, *, lock: bool
    ) -> Booking:
        if lock:
            booking = await _lock_booking(uow, booking_id)
        else:
            booking = await uow.session.scalar(
                select(Booking)
                .where(Booking.id == booking_id)
                .options(
                    selectinload(Booking.offer),
                    selectinload(Booking.advisor),
                    selectinload(Booking.client),
                )
            )
        if booking is None or booking.client_id != client_id:
            raise NotYourBooking()
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
            raise TipNotAllowed()
        return booking

    async def start_tip_checkout(self, booking_id: int, client_id: int, amount: Money) -> Checkout:
        """A separate Checkout with the tip line only. The same tip asked again while its
        checkout is open returns the same link."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            booking = await self._tippable_booking(uow, booking_id, client_id, lock=True)
            quote = quote_tip(
                advisor_name=booking.advisor.display_name, amount=amount, settings=self.settings
            )
            open_tip = await uow.session.scalar(
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
            if open_tip is not None and open_tip.checkout_url and open_tip.checkout_expires_at:
                return Checkout(
                    open_tip.id, open_tip.checkout_url, open_tip.checkout_expires_at, quote, True
                )
            purchase = Purchase(
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
            uow.session.add(purchase)
            self._plan_expiry(purchase, now + TIP_CHECKOUT_LIFETIME, now)
            await uow.session.flush()
            request = self._checkout_request(purchase, list(quote.lines))
            purchase_id = purchase.id
            await uow.commit()
        return await self._open_checkout(purchase_id, request, quote)

    # -- webhooks ---------------------------------------------------------------------------

    async def handle_webhook(self, raw_body: bytes, signature_header: str) -> WebhookResult:
        """Verify, record once and apply one Stripe event. The web adapter answers Stripe with
        the returned status; an exception (database down) should become a 500 so Stripe retries.

        A duplicate is recognised before any call to Stripe. A signed body that is not a
        well-formed event is answered 400 (with a log line naming the event id). An event about
        a payment whose checkout has not completed here yet is answered 409 and not recorded,
        so Stripe delivers it again later.
        """
        problem = self._verify_signature(raw_body, signature_header)
        if problem is not None:
            return problem
        parsed = _parse_event(raw_body)
        if isinstance(parsed, WebhookResult):
            return parsed
        event_id, event_type, obj = parsed
        handler = self._handlers.get(event_type)
        try:
            async with self.db.uow() as uow:
                if await uow.session.get(StripeEvent, event_id) is not None:
                    log.info("Stripe event %s (%s) seen before; ignored", event_id, event_type)
                    return WebhookResult(200, "duplicate event: already processed")
                known_intent = await self._intent_is_known(uow, event_type, obj)
            _precheck(event_type, obj)
            prefetched = await self._prefetch(event_type, obj, known_intent)
            now = self.clock.now()
            async with self.db.uow() as uow:
                first_time = await self._record_event(uow, event_id, event_type, now)
                if not first_time:
                    log.info("Stripe event %s (%s) seen before; ignored", event_id, event_type)
                    return WebhookResult(200, "duplicate event: already processed")
                if handler is None:
                    log.info("Stripe event %s of unhandled type %s", event_id, event_type)
                    outcome = f"ignored: unhandled event type {event_type}"
                else:
                    outcome = await handler(uow, obj, now, prefetched)
                await uow.session.execute(
                    update(StripeEvent)
                    .where(StripeEvent.id == event_id)
                    .values(outcome=outcome[:80])
                )
                await uow.commit()
        except MalformedEvent as error:
            log.warning("Stripe event %s (%s) rejected: %s", event_id, event_type, error)
            return WebhookResult(400, f"invalid event: {error}")
        except RetryLater as error:
            log.info("Stripe event %s (%s) not applied yet: %s", event_id, event_type, error)
            return WebhookResult(409, f"retry later: {error}")
        # A receipt numbered here is rendered by whoever reads it first (the outbox delivery
        # sending it, the client asking for it, the sessions tick), never while Stripe waits.
        log.info("Stripe event %s (%s): %s", event_id, event_type, outcome)
        return WebhookResult(200, outcome)

    def _verify_signature(self, raw_body: bytes, signature_header: str) -> WebhookResult | None:
        """None if Stripe signed ``raw_body`` with one of our endpoints' secrets: the platform
        endpoint's, or the connected-accounts endpoint's (advisors' ``account.updated``)."""
        secrets = [self.settings.require("stripe_webhook_secret")]
        if self.settings.stripe_connect_webhook_secret is not None:
            secrets.append(self.settings.stripe_connect_webhook_secret.get_secret_value())
        for secret in secrets:
            # The signature only: the SDK's construct_event also parses the body and fails
            # with an AttributeError on a signed JSON list; _parse_event judges the body.
            try:
                stripe.WebhookSignature.verify_header(
                    raw_body.decode("utf-8", errors="replace"),
                    signature_header,
                    secret,
                    stripe.Webhook.DEFAULT_TOLERANCE,
                )
            except stripe.SignatureVerificationError:
                continue
            return None
        log.warning("Stripe webhook with a bad or stale signature rejected")
        return WebhookResult(400, "invalid signature")

    async def _record_event(
        self, uow: UnitOfWork, event_id: str, event_type: str, now: datetime
    ) -> bool:
        """Insert the event id; False if it is there already. A concurrent worker handling the
        same id waits here until the first commits, then sees it."""
        statement = (
            insert_for(uow)(StripeEvent)
            .values(id=event_id, type=event_type[:80], outcome="processing", received_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(StripeEvent.id)
        )
        return (await uow.session.execute(statement)).scalar_one_or_none() is not None

    async def _intent_is_known(
        self, uow: UnitOfWork, event_type: str, obj: dict[str, Any]
    ) -> bool:
        """Whether an event about a payment names a PaymentIntent this database knows."""
        if event_type not in _PAYMENT_EVENTS:
            return True
        intent = _object_id(obj.get("payment_intent"))
        if intent is None:
            return False
        found = await uow.session.scalar(
            select(Purchase.id).where(Purchase.payment_intent_id == intent)
        )
        return found is not None

    async def _prefetch(
        self, event_type: str, obj: dict[str, Any], known_intent: bool
    ) -> Prefetched:
        """What a handler needs from Stripe, asked before the transaction opens: the card for
        the receipt (best effort); a charge's refunds; the purchase id on a PaymentIntent
        this database cannot place yet. Stripe being unreachable for the last two answers
        the event non-2xx, so Stripe sends it again."""
        refunds: tuple[StripeRefund, ...] | None = None
        intent_metadata: dict[str, str] = {}
        try:
            if event_type == "charge.refunded" and not isinstance(obj.get("refunds"), dict):
                charge_id = _object_id(obj.get("id"))
                if charge_id is None:
                    raise MalformedEvent("a charge without an id")
                refunds = tuple(await self.gateway.list_refunds(charge_id))
            if (
                event_type in _PAYMENT_EVENTS
                and not known_intent
                and _metadata(obj).get("purchase_id") is None
            ):
                intent = _object_id(obj.get("payment_intent"))
                if intent is not None:
                    try:
                        intent_metadata = await self.gateway.payment_metadata(intent)
                    except PaymentProviderError:
                        intent_metadata = {}  # Stripe doesn't know it either: not ours
        except PaymentsUnavailable as error:
            raise RetryLater(f"Stripe could not be asked ({type(error).__name__})") from None
        except PaymentProviderError as error:
            raise RetryLater(f"Stripe refused a lookup ({type(error).__name__})") from None
        if (
            event_type
            not in (
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
            )
            or obj.get("payment_status") != "paid"
        ):
            return Prefetched(refunds=refunds, intent_metadata=intent_metadata)
        intent = _object_id(obj.get("payment_intent"))
        if not intent:
            return Prefetched()
        try:
            details = await asyncio.wait_for(
                self.gateway.payment_details(intent), PAYMENT_LOOKUP_TIMEOUT
            )
        except (PathwiseError, TimeoutError) as error:
            # The receipt then says "Online payment"; the payment itself is not held up.
            log.warning(
                "payment method lookup failed (%s); receipt shows none", type(error).__name__
            )
            return Prefetched()
        return Prefetched(payment=details)

    async def _purchase_of_session(
        self, uow: UnitOfWork, session: dict[str, Any]
    ) -> tuple[Purchase | None, Booking | None]:
        purchase_id = parse_row_id(_metadata(session).get("purchase_id"))
        if purchase_id is None:
            reference = session.get("client_reference_id")
            if isinstance(reference, str) and reference.startswith("purchase-"):
                purchase_id = parse_row_id(reference.removeprefix("purchase-"))
        session_id = _object_id(session.get("id"))
        if purchase_id is None and session_id:
            purchase_id = await uow.session.scalar(
                select(Purchase.id).where(Purchase.checkout_session_id == session_id)
            )
        if purchase_id is None:
            return None, None
        return await _lock_purchase(uow, purchase_id)

    async def _on_checkout_completed(
        self, uow: UnitOfWork, session: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        purchase, booking = await self._purchase_of_session(uow, session)
        if purchase is None:
            log.warning("checkout %s names no purchase of ours", session.get("id"))
            return "ignored: unknown purchase"
        status = session.get("payment_status")
        if status == "paid":
            return await self._payment_received(uow, purchase, booking, session, now, pre)
        if status == "unpaid" and purchase.status == PurchaseStatus.PENDING:
            # A delayed payment method (bank debit): wait for async_payment_succeeded/_failed.
            purchase.status = PurchaseStatus.PROCESSING.value
            purchase.payment_intent_id = _object_id(session.get("payment_intent"))
            purchase.updated_at = now
            if purchase.client_id is not None:
                await outbox.enqueue(
                    uow,
                    audience=Audience.CLIENT,
                    kind="payment_processing",
                    client_id=purchase.client_id,
                    text=(
                        "Thanks! Your bank is confirming the payment. We'll message you here "
                        "as soon as it's through."
                    ),
                    dedupe_key=f"payment_processing:{purchase.id}",
                    now=now,
                )
            return "payment processing"
        return f"ignored: purchase is {purchase.status}, payment {status}"

    async def _on_async_payment_succeeded(
        self, uow: UnitOfWork, session: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        purchase, booking = await self._purchase_of_session(uow, session)
        if purchase is None:
            return "ignored: unknown purchase"
        return await self._payment_received(uow, purchase, booking, session, now, pre)

    async def _on_async_payment_failed(
        self, uow: UnitOfWork, session: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        purchase, booking = await self._purchase_of_session(uow, session)
        if purchase is None:
            return "ignored: unknown purchase"
        if purchase.status not in (PurchaseStatus.PENDING, PurchaseStatus.PROCESSING):
            return f"ignored: purchase is {purchase.status}"
        purchase.status = PurchaseStatus.FAILED.value
        if purchase.payment_intent_id is None:  # failed before its completed event came
            purchase.payment_intent_id = _object_id(session.get("payment_intent"))
        purchase.updated_at = now
        await self._release_hold(uow, booking, purchase, now)
        if purchase.client_id is not None:
            text = "Your bank didn't confirm the payment, so nothing was charged."
            if purchase.kind == PurchaseKind.BOOKING:
                text += " The time you picked is free again; you're welcome to book anew."
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="payment_failed",
                client_id=purchase.client_id,
                text=text,
                dedupe_key=f"payment_failed:{purchase.id}",
                now=now,
            )
        return "payment failed"

    async def _on_checkout_expired(
        self, uow: UnitOfWork, session: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        purchase, booking = await self._purchase_of_session(uow, session)
        if purchase is None:
            return "ignored: unknown purchase"
        if purchase.status != PurchaseStatus.PENDING:
            return f"ignored: purchase is {purchase.status}"
        if purchase.checkout_session_id not in (None, session.get("id")):
            return "ignored: an older checkout of this purchase"
        purchase.status = PurchaseStatus.EXPIRED.value
        purchase.updated_at = now
        await self._release_hold(uow, booking, purchase, now)
        return "checkout expired; hold released"

    async def _release_hold(
        self, uow: UnitOfWork, booking: Booking | None, purchase: Purchase, now: datetime
    ) -> None:
        """Give a held slot back when its checkout can no longer be paid."""
        if (
            purchase.kind == PurchaseKind.BOOKING
            and booking is not None
            and booking.status == BookingStatus.HELD
        ):
            await scheduling.release_hold(uow, booking.id, now)

    async def _payment_received(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        session: dict[str, Any],
        now: datetime,
        pre: Prefetched,
    ) -> str:
        """Paid: booking confirmed, ledger, receipt and messages, all in this transaction."""
        # Taken now, while the locked booking still holds them (no query); kept for the receipt
        # and the messages.
        people = await self._people(uow, purchase)
        intent = _object_id(session.get("payment_intent"))
        amount = session.get("amount_total")
        currency = str(session.get("currency") or "").upper()
        if purchase.status == PurchaseStatus.PAID:
            if intent is None or intent == purchase.payment_intent_id:
                return "already paid"
            return await self._hold_in_suspense(
                uow, purchase, intent, amount, currency, now, "a second payment for a paid purchase"
            )
        if purchase.status == PurchaseStatus.REJECTED and intent == purchase.payment_intent_id:
            return "already held for review"
        if (
            not isinstance(amount, int)
            or amount != purchase.total_minor
            or currency != purchase.currency
        ):
            purchase.status = PurchaseStatus.REJECTED.value
            purchase.payment_intent_id = intent
            purchase.updated_at = now
            await self._release_hold(uow, booking, purchase, now)
            return await self._hold_in_suspense(
                uow,
                purchase,
                intent,
                amount,
                currency,
                now,
                f"amount mismatch: expected {purchase.total_minor} {purchase.currency}",
            )
        if purchase.status not in (
            PurchaseStatus.PENDING,
            PurchaseStatus.PROCESSING,
            PurchaseStatus.EXPIRED,
        ):
            purchase.status = PurchaseStatus.REJECTED.value
            purchase.payment_intent_id = intent
            purchase.updated_at = now
            return await self._hold_in_suspense(
                uow, purchase, intent, amount, currency, now, "paid after the payment failed"
            )
        if purchase.kind == PurchaseKind.BOOKING:
            problem = await self._confirm_slot(uow, booking, now)
            if problem is not None:
                purchase.status = PurchaseStatus.REJECTED.value
                purchase.payment_intent_id = intent
                purchase.updated_at = now
                return await self._hold_in_suspense(
                    uow, purchase, intent, amount, currency, now, problem
                )

        purchase.status = PurchaseStatus.PAID.value
        purchase.paid_at = now
        purchase.payment_intent_id = intent
        purchase.payment_method_brand = pre.payment.brand
        purchase.payment_method_last4 = pre.payment.last4
        purchase.payout_state = PayoutState.HELD.value
        purchase.updated_at = now
        await ledger.post(
            uow,
            key=f"payment:{purchase.id}",
            kind=TransactionKind.PAYMENT,
            postings=ledger.payment_postings(
                service=purchase.service,
                fee=purchase.fee,
                commission=purchase.commission,
                tip=purchase.tip,
                advisor_id=purchase.advisor_id,
            ),
            now=now,
            purchase_id=purchase.id,
            memo=purchase.description,
        )
        receipt = await self._issue_receipt(uow, purchase, booking, people, now)
        await self._notify_paid(uow, purchase, booking, receipt, people, now)
        return "paid"

    async def _confirm_slot(
        self, uow: UnitOfWork, booking: Booking | None, now: datetime
    ) -> str | None:
        """Confirm the paid booking through scheduling (which re-claims a lapsed hold's slot if
        it is still free); the reason it cannot be, or None."""
        if booking is None:
            return "paid but the booking is gone"
        try:
            await scheduling.confirm_booking(uow, booking.id, now, rules=self.rules)
        except scheduling.SlotUnavailable:
            return "paid but the slot was taken after the hold lapsed"
        except (scheduling.BookingClosed, scheduling.BookingNotFound):
            return f"paid but the booking is {booking.status}"
        return None

    async def _hold_in_suspense(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        intent: str | None,
        amount: Any,
        currency: str,
        now: datetime,
        why: str,
    ) -> str:
        """Money arrived that cannot count as this sale: book it to suspense, tell an admin
        and the client. Nothing is confirmed."""
        if isinstance(amount, int) and amount > 0 and len(currency) == 3 and intent:
            await ledger.post(
                uow,
                key=f"suspense:{intent}",
                kind=TransactionKind.SUSPENSE,
                postings=ledger.suspense_postings(received=Money(amount, currency)),
                now=now,
                purchase_id=purchase.id,
                memo=why,
            )
        received = f"{amount} {currency}" if isinstance(amount, int) else "an unknown amount"
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="payment_problem",
            text=(
                f"Payment needs review: purchase #{purchase.id} ({purchase.kind}, booking "
                f"#{purchase.booking_id}) received {received} (minor units) via {intent}; "
                f"{why}. It was NOT confirmed. Refund or settle it by hand."
            ),
            dedupe_key=f"payment_problem:{intent or purchase.id}",
            now=now,
        )
        if purchase.client_id is not None:
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="payment_problem",
                client_id=purchase.client_id,
                text=(
                    "We received your payment, but something about it doesn't match your "
                    "order, so we haven't confirmed it yet. Our team has been told and will "
                    "sort it out with you; you won't lose any money."
                ),
                dedupe_key=f"payment_problem_client:{intent or purchase.id}",
                now=now,
            )
        log.warning("purchase %s held in suspense: %s", purchase.id, why)
        return f"held for review: {why}"

    async def _people(self, uow: UnitOfWork, purchase: Purchase) -> tuple[Client | None, Advisor]:
        client = await uow.session.get(Client, purchase.client_id) if purchase.client_id else None
        advisor = await uow.session.get(Advisor, purchase.advisor_id)
        assert advisor is not None
        return client, advisor

    async def _issue_receipt(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        people: tuple[Client | None, Advisor],
        now: datetime,
    ) -> Receipt:
        """Number the purchase's receipt and store what it prints, inside the payment's
        transaction; its PDF is rendered when it is first read (:mod:`core.documents`)."""
        client, advisor = people
        year = now.astimezone(UTC).year
        sequence = await allocate_number(uow, "receipt", year)
        number = format_receipt_number("receipt", year, sequence)
        timezone = client.timezone if client is not None else "UTC"
        detail = _local(booking.starts_at, timezone) if booking and booking.starts_at else ""
        data = ReceiptData(
            number=number,
            issued_at=now,
            platform_name=self.settings.platform_name,
            platform_address=self.settings.platform_address,
            buyer_name=receipt_name(client) if client is not None else "Client",
            advisor_name=advisor.display_name,
            lines=_receipt_lines(purchase_lines(purchase, detail)),
            currency=purchase.currency,
            payment_method=PaymentMethod(
                brand=purchase.payment_method_brand, last4=purchase.payment_method_last4
            ),
            stripe_reference=purchase.payment_intent_id or purchase.checkout_session_id or "-",
            guarantee_hours=self.settings.guarantee_window_hours,
            locale=self._locale(client),
            timezone=_zone(timezone).key,
        )
        receipt = Receipt(
            number=number,
            kind="receipt",
            year=year,
            sequence=sequence,
            purchase_id=purchase.id,
            refund_id=None,
            filename=receipt_filename(number, self.settings.platform_name),
            pdf=None,
            content=document_payload(data),
            issued_at=now,
        )
        uow.session.add(receipt)
        await uow.session.flush()
        return receipt

    def _locale(self, client: Client | None) -> str:
        """The client's locale if babel knows it, else the platform's."""
        locale = client.locale if client is not None and client.locale else self.settings.locale
        try:
            Locale.parse(locale)
        except (ValueError, TypeError, UnknownLocaleError):
            return "en_US"
        return locale

    async def _has_payout_account(self, uow: UnitOfWork, advisor_id: int) -> bool:
        account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
        return account is not None and account.payouts_enabled

    async def _notify_paid(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        receipt: Receipt,
        people: tuple[Client | None, Advisor],
        now: datetime,
    ) -> None:
        """The client's receipt and next steps, and the advisor's payment notification."""
        client, advisor = people
        money_locale = self._locale(client)
        document = DocumentRef("receipt", receipt.id, receipt.filename)
        if client is not None:
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="receipt",
                client_id=client.id,
                text=f"Your receipt {receipt.number} ({purchase.total.format(money_locale)}).",
                document=document,
                data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
                dedupe_key=f"receipt:{receipt.id}",
                now=now,
            )
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="next_steps" if purchase.kind == PurchaseKind.BOOKING else "tip_thanks",
                client_id=client.id,
                text=self._client_next_steps(purchase, booking, client, advisor),
                data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
                dedupe_key=f"paid_client:{purchase.id}",
                now=now,
            )
        share = purchase.advisor_share.format(self.settings.locale)
        hours = self.settings.guarantee_window_hours
        who = advisor_facing_name(client) if client is not None else "A client"
        if purchase.kind == PurchaseKind.BOOKING:
            when = (
                f" on {_local(booking.starts_at, advisor.timezone)}"
                if booking and booking.starts_at
                else ""
            )
            text = (
                f"New booking paid: {purchase.description.split(' with ')[0]} with {who}{when}. "
                f"You earn {share}, paid out after the {hours}-hour money-back window "
                "following the session."
            )
            if booking is not None and booking.client_note:
                text += f"\n\n{who} chose to share what they wrote:\n“{booking.client_note}”"
        else:
            text = (
                f"{who} sent you a tip of {purchase.tip.format(self.settings.locale)}. All of it "
                f"is yours: {share}, paid out once the booking's {hours}-hour money-back "
                "window has passed."
            )
        if not await self._has_payout_account(uow, advisor.id):
            text += " To receive payouts, set up your Stripe payout account from your advisor menu."
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="payment_received",
            advisor_id=advisor.id,
            text=text,
            data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
            dedupe_key=f"paid_advisor:{purchase.id}",
            now=now,
        )

    def _client_next_steps(
        self, purchase: Purchase, booking: Booking | None, client: Client, advisor: Advisor
    ) -> str:
        locale = self._locale(client)
        if purchase.kind == PurchaseKind.TIP:
            return (
                f"Thank you! Your tip of {purchase.tip.format(locale)} goes to "
                f"{advisor.display_name} in full."
            )
        hours = self.settings.guarantee_window_hours
        guarantee = (
            f"If the session doesn't help, you can ask for a refund of the session price "
            f"within {hours} hours after it ends (the {purchase.fee.format(locale)} handling "
            "fee is non-refundable)."
            if purchase.fee_minor
            else f"If the session doesn't help, you can ask for a refund within {hours} hours "
            "after it ends."
        )
        if booking is not None and booking.starts_at is not None:
            minutes = self.settings.channel_open_minutes_before
            return (
                f"You're booked: {purchase.description}, "
                f"{_local(booking.starts_at, client.timezone)}. "
                f"Your private Discord room opens {minutes} minutes before the start; we'll "
                f"send you the link here. {guarantee}"
            )
        return (
            f"You're all set: {purchase.description}. We'll send you the link to your "
            f"private Discord room here shortly. {guarantee}"
        )

    # -- refunds, disputes, Connect events --------------------------------------------------

    async def _find_payment(
        self, uow: UnitOfWork, obj: dict[str, Any], pre: Prefetched
    ) -> tuple[Purchase | None, Booking | None]:
        """The purchase a charge, refund or dispute is about, row-locked: by its PaymentIntent,
        else by the purchase id Pathwise put in the metadata of the Charge or PaymentIntent.
        RetryLater while that purchase's checkout has not completed here."""
        intent = _object_id(obj.get("payment_intent"))
        purchase_id = (
            await uow.session.scalar(
                select(Purchase.id).where(Purchase.payment_intent_id == intent)
            )
            if intent
            else None
        )
        if purchase_id is None:
            purchase_id = parse_row_id(_metadata(obj).get("purchase_id"))
        if purchase_id is None:
            purchase_id = parse_row_id(pre.intent_metadata.get("purchase_id"))
        if purchase_id is None:
            return None, None
        purchase, booking = await _lock_purchase(uow, purchase_id)
        if purchase is None:
            return None, None
        if intent and purchase.payment_intent_id not in (None, intent):
            log.warning("metadata names purchase %s, paid by another payment", purchase.id)
            return None, None
        if purchase.status in (PurchaseStatus.PENDING, PurchaseStatus.PROCESSING):
            raise RetryLater(f"purchase {purchase.id} is not paid here yet")
        return purchase, booking

    async def _not_a_sale(
        self, uow: UnitOfWork, what: str, obj: dict[str, Any], purchase: Purchase | None,
        now: datetime,
    ) -> str:
        """A refund or dispute on a payment that is not a paid sale here: an admin looks."""
        object_id = _object_id(obj.get("id")) or "?"
        where = (
            f"purchase #{purchase.id} ({purchase.status})"
            if purchase is not None
            else f"a payment Pathwise doesn't know ({_object_id(obj.get('payment_intent'))})"
        )
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="payment_problem",
            text=f"Stripe reports {what} {object_id} on {where}; please look at it in Stripe.",
            dedupe_key=f"not_a_sale:{object_id}"[:120],
            now=now,
        )
        return f"{what} on unknown payment" if purchase is None else f"{what} needs review"

    async def _on_charge_refunded(
        self, uow: UnitOfWork, charge: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        """A charge was refunded. Its refunds are matched by their own ids: from the list on
        the charge when an older API version sends one, else from the API. Never assumed."""
        purchase, booking = await self._find_payment(uow, charge, pre)
        if purchase is None or purchase.status != PurchaseStatus.PAID:
            return await self._not_a_sale(uow, "a refund", charge, purchase, now)
        listed = charge.get("refunds")
        if isinstance(listed, dict):
            data = listed.get("data")
            if not isinstance(data, list):
                raise MalformedEvent("charge.refunds has no data list")
            # An expanded list on a charge.refunded: what it lists has been refunded.
            refunds = [r for r in data if isinstance(r, dict)]
            default_status: str | None = "succeeded"
        else:
            refunds = [r.as_event_object() for r in pre.refunds or ()]
            default_status = None
        outcome = [
            await self._sync_refund(uow, purchase, booking, r, now, default_status)
            for r in refunds
        ]
        return "; ".join(o for o in outcome if o != "nothing new") or "nothing new"

    async def _on_refund_event(
        self, uow: UnitOfWork, refund: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        purchase, booking = await self._find_payment(uow, refund, pre)
        if purchase is None or purchase.status != PurchaseStatus.PAID:
            return await self._not_a_sale(uow, "a refund", refund, purchase, now)
        return await self._sync_refund(uow, purchase, booking, refund, now, None)

    async def _sync_refund(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        stripe_refund: dict[str, Any],
        now: datetime,
        default_status: str | None,
    ) -> str:
        """Bring one Stripe refund into the records, whatever order its news comes in: a
        refund Pathwise made (matched by its Stripe id or the refund id in its metadata) is
        confirmed or failed; one made elsewhere is recorded as such. Never moves backwards."""
        stripe_id = _object_id(stripe_refund.get("id"))
        status = stripe_refund.get("status") or default_status
        amount = stripe_refund.get("amount")
        if stripe_id is None or not isinstance(status, str):
            raise MalformedEvent("a refund without an id or status")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise MalformedEvent("a refund without a positive amount")
        currency = stripe_refund.get("currency") or purchase.currency
        if not isinstance(currency, str) or currency.upper() != purchase.currency:
            raise MalformedEvent("a refund in another currency than its payment")
        local = next((r for r in purchase.refunds if r.stripe_refund_id == stripe_id), None)
        if local is None:
            own_id = parse_row_id(_metadata(stripe_refund).get("refund_id"))
            local = next(
                (
                    r
                    for r in purchase.refunds
                    if r.id == own_id and r.stripe_refund_id in (None, stripe_id)
                ),
                None,
            )
        if local is None:
            if status in ("failed", "canceled"):
                return "nothing new"
            local = await self._record_external_refund(
                uow, purchase, Money(amount, purchase.currency), stripe_id, now
            )
        if local.stripe_refund_id is None:
            local.stripe_refund_id = stripe_id
        if status == "succeeded":
            if local.status != RefundStatus.PENDING:
                return "nothing new"
            await self._finalize_refund(uow, purchase, booking, local, stripe_id, now)
            if local.kind == RefundKind.EXTERNAL:
                return "refund made outside Pathwise recorded"
            return f"refund {local.id} confirmed"
        if status in ("failed", "canceled"):
            if local.status == RefundStatus.SUCCEEDED:
                await outbox.enqueue(
                    uow,
                    audience=Audience.ADMIN,
                    kind="refund_failed",
                    text=(
                        f"Stripe refund {stripe_id} for purchase #{purchase.id} {status} after "
                        "it had succeeded; the money is back in the balance. Settle it by hand."
                    ),
                    dedupe_key=f"refund_failed_late:{local.id}",
                    now=now,
                )
                return f"refund {local.id} {status} after succeeding"
            if local.status != RefundStatus.PENDING or not await _claim(
                uow, Refund, local.id, "status", RefundStatus.PENDING
            ):
                return "nothing new"
            local.status = RefundStatus.FAILED.value
            local.completed_at = now
            await self._refund_failed(uow, purchase, local, status, now)
            return f"refund {local.id} {status}"
        return "nothing new" if local.status != RefundStatus.PENDING else "refund pending"

    async def _refund_failed(
        self, uow: UnitOfWork, purchase: Purchase, refund: Refund, status: str, now: datetime
    ) -> None:
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="refund_failed",
            text=(
                f"Stripe refund {refund.stripe_refund_id} for purchase #{purchase.id} {status}."
            ),
            dedupe_key=f"refund_failed:{refund.id}",
            now=now,
        )
        if refund.kind == RefundKind.EXTERNAL and purchase.payout_state == PayoutState.ON_HOLD:
            if not any(
                r.kind == RefundKind.EXTERNAL and r.status != RefundStatus.FAILED
                for r in purchase.refunds
                if r.id != refund.id
            ) and purchase.dispute_status in (None, DisputeStatus.WON):
                purchase.payout_state = PayoutState.HELD.value

    async def _record_external_refund(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        amount: Money,
        stripe_refund_id: str,
        now: datetime,
    ) -> Refund:
        """A refund made at Stripe directly (the Dashboard): recorded as what it is, pending
        until Stripe says it succeeded; the advisor's payout waits for an admin's decision."""
        refund = Refund(
            purchase_id=purchase.id,
            kind=RefundKind.EXTERNAL.value,
            status=RefundStatus.PENDING.value,
            amount_minor=amount.amount,
            currency=amount.currency,
            idempotency_key=f"external-{stripe_refund_id}"[:80],
            stripe_refund_id=stripe_refund_id,
            reason=REASON_EXTERNAL,
            requested_at=now,
        )
        uow.session.add(refund)
        await uow.session.flush()
        purchase.refunds.append(refund)
        if purchase.payout_state == PayoutState.HELD:
            purchase.payout_state = PayoutState.ON_HOLD.value
        purchase.updated_at = now
        return refund

    async def _on_dispute_event(
        self, uow: UnitOfWork, dispute: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        """Any news of a dispute (created, funds withdrawn or reinstated, closed), in any
        order: the ledger and the payout end where the dispute's latest status says."""
        dispute_id = _object_id(dispute.get("id"))
        amount = dispute.get("amount")
        currency = dispute.get("currency")
        status = dispute.get("status", "needs_response")  # absent: taken as open
        if dispute_id is None or not isinstance(status, str):
            raise MalformedEvent("a dispute without an id or status")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise MalformedEvent("a dispute without a positive amount")
        if not isinstance(currency, str) or len(currency) != 3:
            raise MalformedEvent("a dispute without a currency")
        disputed = Money(amount, currency.upper())
        purchase, booking = await self._find_payment(uow, dispute, pre)
        inquiry = status.startswith("warning_")
        if not inquiry:
            # The disputed amount leaves the platform's balance at once.
            await ledger.post(
                uow,
                key=f"dispute:{dispute_id}",
                kind=TransactionKind.DISPUTE,
                postings=ledger.dispute_postings(disputed=disputed),
                now=now,
                purchase_id=purchase.id if purchase else None,
                memo=str(dispute.get("reason") or "")[:200],
            )
        if purchase is None or purchase.status != PurchaseStatus.PAID:
            if not inquiry and status == "won":
                await self._dispute_won_ledger(uow, dispute_id, disputed, purchase, now)
            return await self._not_a_sale(uow, "a dispute", dispute, purchase, now)
        opened = await self._dispute_opened(uow, purchase, booking, dispute, disputed, now)
        if status in ("won", "warning_closed"):
            return await self._dispute_won(
                uow, purchase, booking, dispute_id, disputed, now, reinstate=not inquiry
            )
        if status == "lost":
            return await self._dispute_lost(uow, purchase, booking, dispute_id, disputed, now)
        return opened

    async def _dispute_opened(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        dispute: dict[str, Any],
        disputed: Money,
        now: datetime,
    ) -> str:
        """First news of a dispute: the payout held, an admin, the client and advisor told."""
        dispute_id = str(dispute.get("id"))
        if purchase.disputed_at is None:
            purchase.disputed_at = now
            purchase.updated_at = now
        if purchase.dispute_status is None:
            purchase.dispute_status = DisputeStatus.OPEN.value
        if purchase.dispute_status == DisputeStatus.OPEN:
            if purchase.payout_state == PayoutState.HELD:
                purchase.payout_state = PayoutState.ON_HOLD.value
        if purchase.payout_state in (PayoutState.ON_HOLD, PayoutState.HELD):
            payout_note = "The advisor's payout for it is on hold."
        elif purchase.payout_state == PayoutState.PAID_OUT:
            payout_note = (
                f"The advisor was already paid (payout #{purchase.payout_id}); if the dispute "
                "is lost, the transfer is reversed."
            )
        else:
            payout_note = f"Advisor payout state: {purchase.payout_state}."
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="dispute",
            text=(
                f"Dispute {dispute_id} opened on purchase #{purchase.id} (booking "
                f"#{purchase.booking_id}, {purchase.total.format()}), reason "
                f"{dispute.get('reason')}. {payout_note}"
            ),
            dedupe_key=f"dispute:{dispute_id}",
            now=now,
        )
        client, advisor = await self._people(uow, purchase)
        when = self._booking_when(booking, client.timezone if client else None)
        if client is not None:
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="dispute",
                client_id=client.id,
                text=(
                    f"Your bank told us you disputed the payment of "
                    f"{disputed.format(self._locale(client))} for {purchase.description}"
                    f"{when}. Your bank now decides; our team may reply to it with the "
                    "booking's details. Nothing more is charged meanwhile."
                ),
                data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
                dedupe_key=f"dispute_client:{dispute_id}",
                now=now,
            )
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="dispute",
            advisor_id=advisor.id,
            text=(
                "The client's bank disputed the payment of "
                f"{disputed.format(self.settings.locale)} for {purchase.description}"
                f"{self._booking_when(booking, advisor.timezone)}. Your share of it is on hold "
                "until the bank decides; we'll tell you the outcome."
            ),
            data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
            dedupe_key=f"dispute_advisor:{dispute_id}",
            now=now,
        )
        return "dispute recorded; payout held"

    async def _dispute_won_ledger(
        self,
        uow: UnitOfWork,
        dispute_id: str,
        disputed: Money,
        purchase: Purchase | None,
        now: datetime,
    ) -> None:
        await ledger.post(
            uow,
            key=f"dispute_back:{dispute_id}",
            kind=TransactionKind.DISPUTE_REINSTATED,
            postings=ledger.dispute_reinstated_postings(reinstated=disputed),
            now=now,
            purchase_id=purchase.id if purchase else None,
            memo="dispute won: funds reinstated",
        )

    async def _dispute_won(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        dispute_id: str,
        disputed: Money,
        now: datetime,
        *,
        reinstate: bool = True,
    ) -> str:
        """Won: the money is back, and the payout goes out on its normal date."""
        if purchase.dispute_status == DisputeStatus.LOST:
            return "ignored: dispute already lost"
        if reinstate:
            await self._dispute_won_ledger(uow, dispute_id, disputed, purchase, now)
        if purchase.dispute_status == DisputeStatus.WON:
            return "dispute won"
        purchase.dispute_status = DisputeStatus.WON.value
        purchase.updated_at = now
        other_hold = any(
            r.kind == RefundKind.EXTERNAL and r.status != RefundStatus.FAILED
            for r in purchase.refunds
        )
        if purchase.payout_state == PayoutState.ON_HOLD and not other_hold:
            purchase.payout_state = PayoutState.HELD.value
        await self._dispute_closed_messages(uow, purchase, booking, dispute_id, disputed, True, now)
        return "dispute won; payout released"

    async def _dispute_lost(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        dispute_id: str,
        disputed: Money,
        now: datetime,
    ) -> str:
        """Lost: the loss is in the ledger; the advisor's share is not paid, or, if it was,
        the transfer is reversed (by the next payout run, outside this transaction)."""
        if purchase.dispute_status == DisputeStatus.LOST:
            return "dispute lost"
        if purchase.dispute_status == DisputeStatus.WON:
            return "ignored: dispute already won"
        purchase.dispute_status = DisputeStatus.LOST.value
        purchase.updated_at = now
        share = Money(0, purchase.currency)
        if purchase.payout_state in (PayoutState.HELD, PayoutState.ON_HOLD):
            refunded = sum(
                r.amount_minor
                for r in purchase.refunds
                if r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.SUCCEEDED
            )
            owed = max(0, purchase.advisor_share.amount - refunded)
            share = Money(min(owed, disputed.amount), purchase.currency)
            purchase.payout_state = PayoutState.NOTHING_DUE.value
        elif purchase.payout_state == PayoutState.PAID_OUT:
            purchase.payout_state = PayoutState.REVERSAL_DUE.value
        await ledger.post(
            uow,
            key=f"dispute_lost:{dispute_id}",
            kind=TransactionKind.DISPUTE_LOST,
            postings=ledger.dispute_lost_postings(
                lost=disputed, forfeited_share=share, advisor_id=purchase.advisor_id
            ),
            now=now,
            purchase_id=purchase.id,
            memo="dispute lost",
        )
        await self._dispute_closed_messages(
            uow, purchase, booking, dispute_id, disputed, False, now
        )
        return "dispute lost; advisor share not paid"

    async def _dispute_closed_messages(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        dispute_id: str,
        disputed: Money,
        won: bool,
        now: datetime,
    ) -> None:
        _client, advisor = await self._people(uow, purchase)
        amount = disputed.format(self.settings.locale)
        when = self._booking_when(booking, advisor.timezone)
        if won:
            admin = (
                f"Dispute {dispute_id} on purchase #{purchase.id} was won: {amount} is back. "
                "The advisor's payout goes out on its normal date."
            )
            to_advisor = (
                f"The bank decided the dispute of {amount} for {purchase.description}{when} "
                "in your favour. Your share is paid out on its normal date."
            )
        else:
            reversal = (
                " The transfer already made is being reversed."
                if purchase.payout_state == PayoutState.REVERSAL_DUE
                else ""
            )
            admin = (
                f"Dispute {dispute_id} on purchase #{purchase.id} (booking "
                f"#{purchase.booking_id}) was lost: {amount} is gone, recorded as a loss. "
                f"The advisor's share is not paid.{reversal}"
            )
            to_advisor = (
                f"The bank decided the dispute of {amount} for {purchase.description}{when} "
                "for the client, so this booking's share won't be paid to you."
                + (" The payout already made for it is taken back." if reversal else "")
            )
        await outbox.enqueue(
            uow,
            audience=Audience.ADMIN,
            kind="dispute_closed",
            text=admin,
            dedupe_key=f"dispute_closed:{dispute_id}",
            now=now,
        )
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="dispute_closed",
            advisor_id=advisor.id,
            text=to_advisor,
            data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
            dedupe_key=f"dispute_closed_advisor:{dispute_id}",
            now=now,
        )

    def _booking_when(self, booking: Booking | None, timezone: str | None) -> str:
        """" on <date of the booking>" in a person's zone, or nothing if it has no date."""
        if booking is None or booking.starts_at is None:
            return ""
        return f" on {_local(booking.starts_at, timezone)}"

    async def _on_account_updated(
        self, uow: UnitOfWork, account: dict[str, Any], now: datetime, pre: Prefetched
    ) -> str:
        row = await uow.session.scalar(
            select(AdvisorPayoutAccount)
            .where(AdvisorPayoutAccount.stripe_account_id == str(account.get("id")))
            .with_for_update()
        )
        if row is None:
            return "ignored: unknown account"
        was_enabled = row.payouts_enabled
        row.payouts_enabled = bool(account.get("payouts_enabled"))
        row.details_submitted = bool(account.get("details_submitted"))
        row.updated_at = now
        if row.payouts_enabled and not was_enabled:
            await outbox.enqueue(
                uow,
                audience=Audience.ADVISOR,
                kind="payouts_enabled",
                advisor_id=row.advisor_id,
                text=(
                    "Your payout account is ready. Your earnings are paid to it once each "
                    "session's money-back window has passed, including anything already waiting."
                ),
                dedupe_key=f"payouts_enabled:{row.stripe_account_id}",
                now=now,
            )
            return "payouts enabled"
        return "account updated"

    # -- the money-back guarantee -----------------------------------------------------------

    async def _refundable(
        self,
        uow: UnitOfWork,
        booking_id: int,
        client_id: int,
        now: datetime,
        *,
        cancellation: bool = False,
        unanswered_no_show: bool = False,
    ) -> tuple[Purchase, Booking, datetime]:
        """The booking's purchase if the client may have its service price back now (under the
        guarantee, because the booking was cancelled in time, or because the advisor did not
        show up and the client did not answer before the window closed); else the refusal."""
        booking = await _lock_booking(uow, booking_id)
        if booking is None or booking.client_id != client_id:
            raise NotYourBooking()
        purchase_id = await uow.session.scalar(
            select(Purchase.id).where(Purchase.purchase_key == f"booking:{booking.id}")
        )
        if purchase_id is None:
            raise NothingToRefund()
        purchase, _ = await _lock_purchase(uow, purchase_id)
        assert purchase is not None
        if purchase.status != PurchaseStatus.PAID:
            raise NothingToRefund()
        opens, closes = guarantee_window(booking, purchase, self.settings)
        pending = [
            r
            for r in purchase.refunds
            if r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.PENDING
        ]
        if pending:
            return purchase, booking, closes  # asked in time; Stripe not yet confirmed
        if (
            any(
                r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.SUCCEEDED
                for r in purchase.refunds
            )
            or booking.status == BookingStatus.REFUNDED
            or refundable_left(purchase) <= 0
        ):
            raise AlreadyRefunded()
        if purchase.disputed_at is not None and purchase.dispute_status != DisputeStatus.WON:
            raise PaymentUnderReview()
        if unanswered_no_show:
            if not unsettled_no_show(booking, purchase):
                raise NothingToRefund()
            if purchase.payout_state not in (PayoutState.HELD, PayoutState.ON_HOLD):
                raise RefundWindowClosed()
            return purchase, booking, closes
        if cancellation:
            # Scheduling allowed the cancellation (it was in time); the refund follows it.
            if booking.status != BookingStatus.CANCELLED:
                raise NothingToRefund("This booking isn't cancelled.")
            if purchase.payout_state not in (PayoutState.HELD, PayoutState.ON_HOLD):
                raise RefundWindowClosed()
            return purchase, booking, closes
        if booking.status == BookingStatus.CANCELLED:
            raise NothingToRefund(
                "This booking was cancelled; its refund comes with the cancellation."
            )
        if now < opens:
            raise RefundNotYetAvailable()
        if now > closes or purchase.payout_state not in (
            PayoutState.HELD,
            PayoutState.ON_HOLD,
        ):
            zone = booking.client.timezone if booking.client else "UTC"
            raise RefundWindowClosed(
                f"The money-back window for this session closed on {_local(closes, zone)}."
            )
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
            raise NothingToRefund()
        return purchase, booking, closes

    async def _tips_for(self, uow: UnitOfWork, booking_id: int) -> list[Purchase]:
        return list(
            await uow.session.scalars(
                select(Purchase)
                .where(Purchase.booking_id == booking_id)
                .where(Purchase.kind == PurchaseKind.TIP.value)
                .where(Purchase.status == PurchaseStatus.PAID.value)
                .order_by(Purchase.id)
            )
        )

    async def preview_refund(self, booking_id: int, client_id: int) -> RefundPreview:
        """What the guarantee would give back (the service price) and keep (the fee; tips are
        not touched). Raises the refusal if the client may not have a refund now."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            purchase, booking, closes = await self._refundable(uow, booking_id, client_id, now)
            lines = purchase_lines(purchase)
            tips = [
                line
                for tip in await self._tips_for(uow, booking.id)
                for line in purchase_lines(tip)
            ]
            return RefundPreview(
                booking_id=booking.id,
                purchase_id=purchase.id,
                refunded=tuple(
                    QuoteLine(line.kind, line.label, purchase.money(refundable_left(purchase)),
                              True, line.detail)
                    for line in lines
                    if line.kind is LineKind.SERVICE
                ),
                kept=tuple(line for line in lines if line.kind is LineKind.FEE),
                untouched_tips=tuple(tips),
                window_closes_at=closes,
            )

    async def request_refund(self, booking_id: int, client_id: int) -> RefundOutcome:
        """Refund the service price under the guarantee: a Stripe Refund of exactly that
        amount, once. Asking again while Stripe is busy resumes the same refund."""
        return await self._refund(booking_id, client_id, cancellation=False)

    async def refund_cancelled_booking(self, booking_id: int, client_id: int) -> RefundOutcome:
        """Refund the service price of a paid booking the client cancelled in time (scheduling's
        ``cancel_booking`` decides that); the handling fee is kept, as with every refund."""
        return await self._refund(booking_id, client_id, cancellation=True)

    async def refund_unanswered_no_shows(self) -> list[int]:
        """Refund the service price (the fee stays) of each no-show whose client chose neither
        a refund nor a new time before the guarantee window closed; the booking ids."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            rows = list(

                    await uow.session.execute(
                        select(Purchase, Booking)
                        .join(Booking, Booking.id == Purchase.booking_id)
                        .where(Purchase.kind == PurchaseKind.BOOKING.value)
                        .where(Purchase.status == PurchaseStatus.PAID.value)
                        .where(Purchase.advisor_no_show_at.is_not(None))
                        .where(
                            Purchase.payout_state.in_(
                                [PayoutState.HELD.value, PayoutState.ON_HOLD.value]
                            )
                        )
                        .options(selectinload(Booking.offer))
                        .order_by(Purchase.id)
                    )

            )
            due = [
                (booking.id, booking.client_id)
                for purchase, booking in rows
                if booking.client_id is not None
                and unsettled_no_show(booking, purchase)
                and guarantee_window(booking, purchase, self.settings)[1] <= now
            ]
        refunded = []
        for booking_id, client_id in due:
            assert client_id is not None
            try:
                await self._refund(booking_id, client_id, unanswered_no_show=True)
            except RefundRefused:
                continue  # settled meanwhile (a refund, a dispute)
            except PathwiseError as error:
                log.warning(
                    "no-show refund of booking %s failed (%s); retried next tick",
                    booking_id,
                    type(error).__name__,
                )
                continue
            refunded.append(booking_id)
        return refunded

    async def _refund(
        self,
        booking_id: int,
        client_id: int,
        *,
        cancellation: bool = False,
        unanswered_no_show: bool = False,
    ) -> RefundOutcome:
        now = self.clock.now()
        async with self.db.uow() as uow:
            purchase, _booking, _ = await self._refundable(
                uow,
                booking_id,
                client_id,
                now,
                cancellation=cancellation,
                unanswered_no_show=unanswered_no_show,
            )
            refund = next(
                (
                    r
                    for r in purchase.refunds
                    if r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.PENDING
                ),
                None,
            )
            if refund is None:
                # A failed attempt keeps its key; a new attempt gets the next one.
                attempt = 1 + sum(
                    1
                    for r in purchase.refunds
                    if r.kind == RefundKind.GUARANTEE and r.status == RefundStatus.FAILED
                )
                key = f"refund-{purchase.idempotency_key}"
                refund = Refund(
                    purchase_id=purchase.id,
                    kind=RefundKind.GUARANTEE.value,
                    status=RefundStatus.PENDING.value,
                    amount_minor=refundable_left(purchase),
                    currency=purchase.currency,
                    idempotency_key=key if attempt == 1 else f"{key}-{attempt}",
                    reason=(
                        REASON_CANCELLED
                        if cancellation
                        else REASON_NO_SHOW
                        if purchase.advisor_no_show_at is not None
                        else REASON_GUARANTEE
                    ),
                    requested_at=now,
                )
                uow.session.add(refund)
                await uow.session.flush()
            refund_id, purchase_id = refund.id, purchase.id
            intent, amount, key = purchase.payment_intent_id, refund.amount, refund.idempotency_key
            await uow.commit()
        if intent is None:
            raise PaymentProviderError("This payment has no Stripe reference to refund.")
        result = await self.gateway.create_refund(
            payment_intent_id=intent,
            amount=amount,
            idempotency_key=key,
            metadata={"purchase_id": str(purchase_id), "refund_id": str(refund_id)},
        )
        async with self.db.uow() as uow:
            locked, locked_booking = await _lock_purchase(uow, purchase_id)
            assert locked is not None
            made = next(r for r in locked.refunds if r.id == refund_id)
            if result.status in ("failed", "canceled"):
                made.status = RefundStatus.FAILED.value
                made.stripe_refund_id = result.id
                await outbox.enqueue(
                    uow,
                    audience=Audience.ADMIN,
                    kind="refund_failed",
                    text=f"Stripe refund {result.id} for purchase #{locked.id} {result.status}.",
                    dedupe_key=f"refund_failed:{made.id}",
                    now=self.clock.now(),
                )
                await uow.commit()
                raise PaymentProviderError(
                    "Stripe couldn't make the refund. Our team has been told and will sort it out."
                )
            if result.status != "succeeded":
                # Pending at Stripe: its refund.updated event confirms it (credit note then).
                if made.stripe_refund_id is None:
                    made.stripe_refund_id = result.id
                await uow.commit()
                return RefundOutcome(refund_id, amount, None)
            receipt = await self._finalize_refund(
                uow, locked, locked_booking, made, result.id, self.clock.now()
            )
            number = (
                receipt.number
                if receipt
                else await uow.session.scalar(
                    select(Receipt.number).where(Receipt.refund_id == made.id)
                )
            )
            await uow.commit()
        return RefundOutcome(refund_id, amount, number)

    async def _finalize_refund(
        self,
        uow: UnitOfWork,
        purchase: Purchase,
        booking: Booking | None,
        refund: Refund,
        stripe_refund_id: str | None,
        now: datetime,
    ) -> Receipt | None:
        """Stripe took the refund: ledger, credit note, booking refunded, messages. Runs once
        per refund, whichever comes first: Stripe's answer or its charge.refunded event."""
        if refund.status == RefundStatus.SUCCEEDED or not await _claim(
            uow, Refund, refund.id, "status", RefundStatus.PENDING
        ):
            return None  # the other path (Stripe's answer or its event) got here first
        refund.status = RefundStatus.SUCCEEDED.value
        refund.completed_at = now
        if stripe_refund_id and refund.stripe_refund_id is None:
            refund.stripe_refund_id = stripe_refund_id
        if refund.kind == RefundKind.EXTERNAL:
            await ledger.post(
                uow,
                key=f"ext_refund:{refund.id}",
                kind=TransactionKind.EXTERNAL_REFUND,
                postings=ledger.external_refund_postings(refunded=refund.amount),
                now=now,
                purchase_id=purchase.id,
                refund_id=refund.id,
                memo="refund made outside Pathwise",
            )
            if purchase.payout_state == PayoutState.HELD:
                purchase.payout_state = PayoutState.ON_HOLD.value
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="external_refund",
                text=(
                    f"A refund of {refund.amount.format()} for purchase #{purchase.id} (booking "
                    f"#{purchase.booking_id}) was made outside Pathwise "
                    f"({refund.stripe_refund_id}). "
                    f"The advisor's payout for it is {purchase.payout_state}; decide who bears it."
                ),
                dedupe_key=f"external_refund:{refund.id}",
                now=now,
            )
        else:
            commission_back = Money(
                min(purchase.commission_minor, refund.amount_minor), purchase.currency
            )
            await ledger.post(
                uow,
                key=f"refund:{refund.id}",
                kind=TransactionKind.REFUND,
                postings=ledger.refund_postings(
                    refund=refund.amount,
                    commission_back=commission_back,
                    advisor_id=purchase.advisor_id,
                ),
                now=now,
                purchase_id=purchase.id,
                refund_id=refund.id,
                memo=refund.reason,
            )
            if purchase.payout_state in (PayoutState.HELD, PayoutState.ON_HOLD):
                purchase.payout_state = PayoutState.NOTHING_DUE.value
            if booking is not None and booking.status in (
                BookingStatus.CONFIRMED,
                BookingStatus.COMPLETED,
            ):
                booking.status = BookingStatus.REFUNDED.value
                booking.updated_at = now
        purchase.updated_at = now
        receipt = await self._issue_credit_note(uow, purchase, refund, now)
        client, advisor = await self._people(uow, purchase)
        if client is not None:
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="credit_note",
                client_id=client.id,
                text=self._refund_text_for_client(purchase, booking, refund, receipt, client),
                document=DocumentRef("receipt", receipt.id, receipt.filename),
                data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
                dedupe_key=f"credit_note:{receipt.id}",
                now=now,
            )
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="refund_notice",
            advisor_id=advisor.id,
            text=self._refund_text_for_advisor(purchase, booking, refund, client, advisor),
            data={"purchase_id": purchase.id, "booking_id": purchase.booking_id},
            dedupe_key=f"refund_notice:{refund.id}",
            now=now,
        )
        return receipt

    def _refund_text_for_client(
        self,
        purchase: Purchase,
        booking: Booking | None,
        refund: Refund,
        receipt: Receipt,
        client: Client,
    ) -> str:
        """What the client is told of a refund: why, how much, for which booking."""
        locale = self._locale(client)
        amount = refund.amount.format(locale)
        when = self._booking_when(booking, client.timezone)
        on_way = (
            f"is on its way back to your card (usually 5–10 days). Credit note {receipt.number} "
            "is attached."
        )
        if refund.reason == REASON_CANCELLED:
            text = f"You cancelled your booking{when} in time: your refund of {amount} {on_way}"
        elif refund.reason == REASON_NO_SHOW:
            text = (
                f"Your advisor didn't attend your session{when}, so the session price comes "
                f"back to you: your refund of {amount} {on_way}"
            )
        elif refund.reason == REASON_GUARANTEE:
            text = (
                f"Money-back guarantee for your session{when}: your refund of {amount} {on_way}"
            )
        elif refund.kind == RefundKind.EXTERNAL:
            text = f"A refund of {amount} for your booking{when} {on_way}"
        else:
            text = f"Your refund of {amount} for your booking{when} {on_way}"
        if purchase.fee_minor and refund.kind != RefundKind.EXTERNAL:
            text += f" The {purchase.fee.format(locale)} handling fee is non-refundable."
        return text

    def _refund_text_for_advisor(
        self,
        purchase: Purchase,
        booking: Booking | None,
        refund: Refund,
        client: Client | None,
        advisor: Advisor,
    ) -> str:
        """What the advisor is told of a refund: why, how much, for which booking."""
        amount = refund.amount.format(self.settings.locale)
        when = self._booking_when(booking, advisor.timezone)
        who = advisor_facing_name(client) if client is not None else "The client"
        unpaid = "so this booking's session share won't be paid out. Tips are not affected."
        if refund.reason == REASON_CANCELLED:
            return (
                f"{who} cancelled {purchase.description}{when} in time, and the session price "
                f"({amount}) was refunded to them, {unpaid}"
            )
        if refund.reason == REASON_NO_SHOW:
            return (
                f"You didn't attend {purchase.description}{when}, so the client's session price "
                f"({amount}) was refunded, {unpaid}"
            )
        if refund.reason == REASON_GUARANTEE:
            return (
                f"{who} used the money-back guarantee for {purchase.description}{when}: "
                f"{amount} was refunded, {unpaid}"
            )
        if refund.kind == RefundKind.EXTERNAL:
            return (
                f"A refund of {amount} was made for {purchase.description}{when}. The Pathwise "
                "team will tell you how it affects your payout; tips are not affected."
            )
        return (
            f"A refund of {amount} was made for {purchase.description}{when} "
            f"({refund.reason}), {unpaid}"
        )

    async def _issue_credit_note(
        self, uow: UnitOfWork, purchase: Purchase, refund: Refund, now: datetime
    ) -> Receipt:
        client, advisor = await self._people(uow, purchase)
        original = await uow.session.scalar(
            select(Receipt.number)
            .where(Receipt.purchase_id == purchase.id)
            .where(Receipt.kind == "receipt")
        )
        if original is None:
            raise RuntimeError(f"purchase {purchase.id} has no receipt to credit")
        year = now.astimezone(UTC).year
        sequence = await allocate_number(uow, "credit_note", year)
        number = format_receipt_number("credit_note", year, sequence)
        lines = purchase_lines(purchase)
        refunded = [
            QuoteLine(LineKind.SERVICE, line.label, refund.amount, True)
            for line in lines
            if line.kind is LineKind.SERVICE
        ]
        kept = [line for line in lines if line.kind is not LineKind.SERVICE]
        if refund.kind == RefundKind.EXTERNAL:
            # Made at Stripe, of any amount: it says what was returned, and nothing of the fee.
            refunded = [
                QuoteLine(LineKind.SERVICE, f"Refund: {purchase.description}", refund.amount, True)
            ]
            kept = []
        timezone = client.timezone if client is not None else "UTC"
        data = CreditNoteData(
            number=number,
            original_receipt_number=original,
            issued_at=now,
            platform_name=self.settings.platform_name,
            platform_address=self.settings.platform_address,
            buyer_name=receipt_name(client) if client is not None else "Client",
            advisor_name=advisor.display_name,
            refunded=_receipt_lines(refunded),
            kept=_receipt_lines(kept),
            currency=purchase.currency,
            stripe_reference=refund.stripe_refund_id or purchase.payment_intent_id or "-",
            reason=refund.reason,
            locale=self._locale(client),
            timezone=_zone(timezone).key,
        )
        receipt = Receipt(
            number=number,
            kind="credit_note",
            year=year,
            sequence=sequence,
            purchase_id=purchase.id,
            refund_id=refund.id,
            filename=receipt_filename(number, self.settings.platform_name),
            pdf=None,
            content=document_payload(data),
            issued_at=now,
        )
        uow.session.add(receipt)
        await uow.session.flush()
        return receipt

    # -- payouts ----------------------------------------------------------------------------

    async def start_payout_onboarding(
        self, advisor_id: int, *, refresh_url: str, return_url: str, email: str | None = None
    ) -> str:
        """A Stripe onboarding link for the advisor's Express account (made on first use)."""
        async with self.db.uow() as uow:
            if await uow.session.get(Advisor, advisor_id) is None:
                raise NotFound("No such advisor.")
            account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
            account_id = account.stripe_account_id if account else None
        if account_id is None:
            made = await self.gateway.create_connect_account(
                advisor_id=advisor_id, email=email, idempotency_key=f"connect-account-{advisor_id}"
            )
            now = self.clock.now()
            async with self.db.uow() as uow:
                await uow.session.execute(
                    insert_for(uow)(AdvisorPayoutAccount)
                    .values(
                        advisor_id=advisor_id,
                        stripe_account_id=made.id,
                        details_submitted=made.details_submitted,
                        payouts_enabled=made.payouts_enabled,
                        created_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["advisor_id"])
                )
                account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
                assert account is not None
                account_id = account.stripe_account_id
                await uow.commit()
        return await self.gateway.create_onboarding_link(
            account_id=account_id, refresh_url=refresh_url, return_url=return_url
        )

    async def release_due_payouts(self) -> PayoutRun:
        """Pay advisors whose guarantee windows have passed (the tick calls this). First, the
        no-shows the client left unanswered are refunded, so they are never paid out."""
        no_shows = await self.refund_unanswered_no_shows()
        run = await release_due_payouts(self.db, self.gateway, self.settings, self.clock.now())
        run.no_show_refunds = no_shows
        return run

    async def advisor_earnings(self, advisor_id: int) -> AdvisorEarnings:
        """An advisor's held, ready-to-pay and paid-out money."""
        now = self.clock.now()
        currency = self.settings.currency
        held = ready = paid = 0
        async with self.db.uow() as uow:
            account = await uow.session.get(AdvisorPayoutAccount, advisor_id)
            purchases = await uow.session.scalars(
                select(Purchase)
                .where(Purchase.advisor_id == advisor_id)
                .where(Purchase.status == PurchaseStatus.PAID.value)
                .where(Purchase.currency == currency)
            )
            windows = await _release_times(uow, list(purchases), self.settings)
            for purchase, release_at in windows:
                share = purchase.advisor_share.amount
                if purchase.payout_state == PayoutState.PAID_OUT:
                    paid += share
                elif purchase.payout_state in (PayoutState.HELD, PayoutState.IN_PAYOUT):
                    if release_at <= now:
                        ready += share
                    else:
                        held += share
        return AdvisorEarnings(
            Money(held, currency),
            Money(ready, currency),
            Money(paid, currency),
            bool(account and account.payouts_enabled),
        )

    # -- documents --------------------------------------------------------------------------

    async def receipt_file(
        self, receipt_id: int, *, client_id: int | None = None, advisor_id: int | None = None
    ) -> ReceiptFile:
        """A stored receipt or credit note, for an adapter to send; only to its buyer (or the
        advisor paid by it)."""
        async with self.db.uow() as uow:
            pair = (
                await uow.session.execute(
                    select(Receipt, Purchase)
                    .join(Purchase, Purchase.id == Receipt.purchase_id)
                    .where(Receipt.id == receipt_id)
                )
            ).first()
            if pair is None:
                raise NotFound("That receipt could not be found.")
            receipt, purchase = pair
            allowed = (client_id is not None and purchase.client_id == client_id) or (
                advisor_id is not None and purchase.advisor_id == advisor_id
            )
            if not allowed:
                raise NotFound("That receipt could not be found.")
            pdf = await receipt_pdf(uow, receipt, self.fonts)
            await uow.commit()
            return ReceiptFile(receipt.id, receipt.number, receipt.filename, pdf)


# -- things other parts of core call inside their own transactions ---------------------------


def refundable_left(purchase: Purchase) -> int:
    """What a refund of the service price can still return (minor units): the service price,
    less refunds made outside Pathwise and the team's goodwill refunds; the handling fee is
    never part of it."""
    elsewhere = sum(
        r.amount_minor
        for r in purchase.refunds
        if r.kind in (RefundKind.EXTERNAL, RefundKind.GOODWILL) and r.status != RefundStatus.FAILED
    )
    return max(0, purchase.service_minor - elsewhere)


def unsettled_no_show(booking: Booking | None, purchase: Purchase) -> bool:
    """The advisor did not show up and the client has not moved the session to a new time
    (a new time starts after the no-show was seen)."""
    if purchase.advisor_no_show_at is None:
        return False
    return booking is None or booking.starts_at is None or (
        booking.starts_at <= purchase.advisor_no_show_at
    )


async def report_advisor_no_show(uow: UnitOfWork, booking_id: int, now: datetime) -> bool:
    """The sessions part saw the advisor not turn up: the client may ask for the money-back
    refund at once. Runs in the caller's unit of work; False if the booking has no paid
    purchase."""
    purchase = await uow.session.scalar(
        select(Purchase)
        .where(Purchase.purchase_key == f"booking:{booking_id}")
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if purchase is None or purchase.status != PurchaseStatus.PAID:
        return False
    if purchase.advisor_no_show_at is None:
        purchase.advisor_no_show_at = now
        purchase.updated_at = now
    return True


async def _release_times(
    uow: UnitOfWork, purchases: list[Purchase], settings: Settings
) -> list[tuple[Purchase, datetime]]:
    """When each purchase's money may go to the advisor: a session's when its guarantee window
    closes; a tip's at the same time, or when paid if that is later."""
    booking_ids = {p.booking_id for p in purchases if p.booking_id is not None}
    bookings: dict[int, Booking] = {}
    booking_purchases: dict[int, Purchase] = {}
    if booking_ids:
        for booking in await uow.session.scalars(
            select(Booking).where(Booking.id.in_(booking_ids)).options(selectinload(Booking.offer))
        ):
            bookings[booking.id] = booking
        for purchase in await uow.session.scalars(
            select(Purchase).where(Purchase.purchase_key.in_([f"booking:{i}" for i in booking_ids]))
        ):
            if purchase.booking_id is not None:
                booking_purchases[purchase.booking_id] = purchase
    result = []
    for purchase in purchases:
        booking_of = bookings.get(purchase.booking_id) if purchase.booking_id else None
        paid_at = purchase.paid_at or purchase.created_at
        if purchase.kind == PurchaseKind.BOOKING:
            release = guarantee_window(booking_of, purchase, settings)[1]
        else:
            main = booking_purchases.get(purchase.booking_id) if purchase.booking_id else None
            release = paid_at
            if main is not None and main.paid_at is not None:
                release = max(paid_at, guarantee_window(booking_of, main, settings)[1])
        result.append((purchase, release))
    return result


async def release_due_payouts(
    db: Database, gateway: PaymentGateway, settings: Settings, now: datetime
) -> PayoutRun:
    """Transfer advisors' shares whose guarantee windows have passed without a refund.

    Idempotent and safe for two workers at once: purchases are claimed into a payout under
    row locks (``SKIP LOCKED`` on PostgreSQL), each transfer carries the payout's idempotency
    key, and a payout is marked paid only by the worker that holds its lock. Advisors not yet
    onboarded keep accruing; their shares are paid by the first run after they are.
    """
    run = PayoutRun()
    await _claim_due_purchases(db, settings, now, run)
    async with db.uow() as uow:
        due_ids = list(
            await uow.session.scalars(
                select(Payout.id).where(Payout.status == PayoutStatus.DUE.value).order_by(Payout.id)
            )
        )
    for payout_id in due_ids:
        await _transfer_payout(db, gateway, settings, payout_id, now, run)
    await _reverse_lost_disputes(db, gateway, now, run)
    return run


async def _reverse_lost_disputes(
    db: Database, gateway: PaymentGateway, now: datetime, run: PayoutRun
) -> None:
    """Take back the transfer of an advisor's share whose payment's dispute was lost after
    the payout (the dispute event cannot call Stripe inside its transaction)."""
    async with db.uow() as uow:
        due = list(

                await uow.session.execute(
                    select(Purchase.id, Payout.id, Payout.stripe_transfer_id)
                    .join(Payout, Payout.id == Purchase.payout_id)
                    .where(Purchase.payout_state == PayoutState.REVERSAL_DUE.value)
                    .where(Payout.status == PayoutStatus.PAID.value)
                    .order_by(Purchase.id)
                )

        )
    for purchase_id, payout_id, transfer_id in due:
        if transfer_id is None:
            continue
        async with db.uow() as uow:
            purchase, _ = await _lock_purchase(uow, purchase_id)
            if purchase is None or purchase.payout_state != PayoutState.REVERSAL_DUE:
                continue
            share = purchase.advisor_share
            key = f"reversal-{purchase.idempotency_key}"
            try:
                reversal_id = await gateway.reverse_transfer(
                    transfer_id=transfer_id,
                    amount=share,
                    idempotency_key=key,
                    metadata={"purchase_id": str(purchase.id), "payout_id": str(payout_id)},
                )
            except PathwiseError as error:
                log.warning(
                    "reversal for purchase %s failed (%s); retried next run",
                    purchase.id,
                    type(error).__name__,
                )
                continue
            purchase.payout_state = PayoutState.REVERSED.value
            purchase.updated_at = now
            await ledger.post(
                uow,
                key=f"{ledger.REVERSAL_KEY}{reversal_id}",
                kind=TransactionKind.REVERSAL,
                postings=ledger.reversal_postings(reversed_amount=share),
                now=now,
                purchase_id=purchase.id,
                payout_id=payout_id,
                memo=f"transfer reversal {reversal_id} after a lost dispute",
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="dispute_closed",
                text=(
                    f"Transfer {transfer_id} reversed by {share.format()} ({reversal_id}) for "
                    f"purchase #{purchase.id}, whose dispute was lost."
                ),
                dedupe_key=f"reversal:{purchase.id}",
                now=now,
            )
            await uow.commit()
            run.reversed.append(payout_id)


async def _claim_due_purchases(
    db: Database, settings: Settings, now: datetime, run: PayoutRun
) -> None:
    """Group purchases whose money is due into payouts, one per advisor and booking."""
    async with db.uow() as uow:
        await _serialize_writers(uow)
        candidates = list(
            await uow.session.scalars(
                select(Purchase)
                .where(Purchase.payout_state == PayoutState.HELD.value)
                .where(Purchase.status == PurchaseStatus.PAID.value)
                .order_by(Purchase.id)
            )
        )
        due = [
            p.id for p, release in await _release_times(uow, candidates, settings) if release <= now
        ]
        if not due:
            return
        locked = list(
            await uow.session.scalars(
                select(Purchase)
                .where(Purchase.id.in_(due))
                .where(Purchase.payout_state == PayoutState.HELD.value)
                .order_by(Purchase.id)
                .with_for_update(skip_locked=True)
                .execution_options(populate_existing=True)
            )
        )
        pending_refunds = set(
            await uow.session.scalars(
                select(Refund.purchase_id)
                .where(Refund.purchase_id.in_([p.id for p in locked]))
                .where(Refund.status == RefundStatus.PENDING.value)
            )
        )
        accounts = {
            a.advisor_id: a
            for a in await uow.session.scalars(
                select(AdvisorPayoutAccount).where(
                    AdvisorPayoutAccount.advisor_id.in_({p.advisor_id for p in locked})
                )
            )
        }
        groups: dict[tuple[int, int | None, str], list[Purchase]] = defaultdict(list)
        bookings_of = {
            b.id: b
            for b in await uow.session.scalars(
                select(Booking).where(
                    Booking.id.in_({p.booking_id for p in locked if p.booking_id})
                )
            )
        }
        cancelled = {
            b.id for b in bookings_of.values() if b.status == BookingStatus.CANCELLED.value
        }
        for purchase in locked:
            if purchase.id in pending_refunds:
                continue  # a refund is being made: decide after Stripe answers
            if purchase.disputed_at is not None and purchase.dispute_status != DisputeStatus.WON:
                continue  # only money that stays is paid out
            if purchase.kind == PurchaseKind.BOOKING and unsettled_no_show(
                bookings_of.get(purchase.booking_id) if purchase.booking_id else None, purchase
            ):
                continue  # a no-show is refunded, never paid out
            if purchase.kind == PurchaseKind.BOOKING and purchase.booking_id in cancelled:
                continue  # cancelled: its refund is due, not a payout
            account = accounts.get(purchase.advisor_id)
            if account is None or not account.payouts_enabled:
                run.waiting_for_onboarding.add(purchase.advisor_id)
                continue
            groups[(purchase.advisor_id, purchase.booking_id, purchase.currency)].append(purchase)
        for (advisor_id, booking_id, currency), members in groups.items():
            gross = sum(p.service_minor + p.tip_minor for p in members)
            commission = sum(p.commission_minor for p in members)
            if gross - commission <= 0:
                for purchase in members:
                    purchase.payout_state = PayoutState.NOTHING_DUE.value
                continue
            payout = Payout(
                advisor_id=advisor_id,
                booking_id=booking_id,
                status=PayoutStatus.DUE.value,
                currency=currency,
                gross_minor=gross,
                commission_minor=commission,
                net_minor=gross - commission,
                destination_account=accounts[advisor_id].stripe_account_id,
                transfer_group=f"booking_{booking_id}" if booking_id else f"advisor_{advisor_id}",
                idempotency_key=f"payout-{uuid.uuid4().hex}",
                created_at=now,
            )
            uow.session.add(payout)
            await uow.session.flush()
            for purchase in members:
                purchase.payout_state = PayoutState.IN_PAYOUT.value
                purchase.payout_id = payout.id
                purchase.updated_at = now
        await uow.commit()


async def _transfer_payout(
    db: Database,
    gateway: PaymentGateway,
    settings: Settings,
    payout_id: int,
    now: datetime,
    run: PayoutRun,
) -> None:
    """Make one payout's transfer while holding its row lock; then ledger and statement.

    SQLite gets no early write lock here (it would block every writer during the network
    call); there the conditional UPDATE below decides which of two workers records it.
    """
    async with db.uow() as uow:
        payout = await uow.session.scalar(
            select(Payout)
            .where(Payout.id == payout_id)
            .where(Payout.status == PayoutStatus.DUE.value)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if payout is None:
            return  # another worker has it, or it is done
        try:
            made = await gateway.create_transfer(
                amount=payout.net,
                destination=payout.destination_account,
                transfer_group=payout.transfer_group,
                idempotency_key=payout.idempotency_key,
                metadata={"payout_id": str(payout.id), "advisor_id": str(payout.advisor_id)},
            )
        except PaymentsUnavailable:
            run.retry_later.append(payout.id)
            return
        except PaymentProviderError as error:
            payout.status = PayoutStatus.FAILED.value
            await uow.session.execute(
                update(Purchase)
                .where(Purchase.payout_id == payout.id)
                .values(payout_state=PayoutState.ON_HOLD.value, updated_at=now)
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="payout_failed",
                text=(
                    f"Stripe refused payout #{payout.id} of {payout.net.format()} to advisor "
                    f"#{payout.advisor_id} ({error.code or 'no code'}). Its purchases are on hold."
                ),
                dedupe_key=f"payout_failed:{payout.id}",
                now=now,
            )
            await uow.commit()
            run.failed.append(payout.id)
            return
        # Marked paid only if still due: on SQLite (no row locks) a second worker can get this
        # far with the same transfer (same idempotency key); only one of them records it.
        marked = await uow.session.execute(
            update(Payout)
            .where(Payout.id == payout.id)
            .where(Payout.status == PayoutStatus.DUE.value)
            .values(status=PayoutStatus.PAID.value, stripe_transfer_id=made.id, paid_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(marked, "rowcount", 1) != 1:
            await uow.rollback()
            return
        members = list(
            await uow.session.scalars(
                select(Purchase).where(Purchase.payout_id == payout.id).order_by(Purchase.id)
            )
        )
        for purchase in members:
            purchase.payout_state = PayoutState.PAID_OUT.value
            purchase.updated_at = now
        await ledger.post(
            uow,
            key=f"payout:{payout.id}",
            kind=TransactionKind.PAYOUT,
            postings=ledger.payout_postings(net=payout.net, advisor_id=payout.advisor_id),
            now=now,
            payout_id=payout.id,
            memo=f"transfer {made.id}",
        )
        await outbox.enqueue(
            uow,
            audience=Audience.ADVISOR,
            kind="payout_statement",
            advisor_id=payout.advisor_id,
            text=_statement(payout, members, made.id, now, settings),
            data={"payout_id": payout.id, "booking_id": payout.booking_id},
            dedupe_key=f"payout_statement:{payout.id}",
            now=now,
        )
        await uow.commit()
        run.paid.append(payout.id)


def _statement(
    payout: Payout, members: list[Purchase], transfer_id: str, now: datetime, settings: Settings
) -> str:
    """The advisor's payout statement: what was earned, the commission, what was paid."""
    locale = settings.locale

    def fmt(minor: int) -> str:
        return Money(minor, payout.currency).format(locale)

    rows = [f"Payout statement — {now:%d %b %Y}"]
    for purchase in members:
        if purchase.service_minor:
            rows.append(f"  {purchase.description}: {fmt(purchase.service_minor)}")
        if purchase.tip_minor:
            rows.append(f"  {purchase.description}: {fmt(purchase.tip_minor)}")
    rows += [
        f"Gross: {fmt(payout.gross_minor)}",
        f"Commission: {fmt(payout.commission_minor)}",
        f"Net paid to you: {fmt(payout.net_minor)}",
        f"Date: {now:%d %b %Y}",
        f"Stripe transfer: {transfer_id}",
    ]
    return "\n".join(rows)
