"""The client's time zone: asked once in the intake (after the language, with zones for that
language), typed as a city or a zone name, changed any time with /timezone."""

from __future__ import annotations

import pytest

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import ButtonPress, CommandInput, TextInput
from core.dialogs.profile_settings import find_timezone
from core.models import Client
from tests.support.chat import Chat, make_engine

QUESTION = (
    "Which time zone are you in? Tap one, or send the name of your city, like Madrid or New "
    "York. I'll show every time in your time."
)
KIND = "What kind of session would you like?"


@pytest.fixture
async def chat(db: Database, settings: Settings, clock: ManualClock) -> Chat:
    async with db.uow() as uow:
        client = Client(display_name="Zoë", created_at=clock.now())
        uow.session.add(client)
        await uow.commit()
    chat = Chat(db, make_engine(settings), clock, client.id)
    await chat.start()
    return chat


async def to_language(chat: Chat) -> None:
    await chat.send(CommandInput("find"))
    await chat.press("Career and work")
    await chat.press("Done")
    await chat.send(TextInput("I want to change careers but I'm scared of the money side."))


async def timezone_of(db: Database, client_id: int) -> str:
    async with db.uow() as uow:
        client = await uow.session.get(Client, client_id)
        assert client is not None
        return client.timezone


async def test_the_intake_asks_once_offering_zones_for_the_chosen_language(
    chat: Chat, db: Database
) -> None:
    await to_language(chat)
    await chat.press("Spanish")
    assert chat.texts() == [QUESTION]
    assert chat.labels() == [
        "Madrid · 10:00",
        "Mexico City · 03:00",
        "Bogota · 04:00",
        "Lima · 04:00",
        "Santiago · 06:00",
        "Buenos Aires · 06:00",
    ]
    await chat.press("Madrid · 10:00")
    assert chat.texts() == ["Got it: Europe/Madrid. It's 10:00 there now.", KIND]
    assert await timezone_of(db, chat.client_id) == "Europe/Madrid"
    await to_language(chat)
    await chat.press("German")
    assert chat.texts() == [KIND], "asked once"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("madrid", "Europe/Madrid"),
        ("New York", "America/New_York"),
        ("new-york", "America/New_York"),
        ("São Paulo, Brazil", "America/Sao_Paulo"),
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("europe/lisbon", "Europe/Lisbon"),
        ("Mumbai", "Asia/Kolkata"),
        ("UTC", "Etc/UTC"),
        # Issue #16: any city of 15,000 people or more (GeoNames), offsets, abbreviations.
        ("Austin", "America/Chicago"),
        ("austin, texas", "America/Chicago"),
        ("Sevilla", "Europe/Madrid"),
        ("Nueva York", "America/New_York"),
        ("utc+5:30", "Asia/Kolkata"),
        ("GMT+9", "Asia/Tokyo"),
        ("EST", "America/New_York"),
        ("CET", "Europe/Berlin"),
        ("JST", "Asia/Tokyo"),
    ],
)
async def test_a_city_or_a_zone_name_can_be_typed(
    chat: Chat, db: Database, typed: str, zone: str
) -> None:
    await to_language(chat)
    await chat.press("English")
    await chat.send(TextInput(typed))
    assert chat.texts()[0].startswith(f"Got it: {zone}. It's ")
    assert chat.texts()[1] == KIND
    assert await timezone_of(db, chat.client_id) == zone


async def test_a_client_who_said_utc_is_not_asked_again(chat: Chat, db: Database) -> None:
    await to_language(chat)
    await chat.press("English")
    await chat.send(TextInput("utc"))
    await to_language(chat)
    await chat.press("English")
    assert chat.texts() == [KIND]


async def test_a_place_we_dont_know_gets_a_concrete_hint_and_nothing_changes(
    chat: Chat, db: Database
) -> None:
    await to_language(chat)
    await chat.press("Spanish")
    madrid = chat.button("Madrid · 10:00")
    await chat.send(TextInput("Qwertyville"))  # (Atlantis is a town near Cape Town)
    assert chat.texts() == [
        "I couldn't find a time zone for “Qwertyville”. Please send the name of a big city near "
        "you, like Madrid or New York, or a time zone name like Europe/Madrid."
    ]
    assert chat.labels()[0] == "Madrid · 10:00", "the zones come again with the hint"
    for bad in ("Europe/Atlantis", "x" * 100, "   ", "UTC+15", "XYZ"):
        await chat.send(TextInput(bad))
        assert chat.texts()[0].startswith("I couldn't find a time zone for"), bad
    await chat.forge("tz", "Asia.Tokyo")  # a zone we did not offer for Spanish
    assert chat.texts() == [
        "Please tap one of the time zones below, or send the name of your city.",
        QUESTION,
    ]
    await chat.forge("tz", "Europe.Madrid.Evil")
    assert (
        chat.texts()[0] == "Please tap one of the time zones below, or send the name of your city."
    )
    assert await timezone_of(db, chat.client_id) == "UTC"
    await chat.send(ButtonPress(madrid.data))  # a button from before the hints: now stale
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    await chat.press("Madrid · 10:00")
    assert await timezone_of(db, chat.client_id) == "Europe/Madrid"


async def test_timezone_changes_it_any_time_and_goes_back_to_the_menu(
    chat: Chat, db: Database
) -> None:
    await chat.send(CommandInput("timezone"))
    assert chat.texts()[0].startswith("Which time zone are you in? Tap one")
    assert chat.labels()[0] == "London · 09:00"
    await chat.send(TextInput("Madrid"))
    assert chat.texts() == [
        "Got it: Europe/Madrid. It's 10:00 there now.",
        "What would you like to do?",
    ]
    await chat.send(CommandInput("timezone"))
    assert chat.texts()[0].startswith("Which time zone are you in (now: Europe/Madrid)?")
    await chat.send(TextInput("tokyo"))
    assert chat.texts()[0] == "Got it: Asia/Tokyo. It's 18:00 there now."
    assert await timezone_of(db, chat.client_id) == "Asia/Tokyo"


async def test_a_restart_at_the_question_resumes_there(
    chat: Chat, db: Database, database_url: str, settings: Settings, clock: ManualClock
) -> None:
    await to_language(chat)
    await chat.press("French")
    assert chat.texts() == [QUESTION]
    await db.dispose()
    reopened = Database(database_url)
    try:
        again = Chat(reopened, make_engine(settings), clock, chat.client_id)
        await again.send(TextInput("Lyon"))
        assert again.texts() == ["Got it: Europe/Paris. It's 10:00 there now.", KIND]
    finally:
        await reopened.dispose()


def test_find_timezone_prefers_the_current_name_of_a_city() -> None:
    assert find_timezone("Indianapolis") == "America/Indiana/Indianapolis"
    assert find_timezone("Port au Prince") == "America/Port-au-Prince"
    assert find_timezone("") is None


@pytest.mark.parametrize(
    ("typed", "choices"),
    [
        ("CST", ["Shanghai · 17:00", "Mexico City · 03:00", "Chicago · 03:00", "Havana · 04:00"]),
        ("PST", ["Manila · 17:00", "Los Angeles · 01:00"]),
        ("UTC+2", ["Johannesburg · 11:00", "Cairo · 11:00"]),
    ],
)
async def test_an_answer_that_fits_several_clocks_offers_them(
    chat: Chat, db: Database, typed: str, choices: list[str]
) -> None:
    await to_language(chat)
    await chat.press("English")
    await chat.send(TextInput(typed))
    assert chat.texts() == [
        f"“{typed}” fits more than one place. Which of these is yours? Or send the name of "
        "your city."
    ]
    assert chat.labels() == choices
    assert await timezone_of(db, chat.client_id) == "UTC", "nothing chosen yet"
    await chat.press(choices[-1])
    assert chat.texts()[1] == KIND
    city = choices[-1].split(" · ")[0].replace(" ", "_")
    assert (await timezone_of(db, chat.client_id)).endswith(city)
