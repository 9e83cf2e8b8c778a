"""HTTP control surface (``/_sandbox/...``) and tiny hosted pages (``/pay``, onboarding).

Not Stripe's API: these let a demo or another process play the client paying, the advisor
onboarding, or the bank disputing, the same way the Python methods of the sandbox do.
"""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devtools.stripe_sandbox.errors import SandboxError

if TYPE_CHECKING:
    from devtools.stripe_sandbox.server import StripeSandbox

Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: int, body: Any) -> web.Response:
    """A JSON answer."""
    return web.Response(status=status, body=json.dumps(body, indent=2).encode(),
                        content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    """A control request's JSON body (empty when there is none)."""
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _guarded(action: Callable[[web.Request], Awaitable[Any]]) -> Route:
    """Run a control action; misuse is answered 400 with the reason, unknown ids 404."""

    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            result = await action(request)
        except SandboxError as exc:
            status = 404 if str(exc).startswith("no ") else 400
            return _json(status, {"error": str(exc)})
        except (ValueError, KeyError, TypeError) as exc:
            return _json(400, {"error": str(exc)})
        return result if isinstance(result, web.StreamResponse) else _json(200, result)

    return handle


def add_routes(app: web.Application, sandbox: StripeSandbox) -> None:
    """Register the control surface and the hosted pages on the sandbox's app."""
    routes = _control_routes(sandbox) + _page_routes(sandbox)
    for method, path, action in routes:
        app.router.add_route(method, path, _guarded(action))


Action = Callable[[web.Request], Awaitable[Any]]


def _control_routes(sandbox: StripeSandbox) -> list[tuple[str, str, Action]]:
    """The ``/_sandbox`` JSON endpoints."""

    async def pay(request: web.Request) -> Any:
        body = await _body(request)
        events = await sandbox.pay(request.match_info["id"], body.get("card", "success"),
                                   body.get("amount_override"))
        return {"events": events}

    async def async_payment(request: web.Request) -> Any:
        body = await _body(request)
        succeeded = bool(body.get("succeeded", True))
        return {"events": await sandbox.async_payment(request.match_info["id"], succeeded)}

    async def expire(request: web.Request) -> Any:
        return {"events": await sandbox.expire(request.match_info["id"])}

    async def expire_due(request: web.Request) -> Any:
        return {"events": await sandbox.expire_due()}

    async def onboard(request: web.Request) -> Any:
        return {"events": await sandbox.complete_onboarding(request.match_info["id"])}

    async def dispute(request: web.Request) -> Any:
        body = await _body(request)
        events = await sandbox.dispute(request.match_info["id"], body.get("amount"),
                                       body.get("reason", "fraudulent"))
        return {"events": events}

    async def close_dispute(request: web.Request) -> Any:
        body = await _body(request)
        won = body.get("won")
        if not isinstance(won, bool):
            raise ValueError("won must be true or false")
        return {"events": await sandbox.close_dispute(request.match_info["id"], won)}

    async def settle_refund(request: web.Request) -> Any:
        body = await _body(request)
        succeeded = bool(body.get("succeeded", True))
        return {"events": await sandbox.settle_refund(request.match_info["id"], succeeded)}

    async def dashboard_refund(request: web.Request) -> Any:
        body = await _body(request)
        amount = body.get("amount")
        return {"events": await sandbox.dashboard_refund(
            request.match_info["id"], int(amount) if amount is not None else None)}

    async def hold(request: web.Request) -> Any:
        body = await _body(request)
        sandbox.hold_events(bool(body.get("hold", True)))
        return {"held": list(sandbox.held), "auto_deliver": sandbox.auto_deliver}

    async def held(request: web.Request) -> Any:
        return {"held": list(sandbox.held), "auto_deliver": sandbox.auto_deliver}

    async def redeliver(request: web.Request) -> Any:
        sent = await sandbox.redeliver(request.match_info["id"])
        return {"deliveries": [d.__dict__ for d in sent]}

    async def deliver(request: web.Request) -> Any:
        body = await _body(request)
        sent = await sandbox.deliver(list(body.get("event_ids") or sandbox.held))
        return {"deliveries": [d.__dict__ for d in sent]}

    async def fault(request: web.Request) -> Any:
        body = await _body(request)
        sandbox.fail_next(body["path_prefix"], body["failure"], int(body.get("count", 1)),
                          delay=float(body.get("delay", 1.0)), method=body.get("method"),
                          should_retry=body.get("should_retry"))
        return {"faults": len(sandbox.faults.rules)}

    async def balance(request: web.Request) -> Any:
        body = await _body(request)
        if request.method == "POST":
            sandbox.add_balance(int(body["amount"]), str(body.get("currency", "usd")))
        return {"balance": sandbox.balance}

    async def listing(request: web.Request) -> Any:
        kind = request.match_info["kind"]
        if kind not in sandbox.objects:
            raise SandboxError(f"no resource {kind!r}; known: {sorted(sandbox.objects)}")
        return {"data": list(sandbox.objects[kind].values())}

    prefix = "/_sandbox"
    return [
        ("POST", f"{prefix}/checkout/sessions/{{id}}/pay", pay),
        ("POST", f"{prefix}/checkout/sessions/{{id}}/async_payment", async_payment),
        ("POST", f"{prefix}/checkout/sessions/{{id}}/expire", expire),
        ("POST", f"{prefix}/checkout/expire_due", expire_due),
        ("POST", f"{prefix}/accounts/{{id}}/complete_onboarding", onboard),
        ("POST", f"{prefix}/charges/{{id}}/dispute", dispute),
        ("POST", f"{prefix}/disputes/{{id}}/close", close_dispute),
        ("POST", f"{prefix}/refunds/{{id}}/settle", settle_refund),
        ("POST", f"{prefix}/charges/{{id}}/dashboard_refund", dashboard_refund),
        ("POST", f"{prefix}/events/hold", hold),
        ("GET", f"{prefix}/events/held", held),
        ("POST", f"{prefix}/events/{{id}}/redeliver", redeliver),
        ("POST", f"{prefix}/events/deliver", deliver),
        ("POST", f"{prefix}/faults", fault),
        ("GET", f"{prefix}/balance", balance),
        ("POST", f"{prefix}/balance", balance),
        ("GET", f"{prefix}/objects/{{kind}}", listing),
    ]


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32em; margin: 2em auto">
<p><small>Pathwise Stripe sandbox &mdash; test mode, no real money</small></p>
<h1>{title}</h1>
{body}
</body></html>
"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    """A small HTML page."""
    text = _PAGE.format(title=html.escape(title), body=body)
    return web.Response(status=status, text=text, content_type="text/html")


def _money(amount: int, currency: str) -> str:
    """An amount for the hosted page."""
    return f"{amount / 100:.2f} {currency.upper()}"


def _page_routes(sandbox: StripeSandbox) -> list[tuple[str, str, Action]]:
    """The hosted Checkout page and the Connect onboarding page."""

    def checkout_page(session_id: str, note: str = "") -> web.Response:
        session = sandbox.state.control_get("checkout.session", session_id)
        rows = "".join(
            f"<tr><td>{html.escape(str(item['description']))} &times; {item['quantity']}</td>"
            f"<td style='text-align:right'>{_money(item['amount_total'], item['currency'])}</td>"
            "</tr>"
            for item in sandbox.state.line_items[session_id]
        )
        total = _money(session["amount_total"], session["currency"])
        buttons = "".join(
            f"<button name='card' value='{card}'>{label}</button> "
            for card, label in (("success", "Pay with 4242"), ("declined", "Card 0002 (declined)"),
                                ("async", "Bank debit (settles later)"))
        )
        state = f"<p>Status: {html.escape(session['status'])}</p>"
        form = (f"<form method='post'>{buttons}</form>"
                f"<p><a href='/pay/{session_id}/cancel'>Cancel</a></p>")
        body = (f"<p>{html.escape(note)}</p><table>{rows}<tr><th>Total</th>"
                f"<th style='text-align:right'>{total}</th></tr></table>{state}"
                f"{form if session['status'] == 'open' else ''}")
        return _page("Checkout", body)

    async def show(request: web.Request) -> Any:
        return checkout_page(request.match_info["id"])

    async def submit(request: web.Request) -> Any:
        session_id = request.match_info["id"]
        card = str((await request.post()).get("card", "success"))
        await sandbox.pay(session_id, card)
        if card == "declined":
            return checkout_page(session_id, "Your card was declined.")
        session = sandbox.objects["checkout.session"][session_id]
        if session["success_url"]:
            url = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id)
            raise web.HTTPSeeOther(url)
        return _page("Paid", "<p>Thank you, you can close this page.</p>")

    async def cancel(request: web.Request) -> Any:
        session = sandbox.state.control_get("checkout.session", request.match_info["id"])
        if session["cancel_url"]:
            raise web.HTTPSeeOther(session["cancel_url"])
        return _page("Cancelled", "<p>You can close this page.</p>")

    async def onboarding(request: web.Request) -> Any:
        link = sandbox.state.onboarding_links.get(request.match_info["token"])
        if link is None or link["account"] != request.match_info["account"]:
            raise SandboxError("no such onboarding link")
        if request.method == "POST":
            await sandbox.complete_onboarding(link["account"])
            raise web.HTTPSeeOther(link["return_url"])
        body = ("<p>Account " + html.escape(link["account"]) + "</p><form method='post'>"
                "<button>Finish onboarding</button></form>")
        return _page("Set up payouts", body)

    return [
        ("GET", "/pay/{id}", show),
        ("POST", "/pay/{id}", submit),
        ("GET", "/pay/{id}/cancel", cancel),
        ("GET", "/connect/onboarding/{account}/{token}", onboarding),
        ("POST", "/connect/onboarding/{account}/{token}", onboarding),
    ]
