"""The stand-in's HTTP server: Stripe's wire protocol around :class:`StripeState`.

It authenticates, injects faults, honours ``Idempotency-Key`` the way Stripe does (same key and
same request: the stored answer, replayed; same key and other parameters: an error), answers in
Stripe's JSON shapes, and hands every event to the webhook dispatcher.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qsl

import stripe
from aiohttp import web

from devtools.stripe_sandbox import control
from devtools.stripe_sandbox.api import ROUTES, Call, Handler
from devtools.stripe_sandbox.errors import StripeApiError
from devtools.stripe_sandbox.faults import Failure, FaultRule, Faults
from devtools.stripe_sandbox.forms import decode_form
from devtools.stripe_sandbox.lists import LIST_ROUTES
from devtools.stripe_sandbox.objects import IdFactory, Obj
from devtools.stripe_sandbox.state import Origin, StripeState
from devtools.stripe_sandbox.webhooks import Delivery, WebhookCallback, WebhookDispatcher

logger = logging.getLogger(__name__)

API_VERSION: str = stripe.api_version
CALL = web.RequestKey("stripe_sandbox_call", Call)
Middleware = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Clock(Protocol):
    """Anything that tells the time like ``core.clock.Clock``."""

    def now(self) -> datetime: ...


@dataclass
class RecordedRequest:
    """One API request as the stand-in saw it, for assertions."""

    method: str
    path: str
    params: Obj
    idempotency_key: str | None
    stripe_version: str | None
    request_id: str
    status: int = 0
    replayed: bool = False
    fault: str | None = None


@dataclass(frozen=True)
class _Saved:
    """A stored idempotent result."""

    fingerprint: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, body: Obj, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer, pretty-printed as Stripe's are."""
    return web.Response(
        status=status,
        body=json.dumps(body, indent=2).encode(),
        content_type="application/json",
        headers=headers,
    )


class StripeSandbox:
    """A local, stateful Stripe stand-in that the real ``stripe`` SDK talks to over HTTP."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
        webhook_callback: WebhookCallback | None = None,
        enabled_events: Collection[str] | None = None,
        auto_deliver: bool = True,
        clock: Clock | None = None,
        seed: int | None = None,
        enforce_balance: bool = True,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.ids = IdFactory(seed)
        self.api_key = api_key or f"sk_test_51{self.ids.token(40)}"
        if not self.api_key.startswith("sk_test_"):
            raise ValueError("the sandbox only takes test-mode keys (sk_test_...)")
        self.webhooks = WebhookDispatcher(
            webhook_secret or f"whsec_{self.ids.token(32)}",
            url=webhook_url,
            callback=webhook_callback,
            enabled_events=enabled_events,
            timeout=webhook_timeout,
        )
        self._clock = clock
        self.state = StripeState(
            ids=self.ids,
            clock=self._now,
            api_version=API_VERSION,
            endpoint_count=self.webhooks.endpoint_count,
            enforce_balance=enforce_balance,
        )
        self.auto_deliver = auto_deliver
        self.held: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.faults = Faults()
        self.url = ""
        self._saved: dict[str, _Saved] = {}
        self._in_flight: set[str] = set()
        self._runner: web.AppRunner | None = None

    # -- configuration and read access ---------------------------------------------------------

    @property
    def webhook_secret(self) -> str:
        """The endpoint secret (``whsec_...``) events are signed with."""
        return self.webhooks.secret

    @property
    def webhook_url(self) -> str | None:
        """Where events are POSTed, if anywhere."""
        return self.webhooks.url

    @webhook_url.setter
    def webhook_url(self, value: str | None) -> None:
        self.webhooks.url = value

    @property
    def webhook_callback(self) -> WebhookCallback | None:
        """The in-process receiver of ``(raw_body, signature_header)``, if any."""
        return self.webhooks.callback

    @webhook_callback.setter
    def webhook_callback(self, value: WebhookCallback | None) -> None:
        self.webhooks.callback = value

    @property
    def objects(self) -> dict[str, dict[str, Obj]]:
        """Every stored object by resource (``"checkout.session"``, ...) and id."""
        return self.state.objects

    @property
    def events(self) -> list[Obj]:
        """Every event, oldest first."""
        return list(self.state.objects["event"].values())

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt, in order."""
        return self.webhooks.deliveries

    @property
    def balance(self) -> dict[str, int]:
        """The platform's balance by currency (charges - refunds - disputes - transfers)."""
        return self.state.balance

    def event(self, event_id: str) -> Obj:
        """One stored event."""
        return self.state.control_get("event", event_id)

    def events_of_type(self, event_type: str) -> list[Obj]:
        """The events of one type, oldest first."""
        return [e for e in self.events if e["type"] == event_type]

    def _now(self) -> int:
        """Unix time from the given clock, or the real one."""
        if self._clock is None:
            return int(time.time())
        return int(self._clock.now().timestamp())

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> StripeSandbox:
        """Serve on ``host:port`` (0: any free port); ``url`` is then the API base."""
        app = web.Application(middlewares=[self._middleware])
        # The paged list endpoints replace any older unpaged handler of the same path.
        routes = {(method, path): handler for method, path, handler in (*ROUTES, *LIST_ROUTES)}
        for (method, path), handler in routes.items():
            app.router.add_route(method, path, self._wrap(handler))
        control.add_routes(app, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{host}:{bound[1]}"
        self.state.base_url = self.url
        await self.webhooks.start()
        logger.info("Stripe sandbox listening on %s", self.url)
        return self

    async def stop(self) -> None:
        """Stop serving and delivering."""
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StripeSandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- control surface: what clients, advisors and banks do ----------------------------------

    async def pay(
        self, session_id: str, card: str = "success", amount_override: int | None = None
    ) -> list[str]:
        """Pay a Checkout Session on its hosted page; returns the event ids, once delivered.

        ``card``: "success" (Visa 4242), "declined" (the session stays open) or "async" (a bank
        debit: completed but unpaid until :meth:`async_payment`). ``amount_override`` makes
        Stripe report another amount (session ``amount_total``, PaymentIntent, charge).
        """
        origin = Origin()
        self.state.pay(session_id, card, amount_override, origin)
        return await self._settle(origin)

    async def async_payment(self, session_id: str, succeeded: bool) -> list[str]:
        """A delayed payment settles (``succeeded``) or fails; returns the delivered event ids."""
        origin = Origin()
        self.state.settle_async(session_id, succeeded, origin)
        return await self._settle(origin)

    async def expire(self, session_id: str) -> list[str]:
        """An open session runs out of time."""
        origin = Origin()
        self.state.expire_session(session_id, origin, control=True)
        return await self._settle(origin)

    async def expire_due(self) -> list[str]:
        """Expire every open session whose ``expires_at`` is past (by the sandbox's clock)."""
        origin = Origin()
        self.state.expire_due(origin)
        return await self._settle(origin)

    async def complete_onboarding(self, account_id: str) -> list[str]:
        """The advisor finishes Connect onboarding: charges and payouts enabled."""
        origin = Origin()
        self.state.complete_onboarding(account_id, origin)
        return await self._settle(origin)

    async def dispute(
        self, charge_id: str, amount: int | None = None, reason: str = "fraudulent"
    ) -> list[str]:
        """The cardholder's bank opens a dispute on a charge."""
        origin = Origin()
        self.state.open_dispute(charge_id, amount, reason, origin)
        return await self._settle(origin)

    async def close_dispute(self, dispute_id: str, won: bool) -> list[str]:
        """The card network decides a dispute: won (funds reinstated) or lost."""
        origin = Origin()
        self.state.close_dispute(dispute_id, won, origin)
        return await self._settle(origin)

    async def settle_refund(self, refund_id: str, succeeded: bool) -> list[str]:
        """A pending refund (``state.refund_status = "pending"``) succeeds or fails."""
        origin = Origin()
        self.state.settle_refund(refund_id, succeeded, origin)
        return await self._settle(origin)

    async def dashboard_refund(self, charge_id: str, amount: int | None = None) -> list[str]:
        """Someone refunds a charge in the Stripe Dashboard: no metadata, no request id."""
        origin = Origin()
        params: Obj = {"charge": charge_id}
        if amount is not None:
            params["amount"] = amount
        self.state.create_refund(params, origin)
        return await self._settle(origin)

    def hold_events(self, hold: bool = True) -> None:
        """From now on keep events (``hold``) for :meth:`deliver` to send late, in any order
        and as often as asked; or deliver them at once again."""
        self.auto_deliver = not hold

    def add_balance(self, amount: int, currency: str = "usd") -> None:
        """Top up the platform balance (like paying with Stripe's 0077 test card)."""
        self.state.balance[currency] = self.state.balance.get(currency, 0) + amount

    # -- control surface: webhooks -------------------------------------------------------------

    async def redeliver(self, event_id: str) -> list[Delivery]:
        """Send an already stored event again (a replay, as Stripe's retries do)."""
        return await self.webhooks.send(self.event(event_id))

    async def deliver(self, event_ids: list[str]) -> list[Delivery]:
        """Deliver stored events now, in exactly this order (held ones leave the hold)."""
        sent: list[Delivery] = []
        for event_id in event_ids:
            event = self.event(event_id)
            if event_id in self.held:
                self.held.remove(event_id)
            sent += await self.webhooks.send(event)
        return sent

    async def deliver_held(self) -> list[Delivery]:
        """Deliver every held event (``auto_deliver=False``), oldest first."""
        return await self.deliver(list(self.held))

    async def flush(self) -> None:
        """Wait until every event caused by API calls so far has been delivered."""
        await self.webhooks.flush()

    def fail_next(
        self,
        path_prefix: str,
        failure: Failure,
        count: int = 1,
        *,
        delay: float = 1.0,
        method: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Make the next ``count`` API requests under ``path_prefix`` fail.

        ``failure`` is an HTTP status (429, 500, 503, 409, ...) answered with Stripe's error
        body, or ``"timeout"``: the request hangs ``delay`` seconds and is then carried out as
        usual, as when Stripe did the work but the answer was lost. ``should_retry`` sets the
        ``Stripe-Should-Retry`` header the SDK obeys.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        rule = FaultRule(path_prefix, failure, count, delay, method, should_retry)
        self.faults.add(rule)

    async def _settle(self, origin: Origin) -> list[str]:
        """Deliver a control call's events (unless held) and return their ids."""
        pending = self._dispatch(origin.events)
        if pending is not None:
            await pending
        return list(origin.events)

    def _dispatch(self, event_ids: list[str]) -> asyncio.Future[list[Delivery]] | None:
        """Queue events for delivery, or hold them when ``auto_deliver`` is off."""
        if not event_ids:
            return None
        if not self.auto_deliver:
            self.held.extend(event_ids)
            return None
        events = [self.state.objects["event"][event_id] for event_id in event_ids]
        return self.webhooks.enqueue(events)

    # -- the wire protocol ---------------------------------------------------------------------

    def _wrap(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Adapt an API function to aiohttp."""

        async def handle(request: web.Request) -> web.Response:
            return json_response(200, handler(self.state, request[CALL]))

        return handle

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Middleware) -> web.StreamResponse:
        """Stripe's protocol around every ``/v1`` request; other paths pass through."""
        if not request.path.startswith("/v1/"):
            return await handler(request)
        params = await self._params(request)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            params=copy.deepcopy(params),
            idempotency_key=request.headers.get("Idempotency-Key"),
            stripe_version=request.headers.get("Stripe-Version"),
            request_id=f"req_{self.ids.token(14)}",
        )
        self.requests.append(record)
        try:
            response = await self._serve(request, handler, params, record)
        except StripeApiError as exc:
            response = json_response(exc.status, exc.body(record.request_id), exc.headers)
            response.headers.update(self._headers(record))
        record.status = response.status
        return response

    async def _params(self, request: web.Request) -> Obj:
        """Query and form parameters, decoded from Stripe's bracket encoding."""
        pairs = list(request.query.items())
        if request.method == "POST":
            pairs += parse_qsl(await request.text(), keep_blank_values=True)
        return decode_form(pairs)

    def _headers(self, record: RecordedRequest) -> dict[str, str]:
        """Headers Stripe puts on every answer."""
        headers = {
            "Request-Id": record.request_id,
            "Stripe-Version": record.stripe_version or API_VERSION,
        }
        if record.idempotency_key and record.method == "POST":
            headers["Idempotency-Key"] = record.idempotency_key
        return headers

    async def _serve(
        self, request: web.Request, handler: Middleware, params: Obj, record: RecordedRequest
    ) -> web.StreamResponse:
        """Authenticate, inject faults, then answer once per idempotency key."""
        self._authenticate(request)
        if "Stripe-Account" in request.headers:
            raise StripeApiError(400, "The Pathwise Stripe stand-in does not support the "
                                 "Stripe-Account header.", saved=False)
        rule = self.faults.take(request.method, request.path)
        if rule is not None:
            record.fault = str(rule.failure)
            if rule.failure != "timeout":
                raise rule.error()
            await asyncio.sleep(rule.delay)
        key = record.idempotency_key if request.method == "POST" else None
        if key is None:
            return await self._execute(request, handler, params, record)
        fingerprint = json.dumps([request.method, request.path, params], sort_keys=True)
        saved = self._saved.get(key)
        if saved is not None:
            return self._replay(saved, fingerprint, key, record)
        if key in self._in_flight:
            raise StripeApiError(409, "There is currently another in-progress request using "
                                 f"this Stripe API Idempotency_key: {key}. Try again later.",
                                 type="idempotency_error", saved=False)
        self._in_flight.add(key)
        try:
            response = await self._execute(request, handler, params, record)
        finally:
            self._in_flight.discard(key)
        if isinstance(response, web.Response) and response.status < 500:
            body = response.body if isinstance(response.body, bytes) else b""
            self._saved[key] = _Saved(fingerprint, response.status, body, dict(response.headers))
        return response

    def _replay(
        self, saved: _Saved, fingerprint: str, key: str, record: RecordedRequest
    ) -> web.Response:
        """The stored answer to an idempotency key, if this request is the same one."""
        if saved.fingerprint != fingerprint:
            raise StripeApiError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
                saved=False,
            )
        record.replayed = True
        headers = {**saved.headers, "Idempotent-Replayed": "true"}
        headers.pop("Content-Type", None)
        headers.pop("Content-Length", None)
        return web.Response(status=saved.status, body=saved.body, headers=headers,
                            content_type="application/json")

    async def _execute(
        self, request: web.Request, handler: Middleware, params: Obj, record: RecordedRequest
    ) -> web.StreamResponse:
        """Run the endpoint; its events go to the webhook dispatcher."""
        origin = Origin(record.request_id, record.idempotency_key)
        request[CALL] = Call(params, dict(request.match_info), origin)
        try:
            response = await handler(request)
        except StripeApiError as exc:
            if not exc.saved:
                raise
            response = json_response(exc.status, exc.body(record.request_id), exc.headers)
        except web.HTTPException:
            message = (f"Unrecognized request URL ({request.method}: {request.path}). Please "
                       "see https://stripe.com/docs or we can help at https://support.stripe.com/.")
            raise StripeApiError(404, message, saved=False) from None
        except Exception:
            logger.exception("the Stripe sandbox failed on %s %s", request.method, request.path)
            raise StripeApiError(500, "An unknown error occurred", type="api_error",
                                 saved=False) from None
        response.headers.update(self._headers(record))
        self._dispatch(origin.events)
        return response

    def _authenticate(self, request: web.Request) -> None:
        """Require this sandbox's secret test key, by Bearer or Basic auth."""
        header = request.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header[len("Bearer "):].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[len("Basic "):]).decode().split(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                key = ""
        if not key:
            raise StripeApiError(401, "You did not provide an API key. You need to provide your "
                                 "API key in the Authorization header, using Bearer auth (e.g. "
                                 "'Authorization: Bearer YOUR_SECRET_KEY').", saved=False)
        if not key.startswith("sk_test_") or not hmac.compare_digest(key, self.api_key):
            shown = f"{key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}"
            raise StripeApiError(401, f"Invalid API Key provided: {shown}", saved=False)
