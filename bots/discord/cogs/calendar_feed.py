"""``/calendar link|reset|stop`` for advisors: a private feed address their calendar app
subscribes to (``core.calendar_feed``), shown once when it is made. Answers are private."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import reply
from bots.discord.translator import described
from core import calendar_feed
from core.texts import calendar_feed as t
from core.texts import discord_commands as d


class CalendarFeedCog(commands.Cog):
    calendar = app_commands.Group(name="calendar", description=described(d.CALENDAR))

    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    async def _advisor_id(self, interaction: discord.Interaction[Any]) -> int:
        return await self.bot.advisor_id_of(interaction.user.id)

    @calendar.command(name="link", description=described(d.CALENDAR_LINK))
    async def link(self, interaction: discord.Interaction[Any]) -> None:
        """A new feed and its address; if one is live, how to get a new address instead."""
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            made = await calendar_feed.open_feed(
                uow, self.bot.settings, advisor_id, self.bot.clock.now()
            )
            await uow.commit()
        await reply(interaction, t.CREATED(url=made.url) if made.url else t.ALREADY())

    @calendar.command(name="reset", description=described(d.CALENDAR_RESET))
    async def reset(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            url = await calendar_feed.reset_feed(
                uow, self.bot.settings, advisor_id, self.bot.clock.now()
            )
            await uow.commit()
        await reply(interaction, t.RESET(url=url))

    @calendar.command(name="stop", description=described(d.CALENDAR_STOP))
    async def stop(self, interaction: discord.Interaction[Any]) -> None:
        advisor_id = await self._advisor_id(interaction)
        async with self.bot.db.uow() as uow:
            stopped = await calendar_feed.stop_feed(uow, advisor_id, self.bot.clock.now())
            await uow.commit()
        await reply(interaction, t.STOPPED() if stopped else t.NOTHING_TO_STOP())


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(CalendarFeedCog(bot))
