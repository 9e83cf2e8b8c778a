"""No log line or traceback holds what a person typed (issue #14): a whole Telegram journey,
contact details and a distinctive phrase typed at every step, a dialog parser that fails on
one of them, logs at DEBUG through the handler `pathwise run` installs."""

from __future__ import annotations

import json

import pytest

from bots.logs import configure_logging
from core.config import Settings
from core.dialogs import Input, TextInput
from core.dialogs.engine import Context, Transition
from core.dialogs.intake import BudgetStep
from tests.support.telegram_bot import Journey, only, pay_for_ana, to_description

EMAIL = "zoe.private@example.com"
PHONE = "+34 612 34 56 78"
PHRASE = "Xylophone-Orchard"
TYPED = (EMAIL, PHONE, PHRASE, "612 34 56 78")


async def test_a_whole_journey_logs_nothing_the_client_typed(
    journey: Journey,
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

    await to_description(bot)
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
    await pay_for_ana(bot, sandbox, only(await bot.press(when, "Any time"), "sendMessage"))
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
