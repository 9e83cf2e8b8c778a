"""Pathwise in Discord in the language of who is acting: an advisor's choice in /profile, a
linked client's language, the team's, a stranger's Discord; the command menu in Spanish for
Spanish Discords; and a session room in the session's language."""

from __future__ import annotations

import discord
from discord import app_commands

from bots.discord.translator import TextsTranslator
from core import i18n
from core.commands import DELETE_MY_DATA, SHARE
from core.models import Advisor, Client
from core.texts import Text
from core.texts import discord_commands as d
from tests.support.discord_bot import (
    ADMIN,
    STRANGER,
    Env,
    advisor_on_discord,
    booked,
    last_reply_message,
    opened,
    options,
    slash,
    sub,
)
from tests.support.sessions import ADVISOR_DISCORD, CLIENT_DISCORD, Paid, messages

ONLINE_ON_ES = (
    "Ahora apareces como disponible: los clientes pueden reservarte una sesión que empiece "
    "en breve."
)
NOT_AN_ADVISOR_ES = (
    "Estos comandos son para los asesores de Pathwise. Si eres asesor, pide al equipo de "
    "Pathwise que vincule esta cuenta de Discord a tu perfil."
)
NOTHING_LINKED_ES = (
    "Esta cuenta de Discord no está vinculada a ningún dato de Pathwise, así que aquí no hay "
    "nada que borrar. En Telegram, envía /deletemydata al bot de Pathwise."
)


async def _advisor_locale(env: Env, paid: Paid) -> str:
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None
        return advisor.locale


# -- /profile language ----------------------------------------------------------------------


async def test_an_advisor_chooses_spanish_and_is_answered_in_it_from_then_on(env: Env) -> None:
    paid = await advisor_on_discord(env)
    [(card, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("show"))
    assert card.endswith(
        "\n\nPathwise writes to you in: English. Change it with /profile language."
    )

    [(saved, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("language", language="es"))

    assert saved == "Hecho: a partir de ahora Pathwise te escribe en español."
    assert await _advisor_locale(env, paid) == "es_US"  # the country of en_US is kept
    [(online, _)] = await slash(env, "online", ADVISOR_DISCORD)
    assert online == ONLINE_ON_ES
    [(short, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("edit", bio="Hola"))
    assert short == "Escribe una biografía de 20 a 2000 caracteres (esta tiene 4)."
    [(card, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("show"))
    assert card.startswith("**Ana Ruiz** (")
    assert card.endswith("Pathwise te escribe en: Español. Cámbialo con /profile language.")
    # Someone else in the same server is still answered in English.
    [(refused, _)] = await slash(env, "profile", STRANGER, sub("show"))
    assert refused.startswith("These commands are for Pathwise advisors.")

    [(back, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("language", language="English"))
    assert back == "Done: Pathwise writes to you in English from now on."
    assert await _advisor_locale(env, paid) == "en_US"


async def test_an_advisor_in_spanish_reads_amounts_the_spanish_way(env: Env) -> None:
    paid = await advisor_on_discord(env)
    async with env.db.uow() as uow:
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert advisor is not None
        advisor.locale = "es_ES"  # ("es_US" writes dollars the US way: "$60.00")
        await uow.commit()

    [(earnings, _)] = await slash(env, "earnings", ADVISOR_DISCORD)
    assert earnings.startswith(
        "Retenido (el plazo de 72 horas de la garantía de devolución sigue abierto): 60,00\xa0US$\n"
    )
    [(price, _)] = await slash(
        env, "profile", ADVISOR_DISCORD, sub("price", offer="live60", amount="75")
    )
    assert price.endswith(
        ": ahora cuesta 75,00\xa0US$. Las reservas ya hechas mantienen su precio."
    )
    [(card, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("show"))
    assert "75,00\xa0US$" in card and "$75.00" not in card


async def test_a_spanish_advisor_sets_hours_with_spanish_day_names(env: Env) -> None:
    await advisor_on_discord(env)
    await slash(env, "profile", ADVISOR_DISCORD, sub("language", language="es"))

    [(saved, _)] = await slash(
        env, "availability", ADVISOR_DISCORD, options(hours="lunes 09:00-12:00; mié 10:00-16:00")
    )
    assert saved.endswith(":\nLun: 09:00-12:00\nMié: 10:00-16:00")
    [(english, _)] = await slash(
        env, "availability", ADVISOR_DISCORD, options(hours="tue 09:00-10:00")
    )
    assert english.endswith(":\nMar: 09:00-10:00")
    [(cleared, _)] = await slash(env, "availability", ADVISOR_DISCORD, options(hours="ninguno"))
    assert cleared.endswith("No hay horario semanal configurado.")


async def test_a_language_pathwise_does_not_speak_is_refused_with_the_ones_it_does(
    env: Env,
) -> None:
    paid = await advisor_on_discord(env)

    [(refused, _)] = await slash(env, "profile", ADVISOR_DISCORD, sub("language", language="fr"))

    assert refused == (
        "Pathwise can write to you in English (en), Español (es): please choose one of them."
    )
    assert await _advisor_locale(env, paid) == "en_US"


async def test_the_language_option_lists_the_languages_each_named_in_itself(env: Env) -> None:
    profile = env.bot.tree.get_command("profile")
    assert isinstance(profile, app_commands.Group)
    command = profile.get_command("language")
    assert isinstance(command, app_commands.Command)
    [parameter] = command.parameters
    assert [(c.name, c.value) for c in parameter.choices] == [("English", "en"), ("Español", "es")]


# -- who is acting --------------------------------------------------------------------------


async def test_a_linked_client_and_a_stranger_are_answered_in_their_language(env: Env) -> None:
    paid = await booked(env)
    async with env.db.uow() as uow:
        client = await uow.session.get(Client, paid.world.client_id)
        assert client is not None
        client.locale = "es_MX"
        await uow.commit()

    [(plan, _)] = await slash(env, "deletemydata", CLIENT_DISCORD)
    assert plan.startswith("¿Borrar tus datos?")
    message = last_reply_message(env)
    button = env.fake.buttons(message)["Sí, borrar mis datos"]
    # A button answers who presses it in their language, too.
    env.fake.locales[STRANGER] = "es-419"
    await env.fake.press(env.bot, message, button, STRANGER)
    assert env.fake.answers()[-1] == ("Este botón es de la persona que pidió borrar sus datos.", 64)

    # Nobody Pathwise knows: their Discord's language when Pathwise speaks it.
    env.fake.locales[STRANGER] = "es-ES"
    assert await slash(env, "deletemydata", STRANGER) == [(NOTHING_LINKED_ES, 64)]
    [(refused, _)] = await slash(env, "bookings", STRANGER)
    assert refused == NOT_AN_ADVISOR_ES
    env.fake.locales[STRANGER] = "fr"
    [(refused, _)] = await slash(env, "bookings", STRANGER)
    assert refused.startswith("These commands are for Pathwise advisors.")


async def test_the_team_is_answered_in_the_team_language(env: Env) -> None:
    await advisor_on_discord(env)
    [(stats, _)] = await slash(env, "admin", ADMIN, sub("stats"))
    assert stats.startswith("Clients: ")

    env.bot.settings = env.settings.model_copy(update={"team_language": "es"})
    [(stats, _)] = await slash(env, "admin", ADMIN, sub("stats"))
    assert stats.startswith("Clientes: ") and "Próximas reservas: 1" in stats


# -- the command menu -----------------------------------------------------------------------


async def _payload(env: Env, name: str) -> dict[str, object]:
    command = env.bot.tree.get_command(name)
    assert command is not None
    return await command.get_translated_payload(env.bot.tree, TextsTranslator())


async def test_the_command_menu_is_in_spanish_for_spanish_discords_only(env: Env) -> None:
    profile = await _payload(env, "profile")

    assert profile["description"] == "Your advisor profile and prices."
    assert profile["description_localizations"] == {
        "es-ES": "Tu perfil de asesor y tus precios.",
        "es-419": "Tu perfil de asesor y tus precios.",
    }
    options = {o["name"]: o for o in profile["options"]}  # type: ignore[attr-defined]
    language = options["language"]
    assert language["description_localizations"]["es-419"] == (
        "Elige el idioma en que Pathwise te escribe."
    )
    [chosen] = language["options"]
    assert chosen["description"] == "The language for Pathwise's messages to you"
    assert chosen["description_localizations"]["es-ES"] == (
        "El idioma de los mensajes de Pathwise para ti"
    )
    assert [c["name"] for c in chosen["choices"]] == ["English", "Español"]

    deletemydata = await _payload(env, "deletemydata")
    assert set(deletemydata["description_localizations"]) == {"es-ES", "es-419"}  # type: ignore[arg-type]
    assert deletemydata["description"] == DELETE_MY_DATA.on_server()


async def test_the_translator_answers_spanish_for_es_es_and_es_419_and_nothing_else() -> None:
    translator = TextsTranslator()
    text = app_commands.locale_str(d.BOOKINGS.en, id=d.BOOKINGS.id)
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.other, data=None
    )
    for locale in (discord.Locale.spain_spanish, discord.Locale.latin_american_spanish):
        assert await translator.translate(text, locale, context) == "Tus próximas sesiones pagadas."
    for locale in (discord.Locale.american_english, discord.Locale.british_english):
        assert await translator.translate(text, locale, context) is None
    assert await translator.translate(text, discord.Locale.french, context) is None
    plain = app_commands.locale_str("Not one of ours")
    assert await translator.translate(plain, discord.Locale.spain_spanish, context) is None


def test_every_menu_description_fits_discords_limit_in_every_language() -> None:
    menu: list[Text] = [v for v in vars(d).values() if isinstance(v, Text)]
    menu += [SHARE.on_server_text, DELETE_MY_DATA.on_server_text]
    assert len(menu) > 30
    for language in i18n.languages():
        with i18n.speaking(language):
            for text in menu:
                assert 1 <= len(text()) <= 100, (language, text.id, text())


# -- the session room -----------------------------------------------------------------------


async def _speaks(env: Env, paid: Paid, client_locale: str, advisor_languages: list[str]) -> None:
    async with env.db.uow() as uow:
        client = await uow.session.get(Client, paid.world.client_id)
        advisor = await uow.session.get(Advisor, paid.world.advisor_id)
        assert client is not None and advisor is not None
        client.locale = client_locale
        advisor.languages = advisor_languages
        await uow.commit()


async def test_a_spanish_session_gets_its_room_in_spanish(env: Env) -> None:
    paid = await booked(env)
    await _speaks(env, paid, "es_ES", ["en", "es"])

    _, welcome = await opened(env)

    [embed] = welcome["embeds"]
    assert embed["title"] == (
        "Te damos la bienvenida a tu sala privada: sesión en vivo de 60 minutos con Ana Ruiz"
    )
    [field] = embed["fields"]
    assert field["value"].startswith(
        "• Solo las dos personas de la sesión y el bot de Pathwise pueden ver esta sala."
    )
    labels = set(env.fake.buttons(welcome))
    assert not labels & {"End session", "Report a problem"}, labels


async def test_a_room_is_in_english_when_the_advisor_does_not_speak_the_clients_language(
    env: Env,
) -> None:
    paid = await booked(env)
    await _speaks(env, paid, "es_ES", ["en"])

    _, welcome = await opened(env)

    [embed] = welcome["embeds"]
    assert embed["title"].startswith("Welcome to your private room: ")


async def test_a_spanish_client_linking_discord_is_answered_in_spanish(env: Env) -> None:
    """Before /link the Discord account is nobody's; the answer is for the client it now
    belongs to, in their language, whatever their Discord's is."""
    paid = await advisor_on_discord(env)
    async with env.db.uow() as uow:
        client = await uow.session.get(Client, paid.world.client_id)
        assert client is not None
        client.locale = "es"
        await uow.commit()
    await env.bot.sessions.tick()
    [join] = await messages(env.db, "discord_join")
    env.fake.locales[CLIENT_DISCORD] = "en-US"
    code = join.payload["data"]["link_code"]
    assert await slash(env, "link", CLIENT_DISCORD, options(code=code)) == [
        (
            "Todo listo. Tus salas privadas de sesión aparecerán en este servidor, en la "
            "categoría Sessions; te enviaremos sus enlaces por Telegram.",
            64,
        )
    ]
