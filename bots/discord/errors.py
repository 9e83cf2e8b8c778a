"""Answering people in Discord: private replies, and errors mapped to words in one place."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from core.errors import PathwiseError
from core.texts import discord_bot as b

log = logging.getLogger(__name__)


async def reply(interaction: discord.Interaction[Any], text: str, **kwargs: Any) -> None:
    """A private answer to whoever pressed or typed, whether or not we answered already."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


def _unwrap(error: BaseException) -> BaseException:
    """The exception a command raised, out of discord.py's wrapper."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


async def answer_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Core's own errors carry words for the user; anything else is logged, and the person
    gets a short apology (never a traceback)."""
    error = _unwrap(error)
    if isinstance(error, PathwiseError):
        text = error.message
    elif isinstance(error, app_commands.CheckFailure):
        text = str(error) or b.NOT_HERE()
    else:
        log.error("unexpected error in a Discord interaction", exc_info=error)
        text = b.APOLOGY()
    try:
        await reply(interaction, text)
    except discord.HTTPException:
        log.warning("could not answer an interaction (%s)", type(error).__name__)
