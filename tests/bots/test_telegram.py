"""The Telegram adapter through the real python-telegram-bot Application, with the HTTP layer
replaced by a recorder (python-telegram-bot's own testing approach)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bots.telegram.adapter import TelegramAdapter, build_application
from core.config import Settings
from core.texts.chat import APOLOGY, GROUP_REPLY
from devtools.telegram_recorder import RecordingRequest
from tests.support.telegram_bot import CHAT, Bot, agree, only, to_description, to_when


async def test_start_sends_the_consent_card_with_an_agree_button(bot: Bot) -> None:
    calls = await bot.text("/start")
    card = only(calls, "sendMessage")
    assert card.params["chat_id"] == CHAT["id"]
    assert card.params["parse_mode"] == "HTML"
    assert card.text is not None and card.text.startswith("Welcome to Pathwise.")
    assert card.keyboard == [
        [{"text": "I understand and agree", "callback_data": "1:agree"}],
        [{"text": "🌐 Español / other language", "callback_data": "1:language"}],
    ]


async def test_agreeing_answers_the_button_and_shows_the_menu(bot: Bot) -> None:
    card = only(await bot.text("/start"), "sendMessage")
    calls = await bot.press(card, "I understand and agree")
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage", "sendMessage"]
    assert calls[1].text == "Thank you. You're all set."
    assert calls[2].button_labels() == ["Find an advisor", "My bookings", "How am I doing?", "Help"]


async def test_a_toggle_edits_the_message_instead_of_sending_a_new_one(bot: Bot) -> None:
    menu = await agree(bot)
    topics = only(await bot.press(menu, "Find an advisor"), "sendMessage")
    calls = await bot.press(topics, "Family")
    edit = only(calls, "editMessageText")
    assert edit.params["message_id"] == topics.params.get("message_id", 1000)
    assert "✓ Family" in edit.button_labels()
    assert not [c for c in calls if c.method == "sendMessage"]


async def test_user_and_advisor_text_is_escaped_for_html(bot: Bot) -> None:
    await to_description(bot)
    when = await to_when(bot, "My <b>boss</b> & I don't get along at all.")
    results = only(await bot.press(when, "Evenings"), "sendMessage")
    assert results.text is not None and "Ana &lt;Ruiz&gt; &amp; Co — $60.00" in results.text


async def test_text_where_a_button_is_expected_gets_a_hint(bot: Bot) -> None:
    await bot.text("/start")
    calls = await bot.text("hello?")
    assert only(calls, "sendMessage").text == "Please tap “I understand and agree” to continue."


async def test_a_stale_button_says_it_has_expired(bot: Bot) -> None:
    menu = await agree(bot)
    await bot.press(menu, "Find an advisor")
    calls = await bot.press(menu, "Find an advisor")
    texts = [c.text for c in calls if c.method in {"sendMessage", "editMessageText"}]
    assert texts[0] == "That option has expired. Here is where we are now:"


async def test_commands_mid_flow_keep_the_place(bot: Bot) -> None:
    menu = await agree(bot)
    await bot.press(menu, "Find an advisor")
    help_call = only(await bot.text("/help"), "sendMessage")
    assert help_call.text is not None and "/bookings" in help_call.text
    cancel = await bot.text("/cancel")
    assert [c.text for c in cancel] == ["Okay, I've stopped that.", "What would you like to do?"]


async def test_a_group_chat_gets_one_polite_answer_and_nothing_else(bot: Bot) -> None:
    group = {"id": -100123, "type": "supergroup", "title": "Friends"}
    first = await bot.text("/start", chat=group)
    assert [(c.method, c.params["chat_id"], c.text) for c in first] == [
        ("sendMessage", -100123, GROUP_REPLY())
    ]
    assert await bot.text("hello bot", chat=group) == []


async def test_an_unexpected_error_is_logged_and_the_user_gets_an_apology(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_: object) -> list[object]:
        raise RuntimeError("boom")

    adapter_engine = bot.app.handlers[0][0].callback.__self__.engine  # type: ignore[attr-defined]
    adapter_engine.handle = broken
    calls = await bot.text("my secret problem is ...")
    assert only(calls, "sendMessage").text == APOLOGY()
    assert "my secret problem" not in caplog.text
    assert "telegram.update.failed" in caplog.text
    bot.errors.clear()  # the test's own error handler saw it too


async def test_the_command_menu_is_registered() -> None:
    request = RecordingRequest()
    seen: list[Any] = []

    async def record(
        url: str, method: str, request_data: Any = None, **_: Any
    ) -> tuple[int, bytes]:
        if url.endswith("setMyCommands"):
            parameters = request_data.parameters
            listed = parameters["commands"]
            seen.append(
                (
                    parameters.get("language_code"),
                    json.loads(listed) if isinstance(listed, str) else listed,
                )
            )
        return await RecordingRequest.do_request(request, url, method, request_data)

    request.do_request = record  # type: ignore[method-assign]
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    app = build_application(
        settings,
        TelegramAdapter(None, None, None),  # type: ignore[arg-type]
        token="123:TEST",
        request=request,
        rate_limit=False,
    )
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.shutdown()
    # One menu for everyone, in English, and one for users whose Telegram is in Spanish.
    assert [language for language, _ in seen] == [None, "es"]
    menus = dict(seen)
    assert {c["command"]: c["description"] for c in menus["es"]}["find"] == (
        "Buscar un asesor y reservar una sesión"
    )
    for menu in menus.values():
        assert [c["command"] for c in menu] == [
            "start",
            "find",
            "bookings",
            "checkin",
            "timezone",
            "language",
            "help",
            "privacy",
            "deletemydata",
            "cancel",
        ]
