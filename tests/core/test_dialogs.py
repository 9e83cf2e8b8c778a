"""The client's flows at core level: consent, menu, intake, bad input, stale buttons, restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import (
    ButtonPress,
    CommandInput,
    Image,
    Message,
    StartInput,
    TextInput,
    build_engine,
)
from core.dialogs.buttons import MAX_BYTES, decode, encode
from core.dialogs.services import DialogServices, Suggestion
from core.dialogs.suggest import CatalogueMatcher
from core.models import Advisor, Consent, Conversation
from core.money import Money
from tests.support.chat import Chat, FakeMatcher, import_sample

ANA = Suggestion(
    7, "Ana Ruiz", Money(6000, "USD"), ("speaks Spanish", "specialises in career change")
)
SAM = Suggestion(9, "Sam Carter", Money(5500, "USD"), ("specialises in job search",))


@pytest.fixture
def matcher() -> FakeMatcher:
    return FakeMatcher([ANA, SAM])


@pytest.fixture
def chat(db: Database, settings: Settings, clock: ManualClock, matcher: FakeMatcher) -> Chat:
    return Chat(db, build_engine(settings, DialogServices(matcher=matcher)), clock)


async def test_start_shows_the_consent_card_with_fee_and_guarantee(chat: Chat) -> None:
    await chat.send(StartInput())
    (card,) = chat.texts()
    assert card.startswith("Welcome to Pathwise.")
    assert "not therapy, medical care or an emergency service" in card
    assert "only you, your advisor and our bot can see" in card
    assert "$3.49 handling fee, which is not refundable" in card
    assert "Ask within 72 hours after it ends" in card
    assert chat.button("I understand and agree")


async def test_consent_is_stored_with_its_time_and_leads_to_the_menu(
    chat: Chat, db: Database
) -> None:
    await chat.send(StartInput())
    chat.clock.advance(timedelta(minutes=2))
    await chat.press("I understand and agree")
    assert chat.texts() == ["Thank you. You're all set.", "What would you like to do?"]
    async with db.uow() as uow:
        consent = await uow.session.scalar(select(Consent))
    assert consent is not None and consent.accepted_at == chat.clock.now()
    await chat.send(StartInput())
    assert chat.texts() == ["What would you like to do?"], "consent is asked once"


async def test_typing_instead_of_agreeing_asks_again_and_stores_nothing(
    chat: Chat, db: Database
) -> None:
    await chat.send(StartInput())
    await chat.send(TextInput("yes ok"))
    assert chat.texts() == ["Please tap “I understand and agree” to continue."]
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Consent)) is None


async def _to_budget(chat: Chat) -> None:
    await chat.send(StartInput())
    await chat.press("I understand and agree")
    await chat.press("Find an advisor")
    await chat.press("Career and work")
    await chat.press("Stress and anxiety")
    await chat.press("Done")
    await chat.send(TextInput("I want to leave my job but I'm scared of the money side."))
    await chat.press("Spanish")
    await chat.send(TextInput("Madrid"))
    await chat.press("Live, 60 minutes")


async def test_intake_collects_every_answer(chat: Chat, db: Database) -> None:
    await _to_budget(chat)
    assert (
        "Send a number, like 40 for $40.00. The $3.49 handling fee comes on top." in chat.texts()[0]
    )
    await chat.send(TextInput("60"))
    await chat.press("Evenings")
    async with db.uow() as uow:
        conversation = await uow.session.scalar(select(Conversation))
    assert conversation is not None
    answers = {
        "topics": ["career", "stress"],
        "description": "I want to leave my job but I'm scared of the money side.",
        "language": "es",
        "kind": "live60",
        "budget": 6000,
        "when": "evenings",
    }
    assert chat.matcher.asked == [answers]
    assert chat.texts() == [
        "Here are the advisors who fit best:\n\n"
        "Ana Ruiz — $60.00\n• speaks Spanish\n• specialises in career change\n\n"
        "Sam Carter — $55.00\n• specialises in job search"
    ]
    assert chat.button("Choose Ana Ruiz") and chat.button("Start again")
    assert conversation.step == "results"
    assert "description" not in conversation.data, "the client's words are forgotten after matching"
    assert conversation.data["suggested"] == [7, 9]


async def test_no_match_says_what_to_change(chat: Chat, matcher: FakeMatcher) -> None:
    matcher.suggestions = []
    await _to_budget(chat)
    await chat.send(TextInput("5"))
    await chat.press("Any time")
    assert chat.texts()[0].startswith("I couldn't find an advisor for all of that right now.")
    await chat.press("Start again")
    assert chat.texts()[0].startswith("What is on your mind?")


async def test_choosing_a_match_shows_the_profile_with_photo_and_offers(
    chat: Chat, db: Database, matcher: FakeMatcher
) -> None:
    ids = await import_sample(db)
    matcher.suggestions = [Suggestion(ids["ana-ruiz"], "Ana Ruiz", Money(6000, "USD"), ())]
    await _to_budget(chat)
    await chat.send(TextInput("60"))
    await chat.press("Evenings")
    await chat.press("Choose Ana Ruiz")
    photo, card = chat.last
    assert isinstance(photo, Image) and photo.url == "https://example.com/advisors/ana-ruiz.jpg"
    assert isinstance(card, Message)
    assert card.text.startswith(
        "Ana Ruiz\nNew on Pathwise · speaks English, Spanish\n"
        "Specialises in career change, burnout, workplace conflict\n\nFormer HR director"
    )
    labels = [b.label for row in card.buttons for b in row]
    assert labels == [
        "30-minute live session — $35.00",
        "60-minute live session — $60.00",
        "7-day messaging package — $90.00",
        "Share this advisor",  # issue 16: clients can pass an advisor on
        "Back to my matches",
    ]
    await chat.press("Back to my matches")
    assert chat.texts()[0].startswith("Here are the advisors who fit best:")


async def test_a_shareable_link_opens_the_profile_after_consent(chat: Chat, db: Database) -> None:
    await import_sample(db)
    await chat.send(StartInput("advisor_sofia-rossi"))
    assert chat.texts()[0].startswith("Welcome to Pathwise.")
    await chat.press("I understand and agree")
    assert chat.texts()[0] == "Thank you. You're all set."
    assert chat.texts()[1].startswith(
        "Sofia Rossi\nNew on Pathwise · speaks Italian, Spanish, English"
    )
    await chat.send(StartInput("advisor_nobody-here"))
    assert chat.texts() == [
        "That advisor isn't taking bookings right now. Here is the menu:",
        "What would you like to do?",
    ]


async def test_an_advisor_suspended_meanwhile_cannot_be_booked(chat: Chat, db: Database) -> None:
    ids = await import_sample(db)
    await chat.send(StartInput("advisor_sam-carter"))
    await chat.press("I understand and agree")
    async with db.uow() as uow:
        advisor = await uow.session.get(Advisor, ids["sam-carter"])
        assert advisor is not None
        advisor.approved = False
        await uow.commit()
    await chat.press("60-minute live session — $80.00")
    assert chat.texts() == [
        "That advisor isn't taking bookings right now. Here is the menu:",
        "What would you like to do?",
    ]


async def test_toggling_a_topic_edits_the_message_in_place(chat: Chat) -> None:
    await chat.send(StartInput())
    await chat.press("I understand and agree")
    await chat.press("Find an advisor")
    await chat.press("Grief and loss")
    (message,) = chat.last
    assert isinstance(message, Message) and message.replace
    assert chat.button("✓ Grief and loss")
    await chat.press("✓ Grief and loss")
    assert chat.button("Grief and loss")


async def test_done_without_a_topic_is_refused(chat: Chat) -> None:
    await chat.send(StartInput())
    await chat.press("I understand and agree")
    await chat.press("Find an advisor")
    await chat.press("Done")
    assert chat.texts() == ["Please choose at least one topic first."]


@pytest.mark.parametrize(
    ("bad", "hint"),
    [
        ("abc", "Please send a number, like 40."),
        ("forty", "Please send a number, like 40."),
        ("", "Please send a number, like 40."),
        ("1e9", "Please send a number, like 40."),
        ("²", "Please send a number, like 40."),
        (
            "-5",
            "A budget can't be below zero. Please send the most you'd spend, like 40, or tap "
            "No limit.",
        ),
        ("40.555", "Please send whole units or cents, like 40 or 40.50."),
        ("12.345", "Please send whole units or cents, like 40 or 40.50."),
        (
            "0",
            "Every session has a price, so a budget needs to be more than zero. Please send an "
            "amount, like 40, or tap No limit.",
        ),
        (
            "1000000000",
            "That is more than any session here costs ($10,000.00 at most). Please send a "
            "smaller amount, or tap No limit.",
        ),
    ],
)
async def test_a_budget_that_is_no_amount_gets_a_hint_naming_what_is_wrong(
    chat: Chat, matcher: FakeMatcher, bad: str, hint: str
) -> None:
    await _to_budget(chat)
    await chat.send(TextInput(bad))
    assert chat.texts() == [hint]
    assert chat.labels() == ["No limit"], "the step's button comes with the hint"
    await chat.send(TextInput("45.50"))
    assert chat.texts() == ["When would suit you?"]
    await chat.press("Any time")
    assert matcher.asked[-1]["budget"] == 4550


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("1,000", 100_000),
        ("1000", 100_000),
        ("$1,000.50", 100_050),
        ("3,49", 349),
        ("1 000", 100_000),
    ],
)
async def test_a_budget_is_read_as_the_locale_writes_numbers(
    chat: Chat, matcher: FakeMatcher, typed: str, minor: int
) -> None:
    await _to_budget(chat)
    await chat.send(TextInput(typed))
    await chat.press("Any time")
    assert matcher.asked[-1]["budget"] == minor


async def test_a_too_short_description_is_asked_again(chat: Chat) -> None:
    await chat.send(StartInput())
    await chat.press("I understand and agree")
    await chat.press("Find an advisor")
    await chat.press("Family")
    await chat.press("Done")
    await chat.send(TextInput("help"))
    assert chat.texts() == [
        "Could you say a little more? A sentence or two helps us find the right advisor."
    ]


async def test_a_stale_button_says_expired_and_shows_the_current_step(chat: Chat) -> None:
    await chat.send(StartInput())
    await chat.press("I understand and agree")
    old_find = chat.button("Find an advisor")
    await chat.send(ButtonPress(old_find.data))
    await chat.send(ButtonPress(old_find.data))  # second tap on the old menu
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    assert chat.texts()[1].startswith("What is on your mind?")


@pytest.mark.parametrize(
    "forged", ["", "hello", "99999:find", "1:DROP TABLE", "x" * 100, "1:topic:../.."]
)
async def test_a_forged_button_is_treated_as_expired(chat: Chat, forged: str) -> None:
    await chat.send(StartInput())
    await chat.send(ButtonPress(forged))
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    assert chat.texts()[1].startswith("Welcome to Pathwise.")


async def test_commands_work_mid_flow(chat: Chat) -> None:
    await _to_budget(chat)
    await chat.send(CommandInput("help"))
    assert chat.texts()[0].startswith("Here is what I can do:")
    await chat.send(TextInput("50"))
    assert chat.texts() == ["When would suit you?"], "help did not lose the place"
    await chat.send(CommandInput("cancel"))
    assert chat.texts() == ["Okay, I've stopped that.", "What would you like to do?"]
    await chat.send(CommandInput("frobnicate"))
    assert chat.texts() == [
        "I don't know that command. Here is where we are now:",
        "What would you like to do?",
    ]


async def test_find_before_consent_shows_the_consent_card(chat: Chat) -> None:
    await chat.send(CommandInput("find"))
    assert chat.texts()[0].startswith("Welcome to Pathwise.")


async def test_a_restart_resumes_at_the_same_step(
    chat: Chat, database_url: str, settings: Settings, clock: ManualClock, matcher: FakeMatcher
) -> None:
    await _to_budget(chat)
    await chat.db.dispose()
    reopened = Database(database_url)
    try:
        again = Chat(reopened, build_engine(settings, DialogServices(matcher=matcher)), clock)
        await again.send(TextInput("abc"))
        assert again.texts() == ["Please send a number, like 40."]
        await again.send(TextInput("40"))
        assert again.texts() == ["When would suit you?"]
    finally:
        await reopened.dispose()


def test_button_ids_fit_telegram_and_round_trip() -> None:
    data = encode(123456, "slot", "9" * 40)
    assert len(data.encode()) <= MAX_BYTES
    press = decode(data)
    assert press is not None and (press.version, press.action, press.arg) == (
        123456,
        "slot",
        "9" * 40,
    )
    with pytest.raises(ValueError):
        encode(1, "slot", "x" * 41)
    with pytest.raises(ValueError):
        encode(1, "Bad Action")


async def test_the_matcher_offers_free_times_under_the_configured_notice(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    """The "free ..." reason follows PATHWISE_MIN_NOTICE_HOURS, as the slot step does."""
    await import_sample(db)
    three_days = settings.model_copy(update={"min_notice_hours": 72})
    chat = Chat(db, build_engine(three_days, DialogServices(matcher=CatalogueMatcher())), clock)
    await _to_budget(chat)
    await chat.send(TextInput("70"))
    await chat.press("Evenings")
    (results,) = chat.texts()
    assert results.startswith("Here are the advisors who fit best:\n\nAna Ruiz")
    free = [line for line in results.splitlines() if line.startswith("• free ")]
    assert len(free) == 3
    assert not any(day in line for line in free for day in ("today", "tomorrow")), free


async def test_the_catalogue_matcher_ranks_real_advisors_with_reasons(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ids = await import_sample(db)
    chat = Chat(db, build_engine(settings, DialogServices(matcher=CatalogueMatcher())), clock)
    await _to_budget(chat)  # career + stress, Spanish, live 60 minutes
    await chat.send(TextInput("70"))
    await chat.press("Evenings")
    (results,) = chat.texts()
    assert results.startswith(
        "Here are the advisors who fit best:\n\nAna Ruiz — $60.00\n• speaks Spanish"
    )
    names = [b.label for b in chat.last[0].buttons[0] + chat.last[0].buttons[1]]  # type: ignore[union-attr]
    assert names[0] == "Choose Ana Ruiz"
    # Over budget (Lúcia $65 fits, Sofia $55 fits; nobody above $70) and Spanish speakers only.
    async with db.uow() as uow:
        conversation = await uow.session.scalar(select(Conversation))
    assert conversation is not None
    spanish = {ids[s] for s in ("ana-ruiz", "lucia-fernandes", "sofia-rossi")}
    assert set(conversation.data["suggested"]) <= spanish
    assert conversation.data["suggested"][0] == ids["ana-ruiz"]


async def test_after_a_wrong_answer_the_steps_buttons_come_again_with_the_hint(
    chat: Chat,
) -> None:
    """Issue #16: nobody has to scroll up to find the buttons after a hint."""
    await chat.send(StartInput())
    await chat.send(TextInput("yes ok"))
    assert chat.texts() == ["Please tap “I understand and agree” to continue."]
    assert chat.labels() == ["I understand and agree", "🌐 Español / other language"]
    await chat.press("I understand and agree")
    await chat.press("Find an advisor")
    topics = chat.labels()
    await chat.send(TextInput("the usual"))
    assert len(chat.texts()) == 1 and chat.labels() == topics
    await chat.press("Family")  # a button from the hint works like the original
    await chat.send(CommandInput("help"))
    assert chat.texts()[0].startswith("Here is what I can do:")
    assert "Done" in chat.labels(), "even /help's answer keeps the way on"
