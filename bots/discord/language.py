"""Every Discord answer in the language of who is acting, set in one place per interaction.

An advisor reads Pathwise in ``Advisor.locale`` (``/profile language``), a linked client in
``Client.locale``, a member of the team in ``PATHWISE_TEAM_LANGUAGE``, anyone else in their
Discord client's language when Pathwise speaks it. :class:`PathwiseTree` sets it before every
slash command (its errors included); :func:`in_their_language` before a button's check and
callback (a ``DynamicItem``'s ``interaction_check``). The language lives in the task
discord.py runs the interaction in (``core.i18n``'s context variable), so nothing else is
affected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from core import i18n
from core.accounts import Platform, locale_of

if TYPE_CHECKING:
    from bots.discord.bot import PathwiseBot

Self = TypeVar("Self")
Check = Callable[[Self, discord.Interaction[Any]], Awaitable[bool]]


def _is_team(bot: PathwiseBot, interaction: discord.Interaction[Any]) -> bool:
    role_id = bot.settings.discord_admin_role_id
    roles = getattr(interaction.user, "roles", [])
    return role_id is not None and any(role.id == role_id for role in roles)


async def language_of(interaction: discord.Interaction[Any]) -> str:
    """The language to answer ``interaction`` in (see the module's docstring)."""
    bot: PathwiseBot = interaction.client  # type: ignore[assignment]
    async with bot.db.uow() as uow:
        locale = await locale_of(uow, Platform.DISCORD, interaction.user.id)
    if locale is not None:
        return i18n.supported(locale)
    if _is_team(bot, interaction):
        return bot.settings.team_language
    return i18n.supported(str(interaction.locale.value))


async def speak_to(interaction: discord.Interaction[Any]) -> str:
    """Render the rest of this interaction's answers in the person's language."""
    language = await language_of(interaction)
    i18n.use(language)
    return language


def in_their_language(check: Check[Self]) -> Check[Self]:
    """A button's ``interaction_check`` (and so its callback, run after it in the same task)
    in the presser's language."""

    @wraps(check)
    async def checked(self: Self, interaction: discord.Interaction[Any]) -> bool:
        await speak_to(interaction)
        return await check(self, interaction)

    return checked


class PathwiseTree(app_commands.CommandTree[Any]):
    """The bot's command tree: every slash command answered in the person's language."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        await speak_to(interaction)
        return True
