"""After a session, at core level: a rating counted once, an optional review, a tip paid through
a real Stripe Checkout (the real SDK against the local stand-in), how-are-you-feeling and the
progress view; the mood check-in from the menu; every bad input; a restart mid-flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.dialogs import ButtonPress, CommandInput, DialogEngine, Reply, TextInput
from core.dialogs.aftercare import (
    AlreadyRated,
    NotRateableYet,
    rate_session,
    start_aftercare,
)
from core.models import Advisor, MoodCheckin, Review
from core.models.billing import Purchase, PurchaseKind, PurchaseStatus
from core.scheduling import BookingNotFound
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import World, fonts, outbox_rows, seed
from tests.support.chat import Chat, make_engine
from tests.support.rows import row
from tests.support.stripe_stand_in import checkout_id, stripe_stand_in

ENDED = datetime(2026, 11, 24, 10, 5, tzinfo=UTC)  # five minutes after the session ended


@dataclass
class Setup:
    world: World
    billing: Billing
    engine: DialogEngine
    sandbox: StripeSandbox


@pytest.fixture
async def setup(db: Database, database_url: str, clock: ManualClock) -> AsyncIterator[Setup]:
    """Zoë's 60-minute session with Ana, paid through Stripe Checkout; not yet over."""
    world = await seed(db, clock.now())
    async with stripe_stand_in(db, database_url, clock) as stand:
        checkout = await stand.billing.start_checkout(world.booking_id, world.client_id)
        await stand.sandbox.pay(checkout_id(checkout.url))
        engine = make_engine(stand.settings, billing=stand.billing)
        yield Setup(world, stand.billing, engine, stand.sandbox)


async def after_session(db: Database, setup: Setup, clock: ManualClock) -> Chat:
    """The session ends; the sessions part starts the after-session questions."""
    clock.set(ENDED)
    chat = Chat(db, setup.engine, clock, setup.world.client_id)
    async with db.uow() as uow:
        chat.last = await start_aftercare(uow, setup.world.client_id, setup.world.booking_id, ENDED)
        await uow.commit()
    return chat


async def advisor(db: Database, advisor_id: int) -> Advisor:
    return await row(db, Advisor, advisor_id)


async def tips(db: Database) -> list[Purchase]:
    async with db.uow() as uow:
        return list(
            await uow.session.scalars(
                select(Purchase).where(Purchase.kind == PurchaseKind.TIP.value)
            )
        )


RATE = (
    "Your session with Ana Ruiz has ended. How was it? "
    "Tap 1 to 5: 1 is not helpful, 5 is very helpful."
)
TIP = (
    "Would you like to leave Ana Ruiz a tip? It's entirely optional, and all of it goes to "
    "Ana Ruiz: there's no handling fee on tips. A tip is a gift, so it can't be refunded."
)
MOOD = "One last question: how are you feeling today, from 1 (very low) to 10 (very good)?"


async def test_after_a_session_rate_review_tip_and_check_in(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await after_session(db, setup, clock)
    assert chat.texts() == [RATE]
    assert chat.labels() == ["1", "2", "3", "4", "5", "Not now"]
    await chat.press("5")
    assert chat.texts() == [
        "Thank you. Would you like to add a few words for Ana Ruiz? Send a short message (up "
        "to 500 characters), or tap Skip. Please leave out anything private: your words are "
        "shown on Ana Ruiz's profile to other clients, signed with your initial only."
    ]
    await chat.send(TextInput("  Kind,   practical and clear.  "))
    assert chat.texts() == ["Thank you for your review.", TIP]
    assert chat.labels() == ["$3.00", "$5.00", "$10.00", "Other amount", "No thanks"]
    await chat.press("$5.00")
    assert chat.texts() == [
        "Thank you! Tap below to pay your $5.00 tip securely with Stripe. "
        "I'll send your receipt once it's through. Then tap Continue."
    ]
    link = chat.link()
    assert link.label == "Tip $5.00 with Stripe" and link.url.startswith(setup.sandbox.url)
    await setup.sandbox.pay(checkout_id(link.url))
    [tip] = await tips(db)
    calendars = [r for r in await outbox_rows(db) if r.kind == "calendar"]
    assert len(calendars) == 1, "the calendar file comes with the session's payment only"
    assert tip.status == PurchaseStatus.PAID.value
    assert (tip.tip_minor, tip.fee_minor, tip.total_minor) == (500, 0, 500), "no fee on a tip"
    await chat.press("Continue")
    assert chat.texts() == [MOOD]
    await chat.press("7")
    assert chat.texts() == [
        "Thank you for checking in.\nYour check-ins: 7\nYou've had 1 session so far.",
        "What would you like to do?",
    ]
    async with db.uow() as uow:
        review = await uow.session.scalar(select(Review))
        checkin = await uow.session.scalar(select(MoodCheckin))
    assert review is not None and (review.rating, review.text) == (5, "Kind, practical and clear.")
    assert review.booking_id == world.booking_id and review.client_id == world.client_id
    assert checkin is not None and (checkin.score, checkin.booking_id) == (7, world.booking_id)
    ana = await advisor(db, world.advisor_id)
    assert (ana.rating_sum, ana.rating_count) == (5, 1)


async def test_a_typed_tip_is_checked_against_billings_rules(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await after_session(db, setup, clock)
    await chat.press("Not now")
    assert chat.texts() == [TIP]
    await chat.press("Other amount")
    assert chat.texts() == [
        "How much would you like to give? Send a number, like 5 ($1.00 to $500.00)."
    ]
    back = chat.button("Back")
    await chat.send(TextInput("abc"))
    assert chat.texts() == ["Please send a number, like 5."]
    await chat.send(TextInput("0.50"))
    assert chat.texts() == ["The smallest tip is $1.00. Please send $1.00 or more."]
    await chat.send(TextInput("501"))
    assert chat.texts() == ["The largest tip is $500.00. Please send $500.00 or less."]
    await chat.send(ButtonPress(back.data))
    assert chat.texts() == [TIP]
    await chat.press("Other amount")
    await chat.send(TextInput("7.50"))
    assert chat.link().label == "Tip $7.50 with Stripe"
    [tip] = await tips(db)
    assert tip.status == PurchaseStatus.PENDING.value and tip.tip_minor == 750


async def test_every_question_can_be_skipped_and_nothing_is_stored(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await after_session(db, setup, clock)
    await chat.press("Not now")
    await chat.press("No thanks")
    assert chat.texts() == [MOOD]
    await chat.press("Skip")
    assert chat.texts() == [
        "No check-ins yet. Tap “How am I doing?” on the menu whenever you like.\n"
        "You've had 1 session so far.",
        "What would you like to do?",
    ]
    async with db.uow() as uow:
        assert await uow.session.scalar(select(Review)) is None
        assert await uow.session.scalar(select(MoodCheckin)) is None
    assert await tips(db) == []
    assert (await advisor(db, setup.world.advisor_id)).rating_count == 0


async def test_bad_ratings_and_reviews_get_a_concrete_hint(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await after_session(db, setup, clock)
    for bad in ("abc", "0", "6", "4.5", ""):
        await chat.send(TextInput(bad))
        assert chat.texts() == ["Please tap a number from 1 to 5."], bad
    await chat.forge("rate", "9")  # a made-up button
    assert chat.texts() == ["Please tap a number from 1 to 5."]
    await chat.send(TextInput("4"))  # typing the number works too
    skip = chat.button("Skip")
    await chat.send(TextInput("x" * 501))
    assert chat.texts() == ["That's a little long. Please keep it under 500 characters."]
    await chat.forge("rate", "5")  # the rating step's button, pressed on the review step
    assert chat.texts() == ["Please send a few words, or tap Skip."]
    await chat.send(ButtonPress(skip.data))
    assert chat.texts() == [TIP]
    await chat.send(TextInput("5"))
    assert chat.texts() == ["Please tap an amount, “Other amount” or “No thanks”."]
    await chat.forge("amount", "123456")  # an amount we never offered
    assert chat.texts()[0] == "That option has expired."
    assert await tips(db) == []
    await chat.press("No thanks")
    for bad in ("great", "11", "0"):
        await chat.send(TextInput(bad))
        assert chat.texts() == ["Please tap a number from 1 to 10."], bad
    await chat.send(TextInput("8"))
    assert chat.texts()[0].startswith("Thank you for checking in.\nYour check-ins: 8\n")
    async with db.uow() as uow:
        review = await uow.session.scalar(select(Review))
    assert review is not None and (review.rating, review.text) == (4, None)


async def test_a_session_counts_in_the_advisors_rating_once(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await after_session(db, setup, clock)
    first_prompt = chat.button("5")
    await chat.press("3")
    await chat.send(ButtonPress(first_prompt.data))  # a second tap on the old question
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    async with db.uow() as uow:
        with pytest.raises(AlreadyRated):
            await rate_session(
                uow, client_id=world.client_id, booking_id=world.booking_id, rating=5, now=ENDED
            )
        # Started again (a retried tick): a rated session goes straight to the mood question.
        replies = await start_aftercare(uow, world.client_id, world.booking_id, ENDED)
        await uow.commit()
    assert [r.text for r in replies if hasattr(r, "text")] == [MOOD]
    ana = await advisor(db, world.advisor_id)
    assert (ana.rating_sum, ana.rating_count) == (3, 1)
    await chat.start()
    await chat.send(CommandInput("bookings"))
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    assert "Rate this session" not in chat.labels(), "already rated"


async def test_a_session_can_be_rated_from_my_bookings(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = Chat(db, setup.engine, clock, setup.world.client_id)
    await chat.start()
    clock.set(ENDED)
    await chat.send(CommandInput("bookings"))
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.press("Rate this session")
    assert chat.texts() == [RATE]
    await chat.press("4")
    await chat.press("Skip")
    assert chat.texts() == [TIP]


async def test_aftercare_is_only_for_the_clients_own_session_once_it_is_over(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    async with db.uow() as uow:
        with pytest.raises(NotRateableYet):
            await start_aftercare(uow, world.client_id, world.booking_id, clock.now())
        with pytest.raises(BookingNotFound):
            await start_aftercare(uow, world.other_client_id, world.booking_id, ENDED)
        with pytest.raises(BookingNotFound):
            await start_aftercare(uow, world.client_id, 10**12, ENDED)
    chat = Chat(db, setup.engine, clock, world.client_id)
    await chat.start()
    await chat.send(CommandInput("bookings"))
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.forge("rate", world.booking_id)  # before the session: no rating yet
    assert chat.texts()[0] == "You can rate a session once it has taken place."
    assert chat.texts()[1].startswith("60-minute live session with Ana Ruiz\n")


async def test_how_am_i_doing_from_the_menu_shows_the_progress(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = Chat(db, setup.engine, clock, setup.world.client_id)
    await chat.start()
    assert chat.labels() == ["Find an advisor", "My bookings", "How am I doing?", "Help"]
    await chat.press("How am I doing?")
    assert chat.texts() == ["How are you feeling today, from 1 (very low) to 10 (very good)?"]
    await chat.press("4")
    assert chat.texts()[0] == (
        "Thank you for checking in.\nYour check-ins: 4\nYou've had 0 sessions so far."
    )
    clock.set(ENDED)
    for score in ("6", "7"):
        await chat.send(CommandInput("checkin"))
        await chat.press(score)
    assert chat.texts()[0] == (
        "Thank you for checking in.\nYour check-ins: 4 → 6 → 7\nYou've had 1 session so far.\n"
        "You're feeling better than when you started. Well done."
    )
    await chat.send(CommandInput("checkin"))
    await chat.press("2")
    assert chat.texts()[0].endswith(
        "If you are in danger or thinking of harming yourself, please call your local "
        "emergency number now."
    )
    async with db.uow() as uow:
        checkins = list(await uow.session.scalars(select(MoodCheckin)))
    assert [(c.score, c.booking_id) for c in checkins] == [
        (4, None),
        (6, None),
        (7, None),
        (2, None),
    ]


async def test_a_restart_mid_flow_resumes_at_the_same_question(
    db: Database, setup: Setup, clock: ManualClock, database_url: str
) -> None:
    chat = await after_session(db, setup, clock)
    await chat.press("5")
    await chat.press("Skip")
    await chat.press("Other amount")
    await db.dispose()
    reopened = Database(database_url)
    try:
        billing = Billing(
            reopened, setup.billing.gateway, setup.billing.settings, clock, fonts=fonts()
        )
        engine = make_engine(setup.billing.settings, billing=billing)
        again = Chat(reopened, engine, clock, setup.world.client_id)
        await again.send(TextInput("abc"))
        assert again.texts() == ["Please send a number, like 5."]
        await again.send(TextInput("10"))
        assert again.link().label == "Tip $10.00 with Stripe"
        await again.press("Continue")
        assert again.texts() == [MOOD]
    finally:
        await reopened.dispose()


def _texts(replies: list[Reply]) -> list[str]:
    return [r.text for r in replies if hasattr(r, "text")]


async def test_the_first_question_is_made_for_the_adapter_to_deliver(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await after_session(db, setup, clock)
    assert _texts(chat.last) == [RATE]
    assert await chat.step() == "rate"
    clock.advance(timedelta(hours=1))
    await chat.send(TextInput("5"))  # answered later, in text
    assert chat.texts()[0].startswith("Thank you. Would you like to add a few words")

