"""The Pathwise bot in Telegram through the real python-telegram-bot Application, its HTTP layer
recorded (python-telegram-bot's own testing approach), driven by the test user Zoë.

- `bot`: the adapter with a stand-in matcher (`chat.FakeMatcher` with one suggestion), nothing paid.
- `journey`: the real catalogue, billing on the Stripe stand-in whose signed webhooks reach the
  web server over HTTP, and the outbox's Telegram delivery.
- the steps of the hiring flow many tests walk: `agree`, `to_description`, `to_when`,
  `pay_for_ana`; and `only`, `slot_button`, `url_button` to read the calls.

Its fixtures are registered for every test through `pytest_plugins` in `tests/conftest.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from telegram.ext import Application, ContextTypes

from bots.telegram.adapter import TelegramAdapter, build_application
from bots.telegram.delivery import TelegramDelivery
from bots.web.server import Metrics, WebDeps, build_web_app
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.services import Suggestion
from core.dialogs.suggest import CatalogueMatcher
from core.money import Money
from core.payments.stripe_gateway import RetryPolicy, StripeGateway
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest, TelegramUser
from tests.support.billing import SECRET, billing_settings, fonts
from tests.support.chat import FakeMatcher, import_sample

USER = {"id": 5550001, "is_bot": False, "first_name": "Zoë <b>"}
CHAT = {"id": 5550001, "type": "private", "first_name": "Zoë"}


# The one suggestion the adapter's tests see: a name with characters HTML must escape.
ANA = Suggestion(1, "Ana <Ruiz> & Co", Money(6000, "USD"), ("speaks Spanish",))


class Bot(TelegramUser):
    """The application under test, driven by the test user Zoë."""

    def __init__(self, app: Application, request: RecordingRequest) -> None:  # type: ignore[type-arg]
        super().__init__(app, request, USER, CHAT)


Journey = tuple[Bot, StripeSandbox, TelegramDelivery]
"""The `journey` fixture: Zoë's bot, the Stripe stand-in, the outbox's Telegram delivery."""


@asynccontextmanager
async def started(settings: Settings, adapter: TelegramAdapter) -> AsyncIterator[Bot]:
    """The application as ``pathwise run`` builds it, on a recorder, initialised; every error a
    handler raises is kept in the tester's ``errors``."""
    request = RecordingRequest()
    app = build_application(
        settings, adapter, token="123:TEST", request=request, rate_limit=False
    )
    tester = Bot(app, request)

    async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        tester.errors.append(context.error)

    app.add_error_handler(keep)
    await app.initialize()
    try:
        yield tester
    finally:
        await app.shutdown()


@pytest.fixture
async def bot(db: Database, settings: Settings, clock: ManualClock) -> AsyncIterator[Bot]:
    engine = build_engine(settings, DialogServices(matcher=FakeMatcher([ANA])))
    async with started(settings, TelegramAdapter(db, engine, clock)) as tester:
        yield tester
    assert tester.errors == [], "a handler raised"


@pytest.fixture
async def journey(
    db: Database, database_url: str, clock: ManualClock
) -> AsyncIterator[Journey]:
    await import_sample(db)
    async with StripeSandbox(webhook_secret=SECRET, clock=clock) as sandbox:
        settings = billing_settings(
            database_url, stripe_secret_key=sandbox.api_key, stripe_api_base=sandbox.url
        )
        gateway = StripeGateway.from_settings(
            settings, retry=RetryPolicy(attempts=2, delays=(0.05,))
        )
        billing = Billing(db, gateway, settings, clock, fonts=fonts())
        web = TestServer(
            build_web_app(WebDeps(db=db, metrics=Metrics(), stripe_webhook=billing.handle_webhook)),
            host="127.0.0.1",
        )
        await web.start_server()
        sandbox.webhook_url = str(web.make_url("/stripe/webhook"))
        engine = build_engine(
            settings, DialogServices(matcher=CatalogueMatcher(), billing=billing)
        )
        try:
            async with started(settings, TelegramAdapter(db, engine, clock)) as tester:
                delivery = TelegramDelivery(db, tester.app.bot, clock, settings=settings)
                yield tester, sandbox, delivery
        finally:
            await web.close()
            await gateway.aclose()
        assert tester.errors == []


def only(calls: list[ApiCall], method: str) -> ApiCall:
    matching = [c for c in calls if c.method == method]
    assert len(matching) == 1, [c.method for c in calls]
    return matching[0]


def slot_button(call: ApiCall) -> str:
    for row in call.keyboard:
        for button in row:
            if ":slot:" in button.get("callback_data", ""):
                return str(button["text"])
    raise AssertionError("no slot buttons")


def url_button(call: ApiCall) -> dict[str, Any]:
    return next(b for row in call.keyboard for b in row if "url" in b)


async def agree(bot: TelegramUser) -> ApiCall:
    """/start and the consent card agreed to: the menu."""
    card = only(await bot.text("/start"), "sendMessage")
    return (await bot.press(card, "I understand and agree"))[-1]


async def to_description(bot: TelegramUser, topic: str = "Career and work") -> None:
    """Consent, "Find an advisor" and one topic: the bot asks for the description."""
    menu = await agree(bot)
    topics = only(await bot.press(menu, "Find an advisor"), "sendMessage")
    edited = only(await bot.press(topics, topic), "editMessageText")
    await bot.press(edited, "Done")


async def to_when(
    bot: TelegramUser, description: str, language: str = "Spanish", city: str = "Madrid"
) -> ApiCall:
    """From the description question: the description, a language, a city, a live 60-minute
    session and a budget of 80; the question of when."""
    asked = only(await bot.text(description), "sendMessage")
    await bot.press(asked, language)
    kind = (await bot.text(city))[-1]
    await bot.press(kind, "Live, 60 minutes")
    return only(await bot.text("80"), "sendMessage")


async def pay_for_ana(bot: TelegramUser, sandbox: StripeSandbox, results: ApiCall) -> None:
    """From the matches: Ana Ruiz, her live session, the first slot, Pay, paid on Stripe."""
    profile = only(await bot.press(results, "Choose Ana Ruiz"), "sendMessage")
    slots = only(await bot.press(profile, "60-minute live session — $60.00"), "sendMessage")
    summary = only(await bot.press(slots, slot_button(slots)), "sendMessage")
    pay = only(await bot.press(summary, "Pay $63.49"), "sendMessage")
    await sandbox.pay(url_button(pay)["url"].rsplit("/", 1)[1])
