"""Session rooms: what people write there tells core who is present and who is waiting."""

from __future__ import annotations

import discord
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.channels import is_session_channel
from core.safety.crisis import RoomScreening


class SessionsCog(commands.Cog):
    """Listens in session rooms; the buttons themselves live in ``bots.discord.views``."""

    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot
        self.safety = RoomScreening(bot.db, bot.settings, bot.clock)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """A client's words screened first (a risk to life is answered in the room at once);
        then the advisor's first word (no-show check) and unanswered client messages."""
        if message.author.bot or not is_session_channel(message.channel):
            return
        # Empty when the message-content intent is off: nothing to screen then.
        if message.content:
            answer = await self.safety.answer(
                message.channel.id, message.author.id, message.content
            )
            if answer is not None:
                await message.channel.send(answer[:2000])
        await self.bot.sessions.record_message(message.channel.id, message.author.id)


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(SessionsCog(bot))
