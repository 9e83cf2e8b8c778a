"""``SessionRooms`` on Discord: core's requests for private rooms become channel operations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

import discord

from bots.discord.channels import (
    admit_member,
    find_session_channel,
    keep_only_members,
    lock_session_channel,
    open_session_channel,
    remove_member,
)
from bots.discord.views import closing_view, welcome_embed, welcome_view
from core.sessions import OpenedRoom, RoomGone, RoomRequest, SessionRooms
from core.texts import rooms as t

log = logging.getLogger(__name__)

WELCOME_CHANNEL = "welcome"  # where invites land (made if the server has none)


class DiscordRooms(SessionRooms):
    """Private session channels in the Pathwise server."""

    def __init__(self, client: discord.Client, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id

    def _guild(self) -> discord.Guild:
        guild = self.client.get_guild(self.guild_id)
        if guild is None:
            raise RuntimeError(f"the bot is not in the Discord server {self.guild_id}")
        return guild

    async def _channel(self, channel_id: int) -> discord.TextChannel:
        """The channel from discord.py's cache, else from the API; RoomGone if it was deleted."""
        channel: object = self._guild().get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except discord.NotFound:
                raise RoomGone() from None
        if not isinstance(channel, discord.TextChannel):
            raise RoomGone()
        return channel

    async def open(self, request: RoomRequest) -> OpenedRoom:
        guild = self._guild()
        channel = find_session_channel(guild, request.name)
        if channel is None:
            channel = await open_session_channel(
                guild, request.client_user_id, request.advisor_user_id, name=request.name
            )
            mentions = " ".join(
                f"<@{uid}>" for uid in (request.client_user_id, request.advisor_user_id) if uid
            )
            await channel.send(
                content=mentions or None,
                embed=welcome_embed(request),
                view=welcome_view(request.session_id),
                allowed_mentions=discord.AllowedMentions(users=True, roles=False, everyone=False),
            )
        return OpenedRoom(channel.id, channel.jump_url)

    async def admit(self, channel_id: int, user_id: int) -> None:
        channel = await self._channel(channel_id)
        await admit_member(channel, user_id)
        await channel.send(
            t.JOINED(mention=f"<@{user_id}>"),
            allowed_mentions=discord.AllowedMentions(users=True),
        )

    async def remove(self, channel_id: int, user_id: int) -> None:
        await remove_member(await self._channel(channel_id), user_id)

    async def keep_only(self, channel_id: int, user_ids: Sequence[int]) -> None:
        await keep_only_members(await self._channel(channel_id), user_ids)

    async def post(self, channel_id: int, text: str) -> None:
        await (await self._channel(channel_id)).send(text)

    async def lock(
        self,
        channel_id: int,
        *,
        session_id: int,
        member_ids: Sequence[int],
        closing_text: str,
        offer_transcript: bool,
    ) -> None:
        channel = await self._channel(channel_id)
        first, second = [*member_ids, None, None][:2]
        await lock_session_channel(channel, first, second)
        if offer_transcript:
            await channel.send(closing_text, view=closing_view(session_id))
        else:
            await channel.send(closing_text)

    async def delete(self, channel_id: int) -> None:
        channel = await self._channel(channel_id)
        try:
            await channel.delete(reason="session retention period over")
        except discord.NotFound:
            raise RoomGone() from None

    async def create_invite(self, max_age: timedelta) -> str:
        guild = self._guild()
        lobby = discord.utils.get(guild.text_channels, name=WELCOME_CHANNEL)
        if lobby is None:
            lobby = await guild.create_text_channel(WELCOME_CHANNEL, reason="where invites land")
        invite = await lobby.create_invite(
            max_age=int(max_age.total_seconds()),
            max_uses=1,
            unique=True,
            reason="a client's way into their session",
        )
        return invite.url
