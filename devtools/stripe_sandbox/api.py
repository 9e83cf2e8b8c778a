"""The Stripe API endpoints the stand-in serves: one small function per endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devtools.stripe_sandbox.objects import Obj
from devtools.stripe_sandbox.params import check_known, expand_paths
from devtools.stripe_sandbox.state import Origin, StripeState


@dataclass
class Call:
    """One API request, parsed: its params, the ids in its path, and who made it."""

    params: Obj
    match: dict[str, str]
    origin: Origin

    @property
    def expand(self) -> list[str]:
        """The request's ``expand[]`` paths."""
        return expand_paths(self.params)


Handler = Callable[[StripeState, Call], Obj]


def _retrieve(kind: str, key: str = "id") -> Handler:
    """A GET /v1/<resource>/{id} handler."""

    def handle(state: StripeState, call: Call) -> Obj:
        check_known(call.params, ())
        return state.render(state.get(kind, call.match[key]), call.expand)

    handle.__doc__ = f"GET one {kind}."
    return handle


def create_session(state: StripeState, call: Call) -> Obj:
    """POST /v1/checkout/sessions."""
    return state.render(state.create_session(call.params), call.expand)


def session_line_items(state: StripeState, call: Call) -> Obj:
    """GET /v1/checkout/sessions/{id}/line_items."""
    check_known(call.params, ("limit", "starting_after", "ending_before"))
    return state.session_line_items(call.match["id"])


def expire_session(state: StripeState, call: Call) -> Obj:
    """POST /v1/checkout/sessions/{id}/expire."""
    check_known(call.params, ())
    return state.render(state.expire_session(call.match["id"], call.origin), call.expand)


def create_refund(state: StripeState, call: Call) -> Obj:
    """POST /v1/refunds."""
    return state.render(state.create_refund(call.params, call.origin), call.expand)


def list_refunds(state: StripeState, call: Call) -> Obj:
    """GET /v1/refunds."""
    return state.list_refunds(call.params)


def create_account(state: StripeState, call: Call) -> Obj:
    """POST /v1/accounts."""
    return state.render(state.create_account(call.params), call.expand)


def create_account_link(state: StripeState, call: Call) -> Obj:
    """POST /v1/account_links."""
    return state.create_account_link(call.params)


def create_transfer(state: StripeState, call: Call) -> Obj:
    """POST /v1/transfers."""
    return state.render(state.create_transfer(call.params, call.origin), call.expand)


def create_reversal(state: StripeState, call: Call) -> Obj:
    """POST /v1/transfers/{id}/reversals."""
    made = state.create_reversal(call.match["id"], call.params, call.origin)
    return state.render(made, call.expand)


def list_reversals(state: StripeState, call: Call) -> Obj:
    """GET /v1/transfers/{id}/reversals."""
    check_known(call.params, ("limit", "starting_after", "ending_before"))
    return state.list_reversals(call.match["id"])


def list_events(state: StripeState, call: Call) -> Obj:
    """GET /v1/events."""
    check_known(call.params, ("limit", "starting_after", "type", "types"))
    return state.list_events(call.params)


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/v1/checkout/sessions", create_session),
    ("GET", "/v1/checkout/sessions/{id}", _retrieve("checkout.session")),
    ("GET", "/v1/checkout/sessions/{id}/line_items", session_line_items),
    ("POST", "/v1/checkout/sessions/{id}/expire", expire_session),
    ("GET", "/v1/payment_intents/{id}", _retrieve("payment_intent")),
    ("GET", "/v1/charges/{id}", _retrieve("charge")),
    ("POST", "/v1/refunds", create_refund),
    ("GET", "/v1/refunds", list_refunds),
    ("GET", "/v1/refunds/{id}", _retrieve("refund")),
    ("GET", "/v1/disputes/{id}", _retrieve("dispute")),
    ("POST", "/v1/accounts", create_account),
    ("GET", "/v1/accounts/{id}", _retrieve("account")),
    ("POST", "/v1/account_links", create_account_link),
    ("POST", "/v1/transfers", create_transfer),
    ("GET", "/v1/transfers/{id}", _retrieve("transfer")),
    ("POST", "/v1/transfers/{id}/reversals", create_reversal),
    ("GET", "/v1/transfers/{id}/reversals", list_reversals),
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", _retrieve("event")),
)
