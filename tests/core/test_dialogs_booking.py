"""The find-and-book flow at core level, end to end: intake, real matching on the sample
catalogue, a slot held in the database, the itemized summary from billing, and a Stripe
Checkout link from the real SDK talking to the local stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import select

from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    DialogEngine,
    LinkButton,
    StartInput,
    TextInput,
)
from core.dialogs.suggest import CatalogueMatcher
from core.models import Booking, BookingStatus
from core.outbox import DocumentRef
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import billing_settings, outbox_rows
from tests.support.chat import Chat, import_sample, make_engine
from tests.support.stripe_stand_in import checkout_id, stripe_stand_in


@pytest.fixture
async def world(
    db: Database, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[DialogEngine, Billing, StripeSandbox]]:
    await import_sample(db)
    async with stripe_stand_in(db, database_url, clock) as stand:
        engine = make_engine(stand.settings, matcher=CatalogueMatcher(), billing=stand.billing)
        yield engine, stand.billing, stand.sandbox


async def _to_slots(
    client: Chat,
    description: str = "Thinking about changing careers after burnout at work.",
    *,
    share: bool = False,
    when: str = "Any time",
    offer: str = "60-minute live session — $60.00",
) -> str:
    """Intake to the slots; with ``share``, the description is shared (the preview returned)."""
    await client.send(StartInput())
    await client.press("I understand and agree")
    await client.press("Find an advisor")
    await client.press("Career and work")
    await client.press("Done")
    await client.send(TextInput(description))
    preview = ""
    if share:
        await client.press("Share what I wrote with my advisor (off)")
        (preview,) = client.texts()
        await client.press("Share this with my advisor")
        assert client.texts()[0] == "Thank you: your advisor will get this when you have paid."
        assert "Stop sharing what I wrote" in [b.label for b in client.buttons()]
    await client.press("Spanish")
    await client.send(TextInput("Madrid"))
    await client.press("Live, 60 minutes")
    await client.send(TextInput("80"))
    await client.press(when)
    await client.press("Choose Ana Ruiz")
    await client.press(offer)
    return preview


async def _at_summary(db: Database, clock: ManualClock, engine: DialogEngine, user: int) -> Chat:
    """A new client through the intake to the summary of the first time offered."""
    client = Chat(db, engine, clock, user_id=user)
    await _to_slots(client)
    await client.press_first("slot")
    return client


async def _calendar_events(db: Database, clock: ManualClock) -> list[Any]:
    """The events of the calendar file sent to the client, read back with icalendar."""
    from icalendar import Calendar

    from core.documents import load_document

    (row,) = [r for r in await outbox_rows(db) if r.kind == "calendar"]
    ref = DocumentRef(**row.payload["document"])
    assert ref.filename.startswith("Pathwise-session-") and ref.filename.endswith(".ics")
    async with db.uow() as uow:
        ics = await load_document(uow, ref, settings=billing_settings(""), now=clock.now())
    return list(Calendar.from_ical(ics).walk("VEVENT"))


async def _receipt_text(db: Database) -> str:
    """The first receipt's PDF as its reader gets it, decoded back to text."""
    from pypdf import PdfReader

    from core.documents import receipt_pdf
    from core.models import Receipt

    async with db.uow() as uow:
        receipt = await uow.session.scalar(select(Receipt).order_by(Receipt.id))
        assert receipt is not None
        pdf = await receipt_pdf(uow, receipt)
        await uow.commit()
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)


async def test_find_book_and_pay_from_intake_to_a_confirmed_booking(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, sandbox = world
    client = Chat(db, engine, clock, user_id=1001)
    await _to_slots(client)
    (slots,) = client.texts()
    assert (
        slots
        == "When would you like your 60-minute live session? Times are in your time zone (Europe/Madrid)."
    )
    chosen = await client.press_first("slot")
    assert chosen == "Mon 23 Nov, 12:00"  # two hours' notice from 09:00 UTC
    (summary,) = client.texts()
    assert summary.startswith(
        "Here is your booking:\n\n"
        "60-minute live session with Ana Ruiz — Mon 23 Nov 2026, 12:00 (Europe/Madrid): $60.00\n"
        "Handling fee (non-refundable): $3.49\n"
        "Total: $63.49\n\n"
        "The handling fee is not refundable"
    )
    await client.press("Pay $63.49")
    link = next(b for b in client.buttons() if isinstance(b, LinkButton))
    assert link.label == "Pay with Stripe" and link.url.startswith(sandbox.url)

    await client.press("Get a new payment link")  # a second tap: the same checkout, not a new one
    again = next(b for b in client.buttons() if isinstance(b, LinkButton))
    assert again.url == link.url
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

    session_id = checkout_id(link.url)
    await sandbox.pay(session_id)
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
    assert booking is not None and booking.status == BookingStatus.CONFIRMED.value
    sent = [(row.audience, row.kind) for row in await outbox_rows(db)]
    assert sorted(sent) == [
        ("advisor", "payment_received"),
        ("client", "calendar"),  # issue #16: the session for the client's calendar app
        ("client", "next_steps"),
        ("client", "receipt"),
    ]
    (event,) = await _calendar_events(db, clock)
    assert event.decoded("dtstart") == datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # 12:00 Madrid
    assert event.decoded("dtend") == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert str(event["summary"]) == "60-minute live session with Ana Ruiz (Pathwise)"
    description = str(event["description"])
    assert "private Discord room only the two of you and our bot can see" in description
    assert "Pathwise sends you the room's link in Telegram 10 minutes before the start" in (
        description
    )
    assert "can no longer be moved or cancelled for free" in description  # booked 3 h ahead
    assert str(event["uid"]) == f"booking-{booking.id}@pathwise"


async def test_a_time_taken_by_someone_else_gets_the_next_free_times(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    first, second = Chat(db, engine, clock, user_id=2001), Chat(db, engine, clock, user_id=2002)
    await _to_slots(first)
    await _to_slots(second)
    same = next(
        b for b in second.buttons() if isinstance(b, Button) and b.data.split(":")[1] == "slot"
    )
    await first.press(same.label)
    assert first.texts()[0].startswith("Here is your booking:")
    await second.send(ButtonPress(same.data))
    texts = second.texts()
    assert texts[0].startswith("That time was just taken. Here are the next free times:")
    assert texts[1].startswith("When would you like your 60-minute live session?")
    assert same.label not in [b.label for b in second.buttons()]


async def test_cancelling_at_the_summary_gives_the_time_back(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    client = Chat(db, engine, clock, user_id=3001)
    await _to_slots(client)
    chosen = await client.press_first("slot")
    await client.press("Cancel")
    # One step back, at the times (issue #16): not back through every question.
    assert client.texts() == [
        "Okay, I've let that time go.",
        "When would you like your 60-minute live session? Times are in your time zone "
        "(Europe/Madrid).",
    ]
    assert chosen in client.labels(), "the time let go is offered again"
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
    assert booking is not None and booking.status == BookingStatus.EXPIRED.value
    other = Chat(db, engine, clock, user_id=3002)
    await _to_slots(other)
    assert chosen in [b.label for b in other.buttons()], "the time is free again"


async def test_the_client_chooses_the_name_advisors_see_before_paying(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    """Issue #14: the summary says which name the advisor will see and offers a pseudonym;
    the chosen one is in the advisor's payment DM and /bookings, the receipt keeps the
    client's own name."""
    from core.advisors import upcoming_sessions
    from core.names import pseudonym_for

    engine, _, sandbox = world
    client = await _at_summary(db, clock, engine, 1002)
    (summary,) = client.texts()
    assert "Your advisor will see you as “Zoë”, never your Telegram account." in summary
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
        assert booking is not None
        client_id, advisor_id = booking.client_id, booking.advisor_id
    alias = pseudonym_for(client_id)
    assert alias != "Zoë" and alias == pseudonym_for(client_id)  # stable

    await client.press(f"Use a pseudonym: {alias}")
    (summary,) = client.texts()
    assert f"Your advisor will see you as “{alias}”" in summary
    await client.press("Show my first name (Zoë)")  # changing one's mind works both ways
    assert "will see you as “Zoë”" in client.texts()[0]
    await client.press(f"Use a pseudonym: {alias}")
    await client.press("Pay $63.49")
    link = next(b for b in client.buttons() if isinstance(b, LinkButton))
    await sandbox.pay(checkout_id(link.url))

    rows = await outbox_rows(db)
    (dm,) = [r for r in rows if r.kind == "payment_received"]
    assert alias in dm.payload["text"] and "Zoë" not in dm.payload["text"]
    async with db.uow() as uow:
        upcoming = await upcoming_sessions(uow, advisor_id, clock.now())
    assert [u.client_name for u in upcoming] == [alias]
    printed = await _receipt_text(db)
    assert "Zoë" in printed and alias not in printed


JOIN = (
    "How to join: you need a Discord account (free). After paying, we send you an invite to the "
    "Pathwise server and a code to type there; they work for 15 minutes, and fresh ones come with "
    "your reminders."
)
GUARANTEE = (
    "Money-back guarantee: if it doesn't help, ask within 72 hours after it ends and we refund "
    "the session price."
)


async def test_the_summary_says_every_term_of_a_live_session_before_paying(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    client = Chat(db, engine, clock, user_id=1011)
    await _to_slots(client, when="Weekends")
    chosen = await client.press_first("slot")
    assert chosen == "Sat 28 Nov, 10:00"
    (summary,) = client.texts()
    terms = summary.split("\n")
    assert "Handling fee (non-refundable): $3.49" in terms
    for term in [
        "The handling fee is not refundable; the session price is, as set out below.",
        # One date format in the summary: the quote line's (issue #16).
        "What it is: a live text chat of 60 minutes with Ana Ruiz, in a private Discord room only "
        "the two of you and our bot can see. It runs Sat 28 Nov 2026, 10:00 (Europe/Madrid) to "
        "11:00.",
        JOIN,
        "Changes: you can reschedule or cancel free of charge until Fri 27 Nov 2026, 10:00 "
        "(Europe/Madrid), 24 hours before the start; cancelling in time refunds the session "
        "price.",
        GUARANTEE,
        "We hold this time for you for 30 minutes while you pay.",
    ]:
        assert term in terms, term
    assert client.labels()[0] == "Pay $63.49"


async def test_a_session_within_the_free_change_window_says_so_before_paying(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    client = await _at_summary(db, clock, engine, 1012)  # today, 12:00: within 24 hours
    assert (
        "Changes: it starts within 24 hours, so once paid it can't be moved or cancelled for free."
        in client.texts()[0].split("\n")
    )


async def test_a_messaging_package_summary_gives_its_dates_in_the_clients_zone_and_hold(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, billing, _ = world
    longer_hold = engine.settings.model_copy(update={"slot_hold_minutes": 45})
    package_engine = make_engine(longer_hold, matcher=CatalogueMatcher(), billing=billing)
    clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))  # already Tuesday in Madrid
    client = Chat(db, package_engine, clock, user_id=1013)
    await _to_slots(client, offer="7-day messaging package — $90.00")
    terms = client.texts()[0].split("\n")
    for term in [
        "What it is: 7 days of written messages with Ana Ruiz, in a private Discord room only "
        "the two of you and our bot can see; your advisor answers at their own pace. It starts "
        "when you pay and runs until Tue 01 Dec 2026, 00:30 (Europe/Madrid).",
        JOIN,
        "Changes: a package starts when you pay, so it can't be moved or cancelled for free.",
        GUARANTEE,
        "This booking waits 45 minutes for your payment.",
    ]:
        assert term in terms, term
    assert not any("hold this time" in term for term in terms)
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking).where(Booking.starts_at.is_(None)))
    assert booking is not None
    assert booking.hold_expires_at == clock.now() + timedelta(minutes=45)


@pytest.mark.parametrize(
    ("when", "note", "suits"),
    [
        (
            "Evenings",
            "Evening times (17:00–22:00) come first, as you asked.",
            lambda label: 17 <= int(label.split(", ")[1][:2]) < 22,
        ),
        (
            "Weekends",
            "Weekend times come first, as you asked.",
            lambda label: label.startswith(("Sat", "Sun")),
        ),
    ],
)
async def test_the_times_offered_follow_when_the_client_said_would_suit(
    db: Database,
    clock: ManualClock,
    world: tuple[DialogEngine, Billing, StripeSandbox],
    when: str,
    note: str,
    suits: Callable[[str], bool],
) -> None:
    engine, _, _ = world
    client = Chat(db, engine, clock, user_id=1010)
    await _to_slots(client, when=when)
    (question,) = client.texts()
    assert question.endswith("\n" + note)
    times = [
        b.label for b in client.buttons() if isinstance(b, Button) and ":slot:" in b.data
    ]
    assert times and all(suits(label) for label in times), times


async def test_paying_without_choosing_keeps_the_first_name_the_summary_showed(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    client = await _at_summary(db, clock, engine, 1003)
    await client.press("Pay $63.49")
    async with db.uow() as uow:
        from core.models import Client as ClientRow

        (row,) = list(await uow.session.scalars(select(ClientRow)))
    assert row.advisor_name == "Zoë"


async def _booked_and_paid(client: Chat, sandbox: StripeSandbox, *, share: bool) -> str:
    """Intake with a description holding a phone number and an e-mail; optionally shared."""
    preview = await _to_slots(
        client,
        "Burnout at work, thinking of a new career. Text me on +34 612 34 56 78 "
        "or zoe.r@example.com.",
        share=share,
    )
    await client.press_first("slot")
    await client.press("Pay $63.49")
    link = next(b for b in client.buttons() if isinstance(b, LinkButton))
    await sandbox.pay(checkout_id(link.url))
    return preview


async def test_sharing_the_description_is_off_unless_chosen(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, sandbox = world
    await _booked_and_paid(Chat(db, engine, clock, user_id=1004), sandbox, share=False)
    (dm,) = [r for r in await outbox_rows(db) if r.kind == "payment_received"]
    assert "Burnout" not in dm.payload["text"] and "chose to share" not in dm.payload["text"]
    async with db.uow() as uow:
        assert [b.client_note for b in await uow.session.scalars(select(Booking))] == [None]


async def test_a_shared_description_reaches_the_advisor_without_contact_details(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    """The client sees exactly what will be shared (contact details out) before saying yes;
    the advisor's payment DM quotes that and nothing more."""
    engine, _, sandbox = world
    preview = await _booked_and_paid(Chat(db, engine, clock, user_id=1005), sandbox, share=True)
    shared = "Burnout at work, thinking of a new career. Text me on [removed] or [removed]."
    assert f"“{shared}”" in preview
    assert "with contact details taken out" in preview
    (dm,) = [r for r in await outbox_rows(db) if r.kind == "payment_received"]
    assert f"Zoë chose to share what they wrote:\n“{shared}”" in dm.payload["text"]
    for contact in ("612 34 56 78", "zoe.r@example.com"):
        assert contact not in dm.payload["text"]
    async with db.uow() as uow:
        (booking,) = list(await uow.session.scalars(select(Booking)))
    assert booking.client_note == shared


async def test_what_was_shared_is_erased_with_the_clients_data(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    """The export carries what was shared; /deletemydata's erasure leaves no copy of it,
    the advisor's DM included."""
    import json

    from core.privacy import Privacy, leftovers

    engine, billing, sandbox = world
    await _booked_and_paid(Chat(db, engine, clock, user_id=1006), sandbox, share=True)
    async with db.uow() as uow:
        (booking,) = list(await uow.session.scalars(select(Booking)))
    privacy = Privacy(db, billing.settings, clock, refunds=billing)
    exported = json.loads(await privacy.export(booking.client_id))
    assert [b["shared_with_advisor"] for b in exported["bookings"]] == [booking.client_note]
    await privacy.erase(booking.client_id)
    assert await leftovers(db, ["thinking of a new career", "Burnout at work"]) == []


async def test_the_receipt_carries_the_name_the_client_confirms(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    """Issue #14: receipts use the billing name the client confirms on the summary."""
    engine, _, sandbox = world
    client = await _at_summary(db, clock, engine, 1007)
    assert "Your receipt will be made out to “Zoë”." in client.texts()[0]
    await client.press("Change the name on my receipt")
    assert client.texts()[0].startswith("What name should your receipts carry?")
    for bad in ("   ", "x" * 81, "Zoë\x00"):
        await client.send(TextInput(bad))
        assert client.texts()[0].startswith("Please type a name of 1 to 80 letters")
        assert "Keep “Zoë”" in [b.label for b in client.buttons()]  # shown again
    await client.send(TextInput("  Zoë   Martín Ruiz "))
    assert "Your receipt will be made out to “Zoë Martín Ruiz”." in client.texts()[0]
    await client.press("Pay $63.49")
    link = next(b for b in client.buttons() if isinstance(b, LinkButton))
    await sandbox.pay(checkout_id(link.url))
    assert "Zoë Martín Ruiz" in await _receipt_text(db)
    (dm,) = [r for r in await outbox_rows(db) if r.kind == "payment_received"]
    assert "Martín" not in dm.payload["text"]  # the advisor sees the first name chosen
