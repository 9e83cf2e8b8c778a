"""The crisis answer through the real adapters: a Telegram client typing "I want to kill
myself" as their description is answered at once, over HTTP through ``pathwise run``'s
composition root, with their country's lines and in their language, and can go on; a client
writing it in their Discord session room is answered there, and their advisor and the team
are told without the words."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bots.run import running
from bots.web.server import TELEGRAM_SECRET_HEADER
from core.clock import ManualClock
from core.config import Settings
from core.outbox import Audience
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest
from tests.bots.test_discord_sessions import booked, opened
from tests.support.discord_bot import Env, env
from tests.support.sessions import ADVISOR_DISCORD, CLIENT_DISCORD, messages

__all__ = ["env"]

SECRET = "tg-crisis-secret"
WORDS = "I want to kill myself"


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

    async def _post(self, update: dict[str, Any], wait_for: str = "sendMessage") -> list[ApiCall]:
        before = len(self.request.calls)
        update = {"update_id": self.user["id"] * 1000 + next(self.ids), **update}
        async with self.http.post(
            f"{self.base}/telegram/webhook", json=update, headers={TELEGRAM_SECRET_HEADER: SECRET}
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


@pytest.fixture
async def pathwise(
    database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[Any, str, RecordingRequest]]:
    async with StripeSandbox(webhook_secret="whsec_crisis") as sandbox:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=database_url,
            web_port=0,
            telegram_token="123456:CRISIS",
            telegram_webhook_secret=SECRET,
            public_url="https://pathwise.example",
            stripe_secret_key=sandbox.api_key,
            stripe_webhook_secret="whsec_crisis",
            stripe_api_base=sandbox.url,
        )
        request = RecordingRequest()
        async with (
            running(settings, {"telegram", "web"}, clock=clock, telegram_request=request) as rt,
            aiohttp.ClientSession() as http,
        ):
            yield http, f"http://127.0.0.1:{rt.web_port}", request


async def test_a_us_client_gets_988_at_once_and_carries_on_where_they_were(
    pathwise: tuple[Any, str, RecordingRequest],
) -> None:
    http, base, request = pathwise
    user = {"id": 5551001, "is_bot": False, "first_name": "Jo", "language_code": "en"}
    chat = Telegram(http, base, request, user)
    await chat.to_description("New York")

    started = time.perf_counter()
    [answer] = await chat.type(WORDS)
    assert time.perf_counter() - started < 1.0
    text = html.unescape(answer.text or "")  # sent as Telegram HTML
    assert text.startswith("Thank you for telling me.")
    assert "Pathwise is not an emergency service" in text
    assert "call 911 now" in text
    assert "• 988 Suicide & Crisis Lifeline: call 988, or text 988 (24/7)" in text
    assert "https://findahelpline.com" in text
    assert "advisor" not in text  # no booking: nobody else is told, and it says nothing of it
    assert answer.button_labels() == ["Continue where I was"]

    [language] = await chat.press(answer, "Continue where I was")
    assert language.text == "Which language would you like to talk in?"
    assert "English" in language.button_labels()


async def test_a_spanish_client_gets_024_and_112_in_spanish(
    pathwise: tuple[Any, str, RecordingRequest],
) -> None:
    http, base, request = pathwise
    user = {"id": 5551002, "is_bot": False, "first_name": "Lucía", "language_code": "es"}
    chat = Telegram(http, base, request, user)
    await chat.to_description("Madrid")

    [answer] = await chat.type(WORDS)
    text = html.unescape(answer.text or "")
    assert text.startswith("Gracias por contármelo.")
    assert "Pathwise no es un servicio de emergencias" in text
    assert "llama ahora al 112" in text
    assert "• Línea 024 de atención a la conducta suicida: llama al 024 (24/7)" in text
    assert "988" not in text
    assert answer.button_labels() == ["Seguir donde estaba"]
    [language] = await chat.press(answer, "Seguir donde estaba")
    assert language.text == "Which language would you like to talk in?"


async def test_a_client_who_never_gave_a_time_zone_gets_lines_for_their_language(
    pathwise: tuple[Any, str, RecordingRequest],
) -> None:
    http, base, request = pathwise
    user = {"id": 5551003, "is_bot": False, "first_name": "Ana", "language_code": "es"}
    chat = Telegram(http, base, request, user)
    [card] = await chat.type("/start")
    await chat.press(card, "I understand and agree")
    [answer] = await chat.type("ya no quiero vivir")  # at the menu, not in a flow
    text = html.unescape(answer.text or "")
    assert "número de emergencias de tu país" in text
    for line in ("En España (emergencias 112):", "En México (emergencias 911):", "800 911 2000"):
        assert line in text
    [menu] = await chat.press(answer, "Seguir donde estaba")
    assert menu.text == "What would you like to do?"


async def test_a_client_in_their_room_is_answered_there_and_the_team_told_without_the_words(
    env: Env,
) -> None:
    paid = await booked(env)
    channel, _ = await opened(env)

    await env.fake.say(channel.id, CLIENT_DISCORD, "honestly I just want to die, sorry")
    answer = env.fake.messages[channel.id][-1]
    assert answer["content"].startswith("Thank you for telling me.")
    assert "Pathwise is not an emergency service" in answer["content"]
    assert answer["content"].endswith("Your session goes on here whenever you're ready.")

    heads_up = await messages(env.db, "crisis_alert", audience=Audience.ADVISOR.value)
    alert = await messages(env.db, "crisis_alert", audience=Audience.ADMIN.value)
    assert len(heads_up) == len(alert) == 1
    assert heads_up[0].advisor_id == paid.world.advisor_id
    assert f"booking {paid.booking_id}" in heads_up[0].payload["text"]
    assert f"booking {paid.booking_id} with Ana Ruiz" in alert[0].payload["text"]
    for row in (*heads_up, *alert):
        assert "die" not in str(row.payload) and "honestly" not in str(row.payload)

    # The advisor's words are never screened; a second client message within the hour is
    # answered again but alerts no one again.
    await env.fake.say(channel.id, ADVISOR_DISCORD, "I want to die laughing, that was funny")
    assert env.fake.messages[channel.id][-1]["author"]["id"] == str(ADVISOR_DISCORD)
    await env.fake.say(channel.id, CLIENT_DISCORD, "i want to kill myself")
    assert env.fake.messages[channel.id][-1]["content"].startswith("Thank you for telling me.")
    assert len(await messages(env.db, "crisis_alert")) == 2
