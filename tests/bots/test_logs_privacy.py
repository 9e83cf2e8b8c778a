"""No log line or traceback holds what a person typed (issue #14): a whole Telegram journey,
contact details and a distinctive phrase typed at every step, a dialog parser that fails on
one of them, logs at DEBUG through the handler `pathwise run` installs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bots.logs import configure_logging
from core.config import Settings
from core.dialogs import Input, TextInput
from core.dialogs.engine import Context, Transition
from core.dialogs.intake import BudgetStep
from devtools.stripe_sandbox import StripeSandbox
from tests.bots.test_telegram import Bot, only
from tests.bots.test_telegram_journey import _slot_button, _url_button, journey  # noqa: F401

EMAIL = "zoe.private@example.com"
PHONE = "+34 612 34 56 78"
PHRASE = "Xylophone-Orchard"
TYPED = (EMAIL, PHONE, PHRASE, "612 34 56 78")


async def test_a_whole_journey_logs_nothing_the_client_typed(
    journey: tuple[Bot, StripeSandbox, Any],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, sandbox, delivery = journey
    configure_logging(Settings(_env_file=None, log_format="json"), level="DEBUG")  # type: ignore[call-arg]
    original = BudgetStep.receive

    async def fragile(self: BudgetStep, ctx: Context, event: Input) -> Transition:
        if isinstance(event, TextInput) and PHRASE in event.text:
            raise ValueError(f"could not read a budget from {event.text!r}")  # quotes input
        return await original(self, ctx, event)

    monkeypatch.setattr(BudgetStep, "receive", fragile)

    card = only(await bot.text("/start"), "sendMessage")
    menu = (await bot.press(card, "I understand and agree"))[-1]
    topics = only(await bot.press(menu, "Find an advisor"), "sendMessage")
    edited = only(await bot.press(topics, "Career and work"), "editMessageText")
    await bot.press(edited, "Done")
    language = only(
        await bot.text(f"I want to change careers, {PHRASE}. Reach me at {EMAIL} or {PHONE}."),
        "sendMessage",
    )
    await bot.press(language, "Spanish")
    await bot.text(f"{PHRASE} {PHONE}")  # not a time zone: asked again
    kind = (await bot.text("Madrid"))[-1]
    await bot.press(kind, "Live, 60 minutes")
    await bot.text(f"fifty, {EMAIL}")  # not an amount: asked again
    failed = await bot.text(f"{PHRASE} {PHONE}")  # the parser raises
    assert failed and "wrong" in (failed[-1].text or "")  # the client got the apology
    bot.errors.clear()  # the one failure this test planted
    when = only(await bot.text("80"), "sendMessage")
    results = only(await bot.press(when, "Any time"), "sendMessage")
    profile = only(await bot.press(results, "Choose Ana Ruiz"), "sendMessage")
    slots = only(await bot.press(profile, "60-minute live session — $60.00"), "sendMessage")
    summary = only(await bot.press(slots, _slot_button(slots)), "sendMessage")
    pay = only(await bot.press(summary, "Pay $63.49"), "sendMessage")
    await sandbox.pay(_url_button(pay)["url"].rsplit("/", 1)[1])
    await delivery.deliver_due()

    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.err.splitlines() if line.startswith("{")]
    events = {line["event"] for line in lines}
    assert "telegram.update.failed" in events  # the failure was logged, with its traceback
    (failure,) = [line for line in lines if line["event"] == "telegram.update.failed"]
    assert "ValueError (message withheld)" in failure["traceback"]
    assert len(lines) > 20  # a DEBUG journey logs plenty
    for piece in TYPED:
        assert piece not in captured.err and piece not in captured.out, piece
