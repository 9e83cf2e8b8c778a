"""The client's whole journey through the real Telegram adapter: /start, consent, matching,
a slot, the Pay link, a payment on the Stripe stand-in whose signed webhook reaches billing
through the web server over HTTP, then the receipt PDF and the next steps in Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from pypdf import PdfReader
from telegram.ext import ContextTypes

from bots.telegram.adapter import TelegramAdapter, build_application
from bots.telegram.delivery import TelegramDelivery
from bots.web.server import Metrics, WebDeps, build_web_app
from core import catalogue
from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.suggest import CatalogueMatcher
from core.payments.stripe_gateway import RetryPolicy, StripeGateway
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest
from tests.bots.test_telegram import CHAT, Bot, only
from tests.support.billing import SECRET, billing_settings, fonts


@pytest.fixture
async def journey(
    db: Database, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[Bot, StripeSandbox, TelegramDelivery]]:
    rows = catalogue.validate_rows(
        catalogue.read_catalogue(
            catalogue.Path(catalogue.__file__).parent / "data" / "advisors.yaml"
        )
    )
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, rows, datetime(2026, 11, 1, tzinfo=UTC))
        await uow.commit()
    async with StripeSandbox(webhook_secret=SECRET, clock=clock) as sandbox:
        settings = billing_settings(
            database_url, stripe_secret_key=sandbox.api_key, stripe_api_base=sandbox.url
        )
        gateway = StripeGateway.from_settings(
            settings, retry=RetryPolicy(attempts=2, delays=(0.05,))
        )
        billing = Billing(db, gateway, settings, clock, fonts=fonts())
        web = TestServer(
            build_web_app(WebDeps(db=db, metrics=Metrics(), stripe_webhook=billing.handle_webhook)),
            host="127.0.0.1",
        )
        await web.start_server()
        sandbox.webhook_url = str(web.make_url("/stripe/webhook"))
        request = RecordingRequest()
        engine = build_engine(
            settings, DialogServices(matcher=CatalogueMatcher(), billing=billing)
        )
        app = build_application(
            settings,
            TelegramAdapter(db, engine, clock),
            token="123:TEST",
            request=request,
            rate_limit=False,
        )
        tester = Bot(app, request)

        async def keep(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert context.error is not None
            tester.errors.append(context.error)

        app.add_error_handler(keep)
        await app.initialize()
        try:
            yield tester, sandbox, TelegramDelivery(db, app.bot, clock)
        finally:
            await app.shutdown()
            await web.close()
            await gateway.aclose()
        assert tester.errors == []


def _slot_button(call: ApiCall) -> str:
    for row in call.keyboard:
        for button in row:
            if ":slot:" in button.get("callback_data", ""):
                return str(button["text"])
    raise AssertionError("no slot buttons")


def _url_button(call: ApiCall) -> dict[str, Any]:
    return next(b for row in call.keyboard for b in row if "url" in b)


async def test_start_to_receipt(journey: tuple[Bot, StripeSandbox, TelegramDelivery]) -> None:
    bot, sandbox, delivery = journey
    card = only(await bot.text("/start"), "sendMessage")
    menu = (await bot.press(card, "I understand and agree"))[-1]
    topics = only(await bot.press(menu, "Find an advisor"), "sendMessage")
    edited = only(await bot.press(topics, "Career and work"), "editMessageText")
    await bot.press(edited, "Done")
    language = only(await bot.text("I want to change careers but I'm afraid."), "sendMessage")
    await bot.press(language, "Spanish")
    kind = (await bot.text("Madrid"))[-1]
    await bot.press(kind, "Live, 60 minutes")
    when = only(await bot.text("80"), "sendMessage")
    results = only(await bot.press(when, "Any time"), "sendMessage")
    assert results.text is not None and results.text.startswith(
        "Here are the advisors who fit best:\n\nAna Ruiz — $60.00"
    )
    profile_calls = await bot.press(results, "Choose Ana Ruiz")
    photo = only(profile_calls, "sendPhoto")
    assert photo.params["photo"] == "https://example.com/advisors/ana-ruiz.jpg"
    profile = only(profile_calls, "sendMessage")
    slots = only(await bot.press(profile, "60-minute live session — $60.00"), "sendMessage")
    summary = only(await bot.press(slots, _slot_button(slots)), "sendMessage")
    assert summary.text is not None
    assert "Handling fee (non-refundable): $3.49\nTotal: $63.49" in summary.text
    pay = only(await bot.press(summary, "Pay $63.49"), "sendMessage")
    link = _url_button(pay)
    assert link["text"] == "Pay with Stripe" and link["url"].startswith(sandbox.url)

    # A double tap: the same checkout again, never a second one.
    again = only(await bot.press(pay, "Get a new payment link"), "sendMessage")
    assert _url_button(again)["url"] == link["url"]
    assert (
        len(
            [
                r
                for r in sandbox.requests
                if r.path == "/v1/checkout/sessions" and r.method == "POST"
            ]
        )
        == 1
    )

    # Coming back from Stripe before the webhook: "confirming".
    purchase_id = int(
        sandbox.objects["checkout.session"][link["url"].rsplit("/", 1)[1]]["metadata"][
            "purchase_id"
        ]
    )
    early = (await bot.text(f"/start paid_{purchase_id}"))[0]
    assert early.text is not None and early.text.startswith(
        "Thank you! I'm confirming your payment"
    )

    # The client pays; Stripe's signed webhook goes over HTTP to the web server and billing.
    await sandbox.pay(link["url"].rsplit("/", 1)[1])
    assert [
        d.status for d in sandbox.deliveries if d.event_type == "checkout.session.completed"
    ] == [200]

    # The outbox delivers the receipt and the next steps to the client's chat.
    bot.request.clear()
    assert await delivery.deliver_due() >= 2
    documents = bot.request.sent("sendDocument")
    assert len(documents) == 1
    filename, content, mime = documents[0].files["document"]
    assert filename.startswith("Pathwise-receipt-R-2026-") and mime == "application/pdf"
    receipt = "".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
    assert "Ana Ruiz" in receipt and "$63.49" in receipt and "non-refundable" in receipt
    assert all(c.params["chat_id"] == CHAT["id"] for c in bot.request.calls)
    texts = [c.text or "" for c in bot.request.calls]
    assert any(
        t.startswith("You're booked: 60-minute live session with Ana Ruiz")
        and "Your private Discord room opens 10 minutes before the start" in t
        for t in texts
    ), texts

    # Coming back after the webhook: confirmed, and the receipt is not sent a second time.
    later = await bot.text(f"/start paid_{purchase_id}")
    assert [c.method for c in later] == ["sendMessage", "sendMessage"]
    assert later[0].text == (
        "Your payment is confirmed. Your receipt comes as its own message in this chat."
    )


async def test_a_payment_link_of_someone_else_is_not_shown(
    journey: tuple[Bot, StripeSandbox, TelegramDelivery],
) -> None:
    bot, _, _ = journey
    card = only(await bot.text("/start"), "sendMessage")
    await bot.press(card, "I understand and agree")
    calls = await bot.text("/start paid_999")
    assert [c.text for c in calls] == [
        "I couldn't find that payment among yours. Here is the menu:",
        "What would you like to do?",
    ]
