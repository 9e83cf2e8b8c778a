"""``/deletemydata`` for clients who linked Discord: the same plan and erasure as Telegram's
(``core.privacy``), confirmed with a button only the person who asked may press."""

from __future__ import annotations

import re
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bots.discord.bot import PathwiseBot
from bots.discord.errors import answer_error, reply
from bots.discord.language import in_their_language
from bots.discord.translator import described
from core.accounts import Platform, find_client
from core.commands import DELETE_MY_DATA
from core.privacy import AlreadyErased
from core.texts import privacy as t
from core.texts.mydata import ERASED

CUSTOM_ID = re.compile(r"privacy:erase:(?P<user>[0-9]{1,20})")


async def _client_id(bot: PathwiseBot, user_id: int) -> int | None:
    async with bot.db.uow() as uow:
        client = await find_client(uow, Platform.DISCORD, user_id)
        return client.id if client is not None else None


class EraseButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID):
    """ "Yes, delete my data": names the Discord account that asked, so nobody else can."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=t.CONFIRM_BUTTON(),
                style=discord.ButtonStyle.danger,
                custom_id=f"privacy:erase:{user_id}",
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> EraseButton:
        return cls(int(match["user"]))

    @in_their_language
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id != self.user_id:
            await reply(interaction, t.NOT_YOUR_BUTTON())
            return False
        return True

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("PathwiseBot", interaction.client)
        try:
            client_id = await _client_id(bot, self.user_id)
            if client_id is None:
                raise AlreadyErased()
            await interaction.response.defer(ephemeral=True, thinking=True)
            await bot.privacy.erase(client_id)
            await reply(interaction, ERASED())
        except Exception as error:
            await answer_error(interaction, error)


class PrivacyCog(commands.Cog):
    def __init__(self, bot: PathwiseBot) -> None:
        self.bot = bot

    @app_commands.command(
        name=DELETE_MY_DATA.name, description=described(DELETE_MY_DATA.on_server_text)
    )
    async def deletemydata(self, interaction: discord.Interaction[Any]) -> None:
        """What would be erased, kept and refunded; then one button to confirm."""
        client_id = await _client_id(self.bot, interaction.user.id)
        if client_id is None:
            await reply(interaction, t.NOTHING_LINKED())
            return
        plan = await self.bot.privacy.plan(client_id)
        view = discord.ui.View(timeout=None)
        view.add_item(EraseButton(interaction.user.id))
        await reply(
            interaction,
            t.CONFIRM() + "\n\n" + plan.describe(),  # amounts written for the client's locale
            view=view,
        )


async def setup(bot: PathwiseBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
