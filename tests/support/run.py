"""``pathwise run`` as it runs for real: its settings on the test database and the Stripe
stand-in, the `pathwise` fixture (the telegram and web pieces through the composition root,
an HTTP client, the recorded Bot API calls) and `Telegram`, a person whose updates are posted
to ``/telegram/webhook`` over HTTP.

Its fixtures are registered for every test through `pytest_plugins` in `tests/conftest.py`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bots.run import running
from bots.web.server import TELEGRAM_SECRET_HEADER
from core.clock import ManualClock
from core.config import Settings
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest

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


class Telegram:
    """A person in a private chat, their updates posted to ``/telegram/webhook`` over HTTP."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        request: RecordingRequest,
        user: dict[str, Any],
    ) -> None:
        self.http, self.base, self.request, self.user = http, base, request, user
        self.ids = iter(range(1, 10_000))

    @classmethod
    def on(cls, pathwise: Pathwise, user_id: int, first_name: str, language: str) -> Telegram:
        """Someone new writing to the running app of the `pathwise` fixture."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        return cls(*pathwise, {**user, "language_code": language})

    async def _post(self, update: dict[str, Any], wait_for: str = "sendMessage") -> list[ApiCall]:
        before = len(self.request.calls)
        update = {"update_id": self.user["id"] * 1000 + next(self.ids), **update}
        async with self.http.post(
            f"{self.base}/telegram/webhook",
            json=update,
            headers={TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET},
        ) as answer:
            assert answer.status == 200
        for _ in range(500):
            new = self.request.calls[before:]
            if any(c.method in (wait_for, "editMessageText") for c in new):
                await asyncio.sleep(0.05)  # the rest of this update's answer
                return [c for c in self.request.calls[before:] if c.text is not None]
            await asyncio.sleep(0.01)
        raise AssertionError("the bot did not answer")

    async def type(self, text: str) -> list[ApiCall]:
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "date": int(time.time()),
            "chat": {"id": self.user["id"], "type": "private"},
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self._post({"message": message})

    async def press(
        self, call: ApiCall, label: str, wait_for: str = "sendMessage"
    ) -> list[ApiCall]:
        return await self._post(
            {
                "callback_query": {
                    "id": str(next(self.ids)),
                    "from": self.user,
                    "chat_instance": "ci",
                    "data": call.button(label)["callback_data"],
                    "message": {
                        "message_id": 1000,
                        "date": int(time.time()),
                        "chat": {"id": self.user["id"], "type": "private"},
                        "text": "…",
                    },
                }
            },
            wait_for,
        )

    async def to_description(self, city: str) -> None:
        """Consent, the time zone, then the intake up to the description."""
        [card] = await self.type("/start")
        await self.press(card, "I understand and agree")
        await self.type("/timezone")
        await self.type(city)
        [topics] = await self.type("/find")
        [topics] = await self.press(topics, "Career and work")
        [description] = await self.press(topics, "Done")
        assert "what would you like help with" in (description.text or "")
