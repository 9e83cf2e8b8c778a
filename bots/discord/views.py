"""The buttons in a session room and the welcome message they sit under.

Buttons are persistent ``DynamicItem``s: their ``custom_id`` (``session:end:<id>``,
``session:report:<id>``, ``session:transcript:<id>``) is parsed back after a restart, so a
press works however long ago the message was sent. Each button's ``interaction_check`` asks
core whether the presser may press it; the answer, a refusal included, is core's.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord

from bots.discord.errors import answer_error, reply
from bots.discord.language import in_their_language
from core.errors import PathwiseError
from core.sessions import RoomAction, RoomRequest, TranscriptLine
from core.texts import Text
from core.texts import rooms as t

if TYPE_CHECKING:
    from bots.discord.bot import PathwiseBot

log = logging.getLogger(__name__)

PREFIX = "session"
CUSTOM_ID = re.compile(rf"{PREFIX}:(?P<action>end|report|transcript):(?P<id>[0-9]{{1,18}})")


def custom_id(action: str, session_id: int) -> str:
    """``session:<action>:<id>``: namespaced, far under Discord's 100-character limit."""
    return f"{PREFIX}:{action}:{session_id}"


def parse_custom_id(value: str) -> tuple[str, int] | None:
    """(action, session id) from a custom_id, or None if it is not one of ours."""
    match = CUSTOM_ID.fullmatch(value)
    return (match["action"], int(match["id"])) if match else None


def _bot(interaction: discord.Interaction[Any]) -> PathwiseBot:
    return cast("PathwiseBot", interaction.client)


def welcome_embed(request: RoomRequest) -> discord.Embed:
    """Time (shown in each reader's own zone by Discord), length, and the guidelines."""
    start = discord.utils.format_dt(request.starts_at, "F")
    end = discord.utils.format_dt(request.ends_at, "t" if request.live else "F")
    when = (
        t.WELCOME_LIVE_TIMES(start=start, end=end)
        if request.live
        else t.WELCOME_OPEN_UNTIL(end=end)
    )
    embed = discord.Embed(
        title=t.WELCOME(title=request.title),
        description=when,
        colour=discord.Colour.teal(),
    )
    embed.add_field(
        name=t.GUIDELINES(), value="\n".join(f"• {line}" for line in request.guidelines)
    )
    return embed


class _RoomButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID):
    """One of the room's buttons; which one is the ``action`` in its custom_id."""

    LABELS: ClassVar[dict[str, tuple[Text, discord.ButtonStyle]]] = {
        RoomAction.END: (t.BUTTON_END, discord.ButtonStyle.danger),
        RoomAction.REPORT: (t.BUTTON_REPORT, discord.ButtonStyle.secondary),
        RoomAction.TRANSCRIPT: (t.BUTTON_TRANSCRIPT, discord.ButtonStyle.primary),
    }

    def __init__(self, action: str, session_id: int) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(label=label(), style=style, custom_id=custom_id(action, session_id))
        )
        self.action = action
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> _RoomButton:
        return cls(match["action"], int(match["id"]))

    @in_their_language
    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Core decides who may press; a refusal is answered privately to the presser."""
        try:
            await _bot(interaction).sessions.check_press(
                self.session_id, interaction.user.id, self.action
            )
        except PathwiseError as error:
            await reply(interaction, error.message)
            return False
        return True

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._act(interaction)
        except Exception as error:
            await answer_error(interaction, error)

    async def _act(self, interaction: discord.Interaction[Any]) -> None:
        sessions = _bot(interaction).sessions
        user_id = interaction.user.id
        if self.action == RoomAction.END:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await reply(interaction, await sessions.end_now(self.session_id, user_id))
        elif self.action == RoomAction.REPORT:
            await reply(interaction, await sessions.report_problem(self.session_id, user_id))
        else:
            source = await sessions.transcript_source(self.session_id, user_id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            lines = await read_history(interaction, source.channel_id)
            await reply(interaction, await sessions.send_transcript(source, lines))


async def read_history(
    interaction: discord.Interaction[Any], channel_id: int
) -> list[TranscriptLine]:
    """The room's messages, oldest first, read at the moment the client asks (never stored)."""
    channel = interaction.client.get_channel(channel_id) or await interaction.client.fetch_channel(
        channel_id
    )
    assert isinstance(channel, discord.TextChannel)
    lines = []
    async for message in channel.history(limit=None, oldest_first=True):
        text = message.content
        if message.attachments:
            names = ", ".join(a.filename for a in message.attachments)
            attached = t.TRANSCRIPT_ATTACHED(names=names)
            text = f"{text}\n{attached}" if text else attached
        if text:
            lines.append(TranscriptLine(message.created_at, message.author.id, text))
    return lines


def _view(*buttons: _RoomButton) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view


def welcome_view(session_id: int) -> discord.ui.View:
    return _view(
        _RoomButton(RoomAction.END, session_id), _RoomButton(RoomAction.REPORT, session_id)
    )


def closing_view(session_id: int) -> discord.ui.View:
    return _view(
        _RoomButton(RoomAction.TRANSCRIPT, session_id),
        _RoomButton(RoomAction.REPORT, session_id),
    )


ROOM_BUTTONS = (_RoomButton,)
