"""Billing: fee rules and quotes, Stripe Checkout, webhooks, refunds, tips, payouts.

The rules of DESIGN.md, kept in :mod:`core.payments`:

* every purchase except a tip carries the flat handling fee, shown as its own line and
  never refunded;
* the commission applies to the service price only; an advisor's share is
  service − commission + tips;
* the money-back guarantee returns the service price, from when the session ends (at once
  if the advisor did not show up) until the guarantee window closes;
* the advisor is paid, through Stripe Connect, once that window has passed without a refund.

Adapters call :class:`Billing` (built once by the composition root with the database, the
payment gateway, the settings and the clock); it delegates to the modules of
:mod:`core.payments`. Each state change happens in one unit of work together with its ledger
rows, its receipt and its outbox messages. Calls to Stripe happen outside database
transactions, with idempotency keys derived from the rows that caused them, so a retry never
charges, refunds or pays anyone twice.
"""

from __future__ import annotations

from core import scheduling
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.money import Money
from core.payments import checkout, earnings, issuing, payouts, refunds, stripe_events
from core.payments.checkout import Checkout
from core.payments.deps import BillingDeps
from core.payments.earnings import AdvisorEarnings
from core.payments.errors import (
    AlreadyPaid,
    AlreadyRefunded,
    HoldExpired,
    InvalidTip,
    NothingToRefund,
    NotYourBooking,
    PaymentUnderReview,
    RefundNotYetAvailable,
    RefundRefused,
    RefundWindowClosed,
    TipNotAllowed,
)
from core.payments.gateway import PaymentGateway
from core.payments.guarantee import report_advisor_no_show
from core.payments.issuing import ReceiptFile
from core.payments.payouts import PayoutRun, release_due_payouts
from core.payments.pricing import (
    LineKind,
    Quote,
    advisor_share,
    commission_on,
    parse_tip,
    quote_service,
    quote_tip,
    tip_presets,
)
from core.payments.refunds import RefundOutcome, RefundPreview
from core.payments.stripe_events import WEBHOOK_EVENT_TYPES
from core.payments.stripe_parse import WebhookResult
from core.receipts import ReceiptFonts

__all__ = [
    "WEBHOOK_EVENT_TYPES",
    "AlreadyPaid",
    "AlreadyRefunded",
    "Billing",
    "HoldExpired",
    "InvalidTip",
    "LineKind",
    "NotYourBooking",
    "NothingToRefund",
    "PaymentUnderReview",
    "RefundNotYetAvailable",
    "RefundRefused",
    "RefundWindowClosed",
    "TipNotAllowed",
    "WebhookResult",
    "advisor_share",
    "commission_on",
    "parse_tip",
    "quote_service",
    "quote_tip",
    "release_due_payouts",
    "report_advisor_no_show",
    "tip_presets",
]


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
        self.deps = BillingDeps(db, gateway, settings, clock, self.rules, fonts)

    # -- quotes and checkout ----------------------------------------------------------------

    async def quote_booking(self, booking_id: int, client_id: int) -> Quote:
        """The itemized price of a held booking, to show before the Pay button."""
        return await checkout.quote_booking(self.deps, booking_id, client_id)

    async def start_checkout(self, booking_id: int, client_id: int) -> Checkout:
        """The Stripe Checkout link for a held booking. Pressing Pay again while it is open
        returns the same link; it never makes a second checkout."""
        return await checkout.start_checkout(self.deps, booking_id, client_id)

    # -- tips -------------------------------------------------------------------------------

    def tip_options(self) -> list[Money]:
        """The preset tip amounts (a custom amount is also accepted; see :func:`parse_tip`)."""
        return tip_presets(self.settings)

    async def quote_tip(self, booking_id: int, client_id: int, amount: Money) -> Quote:
        """The tip's quote (one line, no fee), after checking the amount and the booking."""
        return await checkout.quote_booking_tip(self.deps, booking_id, client_id, amount)

    async def start_tip_checkout(self, booking_id: int, client_id: int, amount: Money) -> Checkout:
        """A separate Checkout with the tip line only. The same tip asked again while its
        checkout is open returns the same link."""
        return await checkout.start_tip_checkout(self.deps, booking_id, client_id, amount)

    # -- webhooks ---------------------------------------------------------------------------

    async def handle_webhook(self, raw_body: bytes, signature_header: str) -> WebhookResult:
        """Verify, record once and apply one Stripe event. The web adapter answers Stripe with
        the returned status; an exception (database down) should become a 500 so Stripe retries.

        A duplicate is recognised before any call to Stripe. A signed body that is not a
        well-formed event is answered 400 (with a log line naming the event id). An event about
        a payment whose checkout has not completed here yet is answered 409 and not recorded,
        so Stripe delivers it again later.
        """
        return await stripe_events.handle_webhook(self.deps, raw_body, signature_header)

    # -- the money-back guarantee -----------------------------------------------------------

    async def preview_refund(self, booking_id: int, client_id: int) -> RefundPreview:
        """What the guarantee would give back (the service price) and keep (the fee; tips are
        not touched). Raises the refusal if the client may not have a refund now."""
        return await refunds.preview_refund(self.deps, booking_id, client_id)

    async def request_refund(self, booking_id: int, client_id: int) -> RefundOutcome:
        """Refund the service price under the guarantee: a Stripe Refund of exactly that
        amount, once. Asking again while Stripe is busy resumes the same refund."""
        return await refunds.refund(self.deps, booking_id, client_id, cancellation=False)

    async def refund_cancelled_booking(self, booking_id: int, client_id: int) -> RefundOutcome:
        """Refund the service price of a paid booking the client cancelled in time (scheduling's
        ``cancel_booking`` decides that); the handling fee is kept, as with every refund."""
        return await refunds.refund(self.deps, booking_id, client_id, cancellation=True)

    async def refund_unanswered_no_shows(self) -> list[int]:
        """Refund the service price (the fee stays) of each no-show whose client chose neither
        a refund nor a new time before the guarantee window closed; the booking ids."""
        return await refunds.refund_unanswered_no_shows(self.deps)

    # -- payouts ----------------------------------------------------------------------------

    async def start_payout_onboarding(
        self, advisor_id: int, *, refresh_url: str, return_url: str, email: str | None = None
    ) -> str:
        """A Stripe onboarding link for the advisor's Express account (made on first use)."""
        return await earnings.start_payout_onboarding(
            self.deps, advisor_id, refresh_url=refresh_url, return_url=return_url, email=email
        )

    async def release_due_payouts(self) -> PayoutRun:
        """Pay advisors whose guarantee windows have passed (the tick calls this). First, the
        no-shows the client left unanswered are refunded, so they are never paid out."""
        no_shows = await self.refund_unanswered_no_shows()
        run = await payouts.release_due_payouts(
            self.db, self.gateway, self.settings, self.clock.now()
        )
        run.no_show_refunds = no_shows
        return run

    async def advisor_earnings(self, advisor_id: int) -> AdvisorEarnings:
        """An advisor's held, ready-to-pay and paid-out money."""
        return await earnings.advisor_earnings(self.deps, advisor_id)

    # -- documents --------------------------------------------------------------------------

    async def receipt_file(
        self, receipt_id: int, *, client_id: int | None = None, advisor_id: int | None = None
    ) -> ReceiptFile:
        """A stored receipt or credit note, for an adapter to send; only to its buyer (or the
        advisor paid by it)."""
        return await issuing.receipt_file(
            self.deps, receipt_id, client_id=client_id, advisor_id=advisor_id
        )
