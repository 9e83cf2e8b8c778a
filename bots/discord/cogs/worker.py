"""The periodic worker: the session tick and outbox delivery, every few seconds.

The loop holds no state: each pass asks the database what is due, so a restart, or several
bots running at once, loses or repeats nothing.
"""

from __future__ import annotations

import logging

from discord.ext import commands, tasks

from bots.discord.bot import PathwiseBot

log = logging.getLogger(__name__)


class WorkerCog(commands.Cog):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot
        self.loop = tasks.loop(seconds=bot.worker_seconds)(self.work)

    async def cog_load(self) -> None:
        if self.bot.run_worker:
            self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()

    async def work(self) -> None:
        """One pass: what is due in sessions, then the messages waiting to go out."""
        await self.bot.wait_until_ready()
        try:
            await self.bot.sessions.tick()
            await self.bot.delivery.deliver_due()
        except Exception:
            log.exception("worker pass failed; the next pass tries again")


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(WorkerCog(bot))
