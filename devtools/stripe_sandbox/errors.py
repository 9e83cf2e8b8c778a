"""Errors: the Stripe-shaped ones the API answers with, and the sandbox's own for misuse."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A control call that cannot be done (unknown id, session not open, ...)."""


class StripeApiError(Exception):
    """An error the stand-in answers with, shaped like Stripe's ``{"error": {...}}`` body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        # Stripe saves an idempotent result only once the endpoint began executing.
        self.saved = saved
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        """The JSON body Stripe would send."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def missing(kind: str, object_id: str, param: str | None = None) -> StripeApiError:
    """Stripe's answer to an id it does not know."""
    return StripeApiError(
        404 if param is None else 400,
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param or "id",
    )


def bad_param(param: str, message: str, code: str = "parameter_invalid") -> StripeApiError:
    """A parameter that failed validation (no idempotent result is saved)."""
    return StripeApiError(400, message, code=code, param=param, saved=False)
