"""My bookings at core level: the list in the client's time zone, reschedule and cancel (free
until 24 h before), the money-back refund with its itemized preview, and every way a press
can be wrong: text instead of a button, stale buttons, someone else's booking id forged into
a button, refunds refused (twice, too early, too late). Real database, real Billing with the
fake Stripe gateway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core import billing as billing_module
from core import scheduling
from core.billing import Billing
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import (
    ButtonPress,
    CommandInput,
    DialogEngine,
    TextInput,
)
from core.models import Booking, BookingStatus, Client, Offer, SlotClaim
from core.models.billing import Refund
from core.money import Money
from core.payments.gateway import PaymentsUnavailable
from core.taxonomy import OfferKind
from devtools.fake_payments import FakePaymentGateway
from tests.support.billing import (
    World,
    billing_settings,
    make_billing,
    new_booking,
    outbox_rows,
    pay,
    seed,
)
from tests.support.chat import Chat, make_engine
from tests.support.rows import row

USD = "USD"
EVERY_DAY = {day: ["08:00-20:00"] for day in scheduling.WEEKDAYS}  # the advisor's, in Madrid


@dataclass
class Setup:
    world: World
    billing: Billing
    gateway: FakePaymentGateway
    engine: DialogEngine
    settings: Settings

    def chat(self, db: Database, clock: ManualClock, client_id: int | None = None) -> Chat:
        return Chat(db, self.engine, clock, client_id or self.world.client_id)

    async def pay(self, db: Database, booking_id: int | None = None) -> int:
        """Zoë pays for the booking (Stripe's webhook arrives); returns the purchase id."""
        return await pay_booking(db, self.billing, self.world, booking_id or self.world.booking_id)

    async def paid(self, db: Database, clock: ManualClock) -> tuple[Chat, int]:
        """Zoë has paid for the booking and is on the menu: her chat and the purchase id."""
        purchase_id = await self.pay(db)
        chat = self.chat(db, clock)
        await chat.start()
        return chat, purchase_id

    async def someone_elses(self, db: Database, clock: ManualClock) -> int:
        """A booking of another client, in two days: its id."""
        return await new_booking(
            db,
            self.world,
            clock.now(),
            starts_at=clock.now() + timedelta(days=2),
            client_id=self.world.other_client_id,
        )

    async def at_refund_preview(self, db: Database, clock: ManualClock) -> Chat:
        """An hour after the paid and tipped session, Zoë has asked for a refund."""
        chat = await self.tipped(db, clock)
        clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
        await open_booking(chat)
        await chat.press("Ask for a refund")
        return chat

    async def unpaid_summary(self, db: Database, clock: ManualClock) -> Chat:
        """Zoë has not paid yet: from /bookings she tapped Pay now and sees the summary."""
        chat = self.chat(db, clock)
        await chat.start()
        await open_booking(chat)
        await chat.press("Pay now")
        return chat

    async def card(self, db: Database, clock: ManualClock) -> Chat:
        """Zoë has paid and opened her booking's card from /bookings."""
        chat, _ = await self.paid(db, clock)
        await open_booking(chat)
        return chat

    async def tipped(self, db: Database, clock: ManualClock) -> Chat:
        """Zoë has paid for the booking and tipped, and is on the menu."""
        await _paid_with_tip(db, self)
        chat = self.chat(db, clock)
        await chat.start()
        return chat


@pytest.fixture
async def setup(db: Database, database_url: str, clock: ManualClock) -> Setup:
    """Zoë (in Madrid) holds a 60-minute session with Ana tomorrow at 10:00 her time (exactly
    24 hours from now); Ana works 08:00-20:00 every day."""
    world = await seed(db, clock.now())
    async with db.uow() as uow:
        await scheduling.set_weekly_availability(uow, world.advisor_id, EVERY_DAY)
        await uow.commit()
    settings = billing_settings(database_url)
    billing, gateway = make_billing(db, settings, clock)
    return Setup(world, billing, gateway, make_engine(settings, billing=billing), settings)


async def pay_booking(db: Database, billing: Billing, world: World, booking_id: int) -> int:
    """The client pays for the booking (Stripe's webhook arrives); returns the purchase id."""
    checkout = await billing.start_checkout(booking_id, world.client_id)
    await pay(billing, db, checkout.purchase_id)
    return checkout.purchase_id


async def booking_row(db: Database, booking_id: int) -> Booking:
    return await row(db, Booking, booking_id)


async def open_booking(chat: Chat, label: str = "Tue 24 Nov, 10:00 · Ana Ruiz") -> None:
    await chat.send(CommandInput("bookings"))
    await chat.press(label)


CARD_TOMORROW = (
    "60-minute live session with Ana Ruiz\n"
    "Tue 24 Nov, 10:00 (your time, Europe/Madrid)\n"
    "Status: booked\n"
    "You can reschedule or cancel free of charge until Mon 23 Nov, 10:00."
)


# -- the list and the card ---------------------------------------------------------------------


async def test_my_bookings_lists_upcoming_and_recent_in_the_clients_time_zone(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    await setup.pay(db)
    now = clock.now()
    clock.set(now - timedelta(days=4))  # booked and paid four days ago, held three days ago
    past = await new_booking(db, world, clock.now(), starts_at=now - timedelta(days=3))
    await setup.pay(db, past)
    clock.set(now)
    lapsed = await new_booking(
        db, world, clock.now() - timedelta(hours=2), starts_at=clock.now() + timedelta(days=3)
    )
    async with db.uow() as uow:
        done = await uow.session.get(Booking, past)
        assert done is not None
        done.status = BookingStatus.COMPLETED.value
        await uow.commit()
    chat = setup.chat(db, clock)
    await chat.start()
    await chat.press("My bookings")
    assert chat.texts() == [
        "Your bookings (times in your time zone, Europe/Madrid):\n\n"
        "Upcoming:\n• Tue 24 Nov, 10:00 — 60-minute live session with Ana Ruiz (booked)\n\n"
        "Recent:\n• Fri 20 Nov, 10:00 — 60-minute live session with Ana Ruiz (done)\n\n"
        "Tap a booking to see it or change it."
    ]
    assert chat.labels() == [
        "Tue 24 Nov, 10:00 · Ana Ruiz",
        "Fri 20 Nov, 10:00 · Ana Ruiz",
        "Back to the menu",
    ], f"the lapsed hold {lapsed} is not listed"
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    assert chat.texts() == [CARD_TOMORROW]
    assert chat.labels() == ["Reschedule", "Cancel booking", "Back to my bookings"]
    await chat.press("Back to my bookings")
    await chat.press("Fri 20 Nov, 10:00 · Ana Ruiz")
    assert chat.texts()[0].startswith(
        "60-minute live session with Ana Ruiz\nFri 20 Nov, 10:00 (your time, Europe/Madrid)\n"
        "Status: done\nNot happy with it?"
    )
    assert chat.labels() == [
        "Ask for a refund",
        "Rate this session",
        "Book again with Ana Ruiz",  # issue #16
        "Back to my bookings",
    ]


async def test_no_bookings_yet_offers_to_find_an_advisor(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = setup.chat(db, clock, setup.world.other_client_id)
    await chat.send(CommandInput("bookings"))
    assert chat.texts()[0].startswith("Welcome to Pathwise."), "the consent card comes first"
    await chat.start()
    await chat.press("My bookings")
    assert chat.texts() == ["You have no bookings yet. Shall we find you an advisor?"]
    await chat.press("Find an advisor")
    assert chat.texts()[0].startswith("What is on your mind?")


# -- reschedule ---------------------------------------------------------------------------------


async def test_rescheduling_in_time_moves_the_session_and_frees_the_old_time(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.card(db, clock)
    await chat.press("Reschedule")
    assert chat.texts() == [
        "Pick a new time for your 60-minute live session with Ana Ruiz (now Tue 24 Nov, "
        "10:00). Times are in your time zone (Europe/Madrid).\n"
        "Only times at least 24 hours away, so you can still change it for free."
    ]
    # Issue #16: no time inside the free-change window (before Tue 10:00 here) is offered;
    # the first free one after the booking's own hour and its buffer.
    assert chat.labels()[0] == "Tue 24 Nov, 11:15"
    assert not any(label.startswith("Mon 23 Nov") for label in chat.labels())
    assert "Tue 24 Nov, 10:00" not in chat.labels(), "the booking's own time is not offered"
    await chat.press("Later times")
    await chat.press("Back")
    assert chat.texts() == [CARD_TOMORROW]
    await chat.press("Reschedule")
    await chat.press("Tue 24 Nov, 12:00")
    assert chat.texts() == [
        "Done. Your session with Ana Ruiz is now Tue 24 Nov, 12:00 (your time). "
        "The old time is free again.",
        "60-minute live session with Ana Ruiz\n"
        "Tue 24 Nov, 12:00 (your time, Europe/Madrid)\n"
        "Status: booked\n"
        "You can reschedule or cancel free of charge until Mon 23 Nov, 12:00.",
    ]
    booking = await booking_row(db, world.booking_id)
    assert booking.starts_at == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert booking.status == BookingStatus.CONFIRMED.value
    async with db.uow() as uow:
        free = await scheduling.available_slots(
            uow, world.advisor_id, OfferKind.LIVE60, clock.now()
        )
    assert datetime(2026, 11, 24, 9, 0, tzinfo=UTC) in [s.starts_at for s in free]
    [moved] = await outbox_rows(db, kind="booking_moved")
    assert moved.advisor_id == world.advisor_id
    assert moved.payload["text"].startswith(
        "Your 60-minute live session on Tue 24 Nov, 10:00 has moved to Tue 24 Nov, 12:00"
    )


async def test_a_time_taken_meanwhile_shows_the_times_free_now(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.card(db, clock)
    await chat.press("Reschedule")
    async with db.uow() as uow:  # someone else takes Tuesday 12:00 first
        await scheduling.hold_slot(
            uow,
            client_id=world.other_client_id,
            offer_id=world.offer_id,
            starts_at=datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
            now=clock.now(),
        )
        await uow.commit()
    await chat.press("Tue 24 Nov, 12:00")
    texts = chat.texts()
    assert texts[0].startswith("That time was just taken. Here are the next free times:")
    assert texts[1].startswith("Pick a new time for your 60-minute live session")
    assert "Tue 24 Nov, 12:00" not in chat.labels()
    booking = await booking_row(db, world.booking_id)
    assert booking.starts_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "nothing moved"


TOO_LATE = (
    "Free rescheduling and cancellation end 24 hours before the session, and this one starts "
    "Tue 24 Nov, 10:00. The money-back guarantee rules apply now: if the session doesn't help, "
    "you can ask for a refund after it."
)


async def test_within_24_hours_reschedule_and_cancel_get_the_too_late_message(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat, purchase_id = await setup.paid(db, clock)
    clock.advance(timedelta(minutes=1))  # the session is now 23 h 59 min away
    await open_booking(chat)
    assert "Free changes ended 24 hours before the start." in chat.texts()[0]
    assert chat.labels() == ["Back to my bookings"], "no button for what can't be done (#16)"
    await chat.forge("reschedule", world.booking_id)  # an old card's button, say
    assert chat.texts()[0] == TOO_LATE
    assert chat.texts()[1].startswith("60-minute live session with Ana Ruiz\n")
    await chat.forge("cancel", world.booking_id)
    assert chat.texts()[0] == TOO_LATE
    booking = await booking_row(db, world.booking_id)
    assert booking.status == BookingStatus.CONFIRMED.value
    assert setup.gateway.refunds == {}
    assert purchase_id


async def test_a_cancel_confirmed_after_the_deadline_is_refused(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.card(db, clock)
    await chat.press("Cancel booking")
    clock.advance(timedelta(minutes=5))  # the client hesitated past the deadline
    await chat.press("Yes, cancel it")
    assert chat.texts()[0] == TOO_LATE
    assert (await booking_row(db, world.booking_id)).status == BookingStatus.CONFIRMED.value


# -- cancel -----------------------------------------------------------------------------------


async def test_cancelling_in_time_refunds_the_session_price_but_never_the_fee(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.card(db, clock)
    await chat.press("Cancel booking")
    assert chat.texts() == [
        "Cancel your 60-minute live session with Ana Ruiz on Tue 24 Nov, 10:00? The session "
        "price, $60.00, comes back to your card. The handling fee is not refundable."
    ]
    await chat.press("Keep it")
    assert chat.texts() == [CARD_TOMORROW]
    await chat.press("Cancel booking")
    await chat.press("Yes, cancel it")
    assert chat.texts()[0] == (
        "Done: your 60-minute live session with Ana Ruiz on Tue 24 Nov, 10:00 is cancelled. "
        "$60.00 is on its way back to your card, and your credit note will follow in this chat."
    )
    listed = chat.texts()[1]
    assert "Tue 24 Nov, 10:00 — 60-minute live session with Ana Ruiz (cancelled)" in listed
    [refund] = setup.gateway.refunds.values()
    assert refund.amount == Money(6000, USD), "the $3.49 fee is kept"
    booking = await booking_row(db, world.booking_id)
    assert booking.status == BookingStatus.CANCELLED.value
    async with db.uow() as uow:
        claims = await uow.session.scalars(
            select(SlotClaim).where(SlotClaim.booking_id == world.booking_id)
        )
        assert list(claims) == [], "the time is free again"
    assert [r.kind for r in await outbox_rows(db, client_id=world.client_id)] == [
        "receipt",
        "next_steps",
        "calendar",  # issue #16: sent with the payment
        "credit_note",
    ]
    advisor_kinds = {r.kind for r in await outbox_rows(db, advisor_id=world.advisor_id)}
    assert {"booking_cancelled", "refund_notice"} <= advisor_kinds


async def test_a_refund_stripe_could_not_make_at_cancellation_can_be_asked_again(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    await setup.pay(db)
    setup.gateway.fail_next("create_refund", PaymentsUnavailable())
    chat = setup.chat(db, clock)
    await chat.start()
    await open_booking(chat)
    await chat.press("Cancel booking")
    await chat.press("Yes, cancel it")
    assert chat.texts()[0] == (
        "Your booking is cancelled, but the refund didn't go through yet: Payments are busy "
        "right now. Please try again in a moment. Tap “Get my refund” to try again."
    )
    assert "Status: cancelled" in chat.texts()[1]
    await chat.press("Get my refund")
    assert chat.texts()[0] == "Done: $60.00 is on its way back to your card."
    assert "Get my refund" not in chat.labels()
    [refund] = setup.gateway.refunds.values()
    assert refund.amount == Money(6000, USD)


async def test_cancelling_an_unpaid_hold_lets_the_time_go_without_a_refund(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = setup.chat(db, clock)
    await chat.start()
    await chat.send(CommandInput("bookings"))
    assert "(waiting for payment)" in chat.texts()[0]
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    assert chat.labels() == ["Pay now", "Cancel booking", "Back to my bookings"]
    await chat.press("Cancel booking")
    assert chat.texts()[0].endswith("Nothing has been paid, and I'll let the time go.")
    await chat.press("Yes, cancel it")
    assert chat.texts()[0] == "Okay, I've cancelled it and let the time go."
    assert (await booking_row(db, world.booking_id)).status == BookingStatus.CANCELLED.value
    assert setup.gateway.refunds == {}


# -- the money-back guarantee -------------------------------------------------------------------


PREVIEW = (
    "Here is what our money-back guarantee gives you:\n\n"
    "You get back:\n"
    "  60-minute live session with Ana Ruiz: $60.00\n"
    "  Total refund: $60.00\n"
    "Not refunded:\n"
    "  Handling fee (non-refundable): $3.49\n"
    "Your tips are not affected:\n"
    "  Tip for Ana Ruiz: $5.00\n"
    "You can ask until Fri 27 Nov 2026, 11:00 (Europe/Madrid).\n\n"
    "Shall I go ahead?"
)


async def _paid_with_tip(db: Database, setup: Setup) -> None:
    world, billing = setup.world, setup.billing
    await pay_booking(db, billing, world, world.booking_id)
    tip = await billing.start_tip_checkout(world.booking_id, world.client_id, Money(500, USD))
    await pay(billing, db, tip.purchase_id)


async def test_a_refund_shows_an_itemized_preview_then_returns_the_service_price(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.tipped(db, clock)
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))  # an hour after it ended
    await open_booking(chat)
    assert chat.labels() == [
        "Ask for a refund",
        "Rate this session",
        "Book again with Ana Ruiz",  # issue #16
        "Back to my bookings",
    ]
    await chat.press("Ask for a refund")
    assert chat.texts() == [PREVIEW]
    await chat.press("Back")
    await chat.press("Ask for a refund")
    await chat.press("Yes, refund $60.00")
    assert chat.texts()[0] == (
        "Done: $60.00 is on its way back to your card (usually 5–10 days). "
        "Your credit note will follow in this chat."
    )
    assert "Status: refunded" in chat.texts()[1]
    assert "Ask for a refund" not in chat.labels()
    [refund] = setup.gateway.refunds.values()
    assert refund.amount == Money(6000, USD), "the fee is kept and the tip is untouched"
    [note] = await outbox_rows(db, kind="credit_note")
    assert note.client_id == world.client_id


async def test_a_refund_made_meanwhile_is_not_made_twice(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    chat = await setup.at_refund_preview(db, clock)
    confirm = chat.button("Yes, refund $60.00")
    # The refund goes through another way (a second device, support) before the client taps.
    await setup.billing.request_refund(world.booking_id, world.client_id)
    await chat.send(ButtonPress(confirm.data))
    assert chat.texts()[0] == "This booking has already been refunded."
    assert "Status: refunded" in chat.texts()[1]
    await chat.send(ButtonPress(confirm.data))  # the old button again
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    await chat.forge("refund", world.booking_id)  # asked again from the card
    assert chat.texts()[0] == "This booking has already been refunded."
    async with db.uow() as uow:
        assert len(list(await uow.session.scalars(select(Refund)))) == 1
    assert len(setup.gateway.refunds) == 1


async def test_a_spanish_client_is_refused_a_second_refund_in_spanish(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    # The refusal's text was rendered when core/payments/errors.py was imported: English.
    chat = await setup.at_refund_preview(db, clock)
    confirm = chat.button("Yes, refund $60.00")
    async with db.uow() as uow:
        client = await uow.session.get(Client, setup.world.client_id)
        assert client is not None
        client.locale = "es_ES"  # she switched to Spanish meanwhile
        await uow.commit()
    await setup.billing.request_refund(setup.world.booking_id, setup.world.client_id)
    await chat.send(ButtonPress(confirm.data))
    assert chat.texts()[0] == "Esta reserva ya se ha reembolsado."


async def test_a_refund_is_refused_before_the_session_ends_and_after_the_window(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.tipped(db, clock)
    clock.set(datetime(2026, 11, 24, 9, 20, tzinfo=UTC))  # the session is on
    await open_booking(chat)
    assert "Status: on now" in chat.texts()[0]
    assert (
        "If it doesn't help, our money-back guarantee lets you ask for the session price back "
        "from Tue 24 Nov, 11:00 until Fri 27 Nov, 11:00." in chat.texts()[0]
    )
    assert "Ask for a refund" not in chat.labels(), "not offered before it can be asked (#16)"
    await chat.forge("refund", setup.world.booking_id)
    assert chat.texts()[0] == "You can ask for a refund once your session has ended."
    assert chat.texts()[1].startswith("60-minute live session with Ana Ruiz\n")
    clock.set(datetime(2026, 11, 27, 10, 1, tzinfo=UTC))  # 72 h and a minute after it ended
    await open_booking(chat)
    assert "The money-back guarantee for this one ended on Fri 27 Nov, 11:00." in chat.texts()[0]
    assert "Ask for a refund" not in chat.labels()
    await chat.forge("refund", setup.world.booking_id)
    closed = "The money-back window for this session closed on Fri 27 Nov 2026, 11:00"
    assert chat.texts()[0] == f"{closed} (Europe/Madrid)."
    assert setup.gateway.refunds == {}


# -- presses that are wrong -------------------------------------------------------------------


NOT_YOURS = "We couldn't find that booking among yours. Please open your bookings and try again."


async def test_someone_elses_booking_forged_into_a_button_is_never_touched(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    theirs = await setup.someone_elses(db, clock)
    chat, _ = await setup.paid(db, clock)
    await chat.send(CommandInput("bookings"))
    await chat.forge("view", theirs)
    assert chat.texts()[0] == NOT_YOURS
    assert chat.texts()[1].startswith("Your bookings"), "and the current step again"
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    for action in ("cancel", "reschedule", "refund", "rate", "refundc"):
        await chat.forge(action, theirs)
        assert chat.texts() == [NOT_YOURS, CARD_TOMORROW], action
    for garbage in ("0", "99999999999", "-1"):
        await chat.forge("cancel", garbage)
        assert chat.texts()[0] == NOT_YOURS
    await chat.press("Cancel booking")
    await chat.forge("yes", theirs)  # the confirmation, pointed at someone else's booking
    assert chat.texts()[0] == NOT_YOURS
    assert (await booking_row(db, theirs)).status == BookingStatus.HELD.value
    assert (await booking_row(db, world.booking_id)).status == BookingStatus.CONFIRMED.value


async def test_a_forged_refund_confirmation_for_someone_elses_booking_is_refused(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    theirs = await setup.someone_elses(db, clock)
    chat = await setup.at_refund_preview(db, clock)
    await chat.forge("confirm", theirs)
    assert chat.texts()[0] == NOT_YOURS
    assert setup.gateway.refunds == {}


async def test_text_where_a_button_is_expected_gets_a_hint_and_the_step_again(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat, _ = await setup.paid(db, clock)
    await chat.send(CommandInput("bookings"))
    await chat.send(TextInput("the one tomorrow"))
    assert chat.texts()[0] == "Please tap one of your bookings below."
    assert chat.texts()[1].startswith("Your bookings")
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.send(TextInput("the second one"))
    assert chat.texts() == ["Please tap one of the options below.", CARD_TOMORROW]
    await chat.press("Reschedule")
    await chat.send(TextInput("tomorrow at 3"))
    assert chat.texts()[0] == "Please tap one of the times below."
    await chat.forge("slot", "12")  # not a time we offered
    assert chat.texts()[0] == "That time is no longer offered. Please pick another."
    await chat.press("Back")
    await chat.press("Cancel booking")
    await chat.send(TextInput("yes"))
    assert chat.texts() == ["Please tap “Yes, cancel it” or “Keep it”."]


async def test_a_stale_button_from_an_old_list_says_it_has_expired(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat, _ = await setup.paid(db, clock)
    await chat.send(CommandInput("bookings"))
    old = chat.button("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.send(ButtonPress(old.data))
    await chat.press("Cancel booking")
    await chat.send(ButtonPress(old.data))
    assert chat.texts()[0] == "That option has expired. Here is where we are now:"
    assert chat.texts()[1].startswith("Cancel your 60-minute live session")
    assert (await booking_row(db, setup.world.booking_id)).status == "confirmed"


async def test_a_restart_mid_refund_resumes_at_the_preview(
    db: Database, setup: Setup, clock: ManualClock, database_url: str
) -> None:
    world = setup.world
    chat = await setup.at_refund_preview(db, clock)
    confirm = chat.button("Yes, refund $60.00")
    await db.dispose()
    reopened = Database(database_url)
    try:
        billing, gateway = make_billing(reopened, setup.settings, clock, setup.gateway)
        again = Chat(reopened, make_engine(setup.settings, billing=billing), clock, world.client_id)
        await again.send(TextInput("hello?"))
        assert again.texts() == ["Please tap “Yes, refund” or “Back”."]
        assert await again.step() == "refund"
        await again.send(ButtonPress(confirm.data))
        assert again.texts()[0].startswith("Done: $60.00 is on its way back to your card")
        assert len(gateway.refunds) == 1
    finally:
        await reopened.dispose()


async def test_a_messaging_package_is_listed_as_active_and_refundable_after_its_last_day(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    async with db.uow() as uow:
        package = Offer(
            advisor_id=world.advisor_id, kind="messaging", days=7, price_minor=9000, currency=USD
        )
        uow.session.add(package)
        await uow.session.flush()
        booking = await scheduling.hold_package(
            uow, client_id=world.client_id, offer_id=package.id, now=clock.now()
        )
        await uow.commit()
    await setup.pay(db, booking.id)
    chat = setup.chat(db, clock)
    await chat.start()
    await chat.send(CommandInput("bookings"))
    listed = "• from Mon 23 Nov to Mon 30 Nov — 7-day messaging package with Ana Ruiz (active)"
    assert listed in chat.texts()[0]
    await chat.press("from Mon 23 Nov to Mon 30 Nov · Ana Ruiz")
    assert chat.labels() == ["Back to my bookings"], "no free cancellation, no refund yet"
    assert "ask for the session price back from Mon 23 Nov, 10:00" not in chat.texts()[0]
    assert "from Mon 30 Nov, 10:00 until Thu 3 Dec, 10:00." in chat.texts()[0]
    await chat.forge("refund", booking.id)
    assert chat.texts()[0] == "You can ask for a refund once your session has ended."
    await chat.forge("cancel", booking.id)  # not offered: a package can't be cancelled free
    assert chat.texts()[0].startswith("A messaging package starts as soon as it's paid")
    assert (await booking_row(db, booking.id)).status == BookingStatus.CONFIRMED.value


async def test_after_an_advisor_no_show_a_new_time_can_be_chosen_at_once(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    await setup.pay(db)
    clock.set(datetime(2026, 11, 24, 9, 11, tzinfo=UTC))  # 11 minutes in, no advisor
    async with db.uow() as uow:
        assert await billing_module.report_advisor_no_show(uow, world.booking_id, clock.now())
        await uow.commit()
    chat = setup.chat(db, clock)
    await chat.start()
    await open_booking(chat)
    assert "We're sorry your advisor didn't arrive." in chat.texts()[0]
    assert {"Choose a new time", "Ask for a refund"} <= set(chat.labels())
    await chat.press("Choose a new time")
    assert chat.texts()[0].startswith("Pick a new time for your 60-minute live session")
    new_time = chat.labels()[0]
    await chat.press(new_time)
    assert chat.texts()[0].startswith(f"Done. Your session with Ana Ruiz is now {new_time}")
    booking = await booking_row(db, world.booking_id)
    assert booking.status == BookingStatus.CONFIRMED.value
    assert booking.starts_at is not None and booking.starts_at > clock.now()


async def test_without_a_no_show_a_late_reschedule_is_still_refused(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    world = setup.world
    await setup.pay(db)
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # an hour before the start
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, world.booking_id)
        assert booking is not None
        assert not await scheduling.may_reschedule(uow, booking, clock.now())


# -- an unpaid hold: pay it, let it go (issue #16) ------------------------------------------------


async def test_an_unpaid_hold_can_be_paid_from_my_bookings(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    assert chat.texts()[0].startswith("Here is your booking:\n\n60-minute live session")
    await chat.press("Pay $63.49")
    assert chat.link().label == "Pay with Stripe"
    assert len(setup.gateway.checkouts) == 1


async def test_cancel_at_a_summary_opened_from_my_bookings_goes_back_there(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    await chat.press("Cancel")
    assert chat.texts() == [
        "Okay, I've let that time go.",
        "You have no bookings yet. Shall we find you an advisor?",
    ]
    assert (await booking_row(db, setup.world.booking_id)).status == BookingStatus.EXPIRED.value


@pytest.mark.parametrize("step", ["summary", "payment link"])
async def test_cancel_while_paying_lets_the_held_time_go(
    db: Database, setup: Setup, clock: ManualClock, step: str
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    if step == "payment link":
        await chat.press("Pay $63.49")
    await chat.send(CommandInput("cancel"))
    assert chat.texts() == [
        "Okay, I've stopped that and let the time you were holding go.",
        "What would you like to do?",
    ]
    assert (await booking_row(db, setup.world.booking_id)).status == BookingStatus.EXPIRED.value
    await chat.send(CommandInput("bookings"))
    assert "Tue 24 Nov" not in chat.texts()[0], "nothing left waiting for payment"


async def test_timezone_mid_booking_comes_back_to_the_summary_in_the_new_zone(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    assert "Tue 24 Nov 2026, 10:00 (Europe/Madrid)" in chat.texts()[0]
    await chat.send(CommandInput("timezone"))
    await chat.send(TextInput("London"))
    saved, summary = chat.texts()
    assert saved.startswith("Got it: Europe/London.")
    assert summary.startswith("Here is your booking:")
    assert "Tue 24 Nov 2026, 09:00 (Europe/London)" in summary
    assert "Pay $63.49" in chat.labels(), "the booking is not lost"
    assert (await booking_row(db, setup.world.booking_id)).status == BookingStatus.HELD.value


async def test_text_after_paying_goes_on_from_the_menu_not_the_pay_button(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    await chat.press("Pay $63.49")
    await chat.send(TextInput("done?"))
    assert chat.texts()[0] == "Please use the payment button below."
    assert chat.link().label == "Pay with Stripe", "the link comes again with the hint"
    await setup.pay(db)  # Stripe's webhook confirms it
    await chat.send(TextInput("thanks!"))
    assert chat.texts() == [
        "Your booking is paid and confirmed; you'll find it in /bookings.",
        "What would you like to do?",
    ]


async def test_a_buttons_label_typed_instead_of_tapped_is_understood(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    """Issue #16: labels (any case, first words), "back", "cancel", "help", "menu" typed."""
    chat, _ = await setup.paid(db, clock)
    await chat.send(TextInput("my bookings"))
    assert chat.texts()[0].startswith("Your bookings")
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.send(TextInput("cancel booking"))
    assert chat.texts()[0].startswith("Cancel your 60-minute live session with Ana Ruiz")
    await chat.send(TextInput("keep it!"))
    assert chat.texts() == [CARD_TOMORROW]
    await chat.send(TextInput("back"))
    assert chat.texts()[0].startswith("Your bookings")
    await chat.send(TextInput("help"))
    assert chat.texts()[0].startswith("Here is what I can do:")
    await chat.send(TextInput("menu"))
    assert chat.texts() == ["What would you like to do?"]
    await chat.press("My bookings")
    await chat.press("Tue 24 Nov, 10:00 · Ana Ruiz")
    await chat.press("Cancel booking")
    await chat.send(TextInput("cancel"))  # no button says just that: the /cancel command
    assert chat.texts() == ["Okay, I've stopped that.", "What would you like to do?"]
    assert (await booking_row(db, setup.world.booking_id)).status == BookingStatus.CONFIRMED.value


async def test_a_new_time_inside_the_free_change_window_is_refused_even_forged(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.card(db, clock)
    await chat.press("Reschedule")
    today_noon = scheduling.slot_key(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    await chat.forge("slot", today_noon)  # free at Ana's, but inside the 24 hours
    assert chat.texts()[0] == (
        "A new time needs to be at least 24 hours away, so you can still change it for free. "
        "Please pick a later time."
    )
    booking = await booking_row(db, setup.world.booking_id)
    assert booking.starts_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC), "nothing moved"


async def test_book_again_opens_the_advisors_card_from_a_past_booking(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.tipped(db, clock)
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))  # an hour after it ended
    await open_booking(chat)
    await chat.press("Book again with Ana Ruiz")
    assert chat.texts()[0].startswith("Ana Ruiz")
    assert any(label.startswith("60-minute live session") for label in chat.labels())



async def test_a_hold_that_ran_out_says_so_at_the_link_and_on_the_card(
    db: Database, setup: Setup, clock: ManualClock
) -> None:
    chat = await setup.unpaid_summary(db, clock)
    await chat.press("Pay $63.49")
    clock.advance(timedelta(hours=3))  # the hold and its checkout have lapsed
    await chat.send(TextInput("did it work?"))
    assert chat.texts() == [
        "The time we held for you has run out, so that payment link no longer works. You can "
        "book again with /find.",
        "What would you like to do?",
    ]
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # back while it was held
    await open_booking(chat)
    assert "Pay now" in chat.labels()
    clock.advance(timedelta(hours=3))
    await chat.forge("pay", setup.world.booking_id)  # the card's Pay now, pressed too late
    assert chat.texts()[0] == (
        "The time we held for you has run out, so it can't be paid any more. Please book a "
        "time again with /find."
    )
    assert (await booking_row(db, setup.world.booking_id)).status != BookingStatus.CONFIRMED.value
