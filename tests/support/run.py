"""``pathwise run`` as it runs for real: its settings on the test database and the Stripe
stand-in, the `pathwise` fixture (the telegram and web pieces through the composition root,
an HTTP client, the recorded Bot API calls), `Telegram`, a person whose updates are posted
to ``/telegram/webhook`` over HTTP, and `second_db`, a second worker's own database engine.

Its fixtures are registered for every test through `pytest_plugins` in `tests/conftest.py`."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bots.run import running
from bots.web.server import TELEGRAM_SECRET_HEADER
from core import i18n
from core.clock import ManualClock
from core.config import Settings
from core.texts import Text
from core.texts import catalogue as tc
from core.texts import intake as ti
from core.texts import menu as tm
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest, TelegramUser

TELEGRAM_SECRET = "tg-crisis-secret"

Pathwise = tuple[aiohttp.ClientSession, str, RecordingRequest]
"""The `pathwise` fixture: an HTTP client, the web piece's base URL, the recorded Bot API."""


def run_settings(database_url: str, sandbox: StripeSandbox, **overrides: Any) -> Settings:
    """Settings for ``pathwise run``: the test database, the web piece on a free port, Stripe
    on the stand-in (its key, its webhook secret, its URL); no .env is read."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        web_port=0,
        stripe_secret_key=sandbox.api_key,
        stripe_webhook_secret=sandbox.webhook_secret,
        stripe_api_base=sandbox.url,
        **overrides,
    )


@pytest.fixture
async def pathwise(database_url: str, clock: ManualClock) -> AsyncIterator[Pathwise]:
    async with StripeSandbox(webhook_secret="whsec_crisis") as sandbox:
        settings = run_settings(
            database_url,
            sandbox,
            telegram_token="123456:CRISIS",
            telegram_webhook_secret=TELEGRAM_SECRET,
            public_url="https://pathwise.example",
        )
        request = RecordingRequest()
        async with (
            running(settings, {"telegram", "web"}, clock=clock, telegram_request=request) as rt,
            aiohttp.ClientSession() as http,
        ):
            yield http, f"http://127.0.0.1:{rt.web_port}", request


async def post_update(
    http: aiohttp.ClientSession, base: str, update: dict[str, Any], secret: str = TELEGRAM_SECRET
) -> None:
    """One update posted to the running app's ``/telegram/webhook`` as Telegram posts it, with
    the webhook's secret; the app takes it (200)."""
    async with http.post(
        f"{base}/telegram/webhook", json=update, headers={TELEGRAM_SECRET_HEADER: secret}
    ) as answer:
        assert answer.status == 200


class Telegram(TelegramUser):
    """A person in a private chat, their updates posted to ``/telegram/webhook`` over HTTP;
    each call returns the bot's answers (the calls with a text) once they have come."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        request: RecordingRequest,
        user: dict[str, Any],
    ) -> None:
        super().__init__(None, request, user)  # type: ignore[arg-type]  # no app: over HTTP
        self.http, self.base = http, base
        self.wait_for = "sendMessage"

    @classmethod
    def on(cls, pathwise: Pathwise, user_id: int, first_name: str, language: str) -> Telegram:
        """Someone new writing to the running app of the `pathwise` fixture."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        return cls(*pathwise, {**user, "language_code": language})

    async def update(self, payload: dict[str, Any]) -> list[ApiCall]:
        before = len(self.request.calls)
        payload = {"update_id": self.user["id"] * 1000 + next(self.ids), **payload}
        await post_update(self.http, self.base, payload)
        for _ in range(500):
            new = self.request.calls[before:]
            if any(c.method in (self.wait_for, "editMessageText") for c in new):
                await asyncio.sleep(0.05)  # the rest of this update's answer
                return [c for c in self.request.calls[before:] if c.text is not None]
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer")

    async def type(self, text: str) -> list[ApiCall]:
        return await self.text(text)

    async def press(
        self, call: ApiCall, label: str, wait_for: str = "sendMessage"
    ) -> list[ApiCall]:
        """Press ``label``; the answer is awaited until a ``wait_for`` call comes."""
        self.wait_for = wait_for
        try:
            return await super().press(call, label)
        finally:
            self.wait_for = "sendMessage"

    def says(self, text: Text, **params: object) -> str:
        """A catalogue text as this person reads it (in their Telegram's language)."""
        with i18n.speaking(self.user.get("language_code")):
            return text(**params)

    async def to_description(self, city: str) -> None:
        """Consent, the time zone, then the intake up to the description, in the person's
        language (the buttons pressed by their catalogue labels)."""
        [card] = await self.type("/start")
        await self.press(card, self.says(tm.AGREE))
        await self.type("/timezone")
        await self.type(city)
        [topics] = await self.type("/find")
        career = self.says(tc.TOPIC_CAREER).lower()
        [label] = [b for b in topics.button_labels() if b.lower() == career]
        [topics] = await self.press(topics, label)
        [description] = await self.press(topics, self.says(ti.DONE))
        assert html.unescape(description.text or "") == self.says(ti.DESCRIPTION)


class OneUpdate(RecordingRequest):
    """Telegram's getUpdates answering one private message, once (polling mode)."""

    def __init__(self) -> None:
        super().__init__()
        self.pending = [
            {
                "update_id": 70001,
                "message": {
                    "message_id": 1,
                    "date": 1_780_000_000,
                    "chat": {"id": 5550002, "type": "private", "first_name": "Ana"},
                    "from": {"id": 5550002, "is_bot": False, "first_name": "Ana"},
                    "text": "/help",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                },
            }
        ]

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates" and self.pending:
            return [self.pending.pop()]
        return super()._result(method, params)
