"""Private session channels, checked with discord.py's own permission maths."""

from __future__ import annotations

import discord
import pytest

from bots.discord.channels import (
    CATEGORY_LIMIT,
    delete_session_channel,
    lock_session_channel,
    open_session_channel,
)
from devtools.discord_recorder import BOT_ID, FakeDiscord

CLIENT, ADVISOR, STRANGER = 111, 222, 333


@pytest.fixture
def discord_env() -> tuple[FakeDiscord, discord.Client, discord.Guild]:
    fake = FakeDiscord()
    for uid, name in ((CLIENT, "zoe"), (ADVISOR, "ana"), (STRANGER, "eve")):
        fake.add_member(uid, name)
    client = discord.Client(intents=discord.Intents(guilds=True, members=True))
    guild = fake.install(client)
    return fake, client, guild


def _member(guild: discord.Guild, user_id: int) -> discord.Member:
    member = guild.get_member(user_id)
    assert member is not None
    return member


async def test_only_the_client_the_advisor_and_the_bot_can_see_the_channel(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    fake, _, guild = discord_env
    channel = await open_session_channel(guild, CLIENT, ADVISOR)
    assert channel.name.startswith("session-") and len(channel.name) == len("session-7f3k")
    assert channel.category is not None and channel.category.name == "Sessions"

    created = fake.calls_to("POST", "/guilds/")[-1].json
    overwrites = {int(o["id"]): o for o in created["permission_overwrites"]}
    assert set(overwrites) == {guild.id, CLIENT, ADVISOR, BOT_ID}, "no other role is added"

    for uid in (CLIENT, ADVISOR):
        perms = channel.permissions_for(_member(guild, uid))
        assert perms.view_channel and perms.send_messages and perms.attach_files
        assert perms.read_message_history
    stranger = channel.permissions_for(_member(guild, STRANGER))
    assert not stranger.view_channel
    assert not channel.permissions_for(guild.default_role).view_channel
    bot = channel.permissions_for(guild.me)
    assert bot.manage_channels and bot.manage_messages and bot.view_channel


async def test_the_name_never_contains_the_clients_name(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    _, _, guild = discord_env
    names = {(await open_session_channel(guild, CLIENT, ADVISOR)).name for _ in range(5)}
    assert all("zoe" not in name for name in names)


async def test_ending_locks_sending_but_keeps_reading(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    fake, _client, guild = discord_env
    channel = await open_session_channel(guild, CLIENT, ADVISOR)
    await lock_session_channel(channel, CLIENT, ADVISOR)
    (edit,) = fake.calls_to("PATCH", f"/channels/{channel.id}")
    assert {int(o["id"]) for o in edit.json["permission_overwrites"]} == {
        guild.id,
        CLIENT,
        ADVISOR,
        BOT_ID,
    }
    # FakeDiscord, like the gateway, told discord.py about the edit.
    locked = guild.get_channel(channel.id)
    assert isinstance(locked, discord.TextChannel)
    for uid in (CLIENT, ADVISOR):
        perms = locked.permissions_for(_member(guild, uid))
        assert perms.view_channel and perms.read_message_history
        assert not perms.send_messages and not perms.attach_files


async def test_deleting_after_retention(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    fake, _, guild = discord_env
    channel = await open_session_channel(guild, CLIENT, ADVISOR)
    await delete_session_channel(channel)
    assert channel.id not in fake.channels
    assert fake.calls_to("DELETE", f"/channels/{channel.id}")


async def test_a_full_category_rolls_over_to_sessions_2(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    _fake, _client, guild = discord_env
    first = await open_session_channel(guild, CLIENT, ADVISOR)
    for _ in range(CATEGORY_LIMIT - 1):
        await open_session_channel(guild, CLIENT, ADVISOR)
    # discord.py learned of each new channel from FakeDiscord's gateway events.
    assert first.category is not None and len(first.category.channels) == CATEGORY_LIMIT
    overflow = await open_session_channel(guild, CLIENT, ADVISOR)
    assert overflow.category is not None and overflow.category.name == "Sessions 2"


async def test_the_category_is_hidden_from_everyone_but_the_bot(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    """Hiding a category from @everyone hides it from the bot too, unless the bot is let in;
    Discord would then refuse every session channel after the first category was made."""
    _, _, guild = discord_env
    channel = await open_session_channel(guild, CLIENT, ADVISOR)
    category = channel.category
    assert category is not None
    bot = category.permissions_for(guild.me)
    assert bot.view_channel and bot.manage_channels
    assert not category.permissions_for(_member(guild, STRANGER)).view_channel


async def test_a_bot_invited_with_only_the_listed_permissions_can_make_a_room(
    discord_env: tuple[FakeDiscord, discord.Client, discord.Guild],
) -> None:
    """Discord checks every overwrite against the bot's own permissions and lets only an
    administrator set Manage Permissions: the fake server checks the same."""
    fake, _, guild = discord_env
    assert not guild.me.guild_permissions.administrator
    channel = await open_session_channel(guild, CLIENT, ADVISOR)
    await lock_session_channel(channel, CLIENT, ADVISOR)
    with pytest.raises(discord.Forbidden):
        await channel.set_permissions(guild.default_role, manage_permissions=True)
    fake.bot_permissions &= ~discord.Permissions(manage_messages=True).value
    with pytest.raises(discord.Forbidden, match="Missing Permissions"):
        await open_session_channel(guild, CLIENT, ADVISOR)
