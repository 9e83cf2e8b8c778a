"""Reading request parameters the way Stripe validates them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devtools.stripe_sandbox.errors import bad_param

Params = dict[str, Any]


def check_known(params: Params, allowed: Iterable[str], prefix: str = "") -> None:
    """Refuse parameters the endpoint does not take, as Stripe does."""
    known = {*allowed, "expand"}
    for name in params:
        if name not in known:
            full = f"{prefix}[{name}]" if prefix else name
            raise bad_param(full, f"Received unknown parameter: {full}", "parameter_unknown")


def require(params: Params, name: str, label: str | None = None) -> Any:
    """A parameter that must be present."""
    value = params.get(name)
    if value is None or value == "":
        full = label or name
        raise bad_param(full, f"Missing required param: {full}.", "parameter_missing")
    return value


def integer(params: Params, name: str, label: str | None = None, *, minimum: int = 0) -> int | None:
    """An optional integer parameter (form values arrive as strings)."""
    value = params.get(name)
    if value is None:
        return None
    full = label or name
    try:
        number = int(str(value))
    except ValueError:
        raise bad_param(full, f"Invalid integer: {value}", "parameter_invalid_integer") from None
    if number < minimum:
        message = f"This value must be greater than or equal to {minimum}."
        raise bad_param(full, message, "parameter_invalid_integer")
    return number


def positive(params: Params, name: str, label: str | None = None) -> int | None:
    """An optional integer that must be at least 1 (amounts, quantities)."""
    return integer(params, name, label, minimum=1)


def one_of(params: Params, name: str, choices: Iterable[str]) -> str | None:
    """An optional enum parameter."""
    value = params.get(name)
    options = list(choices)
    if value is None or value in options:
        return value
    message = f"Invalid {name}: must be one of {', '.join(options)}"
    raise bad_param(name, message)


def metadata(params: Params) -> dict[str, str]:
    """Metadata as Stripe keeps it: string values, empty values dropped, Stripe's limits."""
    raw = params.get("metadata") or {}
    if not isinstance(raw, dict):
        raise bad_param("metadata", "Invalid hash")
    if len(raw) > 50:
        raise bad_param("metadata", "Metadata can have at most 50 keys.")
    for key, value in raw.items():
        if len(key) > 40 or len(str(value)) > 500:
            raise bad_param(f"metadata[{key}]", "Metadata keys are limited to 40 characters "
                            "and values to 500 characters.")
    return {str(k): str(v) for k, v in raw.items() if v != ""}


def expand_paths(params: Params) -> list[str]:
    """The ``expand[]`` list of a request."""
    value = params.get("expand") or []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise bad_param("expand", "Invalid array")
    return [str(v) for v in value]
