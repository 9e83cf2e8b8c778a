"""The Pathwise bot on FakeDiscord: real discord.py models, cogs, views and command tree, with
the HTTP layer recorded. The `env` fixture is registered for every test through
`pytest_plugins` in `tests/conftest.py`; `slash` runs a slash command, and `booked` and
`opened` bring a paid booking to its linked accounts and its open session room."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord
import pytest

from bots.discord.bot import PathwiseBot
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from devtools.discord_recorder import EPHEMERAL, GUILD_ID, FakeDiscord
from tests.support.billing import make_billing
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    Paid,
    link_discord,
    paid_booking,
    session_settings,
    the_session,
)

STRANGER = 333_000_000_000_000_333
ADMIN = 444_000_000_000_000_444
ADMIN_ROLE = 555_000_000_000_000_555
MIN = timedelta(minutes=1)


@dataclass
class Env:
    fake: FakeDiscord
    bot: PathwiseBot
    guild: discord.Guild
    settings: Settings
    db: Database
    clock: ManualClock


def discord_settings(database_url: str) -> Settings:
    return session_settings(
        database_url, discord_guild_id=GUILD_ID, discord_admin_role_id=ADMIN_ROLE
    )


def fake_server() -> FakeDiscord:
    fake = FakeDiscord()
    fake.add_role(ADMIN_ROLE, "Pathwise team")
    fake.add_member(CLIENT_DISCORD, "zoe")
    fake.add_member(ADVISOR_DISCORD, "ana")
    fake.add_member(STRANGER, "eve")
    fake.add_member(ADMIN, "max", roles=(ADMIN_ROLE,))
    return fake


async def start_bot(
    fake: FakeDiscord, db: Database, settings: Settings, clock: ManualClock
) -> PathwiseBot:
    """A bot as ``run_bot`` makes it, minus the gateway: cogs loaded, buttons registered."""
    billing, _ = make_billing(db, settings, clock)
    bot = PathwiseBot(
        db=db,
        settings=settings,
        clock=clock,
        billing=billing,
        run_worker=False,
        sync_commands=False,
    )
    await bot._async_setup_hook()  # what login() does first: the loop and its events
    fake.install(bot)
    await bot.setup_hook()
    return bot


@asynccontextmanager
async def running_env(db: Database, settings: Settings, clock: ManualClock) -> AsyncIterator[Env]:
    """The usual server and a bot under ``settings``, its webhooks patched, for one test."""
    fake = fake_server()
    bot = await start_bot(fake, db, settings, clock)
    guild = bot.get_guild(GUILD_ID)
    assert guild is not None
    undo = fake.patch_webhooks()
    try:
        yield Env(fake, bot, guild, settings, db, clock)
    finally:
        undo()


@pytest.fixture
async def env(db: Database, database_url: str, clock: ManualClock) -> AsyncIterator[Env]:
    async with running_env(db, discord_settings(database_url), clock) as found:
        yield found


async def slash(
    env: Env, name: str, user_id: int, options: list[dict[str, Any]] | None = None, **kw: Any
) -> list[tuple[str, int]]:
    """Run a slash command through the bot's CommandTree; the answers it gave."""
    before = len(env.fake.replies)
    interaction = env.fake.slash(env.bot, name, user_id, options, **kw)
    # In a task of its own, as discord.py runs each interaction: the language it answers in
    # stays there.
    await asyncio.create_task(env.bot.tree._call(interaction))
    new = env.fake.replies[before:]
    found = []
    for call in new:
        body = call.json or {}
        data = body.get("data", body) or {}
        if data.get("content"):
            found.append((str(data["content"]), int(data.get("flags") or 0)))
    return found


def sub(name: str, **values: Any) -> list[dict[str, Any]]:
    """A subcommand with string/number/boolean options."""
    return [{"type": 1, "name": name, "options": options(**values)}]


def options(**values: Any) -> list[dict[str, Any]]:
    kinds = {bool: 5, int: 4, str: 3}
    return [
        {"type": kinds[type(value)], "name": key, "value": value} for key, value in values.items()
    ]


async def advisor_on_discord(env: Env) -> Paid:
    """A paid booking whose advisor has linked their Discord account (the client has not)."""
    paid = await paid_booking(env.db, env.settings, env.clock)
    await link_discord(
        env.db, env.clock.now(), advisor_id=paid.world.advisor_id, user_id=ADVISOR_DISCORD
    )
    return paid


async def booked(env: Env, *, client_linked: bool = True) -> Paid:
    """A paid booking, both accounts linked (or the advisor's only), after one tick."""
    paid = await advisor_on_discord(env)
    if client_linked:
        await link_discord(
            env.db, env.clock.now(), client_id=paid.world.client_id, user_id=CLIENT_DISCORD
        )
    await env.bot.sessions.tick()
    return paid


async def opened(env: Env) -> tuple[discord.TextChannel, dict[str, Any]]:
    """Tick at the opening time; the room and its welcome message."""
    s = await the_session(env.db)
    env.clock.set(s.starts_at - 10 * MIN)
    assert (await env.bot.sessions.tick()).opened == [s.id]
    s = await the_session(env.db)
    assert s.channel_id is not None
    channel = env.guild.get_channel(s.channel_id)
    assert isinstance(channel, discord.TextChannel)
    [welcome] = env.fake.messages[channel.id]
    return channel, welcome


def last_reply_message(env: Env) -> dict[str, Any]:
    """The bot's last interaction answer as Discord would hand it back on a button press."""
    body = env.fake.replies[-1].json or {}
    data = body.get("data", body)
    return {
        "id": "424242",
        "channel_id": "1",
        "content": data.get("content", ""),
        "author": {"id": "1", "username": "Pathwise", "discriminator": "0", "bot": True},
        "timestamp": "2026-11-23T09:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": EPHEMERAL,
        "components": data.get("components", []),
    }
