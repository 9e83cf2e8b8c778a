"""Fault injection: make the next requests to a path fail or hang, as Stripe sometimes does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devtools.stripe_sandbox.errors import StripeApiError

Failure = int | Literal["timeout"]


@dataclass
class FaultRule:
    """The next ``remaining`` requests whose path starts with ``path_prefix`` fail this way."""

    path_prefix: str
    failure: Failure
    remaining: int
    delay: float = 1.0
    method: str | None = None
    should_retry: bool | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        wanted = self.method is None or self.method.upper() == method.upper()
        return wanted and self.remaining > 0 and path.startswith(self.path_prefix)

    def error(self) -> StripeApiError:
        """The Stripe-shaped error this rule answers with (not for timeouts)."""
        assert isinstance(self.failure, int)
        headers = {}
        if self.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if self.should_retry else "false"
        if self.failure == 429:
            return StripeApiError(
                429,
                "Too many requests hit the API too quickly. We recommend an exponential "
                "backoff of your requests.",
                code="rate_limit",
                saved=False,
                headers=headers,
            )
        if self.failure == 409:
            return StripeApiError(
                409,
                "This object cannot be accessed right now because another API request or "
                "Stripe process is currently accessing it.",
                code="lock_timeout",
                saved=False,
                headers=headers,
            )
        kind = "api_error" if self.failure >= 500 else "invalid_request_error"
        message = "An unknown error occurred" if self.failure >= 500 else "Injected failure"
        return StripeApiError(self.failure, message, type=kind, saved=False, headers=headers)


class Faults:
    """The pending fault rules, first added first used."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        """Arm a rule."""
        if rule.failure != "timeout" and not isinstance(rule.failure, int):
            raise ValueError("failure must be an HTTP status or 'timeout'")
        self.rules.append(rule)

    def take(self, method: str, path: str) -> FaultRule | None:
        """The rule that applies to this request, used up by one."""
        for rule in self.rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        """Disarm every rule."""
        self.rules.clear()
