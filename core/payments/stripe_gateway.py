"""The payment gateway over the real Stripe SDK's async methods (httpx), with retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe

from core.config import Settings
from core.money import Money, to_stripe_amount
from core.payments.gateway import (
    CheckoutRequest,
    CheckoutSession,
    ConnectAccount,
    PaymentDetails,
    PaymentProviderError,
    PaymentsUnavailable,
    RefundResult,
    StripeRefund,
    TransferResult,
)

log = logging.getLogger("core.payments_gateway")  # the name operators know its lines by

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a call Stripe could not answer."""

    attempts: int = 3
    delays: tuple[float, ...] = (0.5, 2.0)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if not self.delays:
            return 0.0
        return self.delays[min(attempt - 1, len(self.delays) - 1)]


# -- Stripe -------------------------------------------------------------------------------


def build_stripe_client(
    settings: Settings, *, http_client: stripe.HTTPClient | None = None, timeout: float = 20.0
) -> stripe.StripeClient:
    """The composition root's Stripe client: the secret key, the API base (a local stand-in
    in tests and the demo), and an httpx transport for the async methods.

    The SDK's own retries are off: :class:`StripeGateway` retries 429, 5xx and timeouts
    itself, with the same idempotency key, so there is one retry policy, not two.
    """
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        settings.require("stripe_secret_key"),
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=0,
        http_client=http_client or stripe.HTTPXClient(timeout=timeout),
    )


def _plain_metadata(obj: Any) -> dict[str, str]:
    """A Stripe object's metadata as a plain dict of strings."""
    metadata = getattr(obj, "metadata", None)
    if metadata is None:
        return {}
    plain = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(key): str(value) for key, value in plain.items()}


def _transient(error: stripe.StripeError) -> bool:
    """Errors worth another try with the same idempotency key."""
    if isinstance(error, stripe.RateLimitError | stripe.APIConnectionError):
        return True
    if isinstance(error, stripe.APIError):  # 5xx
        return True
    status = error.http_status
    return status is not None and (status == 409 or status >= 500)


class StripeGateway:
    """:class:`PaymentGateway` over the real Stripe SDK's async methods."""

    def __init__(
        self,
        client: stripe.StripeClient,
        retry: RetryPolicy | None = None,
        *,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        self._client = client
        self._retry = retry or RetryPolicy()
        self._http = http_client

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout: float = 20.0, retry: RetryPolicy | None = None
    ) -> StripeGateway:
        """A gateway with its own httpx transport; close it with :meth:`aclose` at shutdown."""
        http = stripe.HTTPXClient(timeout=timeout)
        return cls(build_stripe_client(settings, http_client=http), retry, http_client=http)

    async def aclose(self) -> None:
        """Close the HTTP transport this gateway made (if it made one)."""
        if self._http is not None:
            await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call``; retry transient failures, then map Stripe's errors to domain errors."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except stripe.StripeError as error:
                if not _transient(error):
                    log.error(
                        "Stripe refused %s: %s (code %s, status %s)",
                        what,
                        type(error).__name__,
                        error.code,
                        error.http_status,
                    )
                    raise PaymentProviderError(code=error.code) from error
                if attempt >= self._retry.attempts:
                    log.warning(
                        "Stripe unavailable for %s after %s attempts: %s (status %s)",
                        what,
                        attempt,
                        type(error).__name__,
                        error.http_status,
                    )
                    raise PaymentsUnavailable() from error
                log.info(
                    "Stripe %s failed (%s, status %s); retry %s",
                    what,
                    type(error).__name__,
                    error.http_status,
                    attempt,
                )
                await self._retry.sleep(self._retry.delay(attempt))

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        line_items: list[dict[str, Any]] = []
        for line in request.lines:
            unit_amount, currency = to_stripe_amount(line.amount)
            product: dict[str, Any] = {"name": line.name}
            if line.description:
                product["description"] = line.description
            line_items.append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": unit_amount,
                        "product_data": product,
                    },
                }
            )
        intent_data: dict[str, Any] = {"metadata": dict(request.metadata)}
        if request.transfer_group:
            intent_data["transfer_group"] = request.transfer_group
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": line_items,
            "metadata": dict(request.metadata),
            "client_reference_id": request.client_reference_id,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
            "payment_intent_data": intent_data,
            "locale": request.locale,
        }
        checkout = await self._call(
            "checkout creation",
            lambda: self._client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            ),
        )
        return CheckoutSession(
            id=checkout.id,
            url=checkout.url,
            status=str(checkout.status),
            expires_at=datetime.fromtimestamp(checkout.expires_at, UTC),
        )

    async def payment_details(self, payment_intent_id: str) -> PaymentDetails:
        intent = await self._call(
            "payment lookup",
            lambda: self._client.v1.payment_intents.retrieve_async(
                payment_intent_id, {"expand": ["latest_charge"]}
            ),
        )
        charge: Any = intent.latest_charge
        details = getattr(charge, "payment_method_details", None)
        card = getattr(details, "card", None) if details is not None else None
        if card is None:
            return PaymentDetails()
        last4 = getattr(card, "last4", None)
        brand = getattr(card, "brand", None)
        return PaymentDetails(
            brand=str(brand) if brand else None,
            last4=str(last4) if last4 and len(str(last4)) == 4 else None,
        )

    async def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundResult:
        minor, _currency = to_stripe_amount(amount)
        refund = await self._call(
            "refund",
            lambda: self._client.v1.refunds.create_async(
                {
                    "payment_intent": payment_intent_id,
                    "amount": minor,
                    "reason": "requested_by_customer",
                    "metadata": metadata,
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        return RefundResult(
            id=refund.id,
            status=str(refund.status),
            amount=Money(int(refund.amount), str(refund.currency).upper()),
        )

    async def create_connect_account(
        self, *, advisor_id: int, email: str | None, idempotency_key: str
    ) -> ConnectAccount:
        params: dict[str, Any] = {
            "type": "express",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"advisor_id": str(advisor_id)},
        }
        if email:
            params["email"] = email
        account = await self._call(
            "connect account creation",
            lambda: self._client.v1.accounts.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            ),
        )
        return ConnectAccount(
            id=account.id,
            details_submitted=bool(account.details_submitted),
            payouts_enabled=bool(account.payouts_enabled),
        )

    async def create_onboarding_link(
        self, *, account_id: str, refresh_url: str, return_url: str
    ) -> str:
        link = await self._call(
            "onboarding link",
            lambda: self._client.v1.account_links.create_async(
                {
                    "account": account_id,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            ),
        )
        return str(link.url)

    async def create_transfer(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> TransferResult:
        minor, currency = to_stripe_amount(amount)
        made = await self._call(
            "transfer",
            lambda: self._client.v1.transfers.create_async(
                {
                    "amount": minor,
                    "currency": currency,
                    "destination": destination,
                    "transfer_group": transfer_group,
                    "metadata": metadata,
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        return TransferResult(id=made.id, amount=Money(int(made.amount), str(made.currency)))

    async def list_refunds(self, charge_id: str) -> list[StripeRefund]:
        found: list[StripeRefund] = []
        params: Any = {"charge": charge_id, "limit": 100}
        while True:
            page = await self._call(
                "refund list",
                lambda asked=params: self._client.v1.refunds.list_async(asked),  # type: ignore[misc]
            )
            for refund in page.data:
                found.append(
                    StripeRefund(
                        id=str(refund.id),
                        status=str(refund.status),
                        amount=int(refund.amount),
                        currency=str(refund.currency).upper(),
                        metadata=_plain_metadata(refund),
                    )
                )
            if not page.has_more or not page.data:
                return found
            params = {**params, "starting_after": page.data[-1].id}

    async def payment_metadata(self, payment_intent_id: str) -> dict[str, str]:
        intent = await self._call(
            "payment lookup",
            lambda: self._client.v1.payment_intents.retrieve_async(payment_intent_id),
        )
        return _plain_metadata(intent)

    async def reverse_transfer(
        self, *, transfer_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        minor, _currency = to_stripe_amount(amount)
        made = await self._call(
            "transfer reversal",
            lambda: self._client.v1.transfers.reversals.create_async(
                transfer_id,
                {"amount": minor, "metadata": metadata},
                {"idempotency_key": idempotency_key},
            ),
        )
        return str(made.id)
