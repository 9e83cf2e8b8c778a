"""The crisis answer in the dialog engine: every typed text is screened first; a match is
answered with crisis lines and a button to go on, the step still takes the text, and a client
with a booking alerts their advisor and the team once per interval, never with the words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.accounts import Platform, get_or_create_client
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import ButtonPress, CommandInput, TextInput
from core.models import Booking, BookingStatus, Conversation, Review
from core.outbox import Audience
from tests.support.billing import new_booking, outbox_rows, seed
from tests.support.chat import USER, Chat, make_engine

WORDS = "I can't go on anymore, I want to end my life"


@pytest.fixture
async def chat(db: Database, settings: Settings, clock: ManualClock) -> Chat:
    """A client who has accepted the consent card, on the menu."""
    chat = Chat(db, make_engine(settings), clock)
    await chat.start()
    return chat


async def with_confirmed_booking(db: Database, clock: ManualClock) -> int:
    """A paid booking for the chat's client with Ana Ruiz; its id."""
    world = await seed(db, clock.now())
    async with db.uow() as uow:
        client = await get_or_create_client(uow, Platform.TELEGRAM, USER, "Zoë", clock.now())
        await uow.commit()
        client_id = client.id
    booking_id = await new_booking(
        db, world, clock.now(), starts_at=clock.now() + timedelta(days=2), client_id=client_id
    )
    async with db.uow() as uow:
        await uow.session.execute(
            update(Booking)
            .where(Booking.id == booking_id)
            .values(status=BookingStatus.CONFIRMED.value)
        )
        await uow.commit()
    return booking_id


async def test_the_description_is_answered_first_and_the_client_goes_on(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await chat.send(CommandInput("find"))
    await chat.press("Career and work")
    await chat.press("Done")
    await chat.send(TextInput(WORDS))
    (answer,) = chat.texts()
    assert "Pathwise is not an emergency service" in answer
    assert "Find A Helpline, https://findahelpline.com" in answer  # no time zone told yet
    # The step took the text as usual: nothing is blocked, the flow is one step on.
    async with db.uow() as uow:
        conversation = await uow.session.scalar(select(Conversation))
        assert conversation is not None and conversation.step == "language"
    await chat.press("Continue where I was")
    assert chat.texts() == ["Which language would you like to talk in?"]


async def test_a_commands_words_are_screened_too(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await chat.send(CommandInput("help", "i wanna die"))
    assert chat.button("Continue where I was")
    await chat.press("Continue where I was")
    assert chat.texts() == ["What would you like to do?"]


async def test_the_advisor_and_the_team_are_told_once_an_hour_without_the_words(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    booking_id = await with_confirmed_booking(db, clock)
    chat = Chat(db, make_engine(settings), clock)
    await chat.start()
    await chat.send(TextInput(WORDS))
    (answer,) = chat.texts()
    assert "We have let your advisor and our team know, privately" in answer
    assert "They don't see what you wrote." in answer

    heads_up = await outbox_rows(db, kind="crisis_alert", audience=Audience.ADVISOR.value)
    alert = await outbox_rows(db, kind="crisis_alert", audience=Audience.ADMIN.value)
    assert len(heads_up) == len(alert) == 1
    assert (
        heads_up[0]
        .payload["text"]
        .startswith(f"A private heads-up from Pathwise: Zoë (booking {booking_id})")
    )
    assert (
        alert[0]
        .payload["text"]
        .startswith(f"Crisis alert: Zoë, booking {booking_id} with Ana Ruiz")
    )
    for row in (*heads_up, *alert):
        for word in ("end my life", "anymore", "go on"):
            assert word not in str(row.payload)

    clock.advance(timedelta(minutes=59))
    await chat.send(TextInput("i want to kill myself"))
    assert "Pathwise is not an emergency service" in chat.texts()[0]  # answered every time
    assert len(await outbox_rows(db, kind="crisis_alert")) == 2  # but not alerted again

    clock.advance(timedelta(minutes=2))
    await chat.send(TextInput("i want to kill myself"))
    assert len(await outbox_rows(db, kind="crisis_alert")) == 4


async def test_the_interval_is_a_setting(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    await with_confirmed_booking(db, clock)
    every_time = settings.model_copy(update={"crisis_alert_interval_minutes": 0})
    chat = Chat(db, make_engine(every_time), clock)
    await chat.start()
    await chat.send(TextInput(WORDS))
    await chat.send(TextInput(WORDS))
    assert len(await outbox_rows(db, kind="crisis_alert")) == 4


async def test_a_failing_step_never_costs_the_client_the_answer(
    chat: Chat, db: Database, clock: ManualClock
) -> None:

    class Broken:
        async def show(self, ctx: object) -> list[object]:
            return []

        async def receive(self, ctx: object, event: object) -> object:
            raise RuntimeError("a bug")

    chat.engine.steps = {**chat.engine.steps, "home": Broken()}  # type: ignore[dict-item]
    await chat.send(TextInput(WORDS))
    assert "Pathwise is not an emergency service" in chat.texts()[0]


async def test_ordinary_text_is_not_answered_as_a_crisis(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await chat.send(TextInput("this deadline is killing me"))
    assert chat.texts() == ["Please choose one of the options below.", "What would you like to do?"]
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Review)) is None
    await chat.send(ButtonPress("0:safety_go_on"))  # a stale "continue" is just stale
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
