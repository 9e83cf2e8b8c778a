"""The dialog engine: loads a client's saved step, routes an input to it, saves the result.

A flow is a set of named steps. Each step can ``show`` itself (the replies that present it)
and ``receive`` an input (returning a Transition). The engine owns the cross-cutting rules:
commands work from anywhere, stale or forged buttons get "that option has expired" and the
current step again, and the state is written in the caller's unit of work. Work that must run
outside that transaction (billing, Stripe) is a Transition's ``after_commit``: the engine
commits the conversation first, so its row is never written after its lock was released.

Every free text is screened for a risk to life before any step sees it (``core.safety``). A
text that matches is answered with the crisis message and a button to continue where the
client was; the step still takes the text, so nothing is blocked and nothing ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select

from core import i18n
from core.config import Settings
from core.db import UnitOfWork
from core.dialogs import buttons, typed_choices
from core.dialogs.services import DialogServices
from core.dialogs.steps import StepName
from core.models import Client, Conversation
from core.replies import (
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
from core.safety import Detection, Screener, Where, respond
from core.texts import chat as t

log = logging.getLogger(__name__)

GO_ON = "safety_go_on"  # the crisis message's "continue where I was" button


@dataclass
class Context:
    """What a step sees: the client, the time, settings, saved data and shared services."""

    uow: UnitOfWork
    client: Client
    now: datetime
    settings: Settings
    data: dict[str, Any]
    version: int
    services: DialogServices = field(default_factory=DialogServices)
    installed: Collection[str] = ()  # the steps the running engine has
    step: str = ""  # the step the conversation is at when the input arrives
    offered: typed_choices.Offered = field(default_factory=list)  # the buttons last shown

    @property
    def locale(self) -> str:
        """How the client's amounts and dates are written: their own locale (the language
        they read, ``core.i18n``), from Telegram or /language."""
        return self.client.locale or self.settings.locale

    def button(self, label: str, action: str, arg: str | int = "") -> Button:
        """A button whose id belongs to the step being shown."""
        return Button(label, buttons.encode(self.version, action, arg))


AfterCommit = Callable[[Context], Awaitable["Transition"]]


@dataclass
class Transition:
    """Where a step goes after an input.

    ``goto`` names the next step (shown after ``replies``); None stays on the same step
    without showing it again (``replies`` then say what to do, like a validation hint).

    ``after_commit``: work that must run outside the dialog's transaction (billing's own
    transactions, a call to Stripe). The engine first commits what the step did together
    with the conversation, as it stands, releasing its lock; then runs ``after_commit``, and
    applies the Transition it returns (its ``goto``, ``data`` and ``replies``) to the
    conversation, locked again.
    """

    goto: StepName | None = None
    replies: list[Reply] = field(default_factory=list)
    data: dict[str, Any] | None = None  # replaces the saved data when given
    reshow: bool = False  # stay, but show the step again (e.g. after toggling a choice)
    forget: bool = False  # erase the conversation state itself (the client's data was erased)
    # A reply that stays on the step gets the step's buttons again (a hint after a wrong
    # answer); False for a message meant to stand alone (a link to forward).
    buttons_again: bool = True
    after_commit: AfterCommit | None = None


def committed(then: Transition) -> Transition:
    """Commit what the step did (a held time, say) before going on as ``then`` says: the
    next step's ``show`` may read it through billing's own transaction."""

    async def proceed(_ctx: Context) -> Transition:
        return then

    return Transition(after_commit=proceed)


class Step(Protocol):
    """One step of a flow."""

    async def show(self, ctx: Context) -> list[Reply]: ...

    async def receive(self, ctx: Context, event: Input) -> Transition: ...


CommandHandler = Callable[[Context, str], Awaitable[Transition]]


# -- the conversation row: loaded locked, moved on a step, saved ---------------------------------


async def lock_conversation(
    uow: UnitOfWork, client_id: int, now: datetime, *, first_step: str
) -> Conversation:
    """The client's conversation, locked for this transaction (read afresh); a new one starts
    on ``first_step``."""
    conversation = await uow.session.scalar(
        select(Conversation)
        .where(Conversation.client_id == client_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if conversation is None:
        conversation = Conversation(
            client_id=client_id, step=first_step, version=0, data={}, updated_at=now
        )
        uow.session.add(conversation)
    return conversation


def move_to(conversation: Conversation, step: str) -> int:
    """Put the conversation on ``step`` with a new version, which makes the buttons of every
    earlier message stale; the new version is returned for the step's own buttons."""
    conversation.step = step
    conversation.version = (conversation.version or 0) + 1
    return conversation.version


async def save(
    uow: UnitOfWork,
    conversation: Conversation,
    data: dict[str, Any],
    now: datetime,
    offered: typed_choices.Offered | None = None,
) -> None:
    """Write the conversation's data, and the buttons last shown if given (the caller
    commits)."""
    conversation.data = data
    if offered is not None:
        conversation.offered = offered
    conversation.updated_at = now
    await uow.session.flush()


@dataclass
class DialogEngine:
    """Routes inputs to steps. Built once at start-up with every step and command."""

    steps: Mapping[str, Step]
    commands: Mapping[str, CommandHandler]
    start: Callable[[Context, str], Awaitable[Transition]]
    first_step: StepName
    home_step: StepName
    settings: Settings
    services: DialogServices = field(default_factory=DialogServices)
    # A stale press of one of these actions gets its own answer instead of STALE_BUTTON
    # (e.g. a second press on "Yes, delete my data", once everything is gone).
    stale_answers: Mapping[str, str] = field(default_factory=dict)
    screener: Screener | None = None

    async def handle(
        self,
        uow: UnitOfWork,
        client: Client,
        event: Input,
        now: datetime,
        *,
        language_code: str | None = None,
    ) -> list[Reply]:
        """Answer one input from ``client`` and save where they are now (caller commits).

        A step whose work must run outside the dialog's transaction (``after_commit``) has
        ``uow`` committed here, before that work; the rest is written in a new transaction of
        the same ``uow``, again for the caller to commit.

        ``language_code``: the platform's language tag for the client (Telegram's
        ``language_code``), which helps choose the crisis lines and their language.

        Every text is written in the client's language (``Client.locale``)."""
        with i18n.speaking(client.locale):
            return await self._handle(uow, client, event, now, language_code)

    async def _handle(
        self,
        uow: UnitOfWork,
        client: Client,
        event: Input,
        now: datetime,
        language_code: str | None,
    ) -> list[Reply]:
        detection = self._screen(event)
        conversation = await self._load(uow, client, now)
        ctx = self._context(uow, client, now, conversation)
        if detection is not None:
            return await self._crisis(ctx, conversation, event, detection, language_code)
        transition = self._installed(await self._route(ctx, conversation, event))
        replies: list[Reply] = []
        if transition.after_commit is not None:
            replies, transition = await self._after_commit(ctx, conversation, transition)
            if not transition.forget:
                conversation = await self._load(uow, client, now)
                ctx.version = conversation.version
        return await self._apply(ctx, conversation, event, transition, replies)

    def _context(
        self, uow: UnitOfWork, client: Client, now: datetime, conversation: Conversation
    ) -> Context:
        return Context(
            uow,
            client,
            now,
            self.settings,
            dict(conversation.data),
            conversation.version,
            self.services,
            self.steps.keys(),
            conversation.step,
            list(conversation.offered or []),
        )

    def _installed(self, transition: Transition, *, say: bool = True) -> Transition:
        """A flow that is not installed in this engine: say so rather than fail."""
        if transition.goto is None or transition.goto in self.steps:
            return transition
        log.error("dialog step %r is not installed", transition.goto)
        replies: list[Reply] = [Message(t.NOT_AVAILABLE())] if say else []
        return Transition(goto=self.home_step, data={}, replies=replies)

    async def _after_commit(
        self, ctx: Context, conversation: Conversation, transition: Transition
    ) -> tuple[list[Reply], Transition]:
        """Commit the step's work and the conversation (its lock released), then run the
        step's ``after_commit``: (the step's own replies, the Transition it comes to)."""
        assert transition.after_commit is not None
        if transition.data is not None:
            ctx.data = transition.data
        await save(ctx.uow, conversation, ctx.data, ctx.now)
        await ctx.uow.commit()
        then = await transition.after_commit(ctx)
        return list(transition.replies), self._installed(then)

    async def _apply(
        self,
        ctx: Context,
        conversation: Conversation,
        event: Input,
        transition: Transition,
        replies: list[Reply],
    ) -> list[Reply]:
        """Move the conversation as ``transition`` says and show where it is now."""
        replies = [*replies, *transition.replies]
        if transition.forget:
            ctx.uow.session.expunge(conversation)
            await ctx.uow.session.execute(
                delete(Conversation).where(Conversation.client_id == ctx.client.id)
            )
            return replies
        if transition.data is not None:
            ctx.data = transition.data
        if transition.goto is not None or transition.reshow:
            ctx.version = move_to(conversation, transition.goto or conversation.step)
            replies += await self.steps[conversation.step].show(ctx)
            if isinstance(event, ButtonPress) and transition.reshow:
                replies = [_as_replacement(reply) for reply in replies]
            ctx.offered = typed_choices.offered(replies)
        elif own := typed_choices.offered(replies):
            ctx.offered = own  # a hint that brings its own buttons
        elif (
            transition.buttons_again
            and ctx.offered
            and replies
            and isinstance(replies[-1], Message)
        ):
            # A hint after a wrong answer: the step's buttons come again with it, so the
            # client never has to scroll up (they are still valid: the step did not move).
            hint = replies[-1]
            replies[-1] = Message(hint.text, typed_choices.again(ctx.offered), replace=hint.replace)
        await save(ctx.uow, conversation, ctx.data, ctx.now, ctx.offered)
        return replies

    def _screen(self, event: Input) -> Detection | None:
        """Whether what the client typed (free text, or a command's words) needs the crisis
        answer."""
        if self.screener is None:
            return None
        if isinstance(event, TextInput):
            return self.screener.screen(event.text)
        if isinstance(event, CommandInput) and event.args:
            return self.screener.screen(event.args)
        return None

    async def _crisis(
        self,
        ctx: Context,
        conversation: Conversation,
        event: Input,
        detection: Detection,
        language_code: str | None,
    ) -> list[Reply]:
        """The crisis answer first (and the team's alerts); then the step takes the text as
        usual, in a savepoint, so that its failing can never cost the client the answer. The
        step's own replies wait behind the "continue" button, and work a step would do after
        the commit (a payment link) is not started: the client can ask again."""
        answer = await respond(
            ctx.uow,
            self.settings,
            ctx.client,
            detection,
            ctx.now,
            where=Where.CHAT,
            language_tag=language_code,
            chosen_language=str(ctx.data.get("language") or "") or None,
        )
        try:
            async with ctx.uow.session.begin_nested():
                transition = await self._route(ctx, conversation, event)
        except Exception as error:
            # The error's class only: a traceback could carry what the client typed.
            log.error("dialog.step.failed_after_crisis", extra={"error": type(error).__name__})
            transition = Transition()
        transition = self._installed(transition, say=False)
        if transition.data is not None:
            ctx.data = transition.data
        if transition.goto is not None or transition.reshow:
            ctx.version = move_to(conversation, transition.goto or conversation.step)
        answered = Message(answer.text, rows(ctx.button(answer.continue_label, GO_ON), per_row=1))
        await save(ctx.uow, conversation, ctx.data, ctx.now, typed_choices.offered([answered]))
        return [answered]

    async def _route(self, ctx: Context, conversation: Conversation, event: Input) -> Transition:
        """Commands and /start first, from anywhere; then the current step."""
        if isinstance(event, StartInput):
            return await self.start(ctx, event.payload)
        if isinstance(event, CommandInput):
            handler = self.commands.get(event.name.lower())
            if handler is None:
                return Transition(replies=[Message(t.UNKNOWN_COMMAND())], reshow=True)
            return await handler(ctx, event.args)
        if isinstance(event, ButtonPress):
            press = buttons.decode(event.data)
            if press is None or press.version != conversation.version:
                if press is not None and press.action in self.stale_answers:
                    return Transition(replies=[Message(self.stale_answers[press.action])])
                return Transition(replies=[Message(t.STALE_BUTTON())], reshow=True)
            if press.action == GO_ON:
                # After a crisis answer: show where they were, as a new message below it.
                return Transition(goto=StepName(conversation.step))
        if isinstance(event, TextInput):
            # A button's label typed instead of tapped is the tap; "cancel", "help", "menu"
            # are their commands.
            data = typed_choices.chosen(event.text, ctx.offered)
            if data is not None:
                return await self._route(ctx, conversation, ButtonPress(data))
            step = self.steps[conversation.step]
            free_text = getattr(step, "takes_free_text", False)  # their words are the answer
            word = None if free_text else typed_choices.command_word(event.text)
            if word == "start":
                return await self._route(ctx, conversation, StartInput())
            if word is not None:
                return await self._route(ctx, conversation, CommandInput(word))
        return await self.steps[conversation.step].receive(ctx, event)

    async def _load(self, uow: UnitOfWork, client: Client, now: datetime) -> Conversation:
        """The client's conversation, locked for this transaction; a new one starts at the top."""
        conversation = await lock_conversation(uow, client.id, now, first_step=self.first_step)
        if conversation.step not in self.steps:
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
