"""``pathwise run``'s logs: one line per event with ids, never what a person wrote, never a
secret, as JSON or logfmt."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bots.logs import LIBRARY_FLOORS, OWN_LOGGERS, configure_logging
from bots.run import running
from core.clock import ManualClock
from core.config import Settings
from devtools.stripe_sandbox import StripeSandbox
from devtools.stripe_sandbox.signing import sign_payload
from devtools.telegram_recorder import RecordingRequest
from tests.support.run import post_update, run_settings

TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TELEGRAM_SECRET = "tg-webhook-secret-value"
STRIPE_WEBHOOK_SECRET = "whsec_logs_secret_value"
PRIVATE_TEXT = "I think my marriage is over and I can't tell anyone"

Capture = pytest.CaptureFixture[str]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back after each test."""
    root = logging.getLogger()
    names = [*OWN_LOGGERS, *LIBRARY_FLOORS]
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names})
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def _settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[arg-type]


def json_lines(err: str) -> list[dict[str, Any]]:
    """Every line written must be one JSON object."""
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_a_json_line_has_the_event_its_ids_and_hides_secrets(capsys: Capture) -> None:
    configure_logging(_settings(log_format="json", telegram_token=TELEGRAM_TOKEN))
    log = logging.getLogger("bots.example")
    log.info("outbox.delivered", extra={"outbox_id": 42, "channel": "telegram"})
    logging.getLogger("telegram.ext").warning("could not reach %s/getMe", TELEGRAM_TOKEN)
    err = capsys.readouterr().err
    first, second = json_lines(err)
    assert first["event"] == "outbox.delivered"
    assert (first["level"], first["logger"]) == ("info", "bots.example")
    assert (first["outbox_id"], first["channel"]) == (42, "telegram")
    assert second["event"] == "could not reach [redacted]/getMe"
    assert TELEGRAM_TOKEN not in err


def test_a_logfmt_line_quotes_what_needs_it_and_stays_on_one_line(capsys: Capture) -> None:
    configure_logging(_settings(log_format="text", stripe_secret_key="sk_test_hidden_key_1"))
    logging.getLogger("core.billing").warning(
        "stripe.call.failed", extra={"reason": 'bad "key" sk_test_hidden_key_1\nsecond line'}
    )
    line = capsys.readouterr().err.strip()
    assert "\n" not in line
    assert " level=warning logger=core.billing event=stripe.call.failed " in line
    assert line.endswith('reason="bad \\"key\\" [redacted]\\nsecond line"')


def test_an_error_keeps_its_traceback_on_the_same_line(capsys: Capture) -> None:
    configure_logging(_settings(log_format="json"))
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bots.worker").exception("worker.job.failed", extra={"job": "payouts"})
    (line,) = json_lines(capsys.readouterr().err)
    assert (line["event"], line["job"], line["error"]) == (
        "worker.job.failed",
        "payouts",
        "RuntimeError",
    )
    assert "RuntimeError (message withheld)" in line["traceback"]
    assert "test_an_error_keeps_its_traceback_on_the_same_line" in line["traceback"]
    assert "RuntimeError: boom" not in line["traceback"]  # issue #14: messages may quote input


def test_a_traceback_never_quotes_what_someone_typed(capsys: Capture) -> None:
    """A parser's error quotes its input, and a wrapping error its cause's: both are withheld,
    while every frame and type stays for debugging."""
    configure_logging(_settings(log_format="text"))
    typed = "my number is +1 202 555 0143, mail zoe@example.com"
    try:
        try:
            int(typed)
        except ValueError as error:
            raise RuntimeError(f"step failed on {typed!r}") from error
    except RuntimeError:
        logging.getLogger("core.dialogs.engine").exception("dialog.step.failed")
    err = capsys.readouterr().err
    assert "ValueError (message withheld)" in err
    assert "RuntimeError (message withheld)" in err
    assert "direct cause" in err
    for piece in ("202 555 0143", "zoe@example.com", "my number is"):
        assert piece not in err


def test_library_lines_that_carry_urls_or_payloads_are_held_back(capsys: Capture) -> None:
    configure_logging(_settings(log_format="json", log_level="DEBUG"))
    logging.getLogger("httpx").info(
        'HTTP Request: POST https://api.telegram.org/bot1:x/getMe "200"'
    )
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", PRIVATE_TEXT)
    logging.getLogger("stripe").info("Request to Stripe api path=/v1/checkout/sessions")
    logging.getLogger("discord.client").warning(
        "PyNaCl is not installed, voice will NOT be supported"
    )
    logging.getLogger("bots.run").debug("run.debug_detail")
    events = [line["event"] for line in json_lines(capsys.readouterr().err)]
    assert events == ["run.debug_detail"]


async def test_a_handled_update_and_a_webhook_log_ids_only(
    capsys: Capture, database_url: str, clock: ManualClock
) -> None:
    async with StripeSandbox(webhook_secret=STRIPE_WEBHOOK_SECRET) as sandbox:
        settings = run_settings(
            database_url,
            sandbox,
            log_format="json",
            telegram_token=TELEGRAM_TOKEN,
            telegram_webhook_secret=TELEGRAM_SECRET,
            public_url="https://pathwise.example",
        )
        configure_logging(settings)
        request = RecordingRequest()
        async with (
            running(settings, {"telegram", "web"}, clock=clock, telegram_request=request) as rt,
            aiohttp.ClientSession() as http,
        ):
            base = f"http://127.0.0.1:{rt.web_port}"
            update = {
                "update_id": 8001,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": 5550001, "type": "private", "first_name": "Zoë"},
                    "from": {"id": 5550001, "is_bot": False, "first_name": "Zoë"},
                    "text": PRIVATE_TEXT,
                },
            }
            await post_update(http, base, update, TELEGRAM_SECRET)
            for _ in range(200):
                if any(c.method == "sendMessage" for c in request.calls):
                    break
                await asyncio.sleep(0.02)
            event = json.dumps(
                {
                    "id": "evt_log_1",
                    "object": "event",
                    "type": "customer.created",
                    "data": {"object": {"id": "cus_log_1", "object": "customer"}},
                }
            ).encode()
            signature = sign_payload(event, STRIPE_WEBHOOK_SECRET, int(time.time()))
            async with http.post(
                f"{base}/stripe/webhook", data=event, headers={"Stripe-Signature": signature}
            ) as answer:
                assert answer.status == 200
    err = capsys.readouterr().err
    lines = json_lines(err)
    events = {line["event"]: line for line in lines}
    assert events["telegram.webhook.queued"]["update_id"] == 8001
    handled = events["telegram.update.handled"]
    assert (handled["update_id"], handled["input"]) == (8001, "text")
    assert events["stripe.webhook.answered"]["status"] == 200
    assert events["run.started"]["pieces"] == "telegram,web"
    assert "run.stopped" in events
    for private in (PRIVATE_TEXT, "marriage", TELEGRAM_TOKEN, TELEGRAM_SECRET):
        assert private not in err
    assert STRIPE_WEBHOOK_SECRET not in err and sandbox.api_key not in err
