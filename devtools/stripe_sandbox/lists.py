"""The stand-in's list endpoints, paged as Stripe pages them.

Stripe lists newest first; ``limit`` (1-100, default 10) sets the page size, ``starting_after``
and ``ending_before`` take an object id from the previous page, ``has_more`` says whether
another page follows, and ``created[gte|gt|lte|lt]`` (or a bare ``created=<unix time>``)
filters by creation time. The SDK's ``auto_paging_iter`` follows ``starting_after`` with the
same filters, so a reconciliation reads every object however many pages there are.

These read the stand-in's objects directly, never the lists embedded in other objects (a
Charge carries no ``refunds`` list in the pinned API version).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from devtools.stripe_sandbox.api import Call, Handler
from devtools.stripe_sandbox.errors import bad_param, missing
from devtools.stripe_sandbox.objects import Obj, list_object
from devtools.stripe_sandbox.params import check_known, integer
from devtools.stripe_sandbox.state import StripeState

_PAGING = ("limit", "starting_after", "ending_before")
_CREATED_OPS = ("gt", "gte", "lt", "lte")


def _created_filter(params: Obj) -> Callable[[Obj], bool]:
    """``created`` as Stripe takes it: a unix time, or a hash of gt/gte/lt/lte bounds."""
    raw = params.get("created")
    if raw is None:
        return lambda obj: True
    if not isinstance(raw, dict):
        exact = integer(params, "created")
        return lambda obj: obj["created"] == exact
    bounds: dict[str, int] = {}
    for op, value in raw.items():
        if op not in _CREATED_OPS:
            raise bad_param(f"created[{op}]", f"Received unknown parameter: created[{op}]",
                            "parameter_unknown")
        number = integer({op: value}, op, f"created[{op}]")
        assert number is not None
        bounds[op] = number

    def keep(obj: Obj) -> bool:
        created = int(obj["created"])
        return (
            created > bounds.get("gt", created - 1)
            and created >= bounds.get("gte", created)
            and created < bounds.get("lt", created + 1)
            and created <= bounds.get("lte", created)
        )

    return keep


def page(url: str, items: list[Obj], params: Obj, resource: str) -> Obj:
    """One page of ``items`` (any order in; newest first out) as Stripe's list envelope."""
    limit = integer(params, "limit", minimum=1) or 10
    if limit > 100:
        raise bad_param("limit", "This value must be less than or equal to 100.")
    keep = _created_filter(params)
    # Newest first; objects made in the same second keep their reverse order of creation.
    ordered = [obj for obj in reversed(items) if keep(obj)]
    ordered.sort(key=lambda obj: -int(obj["created"]))
    ids = [obj["id"] for obj in ordered]
    after, before = params.get("starting_after"), params.get("ending_before")
    if after:
        if after not in ids:
            raise missing(resource, str(after), "starting_after")
        ordered = ordered[ids.index(after) + 1:]
    elif before:
        if before not in ids:
            raise missing(resource, str(before), "ending_before")
        newer = ordered[: ids.index(before)]
        data = [copy.deepcopy(obj) for obj in newer[-limit:]]
        return list_object(url, data, has_more=len(newer) > limit)
    data = [copy.deepcopy(obj) for obj in ordered[:limit]]
    return list_object(url, data, has_more=len(ordered) > limit)


def _matches(params: Obj, obj: Obj, names: tuple[str, ...]) -> bool:
    """Whether ``obj`` has the value each of the filter ``names`` asks for (if asked)."""
    return all(params.get(name) in (None, "") or obj.get(name) == params[name] for name in names)


def _lister(resource: str, url: str, filters: tuple[str, ...]) -> Handler:
    """A GET /v1/<resource> handler with paging, ``created`` and equality filters."""

    def handle(state: StripeState, call: Call) -> Obj:
        check_known(call.params, (*_PAGING, "created", *filters))
        items = [
            obj for obj in state.objects[resource].values() if _matches(call.params, obj, filters)
        ]
        return page(url, items, call.params, resource)

    handle.__doc__ = f"GET {url}."
    return handle


def list_reversals(state: StripeState, call: Call) -> Obj:
    """GET /v1/transfers/{id}/reversals, paged."""
    check_known(call.params, (*_PAGING, "created"))
    transfer_id = call.match["id"]
    state.get("transfer", transfer_id)
    items = [r for r in state.objects["transfer_reversal"].values() if r["transfer"] == transfer_id]
    return page(f"/v1/transfers/{transfer_id}/reversals", items, call.params, "transfer_reversal")


LIST_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/v1/charges", _lister("charge", "/v1/charges", ("payment_intent", "transfer_group"))),
    ("GET", "/v1/refunds", _lister("refund", "/v1/refunds", ("payment_intent", "charge"))),
    ("GET", "/v1/disputes", _lister("dispute", "/v1/disputes", ("payment_intent", "charge"))),
    (
        "GET",
        "/v1/transfers",
        _lister("transfer", "/v1/transfers", ("destination", "transfer_group")),
    ),
    ("GET", "/v1/transfers/{id}/reversals", list_reversals),
)
