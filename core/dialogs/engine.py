"""The dialog engine: loads a client's saved step, routes an input to it, saves the result.

A flow is a set of named steps. Each step can ``show`` itself (the replies that present it)
and ``receive`` an input (returning a Transition). The engine owns the cross-cutting rules:
commands work from anywhere, stale or forged buttons get "that option has expired" and the
current step again, and the state is written in the caller's unit of work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select

from core.config import Settings
from core.db import UnitOfWork
from core.dialogs import buttons
from core.dialogs.replies import (
    AnyButton,
    Button,
    ButtonPress,
    CommandInput,
    Input,
    Message,
    Reply,
    StartInput,
    TextInput,
)
from core.models import Client, Conversation

log = logging.getLogger(__name__)

STALE_BUTTON = "That option has expired. Here is where we are now:"
NOT_AVAILABLE = "Sorry, that isn't available yet. Here is the menu:"
UNKNOWN_COMMAND = "I don't know that command. Here is where we are now:"


@dataclass
class Context:
    """What a step sees: the client, the time, settings, saved data and shared services."""

    uow: UnitOfWork
    client: Client
    now: datetime
    settings: Settings
    data: dict[str, Any]
    version: int
    services: Any = None

    def button(self, label: str, action: str, arg: str | int = "") -> Button:
        """A button whose id belongs to the step being shown."""
        return Button(label, buttons.encode(self.version, action, arg))


@dataclass
class Transition:
    """Where a step goes after an input.

    ``goto`` names the next step (shown after ``replies``); None stays on the same step
    without showing it again (``replies`` then say what to do, like a validation hint).
    """

    goto: str | None = None
    replies: list[Reply] = field(default_factory=list)
    data: dict[str, Any] | None = None  # replaces the saved data when given
    reshow: bool = False  # stay, but show the step again (e.g. after toggling a choice)
    forget: bool = False  # erase the conversation state itself (the client's data was erased)


class Step(Protocol):
    """One step of a flow."""

    async def show(self, ctx: Context) -> list[Reply]: ...

    async def receive(self, ctx: Context, event: Input) -> Transition: ...


CommandHandler = Callable[[Context, str], Awaitable[Transition]]


@dataclass
class DialogEngine:
    """Routes inputs to steps. Built once at start-up with every step and command."""

    steps: Mapping[str, Step]
    commands: Mapping[str, CommandHandler]
    start: Callable[[Context, str], Awaitable[Transition]]
    first_step: str
    home_step: str
    settings: Settings
    services: Any = None
    # A stale press of one of these actions gets its own answer instead of STALE_BUTTON
    # (e.g. a second press on "Yes, delete my data", once everything is gone).
    stale_answers: Mapping[str, str] = field(default_factory=dict)

    async def handle(
        self, uow: UnitOfWork, client: Client, event: Input, now: datetime
    ) -> list[Reply]:
        """Answer one input from ``client`` and save where they are now (caller commits)."""
        conversation = await self._load(uow, client, now)
        ctx = Context(
            uow,
            client,
            now,
            self.settings,
            dict(conversation.data),
            conversation.version,
            self.services,
        )
        transition = await self._route(ctx, conversation, event)
        if transition.goto is not None and transition.goto not in self.steps:
            # A flow that is not installed in this engine: say so rather than fail.
            log.error("dialog step %r is not installed", transition.goto)
            transition = Transition(goto=self.home_step, data={}, replies=[Message(NOT_AVAILABLE)])
        replies = list(transition.replies)
        if transition.forget:
            uow.session.expunge(conversation)
            await uow.session.execute(
                delete(Conversation).where(Conversation.client_id == client.id)
            )
            return replies
        if transition.data is not None:
            ctx.data = transition.data
        if transition.goto is not None or transition.reshow:
            conversation.step = transition.goto or conversation.step
            conversation.version += 1
            ctx.version = conversation.version
            replies += await self.steps[conversation.step].show(ctx)
            if isinstance(event, ButtonPress) and transition.reshow:
                replies = [_as_replacement(reply) for reply in replies]
        conversation.data = ctx.data
        conversation.updated_at = now
        await uow.session.flush()
        return replies

    async def _route(self, ctx: Context, conversation: Conversation, event: Input) -> Transition:
        """Commands and /start first, from anywhere; then the current step."""
        if isinstance(event, StartInput):
            return await self.start(ctx, event.payload)
        if isinstance(event, CommandInput):
            handler = self.commands.get(event.name.lower())
            if handler is None:
                return Transition(replies=[Message(UNKNOWN_COMMAND)], reshow=True)
            return await handler(ctx, event.args)
        if isinstance(event, ButtonPress):
            press = buttons.decode(event.data)
            if press is None or press.version != conversation.version:
                if press is not None and press.action in self.stale_answers:
                    return Transition(replies=[Message(self.stale_answers[press.action])])
                return Transition(replies=[Message(STALE_BUTTON)], reshow=True)
        return await self.steps[conversation.step].receive(ctx, event)

    async def _load(self, uow: UnitOfWork, client: Client, now: datetime) -> Conversation:
        """The client's conversation, locked for this transaction; a new one starts at the top."""
        conversation = await uow.session.scalar(
            select(Conversation).where(Conversation.client_id == client.id).with_for_update()
        )
        if conversation is None or conversation.step not in self.steps:
            if conversation is None:
                conversation = Conversation(client_id=client.id, version=0, data={})
                uow.session.add(conversation)
            conversation.step = self.first_step
            conversation.updated_at = now
        return conversation


def _as_replacement(reply: Reply) -> Reply:
    """A message that edits the one the button was on, rather than piling up a new one."""
    if isinstance(reply, Message):
        return Message(reply.text, reply.buttons, replace=True)
    return reply


def pressed(event: Input) -> buttons.Press | None:
    """The decoded press if ``event`` is a button press (already checked by the engine)."""
    return buttons.decode(event.data) if isinstance(event, ButtonPress) else None


def typed(event: Input) -> str | None:
    """The text if ``event`` is free text."""
    return event.text.strip() if isinstance(event, TextInput) else None


def rows(*items: AnyButton, per_row: int = 2) -> tuple[tuple[AnyButton, ...], ...]:
    """Buttons laid out ``per_row`` to a row."""
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))
