"""The periodic worker: the session tick and outbox delivery, every few seconds.

The loop holds no state: each pass asks the database what is due, so a restart, or several
bots running at once, loses or repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from discord.ext import commands, tasks

from bots.discord.bot import PathwiseBot

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 15.0  # how long shutting down waits for a pass in progress


class WorkerCog(commands.Cog):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot
        self.loop = tasks.loop(seconds=bot.worker_seconds)(self.work)
        self.idle = asyncio.Event()  # clear while a pass is running
        self.idle.set()

    async def cog_load(self) -> None:
        if self.bot.run_worker:
            self.loop.start()

    async def cog_unload(self) -> None:
        """Shutting down (the bot closes on SIGTERM): a pass in progress finishes first, so
        a room half-opened or a message half-sent is not cut off; then the loop stops."""
        self.loop.stop()  # no new pass after the one running
        with suppress(TimeoutError):
            await asyncio.wait_for(self.idle.wait(), STOP_GRACE_SECONDS)
        self.loop.cancel()  # and no waiting out the sleep between passes

    async def work(self) -> None:
        """One pass: what is due in sessions, then the messages waiting to go out."""
        await self.bot.wait_until_ready()
        self.idle.clear()
        try:
            await self.bot.sessions.tick()
            await self.bot.delivery.deliver_due()
        except Exception:
            log.exception("discord.worker.pass_failed")
        finally:
            self.idle.set()


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(WorkerCog(bot))
