"""Playing Zoë: typing and tapping in Telegram, paying on the Checkout page, and hearing what
the bot and the Discord DMs say back (each line goes into the transcript)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from icalendar import Calendar
from pypdf import PdfReader

from bots.demo.report import Checks, StepFailed, Transcript
from bots.demo.world import ADVISOR_DISCORD, CLIENT_DISCORD, World
from devtools.discord_recorder import BOT_ID
from devtools.telegram_recorder import ApiCall


def button(call: ApiCall, predicate: Callable[[dict[str, Any]], bool], step: str) -> dict[str, Any]:
    for row in call.keyboard:
        for button in row:
            if predicate(button):
                return dict(button)
    raise StepFailed(step, f"no such button among {call.button_labels()}")


def last_with_buttons(calls: list[ApiCall], step: str) -> ApiCall:
    found = [c for c in calls if c.keyboard]
    if not found:
        raise StepFailed(step, "the bot answered without buttons: " + repr([c.text for c in calls]))
    return found[-1]


def one_document(calls: list[ApiCall], what: str) -> tuple[str, str]:
    """The one PDF among ``calls``: its file name and its text, read back."""
    documents = [
        c
        for c in calls
        if c.method == "sendDocument" and any(n.endswith(".pdf") for n, _, _ in c.files.values())
    ]
    if len(documents) != 1:
        raise StepFailed(what, f"expected one {what}, got {len(documents)}")
    name, content, _ = next(iter(documents[0].files.values()))
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    return name, text


def calendar_event(calls: list[ApiCall], what: str) -> tuple[str, Any]:
    """The one calendar file among ``calls``: its file name and its event, read back."""
    files = [
        (name, content)
        for c in calls
        if c.method == "sendDocument"
        for name, content, _ in c.files.values()
        if name.endswith(".ics")
    ]
    if len(files) != 1:
        raise StepFailed(what, f"expected one calendar file, got {len(files)}")
    name, content = files[0]
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    return name, event


class Player:
    """Zoë's side of the demo, against a running ``World``."""

    def __init__(self, world: World, transcript: Transcript) -> None:
        self.w, self.t = world, transcript
        self.checks = Checks(transcript)
        self.receipts: dict[str, bytes] = {}  # filename -> PDF, as Zoë received them
        self.last: ApiCall | None = None  # the last bot message with buttons

    # -- talking, as Zoë -------------------------------------------------------------------

    async def type(self, text: str) -> list[ApiCall]:
        self.t.say("client", text)
        return self._heard(await self.w.telegram.text(text))

    async def tap(self, label: str, call: ApiCall | None = None) -> list[ApiCall]:
        call = call or self.last
        if call is None or label not in call.button_labels():
            shown = call.button_labels() if call else []
            raise StepFailed(f"tap {label!r}", f"the bot offered {shown}")
        self.t.say("client", f"[taps “{label}”]")
        return self._heard(await self.w.telegram.press(call, label))

    def _heard(self, calls: list[ApiCall]) -> list[ApiCall]:
        self.t.bot_calls(calls)
        with_buttons = [c for c in calls if c.keyboard]
        if with_buttons:
            self.last = with_buttons[-1]
        for call in calls:
            for name, content, _ in call.files.values():
                self.receipts[name] = content
        return calls

    async def deliver(self) -> list[ApiCall]:
        """The outbox's Telegram and Discord messages go out (the worker's job)."""
        calls = self._heard(await self.w.deliver_telegram())
        for message in await self.w.deliver_discord():
            self._discord_line(message)
        return calls

    def _discord_line(self, message: dict[str, Any]) -> None:
        channel = self.w.fake.channels.get(int(message["channel_id"]), {})
        author = int(message["author"]["id"])
        where = "DM" if channel.get("type") == 1 else f"#{channel.get('name', '?')}"
        who = {BOT_ID: "Pathwise bot", CLIENT_DISCORD: "Zoë", ADVISOR_DISCORD: "Ana"}.get(
            author, str(author)
        )
        text = message.get("content") or ""
        for embed in message.get("embeds", []):
            text += "\n" + "\n".join(
                part for part in (embed.get("title"), embed.get("description")) if part
            )
        buttons = [
            b["label"] for row in message.get("components", []) for b in row.get("components", [])
        ]
        self.t.say("discord", f"{who} in {where}: {text.strip()}", buttons)

    async def pay(self, call: ApiCall, step: str) -> str:
        """Zoë pays on the Checkout page behind ``call``'s URL button."""
        link = button(call, lambda b: "url" in b, step)["url"]
        session_id = str(link).rsplit("/", 1)[1]
        self.t.say("client", f"[pays with a test card on the Stripe Checkout page]\n{link}")
        before = len(self.w.sandbox.deliveries)
        await self.w.sandbox.pay(session_id)
        for delivery in self.w.sandbox.deliveries[before:]:
            self.t.say(
                "stripe",
                f"signed webhook {delivery.event_type} → POST {self.w.webhook_url}: "
                f"HTTP {delivery.status}",
            )
        statuses = {d.status for d in self.w.sandbox.deliveries[before:]}
        self.checks.require(
            "webhooks accepted",
            statuses == {200},
            f"every signed webhook answered 200 (saw {sorted(map(str, statuses))})",
        )
        return session_id

    # -- the stages --------------------------------------------------------------------------
