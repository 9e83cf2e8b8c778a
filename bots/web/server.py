"""The HTTP entry point: Stripe webhooks, the Telegram webhook, advisors' calendar feeds,
health and metrics.

Handlers only parse, call core and map the answer to HTTP; the rules (signature checks,
de-duplication, what a payment means) live in core.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram import Update
from telegram.ext import Application

from core.db import Database
from core.errors import DatabaseNotReady

log = logging.getLogger(__name__)

# (raw body, Stripe-Signature header) -> (HTTP status, short text). Core verifies the signature.
StripeWebhookHandler = Callable[[bytes, str], Awaitable[tuple[int, str]]]
# A feed's secret (core.calendar_feed) -> its .ics, or None for an unknown or revoked one.
CalendarFeedHandler = Callable[[str], Awaitable[bytes | None]]
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALENDAR_PATH = "/calendar/"
# A feed is private: no shared cache may keep it, and the app should ask again each time.
CALENDAR_HEADERS = {
    "Cache-Control": "no-store, private, max-age=0",
    "Pragma": "no-cache",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
MAX_BODY = 1024 * 1024


@dataclass
class Metrics:
    """Counters for /metrics, in a registry of their own (no global state)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.updates = Counter(
            "pathwise_telegram_updates", "Telegram updates handled", registry=self.registry
        )
        self.webhook_events = Counter(
            "pathwise_stripe_webhook_events",
            "Stripe webhook deliveries, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "pathwise_errors", "Unexpected errors", ["where"], registry=self.registry
        )
        self.outbox_backlog = Gauge(
            "pathwise_outbox_backlog", "Outbox messages not yet delivered", registry=self.registry
        )


@dataclass
class WebDeps:
    """What the web server needs; parts that are not running are None."""

    db: Database
    metrics: Metrics
    stripe_webhook: StripeWebhookHandler | None = None
    telegram: Application | None = None  # type: ignore[type-arg]
    telegram_secret: str | None = None
    outbox_backlog: Callable[[], Awaitable[int]] | None = None
    calendar_feed: CalendarFeedHandler | None = None


DEPS = web.AppKey("deps", WebDeps)


async def stripe_webhook(request: web.Request) -> web.Response:
    """Stripe's events: the raw body and signature go to core untouched."""
    deps = request.app[DEPS]
    if deps.stripe_webhook is None:
        return web.Response(status=404, text="stripe webhooks are not enabled here")
    raw = await request.read()
    status, text = await deps.stripe_webhook(raw, request.headers.get("Stripe-Signature", ""))
    deps.metrics.webhook_events.labels(status=str(status)).inc()
    log.info("stripe.webhook.answered", extra={"status": status})
    return web.Response(status=status, text=text)


async def telegram_webhook(request: web.Request) -> web.Response:
    """Telegram's updates in webhook mode, checked against the secret token we registered."""
    deps = request.app[DEPS]
    if deps.telegram is None or not deps.telegram_secret:
        return web.Response(status=404, text="telegram webhook is not enabled here")
    given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), deps.telegram_secret.encode()):
        log.warning("telegram.webhook.rejected", extra={"status": 403})
        return web.Response(status=403, text="forbidden")
    try:
        payload: Any = json.loads(await request.read())
        update = Update.de_json(payload, deps.telegram.bot)
    except (ValueError, TypeError, KeyError):
        log.warning("telegram.webhook.rejected", extra={"status": 400})
        return web.Response(status=400, text="not a Telegram update")
    await deps.telegram.update_queue.put(update)  # counted on /metrics when it is handled
    log.info("telegram.webhook.queued", extra={"update_id": update.update_id})
    return web.Response(text="ok")


async def calendar_feed(request: web.Request) -> web.Response:
    """An advisor's calendar feed for their calendar app. The token in the address is the only
    key: one that is unknown, revoked or malformed gets the same 404, and it is never logged."""
    deps = request.app[DEPS]
    found = None
    if deps.calendar_feed is not None:
        found = await deps.calendar_feed(request.match_info["token"])
    if found is None:
        log.info("calendar.feed.not_found")
        return web.Response(status=404, text="not found", headers=CALENDAR_HEADERS)
    log.info("calendar.feed.served", extra={"bytes": len(found)})
    return web.Response(
        body=found,
        headers={
            **CALENDAR_HEADERS,
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": 'inline; filename="pathwise.ics"',
        },
    )


def loggable_path(path: str) -> str:
    """A request's path fit for the log: a calendar feed's secret is left out."""
    return CALENDAR_PATH + "[token].ics" if path.startswith(CALENDAR_PATH) else path


async def healthz(request: web.Request) -> web.Response:
    """200 when the database is reachable and migrated, else 503 "unhealthy". The reason
    (host, user, database, driver error) goes to the log only, never to the caller: the
    endpoint answers anyone."""
    try:
        await request.app[DEPS].db.check_ready()
    except DatabaseNotReady as error:
        log.warning("healthz.unhealthy", extra={"reason": str(error)})
        return web.Response(status=503, text="unhealthy")
    return web.Response(text="ok")


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format."""
    deps = request.app[DEPS]
    if deps.outbox_backlog is not None:
        deps.metrics.outbox_backlog.set(await deps.outbox_backlog())
    body = generate_latest(deps.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@web.middleware
async def count_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Unexpected errors: logged with their traceback, counted, answered with a plain 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception(
            "web.handler.failed",
            extra={"method": request.method, "path": loggable_path(request.path)},
        )
        request.app[DEPS].metrics.errors.labels(where="web").inc()
        return web.Response(status=500, text="internal error")


def build_web_app(deps: WebDeps) -> web.Application:
    """The aiohttp application with every route, built once at start-up."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[count_errors])
    app[DEPS] = deps
    app.router.add_post("/stripe/webhook", stripe_webhook)
    app.router.add_post("/telegram/webhook", telegram_webhook)
    app.router.add_get(CALENDAR_PATH + "{token}.ics", calendar_feed)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
