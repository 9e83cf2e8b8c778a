"""Private session channels: created from permission overwrites (everyone hidden; only the
client, the advisor and the bot allowed), locked at the end, deleted after retention."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence

import discord

log = logging.getLogger(__name__)

SESSIONS_CATEGORY = "Sessions"
CATEGORY_LIMIT = 50  # Discord's channels-per-category limit
_NAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes


def opaque_channel_name() -> str:
    """A name that says nothing about who is in the channel, e.g. ``session-7f3k``."""
    return "session-" + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(4))


def participant_overwrite(can_send: bool = True) -> discord.PermissionOverwrite:
    """What the client and the advisor may do: see, write, attach, read back."""
    return discord.PermissionOverwrite(
        view_channel=True,
        send_messages=can_send,
        attach_files=can_send,
        read_message_history=True,
    )


def session_overwrites(
    guild: discord.Guild, client_user_id: int | None, advisor_user_id: int | None
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    """Everyone hidden; the two people allowed; the bot may manage. No other role is added.

    A person not yet on Discord (None) is let in later with :func:`admit_member`.
    """
    bot_member = guild.me
    people: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite] = {
        discord.Object(user_id, type=discord.Member): participant_overwrite()
        for user_id in (client_user_id, advisor_user_id)
        if user_id is not None
    }
    return {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        **people,
        # Not Manage Permissions: Discord lets only administrators set it in an overwrite; the
        # bot's server-wide Manage Roles already lets it change this channel's overwrites.
        bot_member: discord.PermissionOverwrite(
            view_channel=True,
            send_messages=True,
            read_message_history=True,
            manage_channels=True,
            manage_messages=True,
        ),
    }


def hidden_category(
    guild: discord.Guild,
) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
    """A category nobody sees but the bot. Hiding it from @everyone hides it from the bot too,
    and Discord refuses to make channels in a category the bot cannot see and manage."""
    return {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        guild.me: discord.PermissionOverwrite(view_channel=True, manage_channels=True),
    }


def _category_name(index: int) -> str:
    return SESSIONS_CATEGORY if index == 1 else f"{SESSIONS_CATEGORY} {index}"


async def session_category(guild: discord.Guild) -> discord.CategoryChannel:
    """The first "Sessions" category with room; past 50 channels, "Sessions 2", and so on."""
    index = 1
    while True:
        name = _category_name(index)
        category = discord.utils.get(guild.categories, name=name)
        if category is None:
            return await guild.create_category(
                name, overwrites=hidden_category(guild), reason="session channels"
            )
        if len(category.channels) < CATEGORY_LIMIT:
            return category
        index += 1


async def open_session_channel(
    guild: discord.Guild,
    client_user_id: int | None,
    advisor_user_id: int | None,
    name: str | None = None,
) -> discord.TextChannel:
    """Create the private channel for one session (under ``name`` when core chose one)."""
    category = await session_category(guild)
    return await guild.create_text_channel(
        name or opaque_channel_name(),
        category=category,
        overwrites=session_overwrites(guild, client_user_id, advisor_user_id),
        reason="private session channel",
    )


def find_session_channel(guild: discord.Guild, name: str) -> discord.TextChannel | None:
    """An existing session channel called ``name`` (a retried open finds the one it made)."""
    for channel in guild.text_channels:
        category = channel.category
        if (
            channel.name == name
            and category is not None
            and category.name.startswith(SESSIONS_CATEGORY)
        ):
            return channel
    return None


def is_session_channel(channel: object) -> bool:
    category = getattr(channel, "category", None)
    return category is not None and str(category.name).startswith(SESSIONS_CATEGORY)


async def admit_member(channel: discord.TextChannel, user_id: int) -> None:
    """Let a person into an open session channel (they linked Discord after it opened)."""
    # One edit with every overwrite: set_permissions needs a cached Member, this does not.
    overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]
    overwrites = dict(channel.overwrites)
    overwrites[discord.Object(user_id, type=discord.Member)] = participant_overwrite()
    await channel.edit(overwrites=overwrites, reason="session participant linked their account")


async def remove_member(channel: discord.TextChannel, user_id: int) -> None:
    """Take a person's overwrite off a session channel (they erased their data)."""
    overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]
    overwrites = {
        target: overwrite
        for target, overwrite in channel.overwrites.items()
        if target.id != user_id
    }
    if len(overwrites) != len(channel.overwrites):
        await channel.edit(overwrites=overwrites, reason="participant erased their data")


async def keep_only_members(channel: discord.TextChannel, user_ids: Sequence[int]) -> None:
    """Take every member overwrite off a session channel but ``user_ids`` and the bot's own
    (roles stay): a participant who erased their data, known only as not the advisor."""
    keep = {*user_ids, channel.guild.me.id}
    overwrites: dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]
    overwrites = {
        target: overwrite
        for target, overwrite in channel.overwrites.items()
        if isinstance(target, discord.Role)
        or getattr(target, "type", None) is discord.Role
        or target.id in keep
    }
    if len(overwrites) != len(channel.overwrites):
        await channel.edit(overwrites=overwrites, reason="participant erased their data")


async def lock_session_channel(
    channel: discord.TextChannel, client_user_id: int | None, advisor_user_id: int | None
) -> None:
    """The session ended: both people can still read, nobody can write (one edit)."""
    overwrites = dict(session_overwrites(channel.guild, client_user_id, advisor_user_id))
    for user_id in (client_user_id, advisor_user_id):
        if user_id is not None:
            overwrites[discord.Object(user_id, type=discord.Member)] = participant_overwrite(
                can_send=False
            )
    await channel.edit(overwrites=overwrites, reason="session ended")


async def delete_session_channel(channel: discord.abc.GuildChannel) -> None:
    """Retention is over: the channel and everything in it go."""
    await channel.delete(reason="session retention period over")
