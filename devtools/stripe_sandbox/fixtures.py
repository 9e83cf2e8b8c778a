"""Stripe's official example objects, the starting point of every object the stand-in returns.

``fixtures.json`` beside this file is a subset of ``fixtures3.json`` from Stripe's OpenAPI
repository (MIT licence, see ``FIXTURES_LICENSE``). Refresh it with
``python -m devtools.stripe_sandbox.fixtures /path/to/fixtures3.json``.
"""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES_PATH = Path(__file__).with_name("fixtures.json")

RESOURCES = (
    "account",
    "account_link",
    "charge",
    "checkout.session",
    "dispute",
    "event",
    "item",
    "payment_intent",
    "refund",
    "transfer",
    "transfer_reversal",
)


# Fields the fixtures show expanded that the pinned API version (2022-11-15 and later) leaves
# out of an object unless a request expands them; webhook payloads are never expanded.
NOT_IN_DEFAULT_SHAPE: dict[str, tuple[str, ...]] = {
    "charge": ("refunds",),
    "payment_intent": ("charges",),
}


def default_keys(resource: str) -> set[str]:
    """The keys an object of ``resource`` has in the pinned API version's default shape."""
    return set(fixture(resource)) - set(NOT_IN_DEFAULT_SHAPE.get(resource, ()))


@cache
def _load(path: Path) -> dict[str, Any]:
    """The ``resources`` map of a fixture file, read once per path."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["resources"]
    return data


def fixture(resource: str, path: Path = FIXTURES_PATH) -> dict[str, Any]:
    """A fresh deep copy of Stripe's example object for ``resource``."""
    return copy.deepcopy(_load(path)[resource])


def refresh(official: Path, target: Path = FIXTURES_PATH) -> None:
    """Rewrite the vendored subset from an official ``fixtures3.json``."""
    resources = json.loads(official.read_text(encoding="utf-8"))["resources"]
    subset = {name: resources[name] for name in RESOURCES}
    note = (
        "Subset of Stripe's official fixtures3.json (stripe/openapi, MIT licence, see "
        "FIXTURES_LICENSE); regenerate with python -m devtools.stripe_sandbox.fixtures PATH"
    )
    text = json.dumps({"_source": note, "resources": subset}, indent=2, sort_keys=True)
    target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    refresh(Path(sys.argv[1]))
