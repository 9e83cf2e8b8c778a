"""The payment provider, as billing sees it: the port and the values that cross it.

Billing talks to :class:`PaymentGateway` only. :mod:`core.payments.stripe_gateway` implements
it with the real ``stripe`` SDK; ``devtools.fake_payments`` holds an in-memory fake that
subclasses the port, and integration tests point the real SDK at the local stand-in through
``PATHWISE_STRIPE_API_BASE``.

Every call that moves money or creates something carries an idempotency key chosen by
billing from its own row ids, so a retry (ours, or the SDK's) never does a thing twice.
Rate limits (429), Stripe's 5xx and timeouts are retried with the same key; if they persist,
:class:`PaymentsUnavailable` tells the user to try again in a moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from core.errors import PathwiseError
from core.money import Money
from core.texts import payments as t

# -- errors -------------------------------------------------------------------------------


class PaymentsUnavailable(PathwiseError):
    """Stripe is busy or unreachable right now (rate limit, 5xx, timeout); nothing was lost."""

    user_message = t.UNAVAILABLE


class PaymentProviderError(PathwiseError):
    """Stripe refused the request for good (a bug or a setting); retrying will not help."""

    user_message = t.PROVIDER_ERROR

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


# -- what billing sends and gets back -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    """One line item of a Checkout Session."""

    name: str
    amount: Money
    description: str | None = None


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """Everything a Checkout Session is made from; the same request gives the same session."""

    lines: tuple[CheckoutLine, ...]
    metadata: dict[str, str]
    client_reference_id: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    transfer_group: str | None = None
    # The language of Stripe's hosted page: the client's, or "auto" (the browser's).
    locale: str = "auto"


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str | None
    status: str  # open / complete / expired
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentDetails:
    """What the receipt may say about how the client paid: brand and last four, no more."""

    brand: str | None = None
    last4: str | None = None


@dataclass(frozen=True, slots=True)
class RefundResult:
    id: str
    status: str  # succeeded / pending / requires_action / failed / canceled
    amount: Money


@dataclass(frozen=True, slots=True)
class StripeRefund:
    """A refund as Stripe holds it, whoever made it (Pathwise, or someone in the Dashboard)."""

    id: str
    status: str  # succeeded / pending / requires_action / failed / canceled
    amount: int  # minor units
    currency: str  # upper case
    metadata: dict[str, str] = field(default_factory=dict)

    def as_event_object(self) -> dict[str, Any]:
        """The refund in the shape of a ``refund.*`` event's object."""
        return {
            "id": self.id,
            "object": "refund",
            "status": self.status,
            "amount": self.amount,
            "currency": self.currency.lower(),
            "metadata": dict(self.metadata),
        }


@dataclass(frozen=True, slots=True)
class ConnectAccount:
    id: str
    details_submitted: bool
    payouts_enabled: bool


@dataclass(frozen=True, slots=True)
class TransferResult:
    id: str
    amount: Money


# -- the port -----------------------------------------------------------------------------


class PaymentGateway(Protocol):
    """What billing needs from a payment provider."""

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def payment_details(self, payment_intent_id: str) -> PaymentDetails: ...

    async def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundResult: ...

    async def create_connect_account(
        self, *, advisor_id: int, email: str | None, idempotency_key: str
    ) -> ConnectAccount: ...

    async def create_onboarding_link(
        self, *, account_id: str, refresh_url: str, return_url: str
    ) -> str: ...

    async def create_transfer(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> TransferResult: ...

    async def list_refunds(self, charge_id: str) -> list[StripeRefund]:
        """Every refund of a charge (webhook payloads carry none since API 2022-11-15)."""
        ...

    async def payment_metadata(self, payment_intent_id: str) -> dict[str, str]:
        """The metadata Pathwise put on a PaymentIntent (its purchase id)."""
        ...

    async def reverse_transfer(
        self, *, transfer_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        """Take (part of) a transfer back from the advisor's account; the reversal's id."""
        ...
