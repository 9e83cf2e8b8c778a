"""The Discord bot: one composition of core's services, with one cog per feature.

Everything the bot needs is passed into its constructor (database, settings, clock, billing);
nothing is created at import time. Run it with :func:`run_bot`.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.delivery import DiscordDelivery
from bots.discord.errors import answer_error
from bots.discord.language import PathwiseTree
from bots.discord.rooms import DiscordRooms
from bots.discord.translator import TextsTranslator
from bots.discord.views import ROOM_BUTTONS
from core import advisors
from core.accounts import Platform
from core.billing import Billing
from core.clock import Clock
from core.config import Settings
from core.db import Database
from core.dialogs import aftercare
from core.errors import ConfigurationError
from core.linking import Linking
from core.privacy import Privacy
from core.receipts import ReceiptFonts
from core.sessions import SessionService

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bots.discord.cogs.sessions",
    "bots.discord.cogs.linking",
    "bots.discord.cogs.advisor",
    "bots.discord.cogs.calendar_feed",
    "bots.discord.cogs.admin",
    "bots.discord.cogs.worker",
    "bots.discord.cogs.privacy",
)


def intents() -> discord.Intents:
    """Guilds and members for the private channels; message content for transcripts."""
    chosen = discord.Intents.default()
    chosen.members = True
    chosen.message_content = True
    return chosen


def shard_count(settings: Settings) -> int | None:
    """``PATHWISE_DISCORD_SHARDS``: a number pins the gateway shards; ``auto`` (None) takes
    the count Discord recommends when the bot connects."""
    return None if settings.discord_shards == "auto" else int(settings.discord_shards)


class PathwiseBot(commands.AutoShardedBot):
    """Pathwise in Discord: session rooms, advisors' and admins' commands, DMs.

    Always discord.py's sharded client. Discord splits a bot's servers across shards, never
    one server, so Pathwise's single server lives on one shard and, with the default
    ``auto``, Discord recommends one shard: the sharded client then behaves like the plain
    one. It costs nothing and follows whatever count Discord asks for (sharding is required
    past 2,500 servers) without a code change.
    """

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        billing: Billing | None = None,
        fonts: ReceiptFonts | None = None,
        worker_seconds: float = 20.0,
        run_worker: bool = True,
        sync_commands: bool = True,
        release_payouts: bool = False,
    ) -> None:
        """``run_worker``: tick sessions and deliver Discord messages every ``worker_seconds``.
        ``release_payouts``: also release due payouts on each tick (off by default because
        ``pathwise run``'s worker already does; turn it on when the bot runs alone)."""
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            shard_count=shard_count(settings),
            tree_cls=PathwiseTree,
        )
        if settings.discord_guild_id is None:
            raise ConfigurationError(
                "PATHWISE_DISCORD_GUILD_ID is not set; put the Pathwise server's id in the "
                "environment or in .env."
            )
        self.db = db
        self.settings = settings
        self.clock = clock
        self.billing = billing
        self.fonts = fonts  # the receipts' fonts, parsed once: statements' PDFs use them too
        self.guild_id: int = settings.discord_guild_id
        self.worker_seconds = worker_seconds
        self.run_worker = run_worker
        self.sync_commands = sync_commands
        self.rooms = DiscordRooms(self, self.guild_id)
        self.sessions = SessionService(
            db,
            self.rooms,
            settings,
            clock,
            payouts=billing if release_payouts else None,
            fonts=fonts,
            start_aftercare=aftercare.start_aftercare,
        )
        self.linking = Linking(db)
        self.privacy = Privacy(db, settings, clock, refunds=billing, rooms=self.rooms)
        self.delivery = DiscordDelivery(
            db, self, clock, self.guild_id, settings.discord_admin_role_id, fonts
        )
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def advisor_id_of(self, user_id: int) -> int:
        """The advisor behind a Discord account; NotAnAdvisor (said to them) if none is."""
        async with self.db.uow() as uow:
            advisor = await advisors.advisor_for(uow, Platform.DISCORD, user_id)
            return advisor.id

    async def setup_hook(self) -> None:
        """Buttons that outlive restarts, the cogs, and the commands in the Pathwise server."""
        self.add_dynamic_items(*ROOM_BUTTONS)
        from bots.discord.cogs.privacy import EraseButton  # the cog imports this module

        self.add_dynamic_items(EraseButton)
        await self.tree.set_translator(TextsTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_commands:
            guild = discord.Object(self.guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_app_command_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Every slash command's error, answered in one place."""
        await answer_error(interaction, error)


async def run_bot(
    db: Database,
    settings: Settings,
    clock: Clock,
    *,
    billing: Billing | None = None,
    fonts: ReceiptFonts | None = None,
    release_payouts: bool = False,
) -> None:
    """Connect to Discord and serve until stopped."""
    token = settings.require("discord_token")
    bot = PathwiseBot(
        db=db,
        settings=settings,
        clock=clock,
        billing=billing,
        fonts=fonts,
        release_payouts=release_payouts,
    )
    async with bot:
        await bot.start(token)
