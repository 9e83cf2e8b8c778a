"""Issue #18: a client whose Telegram is in Spanish is answered in Spanish from their first
message, through the real Telegram adapter: the welcome card, the menu, the intake, the
matches and their reasons, the summary with its terms and amounts in Spanish format, the Pay
link; and one whose Telegram is in English switches to Spanish with the welcome card's button.

Expected words are written out where they prove the Spanish is really there; buttons are
pressed by their catalogue labels rendered in Spanish."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from core import i18n
from core.texts import booking as tb
from core.texts import chat as tc
from core.texts import intake as ti
from core.texts import menu as tm
from core.texts import profile as tp
from devtools.telegram_recorder import TelegramUser
from tests.support.telegram_bot import CHAT, USER, Journey, only, slot_button, url_button


def es(text: object, **params: object) -> str:
    """A catalogue text as a Spanish speaker reads it."""
    with i18n.speaking("es"):
        return text(**params)  # type: ignore[operator, no-any-return]


def spanish_user(journey: Journey) -> TelegramUser:
    bot = journey[0]
    user = {**USER, "id": 7_770_001, "first_name": "Lucía", "language_code": "es"}
    chat = {**CHAT, "id": 7_770_001, "first_name": "Lucía"}
    return TelegramUser(bot.app, bot.request, user, chat)


async def test_a_spanish_speaker_books_and_reaches_the_pay_link_in_spanish(
    journey: Journey,
) -> None:
    _, sandbox, delivery = journey
    lucia = spanish_user(journey)
    card = only(await lucia.text("/start"), "sendMessage")
    assert card.text is not None and "comisión de gestión" in card.text.lower()
    assert [b["text"] for row in card.keyboard for b in row] == [
        "Entiendo y acepto",
        "🌐 English / otro idioma",
    ]
    menu = (await lucia.press(card, "Entiendo y acepto"))[-1]
    assert menu.text == "¿Qué te gustaría hacer?"

    topics = only(await lucia.press(menu, es(tc.FIND_AN_ADVISOR)), "sendMessage")
    career = next(
        b["text"] for row in topics.keyboard for b in row if "trabajo" in b["text"].lower()
    )
    edited = only(await lucia.press(topics, career), "editMessageText")
    asked = only(await lucia.press(edited, es(ti.DONE)), "sendMessage")
    assert asked.text == es(ti.DESCRIPTION)
    language = only(await lucia.text("Quiero cambiar de trabajo pero me da miedo."), "sendMessage")
    assert language.text == "¿En qué idioma te gustaría hablar?"
    labels = [b["text"] for row in language.keyboard for b in row]
    assert "Español" in labels and "Inglés" in labels
    zone = (await lucia.press(language, "Español"))[-1]
    kind = (await lucia.text("Madrid"))[-1]
    assert zone.text is not None and "zona horaria" in zone.text
    budget = only(await lucia.press(kind, es(ti.LIVE60)), "sendMessage")
    assert budget.text is not None and "3,49" in budget.text  # the fee, written the Spanish way
    when = only(await lucia.text("80"), "sendMessage")
    results = only(await lucia.press(when, es(ti.ANY_TIME)), "sendMessage")
    assert results.text is not None
    assert "Ana Ruiz — 60,00\xa0US$" in results.text  # Babel joins amount and currency unbroken
    assert "habla español" in results.text  # the reasons, in Spanish too

    profile = only(await lucia.press(results, es(ti.CHOOSE, name="Ana Ruiz")), "sendMessage")
    offer = next(b["text"] for row in profile.keyboard for b in row if "60,00" in b["text"])
    slots = only(await lucia.press(profile, offer), "sendMessage")
    summary = only(await lucia.press(slots, slot_button(slots)), "sendMessage")
    assert summary.text is not None
    assert "Comisión de gestión (no reembolsable): 3,49\xa0US$" in summary.text
    assert "Total: 63,49\xa0US$" in summary.text
    pay = only(await lucia.press(summary, es(tb.PAY, total="63,49\xa0US$")), "sendMessage")
    link = url_button(pay)
    assert link["text"] == es(tb.PAY_WITH_STRIPE) and link["url"].startswith(sandbox.url)
    assert link["text"] != "Pay with Stripe"
    # Stripe's own page speaks Spanish too.
    checkout = sandbox.objects["checkout.session"][link["url"].rsplit("/", 1)[1]]
    assert checkout["locale"] == "es"

    # Paid on Stripe; the signed webhook reaches billing over HTTP; the outbox delivers the
    # receipt and the confirmation to Lucía's chat, in Spanish.
    await sandbox.pay(link["url"].rsplit("/", 1)[1])
    lucia.request.clear()
    assert await delivery.deliver_due() >= 2
    mine = [c for c in lucia.request.calls if c.params.get("chat_id") == lucia.chat["id"]]
    documents = {c.files["document"][2]: c for c in mine if c.method == "sendDocument"}
    assert sorted(documents) == ["application/pdf", "text/calendar"]
    _, content, _ = documents["application/pdf"].files["document"]
    receipt = "".join(p.extract_text() or "" for p in PdfReader(BytesIO(content)).pages)
    assert "Recibo" in receipt and "63,49" in receipt and "no reembolsable" in receipt
    assert "Handling fee" not in receipt and "Receipt" not in receipt
    texts = [c.text or "" for c in mine]
    assert "Aquí tienes tu recibo R-2026-000001 (63,49\xa0US$)." in texts
    assert any(
        t.startswith("Tu reserva está confirmada: sesión en vivo de 60 minutos con Ana Ruiz")
        for t in texts
    ), texts
    # The session's calendar file, in Spanish too.
    _, ics, _ = documents["text/calendar"].files["document"]
    assert b"LANGUAGE=es" in ics


async def test_an_english_speaker_switches_to_spanish_from_the_welcome_card(
    journey: Journey,
) -> None:
    bot = journey[0]
    card = only(await bot.text("/start"), "sendMessage")
    assert card.text is not None and "handling fee" in card.text
    choose = only(await bot.press(card, "🌐 Español / other language"), "sendMessage")
    assert [b["text"] for row in choose.keyboard for b in row] == ["English", "Español"]
    calls = [c for c in await bot.press(choose, "Español") if c.method == "sendMessage"]
    assert calls[0].text == "Hecho: a partir de ahora te escribo en español."
    again = calls[-1]  # the welcome card again, now in Spanish, still to be accepted
    assert again.text is not None and "comisión de gestión" in again.text.lower()
    menu = (await bot.press(again, "Entiendo y acepto"))[-1]
    assert menu.text == "¿Qué te gustaría hacer?"
    # /language, later, back to English; the menu follows.
    back = only(await bot.text("/language"), "sendMessage")
    assert back.text == es(tp.ASK_LANGUAGE, language="Español")
    calls = [c for c in await bot.press(back, "English") if c.method == "sendMessage"]
    assert calls[0].text == "Done: I'll write to you in English from now on."
    assert calls[-1].text == tm.HOME()
