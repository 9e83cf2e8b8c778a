"""A terminal renderer for the client flows: proof that the flows are platform-neutral.

Text prints as it is; buttons print numbered, and typing the number presses one; anything
else is sent as text (``/find`` and the other commands work too). A Stripe link can be paid
on the local stand-in by typing its number. Receipts arrive through the outbox, like in
Telegram, and are saved as files.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from core import outbox
from core.accounts import Platform, get_or_create_client
from core.billing import Billing
from core.clock import Clock
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    CommandInput,
    DialogEngine,
    Document,
    Image,
    Input,
    LinkButton,
    Message,
    Reply,
    StartInput,
    TextInput,
)
from core.documents import load_document
from core.outbox import Audience
from devtools.stripe_sandbox import StripeSandbox

EXIT_WORDS = {"/quit", "/exit", "quit", "exit"}


@dataclass
class TerminalChat:
    """One client talking to Pathwise in a terminal."""

    db: Database
    engine: DialogEngine
    clock: Clock
    billing: Billing
    sandbox: StripeSandbox | None
    files: Path
    read: Callable[[str], Awaitable[str | None]]
    write: Callable[[str], None]
    user_id: int = 1
    name: str = "You"
    _buttons: list[Button | LinkButton] = field(default_factory=list)

    async def run(self) -> None:
        """Talk until the input ends or the client types /quit."""
        await self.say(StartInput())
        while True:
            line = await self.read("> ")
            if line is None or line.strip().lower() in EXIT_WORDS:
                self.write("Bye.")
                return
            await self.handle_line(line.strip())

    async def handle_line(self, line: str) -> None:
        """A number presses that button; a /command is a command; anything else is text."""
        if line.isdigit() and 1 <= int(line) <= len(self._buttons):
            button = self._buttons[int(line) - 1]
            if isinstance(button, LinkButton):
                await self.open_link(button)
                return
            await self.say(ButtonPress(button.data))
        elif line.startswith("/start"):
            await self.say(StartInput(line.removeprefix("/start").strip()))
        elif line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            await self.say(CommandInput(name, args))
        else:
            await self.say(TextInput(line))

    async def say(self, event: Input) -> None:
        """Send one input through the dialog engine and print the answer."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            client = await get_or_create_client(
                uow, Platform.TELEGRAM, self.user_id, self.name, now
            )
            replies = await self.engine.handle(uow, client, event, now)
            await uow.commit()
        self.render(replies)
        await self.deliver_outbox()

    async def open_link(self, button: LinkButton) -> None:
        """Pay a Stripe Checkout link on the local stand-in, as a client would on Stripe's page."""
        if self.sandbox is None or not button.url.startswith(self.sandbox.url):
            self.write(f"Open this link in a browser: {button.url}")
            return
        session_id = button.url.rstrip("/").rsplit("/", 1)[-1]
        self.write("(paying on the local Stripe stand-in with a test card…)")
        await self.sandbox.pay(session_id)
        await self.deliver_outbox()

    def render(self, replies: list[Reply]) -> None:
        """Print replies; number their buttons for the next line of input."""
        self._buttons = []
        for reply in replies:
            if isinstance(reply, Message):
                self.write(f"\nPathwise: {reply.text}")
                for row in reply.buttons:
                    cells = []
                    for button in row:
                        self._buttons.append(button)
                        arrow = " ↗" if isinstance(button, LinkButton) else ""
                        cells.append(f"[{len(self._buttons)}] {button.label}{arrow}")
                    self.write("   " + "   ".join(cells))
            elif isinstance(reply, Image):
                self.write(f"\n[photo: {reply.caption or reply.url}]")
            elif isinstance(reply, Document):
                self.write(f"\n[document saved: {self.save(reply.filename, reply.content)}]")

    def save(self, filename: str, content: bytes) -> Path:
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / Path(filename).name
        path.write_bytes(content)
        return path

    async def deliver_outbox(self) -> None:
        """Show messages the outbox holds for clients (receipts, next steps), like Telegram."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            items = await outbox.claim_due(uow, Audience.CLIENT, now, limit=50)
            for item in items:
                self.write(f"\nPathwise: {item.text}")
                if item.document is not None:
                    content = await load_document(
                        uow, item.document, settings=self.billing.settings, now=now
                    )
                    self.write(f"[document saved: {self.save(item.document.filename, content)}]")
                await outbox.mark_sent(uow, item.id, now)
            await uow.commit()


async def read_stdin(prompt: str) -> str | None:
    """A line from the terminal without blocking the event loop; None at end of input."""
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None
