"""Playing the client (Zoë, or Lucía in Spanish): typing and tapping in Telegram, paying on
the Checkout page, and hearing what the bot and the Discord DMs say back (each line goes into
the transcript)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from icalendar import Calendar
from pypdf import PdfReader

from bots.demo.report import Checks, StepFailed, Transcript
from bots.demo.speech import ADVISOR_LANGUAGE, money, render, script
from bots.demo.world import ADVISOR_DISCORD, CLIENT_DISCORD, World
from core import i18n
from core.texts import Text
from core.texts import demo as t
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
    """The client's side of the demo, against a running ``World``: she reads Pathwise in
    ``language`` (her Telegram's), and so does the transcript."""

    def __init__(self, world: World, transcript: Transcript, language: str = "en") -> None:
        self.w, self.t = world, transcript
        self.language = language
        self.locale = i18n.locale_for(language)  # what the bot stores for her: amounts follow it
        self.advisor_language = ADVISOR_LANGUAGE
        self.script = script(language)
        self.client = self.script.client_name
        self.checks = Checks(transcript)
        self.receipts: dict[str, bytes] = {}  # filename -> PDF, as the client received them
        self.last: ApiCall | None = None  # the last bot message with buttons

    # -- in the right language -------------------------------------------------------------

    def said(self, text: Text, /, **params: object) -> str:
        """A text as the client (and the transcript's reader) reads it."""
        return render(self.language, text, **params)

    def to_advisor(self, text: Text, /, **params: object) -> str:
        """A text as the advisor reads it."""
        return render(self.advisor_language, text, **params)

    def money(self, minor: int) -> str:
        """An amount as the client reads it."""
        return money(minor, self.w.settings.currency, self.locale)

    # -- talking, as the client ------------------------------------------------------------

    async def type(self, text: str) -> list[ApiCall]:
        self.t.say("client", text)
        return self._heard(await self.w.telegram.text(text))

    async def tap(self, label: str, call: ApiCall | None = None) -> list[ApiCall]:
        call = call or self.last
        if call is None or label not in call.button_labels():
            shown = call.button_labels() if call else []
            raise StepFailed(f"tap {label!r}", f"the bot offered {shown}")
        self.t.say("client", self.said(t.TAPS, label=label))
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
        where = self.said(t.DM) if channel.get("type") == 1 else f"#{channel.get('name', '?')}"
        who = {
            BOT_ID: self.said(t.PATHWISE_BOT),
            CLIENT_DISCORD: self.client,
            ADVISOR_DISCORD: "Ana",
        }.get(author, str(author))
        text = message.get("content") or ""
        for embed in message.get("embeds", []):
            text += "\n" + "\n".join(
                part for part in (embed.get("title"), embed.get("description")) if part
            )
        buttons = [
            b["label"] for row in message.get("components", []) for b in row.get("components", [])
        ]
        self.t.say(
            "discord", self.said(t.SAID_IN, who=who, where=where, text=text.strip()), buttons
        )

    async def pay(self, call: ApiCall, step: str) -> str:
        """The client pays on the Checkout page behind ``call``'s URL button."""
        link = button(call, lambda b: "url" in b, step)["url"]
        session_id = str(link).rsplit("/", 1)[1]
        self.t.say("client", f"{self.said(t.PAYS)}\n{link}")
        before = len(self.w.sandbox.deliveries)
        await self.w.sandbox.pay(session_id)
        for delivery in self.w.sandbox.deliveries[before:]:
            self.t.say(
                "stripe",
                self.said(
                    t.WEBHOOK,
                    event=delivery.event_type,
                    url=self.w.webhook_url,
                    status=delivery.status,
                ),
            )
        statuses = {d.status for d in self.w.sandbox.deliveries[before:]}
        self.checks.require(
            t.WEBHOOKS_ACCEPTED,
            statuses == {200},
            self.said(t.WEBHOOKS_HELD, statuses=sorted(map(str, statuses))),
        )
        return session_id

    # -- the stages --------------------------------------------------------------------------
