"""Telegram updates per second through the whole stack, next to a bare echo bot's floor.

Each update goes through the real ``Application.process_update`` of python-telegram-bot, the
Pathwise adapter, the dialog engine, the database (SQLite or PostgreSQL) and back out through
the real ``Bot`` to a recording request layer (no network). The updates are the steps of the
hiring flow, as clients send them: /start, consent, find, topic, done, a description, a
language, a city, a kind, a budget, when, the matches, an advisor, an offer, a slot, Pay.

The floor is a bare python-telegram-bot application with one echo handler, through the same
recording request layer: what any python-telegram-bot bot costs per text update before it
does anything of its own.

``python -m bench.telegram [CLIENTS]`` prints a table; :func:`run` returns the numbers.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.gateway import BenchGateway
from bots.telegram.adapter import TelegramAdapter, build_application
from core import catalogue, migrations
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.suggest import CatalogueMatcher
from core.receipts import ReceiptFonts
from devtools.telegram_recorder import ApiCall, RecordingRequest, TelegramUser

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Each client's journey happens this much later than the one before, so holds on the small
# sample catalogue's slots lapse (30 minutes) and every journey can reach Pay.
CLIENT_SPACING = timedelta(minutes=31)
SECRET = "whsec_bench_0123456789"
SAMPLE_CATALOGUE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"
FIRST_USER_ID = 8_000_000_000


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def figures(latencies: list[float], wall: float) -> dict[str, float]:
    """Updates per second over the wall time, p50/p99 latency in milliseconds."""
    return {
        "updates": len(latencies),
        "per_second": len(latencies) / wall if wall else 0.0,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def bench_settings(url: str, **overrides: Any) -> Settings:
    """Default settings on ``url``, never the machine's .env."""
    values: dict[str, Any] = {
        "database_url": url,
        "stripe_secret_key": "sk_test_bench",
        "stripe_webhook_secret": SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# -- the floor ------------------------------------------------------------------------------


async def echo_floor(updates: int) -> dict[str, float]:
    """A bare python-telegram-bot echo handler through the same recording request layer."""
    request = RecordingRequest()
    app = Application.builder().token("123:BENCH").request(request).build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    await app.initialize()
    try:
        user = {"id": FIRST_USER_ID, "is_bot": False, "first_name": "Ana"}
        driver = TelegramUser(app, request, user)
        latencies: list[float] = []
        for i in range(10):  # warm-up
            await driver.text(f"hello {i}")
        began = time.perf_counter()
        for i in range(updates):
            start = time.perf_counter()
            calls = await driver.text(f"I would like some advice, please ({i})")
            latencies.append(time.perf_counter() - start)
            if len(calls) != 1:
                raise RuntimeError(f"the echo bot answered with {len(calls)} calls")
        return figures(latencies, time.perf_counter() - began)
    finally:
        await app.shutdown()


# -- the whole stack ------------------------------------------------------------------------


class TimedUser(TelegramUser):
    """A client whose every update is timed, and who fails loudly if the bot did."""

    def __init__(self, app: Any, request: RecordingRequest, user: dict[str, Any]) -> None:
        super().__init__(app, request, user)
        self.latencies: list[float] = []

    async def update(self, payload: dict[str, Any]) -> list[ApiCall]:
        start = time.perf_counter()
        calls = await super().update(payload)
        self.latencies.append(time.perf_counter() - start)
        if self.errors:
            raise RuntimeError(f"the bot failed on an update: {self.errors[0]!r}")
        return calls


def _last_with_buttons(calls: list[ApiCall]) -> ApiCall:
    for call in reversed(calls):
        if call.keyboard:
            return call
    raise RuntimeError(f"no message with buttons in {[c.method for c in calls]}")


def _data(call: ApiCall, action: str) -> str | None:
    """The callback data of the first button of ``action`` (``<version>:<action>:<arg>``)."""
    for row in call.keyboard:
        for button in row:
            data = str(button.get("callback_data", ""))
            if data.split(":")[1:2] == [action]:
                return data
    return None


# The hiring flow, one client, as (what to do, argument). Each entry is one update.
JOURNEY: tuple[tuple[str, str], ...] = (
    ("text", "/start"),
    ("press", "agree"),
    ("press", "find"),
    ("press", "topic"),
    ("press", "done"),
    ("text", "I want to change careers but I'm afraid of failing at something new."),
    ("press", "lang"),
    ("text", "Madrid"),
    ("press", "kind"),
    ("text", "80"),
    ("press", "when"),
    ("press", "advisor"),
    ("press", "offer"),
    ("press", "slot"),
    ("press", "pay"),
)


class Journey:
    """One client walking the hiring flow, one update at a time."""

    def __init__(self, user: TimedUser) -> None:
        self.user = user
        self.position = 0
        self.shown: ApiCall | None = None
        self.reached_pay = False

    @property
    def done(self) -> bool:
        return self.position >= len(JOURNEY)

    async def step(self) -> None:
        """Send the next update of the journey."""
        what, arg = JOURNEY[self.position]
        self.position += 1
        if what == "text":
            calls = await self.user.text(arg)
        else:
            assert self.shown is not None
            data = _data(self.shown, arg)
            if data is None:  # e.g. no free slot left: the journey ends here
                self.position = len(JOURNEY)
                return
            self.reached_pay = arg == "pay"
            message_id = int(self.shown.params.get("message_id") or 1000)
            calls = await self.user.press_data(data, message_id=message_id)
        with_buttons = [c for c in calls if c.keyboard]
        if with_buttons:
            self.shown = _last_with_buttons(with_buttons)


@dataclass
class Stack:
    """The application under test and what it needs, built once."""

    app: Any
    request: RecordingRequest
    clock: ManualClock
    db: Database
    errors: list[BaseException]
    journeys: int = 0
    reached_pay: int = 0  # journeys that got a payment link (the rest found no free slot)

    def user(self, number: int) -> TimedUser:
        person = {"id": FIRST_USER_ID + number, "is_bot": False, "first_name": f"Client {number}"}
        user = TimedUser(self.app, self.request, person)
        user.errors = self.errors
        return user


async def build_stack(db: Database, url: str, fonts: ReceiptFonts | None = None) -> Stack:
    """The real Telegram application over core, with Stripe faked (no network)."""
    settings = bench_settings(url)
    clock = ManualClock(START)
    billing = Billing(db, BenchGateway(), settings, clock, fonts=fonts)
    engine = build_engine(settings, DialogServices(matcher=CatalogueMatcher(), billing=billing))
    request = RecordingRequest()
    app = build_application(
        settings,
        TelegramAdapter(db, engine, clock),
        token="123:BENCH",
        request=request,
        rate_limit=False,
    )
    errors: list[BaseException] = []

    async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    app.add_error_handler(keep)
    await app.initialize()
    return Stack(app, request, clock, db, errors)


async def import_sample_catalogue(db: Database) -> None:
    rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE_CATALOGUE))
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, rows, START - timedelta(days=30))
        await uow.commit()


async def drive(stack: Stack, clients: range) -> list[float]:
    """Walk ``clients`` through the hiring flow one after the other; every update's latency."""
    latencies: list[float] = []
    for number in clients:
        stack.clock.set(START + CLIENT_SPACING * number)
        user = stack.user(number)
        journey = Journey(user)
        while not journey.done:
            await journey.step()
        latencies.extend(user.latencies)
        stack.journeys += 1
        stack.reached_pay += journey.reached_pay
    return latencies


async def whole_stack(url: str, clients: int, *, offset: int = 0) -> dict[str, float]:
    """Updates per second of ``clients`` hiring journeys on a migrated database at ``url``."""
    db = Database(url)
    try:
        await import_sample_catalogue_once(db)
        stack = await build_stack(db, url)
        try:
            await drive(stack, range(offset + 10**6, offset + 10**6 + 2))  # warm-up
            stack.journeys = stack.reached_pay = 0
            statements = StatementCounter(db)
            began = time.perf_counter()
            latencies = await drive(stack, range(offset, offset + clients))
            result = figures(latencies, time.perf_counter() - began)
            statements.stop()
            return {
                **result,
                "journeys": stack.journeys,
                "reached_pay": stack.reached_pay,
                "sql_per_update": statements.count / len(latencies) if latencies else 0.0,
            }
        finally:
            await stack.app.shutdown()
    finally:
        await db.dispose()


class StatementCounter:
    """Counts the SQL statements (commits included) the database is sent until ``stop()``."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine.sync_engine
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)

    def _statement(self, *args: Any) -> None:
        self.count += 1

    def _commit(self, *args: Any) -> None:
        self.count += 1

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


async def import_sample_catalogue_once(db: Database) -> None:
    """Import the sample advisors unless a worker before did."""
    from sqlalchemy import func, select

    from core.models import Advisor

    async with db.uow() as uow:
        present = await uow.session.scalar(select(func.count(Advisor.id)))
    if not present:
        await import_sample_catalogue(db)


async def sqlite_url(folder: str) -> str:
    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
    await migrations.upgrade_async(url)
    return url


def run(clients: int = 100, floor_updates: int = 2000) -> dict[str, dict[str, float]]:
    """The floor and the whole stack on a scratch SQLite database."""

    async def go() -> dict[str, dict[str, float]]:
        floor = await echo_floor(floor_updates)
        with tempfile.TemporaryDirectory() as folder:
            stack = await whole_stack(await sqlite_url(folder), clients)
        return {"echo floor": floor, "sqlite": stack}

    return asyncio.run(go())


def main(argv: list[str]) -> None:
    """Print the table; the first argument is the number of clients (default 100)."""
    clients = int(argv[0]) if argv else 100
    results = run(clients)
    print(f"Telegram updates, {clients} hiring journeys of {len(JOURNEY)} updates")
    print(f"{'case':<14} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for case, row in results.items():
        print(f"{case:<14} {row['per_second']:>10.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
