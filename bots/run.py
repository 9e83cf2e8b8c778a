"""``pathwise run``: the composition root for production. Builds settings, the database,
Stripe, billing and the dialogs once, then runs the pieces asked for in one process."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import stripe
from aiohttp import web
from sqlalchemy import func, select
from telegram import Bot, Update
from telegram.ext import Application, ExtBot, TypeHandler
from telegram.request import BaseRequest

from bots.preflight import require_database, require_pieces
from bots.telegram.adapter import TelegramAdapter, build_application
from bots.telegram.delivery import TelegramDelivery
from bots.telegram.retry import DeliveryLimiter
from bots.web.server import Metrics, WebDeps, build_web_app
from bots.worker import NamedJob, Worker
from core import calendar_feed, scheduling, updates
from core.billing import Billing
from core.clock import Clock, SystemClock
from core.config import Settings
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.suggest import CatalogueMatcher
from core.models.outbox import OutboxMessage, OutboxStatus
from core.payments.reconcile import StripeRecords, StripeRecordsReader, daily_job
from core.payments.stripe_gateway import StripeGateway, build_stripe_client
from core.receipts import ReceiptFonts

log = logging.getLogger(__name__)

PIECES = ("telegram", "discord", "web", "worker")
TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"


@dataclass
class Runtime:
    """Everything built once at start-up, and what is running."""

    settings: Settings
    db: Database
    clock: Clock
    billing: Billing
    metrics: Metrics = field(default_factory=Metrics)
    telegram: Application | None = None  # type: ignore[type-arg]
    telegram_bot: Bot | None = None
    web_runner: web.AppRunner | None = None
    worker: Worker | None = None
    web_port: int | None = None
    stripe_records: StripeRecords | None = None  # what the daily reconciliation reads

    async def outbox_backlog(self) -> int:
        async with self.db.uow() as uow:
            count = await uow.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status == OutboxStatus.PENDING.value
                )
            )
        return int(count or 0)

    async def expire_holds(self) -> None:
        async with self.db.uow() as uow:
            await scheduling.expire_holds(uow, self.clock.now())
            await uow.commit()

    async def calendar_feed(self, token: str) -> bytes | None:
        """The .ics of the advisor's feed whose secret is ``token``; None if none is live."""
        async with self.db.uow() as uow:
            return await calendar_feed.feed_for_token(uow, self.settings, token, self.clock.now())

    async def forget_old_updates(self) -> None:
        """Telegram update ids too old to be delivered again."""
        async with self.db.uow() as uow:
            await updates.forget_old(uow, self.clock.now())
            await uow.commit()


@asynccontextmanager
async def running(
    settings: Settings,
    only: set[str],
    *,
    clock: Clock | None = None,
    telegram_request: BaseRequest | None = None,
    worker_interval: float = 5.0,
) -> AsyncIterator[Runtime]:
    """Start the pieces in ``only``; on exit, stop them in reverse order, letting in-flight
    work finish (a tick, a handler, a webhook), then close the database."""
    clock = clock or SystemClock()
    require_pieces(settings, only)
    require_database(settings)
    async with AsyncExitStack() as stack:
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        await db.check_ready()
        gateway = StripeGateway.from_settings(settings)
        stack.push_async_callback(gateway.aclose)
        billing = Billing(db, gateway, settings, clock, fonts=ReceiptFonts())
        runtime = Runtime(settings, db, clock, billing)
        engine = build_engine(settings, DialogServices(matcher=CatalogueMatcher(), billing=billing))
        if "telegram" in only:
            adapter = TelegramAdapter(db, engine, clock)
            await _start_telegram(runtime, adapter, telegram_request, stack)
        if "discord" in only:
            await _start_discord(runtime, stack, release_payouts="worker" not in only)
        if "web" in only:
            await _start_web(runtime, stack)
        if "worker" in only:
            await _start_worker(runtime, telegram_request, worker_interval, stack)
        log.info("run.started", extra={"pieces": ",".join(sorted(only))})
        yield runtime
        log.info("run.stopping", extra={"pieces": ",".join(sorted(only))})
    log.info("run.stopped")


async def _start_telegram(
    runtime: Runtime,
    adapter: TelegramAdapter,
    telegram_request: BaseRequest | None,
    stack: AsyncExitStack,
) -> None:
    """The Telegram bot, taking updates by polling or from the webhook; stopped by ``stack``."""
    app = build_application(runtime.settings, adapter, request=telegram_request)
    runtime.telegram = app
    # Every update, polled or from the webhook, counts on /metrics before it is handled.
    app.add_handler(TypeHandler(Update, _count_update(runtime.metrics)), group=-1)
    await app.initialize()
    stack.push_async_callback(app.shutdown)
    if app.post_init is not None:  # run_polling would call it; started by hand, we do
        await app.post_init(app)
    await app.start()
    stack.push_async_callback(app.stop)
    await _receive_updates(app, runtime.settings, stack)


async def _start_worker(
    runtime: Runtime,
    telegram_request: BaseRequest | None,
    worker_interval: float,
    stack: AsyncExitStack,
) -> None:
    """The worker's jobs every ``worker_interval`` seconds; on exit it finishes its tick."""
    await _telegram_bot(runtime, telegram_request, stack)
    records_http = stripe.HTTPXClient(timeout=20.0)
    stack.push_async_callback(records_http.close_async)
    runtime.stripe_records = StripeRecordsReader(
        build_stripe_client(runtime.settings, http_client=records_http)
    )
    stop = asyncio.Event()
    runtime.worker = Worker(
        _jobs(runtime),
        worker_interval,
        lambda name: runtime.metrics.errors.labels(where=name).inc(),
    )
    task = asyncio.create_task(runtime.worker.run(stop))

    async def stop_worker() -> None:
        stop.set()
        await task

    stack.push_async_callback(stop_worker)


def _count_update(metrics: Metrics) -> Callable[[Update, Any], Awaitable[None]]:
    async def count(update: Update, context: Any) -> None:
        metrics.updates.inc()

    return count


async def _receive_updates(app: Application, settings: Settings, stack: AsyncExitStack) -> None:  # type: ignore[type-arg]
    """Webhook mode when a public URL is set (the web server takes the updates), else polling."""
    if settings.public_url:
        await app.bot.set_webhook(
            url=settings.public_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH,
            secret_token=settings.require("telegram_webhook_secret"),
        )
        return
    assert app.updater is not None
    await app.updater.start_polling()
    stack.push_async_callback(app.updater.stop)


async def _start_discord(runtime: Runtime, stack: AsyncExitStack, *, release_payouts: bool) -> None:
    """The Discord bot: session rooms, advisors' and admins' commands, DMs, and the sessions
    tick (it needs the Discord connection for the rooms)."""
    from bots.discord.bot import PathwiseBot

    token = runtime.settings.require("discord_token")
    bot = PathwiseBot(
        db=runtime.db,
        settings=runtime.settings,
        clock=runtime.clock,
        billing=runtime.billing,
        fonts=runtime.billing.fonts,
        release_payouts=release_payouts,
    )
    task = asyncio.create_task(bot.start(token))

    async def stop_discord() -> None:
        await bot.close()
        with suppress(Exception):
            await task

    stack.push_async_callback(stop_discord)


async def _start_web(runtime: Runtime, stack: AsyncExitStack) -> None:
    settings = runtime.settings
    secret = settings.telegram_webhook_secret
    deps = WebDeps(
        db=runtime.db,
        metrics=runtime.metrics,
        stripe_webhook=runtime.billing.handle_webhook,
        telegram=runtime.telegram if settings.public_url else None,
        telegram_secret=secret.get_secret_value() if secret else None,
        outbox_backlog=runtime.outbox_backlog,
        calendar_feed=runtime.calendar_feed,
    )
    runner = web.AppRunner(build_web_app(deps), shutdown_timeout=10)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, settings.web_host, settings.web_port)
    await site.start()
    runtime.web_runner = runner
    addresses: Any = runner.addresses
    runtime.web_port = int(addresses[0][1]) if addresses else settings.web_port


async def _telegram_bot(
    runtime: Runtime, request: BaseRequest | None, stack: AsyncExitStack
) -> None:
    """The bot the worker delivers the outbox with: the running app's, or one of its own
    when Telegram runs in another process (``--only worker``)."""
    if runtime.telegram is not None:
        runtime.telegram_bot = runtime.telegram.bot
        return
    settings = runtime.settings
    if settings.telegram_token is None:
        log.warning("worker.telegram_outbox.paused", extra={"missing": "PATHWISE_TELEGRAM_TOKEN"})
        return
    bot: Bot = ExtBot(
        settings.require("telegram_token"),
        base_url=settings.telegram_api_base_url,
        request=request,
        get_updates_request=request,
        rate_limiter=DeliveryLimiter(),  # the same retries as the running app's bot
    )
    await bot.initialize()
    stack.push_async_callback(bot.shutdown)
    runtime.telegram_bot = bot


def _jobs(runtime: Runtime) -> list[NamedJob]:
    """What the tick does, in order. Each job is idempotent and safe for several workers."""
    jobs = [
        NamedJob("expire_holds", runtime.expire_holds),
        NamedJob("payouts", runtime.billing.release_due_payouts),
    ]
    if runtime.stripe_records is not None:
        # Once a UTC day (claimed in the database), whichever worker gets there first.
        jobs.append(
            NamedJob(
                "reconcile",
                daily_job(
                    runtime.db,
                    runtime.stripe_records,
                    runtime.clock.now,
                    language=runtime.settings.team_locale,
                ),
            )
        )
    if runtime.telegram_bot is not None:
        delivery = TelegramDelivery(
            runtime.db,
            runtime.telegram_bot,
            runtime.clock,
            runtime.billing.fonts,
            settings=runtime.settings,
        )
        jobs.append(NamedJob("telegram_outbox", delivery.deliver_due))
        jobs.append(NamedJob("telegram_updates", runtime.forget_old_updates))
    return jobs


async def serve(settings: Settings, only: set[str]) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running(settings, only):
        await stop.wait()
