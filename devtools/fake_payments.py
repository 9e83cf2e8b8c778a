"""An in-memory payment gateway, for unit tests, the benchmark and offline runs."""

from __future__ import annotations

from typing import Any

from core.errors import PathwiseError
from core.money import Money
from core.payments.gateway import (
    CheckoutRequest,
    CheckoutSession,
    ConnectAccount,
    PaymentDetails,
    PaymentGateway,
    RefundResult,
    StripeRefund,
    TransferResult,
)


class FakePaymentGateway(PaymentGateway):
    """An in-memory :class:`PaymentGateway` that keeps Stripe's promises that billing relies
    on: the same idempotency key gives the same object, and failures can be queued with
    :meth:`fail_next` to play 429s, 500s and timeouts (as the domain errors they become)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (method, idempotency key or id)
        self.checkouts: dict[str, CheckoutSession] = {}
        self.checkout_requests: dict[str, CheckoutRequest] = {}
        self.refunds: dict[str, RefundResult] = {}
        self.accounts: dict[str, ConnectAccount] = {}
        self.transfers: dict[
            str, tuple[TransferResult, str, str]
        ] = {}  # key -> (made, dest, group)
        self.details = PaymentDetails(brand="visa", last4="4242")
        self.refund_status = "succeeded"
        self.charge_refunds: dict[str, list[StripeRefund]] = {}  # what list_refunds answers
        self.intent_metadata: dict[str, dict[str, str]] = {}
        self.reversals: dict[str, tuple[str, Money]] = {}  # key -> (transfer id, amount)
        self._by_key: dict[str, Any] = {}
        self._failures: dict[str, list[PathwiseError]] = {}
        self._count = 0

    def fail_next(self, method: str, *errors: PathwiseError) -> None:
        """Make the next calls of ``method`` raise these errors, in order."""
        self._failures.setdefault(method, []).extend(errors)

    def _enter(self, method: str, key: str) -> None:
        self.calls.append((method, key))
        queued = self._failures.get(method)
        if queued:
            raise queued.pop(0)

    def _id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_fake_{self._count:06d}"

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        self._enter("create_checkout", request.idempotency_key)
        if request.idempotency_key in self._by_key:
            made: CheckoutSession = self._by_key[request.idempotency_key]
            return made
        session_id = self._id("cs")
        session = CheckoutSession(
            id=session_id,
            url=f"https://checkout.stripe.test/pay/{session_id}",
            status="open",
            expires_at=request.expires_at,
        )
        self._by_key[request.idempotency_key] = session
        self.checkouts[session_id] = session
        self.checkout_requests[session_id] = request
        return session

    async def payment_details(self, payment_intent_id: str) -> PaymentDetails:
        self._enter("payment_details", payment_intent_id)
        return self.details

    async def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount: Money,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> RefundResult:
        self._enter("create_refund", idempotency_key)
        if idempotency_key in self._by_key:
            done: RefundResult = self._by_key[idempotency_key]
            return done
        refund = RefundResult(id=self._id("re"), status=self.refund_status, amount=amount)
        self._by_key[idempotency_key] = refund
        self.refunds[refund.id] = refund
        return refund

    async def create_connect_account(
        self, *, advisor_id: int, email: str | None, idempotency_key: str
    ) -> ConnectAccount:
        self._enter("create_connect_account", idempotency_key)
        if idempotency_key in self._by_key:
            existing: ConnectAccount = self._by_key[idempotency_key]
            return existing
        account = ConnectAccount(
            id=self._id("acct"), details_submitted=False, payouts_enabled=False
        )
        self._by_key[idempotency_key] = account
        self.accounts[account.id] = account
        return account

    async def create_onboarding_link(
        self, *, account_id: str, refresh_url: str, return_url: str
    ) -> str:
        self._enter("create_onboarding_link", account_id)
        return f"https://connect.stripe.test/setup/{account_id}"

    async def create_transfer(
        self,
        *,
        amount: Money,
        destination: str,
        transfer_group: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> TransferResult:
        self._enter("create_transfer", idempotency_key)
        if idempotency_key in self.transfers:
            return self.transfers[idempotency_key][0]
        made = TransferResult(id=self._id("tr"), amount=amount)
        self.transfers[idempotency_key] = (made, destination, transfer_group)
        return made

    async def list_refunds(self, charge_id: str) -> list[StripeRefund]:
        self._enter("list_refunds", charge_id)
        return list(self.charge_refunds.get(charge_id, []))

    async def payment_metadata(self, payment_intent_id: str) -> dict[str, str]:
        self._enter("payment_metadata", payment_intent_id)
        return dict(self.intent_metadata.get(payment_intent_id, {}))

    async def reverse_transfer(
        self, *, transfer_id: str, amount: Money, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        self._enter("reverse_transfer", idempotency_key)
        if idempotency_key not in self.reversals:
            self.reversals[idempotency_key] = (transfer_id, amount)
        return f"trr_fake_{list(self.reversals).index(idempotency_key) + 1:06d}"
