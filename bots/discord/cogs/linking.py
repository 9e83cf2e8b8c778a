"""``/link CODE``: a client joins their Discord account to Pathwise."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from bots.discord.translator import described
from core import i18n
from core.texts import discord_commands as d
from core.texts import linking as t


class LinkingCog(commands.Cog):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    @app_commands.command(name="link", description=described(d.LINK))
    @app_commands.describe(code=described(d.CODE))
    async def link(self, interaction: discord.Interaction[Any], code: str) -> None:
        """Redeem the code, then let the client into any room already open for them."""
        result = await self.bot.linking.link_discord(
            code, interaction.user.id, self.bot.clock.now()
        )
        await self.bot.sessions.admit_client(result.client_id)
        with i18n.speaking(result.locale):  # now known: the client who just linked
            answer = (t.LINKED_AGAIN if result.already_linked else t.LINKED)()
        await reply(interaction, answer)


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(LinkingCog(bot))
