"""The Discord bot is discord.py's sharded client: Discord's recommended shard count unless
PATHWISE_DISCORD_SHARDS pins one, and everything works the same on it."""

from __future__ import annotations

from datetime import timedelta

import discord
import pytest
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.sessions import RoomRequest
from devtools.discord_recorder import GUILD_ID, FakeDiscord
from tests.support.discord_bot import STRANGER, Env, discord_settings, start_bot
from tests.support.sessions import ADVISOR_DISCORD, CLIENT_DISCORD


def _bot(db: Database, settings: Settings, clock: ManualClock) -> PathwiseBot:
    return PathwiseBot(db=db, settings=settings, clock=clock, run_worker=False)


def test_by_default_discord_recommends_the_shard_count(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    bot = _bot(db, discord_settings(database_url), clock)
    assert isinstance(bot, commands.AutoShardedBot)
    assert bot.shard_count is None  # asked of Discord (GET /gateway/bot) when it connects


def test_a_shard_count_can_be_pinned(
    db: Database, database_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWISE_DISCORD_SHARDS", "3")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, discord_guild_id=GUILD_ID
    )
    assert _bot(db, settings, clock).shard_count == 3


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_wrong_shard_count_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWISE_DISCORD_SHARDS", value)
    with pytest.raises(ValueError, match="discord_shards"):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_the_sharded_bot_opens_a_private_room(env: Env) -> None:
    """The guild reaches the sharded client's state and a session room is made on it."""
    assert isinstance(env.bot._connection, discord.state.AutoShardedConnectionState)
    now = env.clock.now()
    opened = await env.bot.rooms.open(
        RoomRequest(
            session_id=1,
            name="session-abcd",
            client_user_id=CLIENT_DISCORD,
            advisor_user_id=ADVISOR_DISCORD,
            live=True,
            title="60-minute live session with Ana",
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            guidelines=(),
        )
    )
    channel = env.guild.get_channel(opened.channel_id)
    assert isinstance(channel, discord.TextChannel)
    client = env.guild.get_member(CLIENT_DISCORD)
    stranger = env.guild.get_member(STRANGER)
    assert client is not None and stranger is not None
    assert channel.permissions_for(client).send_messages
    assert not channel.permissions_for(stranger).view_channel


async def test_several_sharded_bots_share_one_fake_server(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    fake = FakeDiscord()
    settings = discord_settings(database_url)
    one = await start_bot(fake, db, settings, clock)
    two = await start_bot(fake, db, settings, clock)
    guild = one.get_guild(GUILD_ID)
    assert guild is not None
    await guild.create_text_channel("seen-by-both")
    other = two.get_guild(GUILD_ID)
    assert other is not None and [c.name for c in other.text_channels] == ["seen-by-both"]
