"""Stopping the Discord bot (``pathwise run`` on SIGTERM closes it) lets a worker pass in
progress finish: a room half-opened or a message half-sent is not cut off."""

from __future__ import annotations

import asyncio

from bots.discord.bot import PathwiseBot
from core.clock import ManualClock
from core.db import Database
from devtools.discord_recorder import FakeDiscord
from tests.support.discord_bot import discord_settings


async def _running_bot(
    db: Database, database_url: str, clock: ManualClock, every: float = 0.01
) -> PathwiseBot:
    bot = PathwiseBot(
        db=db,
        settings=discord_settings(database_url),
        clock=clock,
        worker_seconds=every,
        sync_commands=False,
    )
    await bot._async_setup_hook()
    FakeDiscord().install(bot)
    bot._ready.set()  # what the gateway's READY does  # type: ignore[union-attr]
    await bot.setup_hook()  # loads the cogs: the worker loop starts
    return bot


async def test_closing_waits_for_the_pass_in_progress(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    bot = await _running_bot(db, database_url, clock)
    steps: list[str] = []
    started = asyncio.Event()

    async def slow_tick() -> None:
        steps.append("tick started")
        started.set()
        await asyncio.sleep(0.3)
        steps.append("tick finished")

    async def deliver() -> None:
        steps.append("delivered")

    bot.sessions.tick = slow_tick  # type: ignore[method-assign]
    bot.delivery.deliver_due = deliver  # type: ignore[method-assign]
    await asyncio.wait_for(started.wait(), 5)
    await bot.close()
    assert steps[:3] == ["tick started", "tick finished", "delivered"]
    await asyncio.sleep(0.05)
    assert len(steps) == 3, "no pass starts after closing"


async def test_closing_between_passes_is_immediate(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    bot = await _running_bot(db, database_url, clock, every=3600)
    passes = 0

    async def tick() -> None:
        nonlocal passes
        passes += 1

    async def nothing() -> None:
        return None

    bot.sessions.tick = tick  # type: ignore[method-assign]
    bot.delivery.deliver_due = nothing  # type: ignore[method-assign]
    for _ in range(100):
        if passes:
            break
        await asyncio.sleep(0.01)
    assert passes == 1  # the first pass is done; the loop sleeps an hour before the next
    await asyncio.wait_for(bot.close(), 1)
