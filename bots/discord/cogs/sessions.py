"""Session rooms: what people write there tells core who is present and who is waiting."""

from __future__ import annotations

import discord
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.channels import is_session_channel


class SessionsCog(commands.Cog):
    """Listens in session rooms; the buttons themselves live in ``bots.discord.views``."""

    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """The advisor's first word (no-show check) and unanswered client messages."""
        if message.author.bot or not is_session_channel(message.channel):
            return
        await self.bot.sessions.record_message(message.channel.id, message.author.id)


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(SessionsCog(bot))
