"""The crisis answer through the real adapters: a Telegram client typing "I want to kill
myself" as their description is answered at once, over HTTP through ``pathwise run``'s
composition root, with their country's lines and in their language, and can go on; a client
writing it in their Discord session room is answered there, and their advisor and the team
are told without the words."""

from __future__ import annotations

import html
import time

from core.models import Advisor, Client
from core.outbox import Audience
from tests.support.discord_bot import Env, booked, opened
from tests.support.run import Pathwise, Telegram
from tests.support.sessions import ADVISOR_DISCORD, CLIENT_DISCORD, Paid, messages

WORDS = "I want to kill myself"


async def test_a_us_client_gets_988_at_once_and_carries_on_where_they_were(
    pathwise: Pathwise,
) -> None:
    chat = Telegram.on(pathwise, 5551001, "Jo", "en")
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
    pathwise: Pathwise,
) -> None:
    chat = Telegram.on(pathwise, 5551002, "Lucía", "es")
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
    assert language.text == "¿En qué idioma te gustaría hablar?"


async def test_a_client_who_never_gave_a_time_zone_gets_lines_for_their_language(
    pathwise: Pathwise,
) -> None:
    chat = Telegram.on(pathwise, 5551003, "Ana", "es")
    [card] = await chat.type("/start")
    await chat.press(card, "Entiendo y acepto")
    [answer] = await chat.type("ya no quiero vivir")  # at the menu, not in a flow
    text = html.unescape(answer.text or "")
    assert "número de emergencias de tu país" in text
    for line in ("En España (emergencias 112):", "En México (emergencias 911):", "800 911 2000"):
        assert line in text
    [menu] = await chat.press(answer, "Seguir donde estaba")
    assert menu.text == "¿Qué te gustaría hacer?"


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


async def _speaks(env: Env, paid: Paid, client_locale: str, advisor_languages: list[str]) -> None:
    async with env.db.uow() as uow:
        client = await uow.session.get(Client, paid.world.client_id)
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert client is not None and advisor is not None
        client.locale = client_locale
        advisor.languages = advisor_languages
        await uow.commit()


async def test_a_spanish_room_is_answered_in_spanish_and_the_team_told_in_its_own(
    env: Env,
) -> None:
    paid = await booked(env)
    await _speaks(env, paid, "es_ES", ["en", "es"])
    channel, _ = await opened(env)

    # Written in English, in a room whose language is Spanish: both read the answer there.
    await env.fake.say(channel.id, CLIENT_DISCORD, "honestly I just want to die, sorry")
    answer = env.fake.messages[channel.id][-1]["content"]
    assert answer.startswith("Gracias por contármelo.")
    assert "Pathwise no es un servicio de emergencias" in answer
    assert "llama ahora al 112" in answer  # the client's zone is Madrid
    assert answer.endswith("Tu sesión sigue aquí cuando quieras.")

    [alert] = await messages(env.db, "crisis_alert", audience=Audience.ADMIN.value)
    assert f"booking {paid.booking_id} with Ana Ruiz" in alert.payload["text"]  # team: English


async def test_a_room_in_english_answers_a_spanish_client_in_english(env: Env) -> None:
    paid = await booked(env)
    await _speaks(env, paid, "es_ES", ["en"])  # Ana does not advise in Spanish
    channel, _ = await opened(env)

    await env.fake.say(channel.id, CLIENT_DISCORD, "quiero morirme")
    answer = env.fake.messages[channel.id][-1]["content"]
    assert answer.startswith("Thank you for telling me.")
    assert answer.endswith("Your session goes on here whenever you're ready.")
