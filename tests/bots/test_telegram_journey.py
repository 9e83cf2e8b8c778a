"""The client's whole journey through the real Telegram adapter: /start, consent, matching,
a slot, the Pay link, a payment on the Stripe stand-in whose signed webhook reaches billing
through the web server over HTTP, then the receipt PDF and the next steps in Telegram."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from tests.support.telegram_bot import (
    CHAT,
    Journey,
    only,
    slot_button,
    to_description,
    to_when,
    url_button,
)


async def test_start_to_receipt(journey: Journey) -> None:
    bot, sandbox, delivery = journey
    await to_description(bot)
    when = await to_when(bot, "I want to change careers but I'm afraid.")
    results = only(await bot.press(when, "Any time"), "sendMessage")
    assert results.text is not None and results.text.startswith(
        "Here are the advisors who fit best:\n\nAna Ruiz — $60.00"
    )
    profile_calls = await bot.press(results, "Choose Ana Ruiz")
    photo = only(profile_calls, "sendPhoto")
    assert photo.params["photo"] == "https://example.com/advisors/ana-ruiz.jpg"
    profile = only(profile_calls, "sendMessage")
    slots = only(await bot.press(profile, "60-minute live session — $60.00"), "sendMessage")
    summary = only(await bot.press(slots, slot_button(slots)), "sendMessage")
    assert summary.text is not None
    assert "Handling fee (non-refundable): $3.49\nTotal: $63.49" in summary.text
    pay = only(await bot.press(summary, "Pay $63.49"), "sendMessage")
    link = url_button(pay)
    assert link["text"] == "Pay with Stripe" and link["url"].startswith(sandbox.url)

    # A double tap: the same checkout again, never a second one.
    again = only(await bot.press(pay, "Get a new payment link"), "sendMessage")
    assert url_button(again)["url"] == link["url"]
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
    # The receipt, and the session's calendar file for the client's calendar app.
    documents = {c.files["document"][2]: c for c in bot.request.sent("sendDocument")}
    assert sorted(documents) == ["application/pdf", "text/calendar"]
    filename, content, mime = documents["application/pdf"].files["document"]
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
    journey: Journey,
) -> None:
    bot, _, _ = journey
    card = only(await bot.text("/start"), "sendMessage")
    await bot.press(card, "I understand and agree")
    calls = await bot.text("/start paid_999")
    assert [c.text for c in calls] == [
        "I couldn't find that payment among yours. Here is the menu:",
        "What would you like to do?",
    ]
