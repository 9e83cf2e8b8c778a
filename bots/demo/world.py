"""Everything the offline demo runs on, wired as in production but with nothing leaving the
machine: a fresh SQLite database, the local Stripe stand-in (reached by the real Stripe SDK
over HTTP, sending signed webhooks over HTTP to the real web server), the real
python-telegram-bot ``Application`` with a recording request layer, and the real discord.py
bot with its HTTP layer recorded by ``FakeDiscord``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
from aiohttp import web
from pydantic import SecretStr
from telegram.ext import ContextTypes

from bots.demo.speech import script
from bots.discord.bot import PathwiseBot
from bots.telegram.adapter import TelegramAdapter, build_application
from bots.telegram.delivery import TelegramDelivery
from bots.web.server import Metrics, WebDeps, build_web_app
from core import catalogue, migrations
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.suggest import CatalogueMatcher
from core.payments.stripe_gateway import StripeGateway
from core.receipts import ReceiptFonts
from devtools.discord_recorder import GUILD_ID, FakeDiscord
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest, TelegramUser

WEBHOOK_SECRET = "whsec_pathwise_demo"
SAMPLE_CATALOGUE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"

# The people in the demo. Telegram and Discord ids are made up; nothing is sent anywhere.
CLIENT_TELEGRAM = {"id": 5_550_001, "is_bot": False, "first_name": "Zoë", "language_code": "en"}
CLIENT_DISCORD = 111_000_000_000_000_111
ADVISOR_DISCORD = 222_000_000_000_000_222
ADMIN_DISCORD = 444_000_000_000_000_444
ADMIN_ROLE = 555_000_000_000_000_555
STRANGER_DISCORD = 333_000_000_000_000_333


def client_telegram(language: str) -> dict[str, Any]:
    """The demo's client as Telegram describes her: her app is in ``language``."""
    return {
        **CLIENT_TELEGRAM,
        "first_name": script(language).client_name,
        "language_code": language,
    }


def demo_settings(folder: Path) -> Settings:
    """Default settings with the database in ``folder``. The environment and ``.env`` are
    ignored on purpose: the demo never picks up a real token or a real database."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{folder / 'pathwise-demo.sqlite3'}",
        "discord_guild_id": GUILD_ID,
        "discord_admin_role_id": ADMIN_ROLE,
        "stripe_webhook_secret": WEBHOOK_SECRET,
    }
    return Settings(_env_file=None, _env_prefix="PATHWISE_DEMO_IGNORED_", **values)  # type: ignore[call-arg]


@dataclass
class World:
    """The running pieces the journey talks to."""

    settings: Settings
    client: dict[str, Any]  # the client's Telegram user
    db: Database
    clock: ManualClock
    sandbox: StripeSandbox
    billing: Billing
    webhook_url: str
    telegram: TelegramUser
    telegram_delivery: TelegramDelivery
    discord_bot: PathwiseBot
    guild: discord.Guild
    fake: FakeDiscord

    async def deliver_telegram(self) -> list[ApiCall]:
        """Send what the outbox holds for Telegram; the Bot API calls it made."""
        self.telegram.request.clear()
        while await self.telegram_delivery.deliver_due():
            pass
        return list(self.telegram.request.calls)

    async def deliver_discord(self) -> list[dict[str, Any]]:
        """Send what the outbox holds for Discord; the messages it posted (DMs included)."""
        before = {cid: len(msgs) for cid, msgs in self.fake.messages.items()}
        while await self.discord_bot.delivery.deliver_due():
            pass
        return [
            message
            for cid, msgs in self.fake.messages.items()
            for message in msgs[before.get(cid, 0) :]
        ]

    async def slash(
        self,
        name: str,
        user_id: int,
        options: list[dict[str, Any]] | None = None,
        resolved: dict[str, Any] | None = None,
    ) -> list[str]:
        """``/name`` typed in the Pathwise server; the bot's answers."""
        before = len(self.fake.answers())
        interaction = self.fake.slash(self.discord_bot, name, user_id, options, resolved=resolved)
        await self.discord_bot.tree._call(interaction)
        return [text for text, _ in self.fake.answers()[before:]]


def _discord_server(client_username: str) -> FakeDiscord:
    fake = FakeDiscord()
    fake.add_role(ADMIN_ROLE, "Pathwise team")
    fake.add_member(CLIENT_DISCORD, client_username)
    fake.add_member(ADVISOR_DISCORD, "ana")
    fake.add_member(STRANGER_DISCORD, "someone-else")
    fake.add_member(ADMIN_DISCORD, "max", roles=(ADMIN_ROLE,))
    return fake


async def _prepare_database(db: Database, settings: Settings, now: datetime) -> int:
    """Migrate the fresh database and import the sample advisors; how many were imported."""
    await migrations.upgrade_async(settings.database_url)
    rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE_CATALOGUE))
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, rows, now)
        await uow.commit()
    return len(rows)


async def _web_server(billing: Billing, db: Database, stack: AsyncExitStack) -> str:
    """The real web server on a free port of 127.0.0.1; the Stripe webhook's URL."""
    runner = web.AppRunner(
        build_web_app(WebDeps(db=db, metrics=Metrics(), stripe_webhook=billing.handle_webhook))
    )
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}/stripe/webhook"


async def _telegram(
    world_db: Database,
    settings: Settings,
    billing: Billing,
    clock: ManualClock,
    stack: AsyncExitStack,
    errors: list[BaseException],
    client: dict[str, Any],
) -> TelegramUser:
    engine = build_engine(settings, DialogServices(matcher=CatalogueMatcher(), billing=billing))
    request = RecordingRequest()
    app = build_application(
        settings,
        TelegramAdapter(world_db, engine, clock),
        token="123456:DEMO-not-a-real-token",
        request=request,
        rate_limit=False,
    )

    async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if context.error is not None:
            errors.append(context.error)

    app.add_error_handler(keep)
    await app.initialize()
    stack.push_async_callback(app.shutdown)
    return TelegramUser(app, request, client)


async def _discord(
    fake: FakeDiscord,
    db: Database,
    settings: Settings,
    clock: ManualClock,
    billing: Billing,
    stack: AsyncExitStack,
) -> tuple[PathwiseBot, discord.Guild]:
    """The bot as ``pathwise run`` makes it, minus the gateway connection."""
    bot = PathwiseBot(
        db=db,
        settings=settings,
        clock=clock,
        billing=billing,
        fonts=billing.fonts,
        run_worker=False,
        sync_commands=False,
    )
    await bot._async_setup_hook()  # what login() does first: the loop and its events
    guild = fake.install(bot)
    await bot.setup_hook()
    stack.callback(fake.patch_webhooks())
    stack.push_async_callback(bot.close)
    return bot, guild


@asynccontextmanager
async def demo_world(
    folder: Path, start: datetime, errors: list[BaseException], language: str = "en"
) -> AsyncIterator[tuple[World, int]]:
    """Start everything; yields the world and how many sample advisors were imported. The
    client's Telegram is in ``language``. Handler errors that python-telegram-bot catches are
    appended to ``errors``."""
    client = client_telegram(language)
    _fresh_folder(folder)
    settings = demo_settings(folder)
    clock = ManualClock(start)
    async with AsyncExitStack() as stack:
        db = Database(settings.database_url)
        stack.push_async_callback(db.dispose)
        advisors = await _prepare_database(db, settings, clock.now())
        sandbox = await stack.enter_async_context(
            StripeSandbox(webhook_secret=WEBHOOK_SECRET, clock=clock)
        )
        settings = settings.model_copy(
            update={
                "stripe_secret_key": SecretStr(sandbox.api_key),
                "stripe_api_base": sandbox.url,
            }
        )
        gateway = StripeGateway.from_settings(settings)
        stack.push_async_callback(gateway.aclose)
        billing = Billing(db, gateway, settings, clock, fonts=ReceiptFonts())
        webhook_url = await _web_server(billing, db, stack)
        sandbox.webhook_url = webhook_url
        user = await _telegram(db, settings, billing, clock, stack, errors, client)
        fake = _discord_server(script(language).client_username)
        bot, guild = await _discord(fake, db, settings, clock, billing, stack)
        world = World(
            settings=settings,
            client=client,
            db=db,
            clock=clock,
            sandbox=sandbox,
            billing=billing,
            webhook_url=webhook_url,
            telegram=user,
            telegram_delivery=TelegramDelivery(
                db, user.app.bot, clock, billing.fonts, settings=settings
            ),
            discord_bot=bot,
            guild=guild,
            fake=fake,
        )
        yield world, advisors


def _fresh_folder(folder: Path) -> None:
    """``folder`` exists and holds no database from an earlier run."""
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("pathwise-demo.sqlite3*"):
        leftover.unlink()
