"""One chat driver: a client talking to the dialog engine, each input its own committed
transaction, as the Telegram adapter drives it; plus the matchers dialog tests stand in.

    chat = Chat(db, engine, clock)              # a Telegram user (USER), created on first input
    chat = Chat(db, engine, clock, client_id)   # an existing client row
    await chat.start()                          # consent card accepted, on the menu
    await chat.press("Find an advisor"); chat.texts(); chat.labels()
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import catalogue
from core.accounts import Platform, get_or_create_client
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    DialogEngine,
    Input,
    LinkButton,
    Message,
    Reply,
    StartInput,
    build_engine,
)
from core.dialogs.engine import Context
from core.dialogs.services import DialogServices, Matcher, Suggestion
from core.models import Client, Conversation

USER = 4242  # the Telegram user id a chat without a client row talks as
SAMPLE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"


class Chat:
    """One client talking to the engine, each input in its own committed transaction."""

    def __init__(
        self,
        db: Database,
        engine: DialogEngine,
        clock: ManualClock,
        client_id: int | None = None,
        *,
        user_id: int = USER,
        name: str = "Zoë",
    ) -> None:
        self.db, self.engine, self.clock = db, engine, clock
        self.client_id, self.user_id, self.name = client_id, user_id, name
        self.last: list[Reply] = []

    async def send(self, event: Input) -> list[Reply]:
        async with self.db.uow() as uow:
            if self.client_id is None:
                client = await get_or_create_client(
                    uow, Platform.TELEGRAM, self.user_id, self.name, self.clock.now()
                )
            else:
                found = await uow.session.get(Client, self.client_id)
                assert found is not None, f"no client {self.client_id}"
                client = found
            self.last = await self.engine.handle(uow, client, event, self.clock.now())
            await uow.commit()
            self.client_id = client.id
        return self.last

    @property
    def matcher(self) -> Any:
        """The engine's matcher (a `FakeMatcher` records what it was asked)."""
        return self.engine.services.matcher

    async def start(self) -> None:
        """Accept the consent card and land on the menu."""
        await self.send(StartInput())
        await self.press("I understand and agree")

    def texts(self) -> list[str]:
        return [r.text for r in self.last if isinstance(r, Message)]

    def buttons(self) -> list[Button | LinkButton]:
        return [b for r in self.last if isinstance(r, Message) for row in r.buttons for b in row]

    def labels(self) -> list[str]:
        return [b.label for b in self.buttons()]

    def button(self, label: str) -> Button:
        """The button with ``label`` in the last replies (fails the test if absent)."""
        for button in self.buttons():
            if isinstance(button, Button) and button.label == label:
                return button
        raise AssertionError(f"no button {label!r} among {self.labels()} in {self.texts()}")

    def link(self) -> LinkButton:
        (link,) = [b for b in self.buttons() if isinstance(b, LinkButton)]
        return link

    async def press(self, label: str) -> list[Reply]:
        return await self.send(ButtonPress(self.button(label).data))

    async def press_first(self, action: str) -> str:
        """Press the first button whose id has ``action``; returns its label."""
        for button in self.buttons():
            if isinstance(button, Button) and button.data.split(":")[1] == action:
                await self.send(ButtonPress(button.data))
                return button.label
        raise AssertionError(f"no {action} button among {self.labels()}")

    async def conversation(self) -> Conversation:
        assert self.client_id is not None, "the chat has not started"
        async with self.db.uow() as uow:
            conversation = await uow.session.get(Conversation, self.client_id)
            assert conversation is not None
            return conversation

    async def step(self) -> str:
        return (await self.conversation()).step

    async def forge(self, action: str, arg: str | int) -> list[Reply]:
        """A press made up by hand with the conversation's current version: it passes the
        engine's staleness check, so only core's own checks stand in its way."""
        version = (await self.conversation()).version
        return await self.send(ButtonPress(f"{version}:{action}:{arg}"))


class FakeMatcher:
    """Returns a fixed list and records the answers it was asked about."""

    def __init__(self, suggestions: list[Suggestion] | None = None) -> None:
        self.suggestions = suggestions or []
        self.asked: list[dict[str, Any]] = []

    async def suggest(self, ctx: Context, answers: dict[str, Any]) -> list[Suggestion]:
        self.asked.append(dict(answers))
        return self.suggestions


async def import_sample(db: Database) -> dict[str, int]:
    """The sample catalogue (core/data/advisors.yaml) in the database; slug -> advisor id."""
    rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE))
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, rows, datetime(2026, 11, 1, tzinfo=UTC))
        await uow.commit()
        return {a.slug: a.id for a in await catalogue.list_advisors(uow)}


def make_engine(
    settings: Settings, *, matcher: Matcher | None = None, **services: Any
) -> DialogEngine:
    """The real engine with a matcher (no suggestions unless given) and any other services."""
    return build_engine(settings, DialogServices(matcher=matcher or FakeMatcher(), **services))
