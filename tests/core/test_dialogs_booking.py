"""The find-and-book flow at core level, end to end: intake, real matching on the sample
catalogue, a slot held in the database, the itemized summary from billing, and a Stripe
Checkout link from the real SDK talking to the local stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from core import catalogue
from core.accounts import Platform, get_or_create_client
from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.dialogs import (
    Button,
    ButtonPress,
    DialogEngine,
    Input,
    LinkButton,
    Message,
    Reply,
    StartInput,
    TextInput,
    build_engine,
)
from core.dialogs.services import DialogServices
from core.dialogs.suggest import CatalogueMatcher
from core.models import Booking, BookingStatus
from core.payments.stripe_gateway import RetryPolicy, StripeGateway
from devtools.stripe_sandbox import StripeSandbox
from tests.support.billing import SECRET, billing_settings, fonts, outbox_rows

SAMPLE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"


class Client:
    """A client chatting with the engine; each input is one committed transaction."""

    def __init__(
        self, db: Database, engine: DialogEngine, clock: ManualClock, user_id: int
    ) -> None:
        self.db, self.engine, self.clock, self.user_id = db, engine, clock, user_id
        self.last: list[Reply] = []

    async def send(self, event: Input) -> list[Reply]:
        async with self.db.uow() as uow:
            client = await get_or_create_client(
                uow, Platform.TELEGRAM, self.user_id, "Zoë", self.clock.now()
            )
            self.last = await self.engine.handle(uow, client, event, self.clock.now())
            await uow.commit()
        return self.last

    def texts(self) -> list[str]:
        return [r.text for r in self.last if isinstance(r, Message)]

    def buttons(self) -> list[Button | LinkButton]:
        return [b for r in self.last if isinstance(r, Message) for row in r.buttons for b in row]

    async def press(self, label: str) -> list[Reply]:
        for button in self.buttons():
            if isinstance(button, Button) and button.label == label:
                return await self.send(ButtonPress(button.data))
        raise AssertionError(f"no button {label!r} among {[b.label for b in self.buttons()]}")

    async def press_first(self, action: str) -> str:
        """Press the first button whose id has ``action``; returns its label."""
        for button in self.buttons():
            if isinstance(button, Button) and button.data.split(":")[1] == action:
                await self.send(ButtonPress(button.data))
                return button.label
        raise AssertionError(f"no {action} button")


class Wiring:
    def __init__(self) -> None:
        self.billing: Billing | None = None

    async def receive(self, body: bytes, signature: str) -> int:
        assert self.billing is not None
        return (await self.billing.handle_webhook(body, signature)).status


@pytest.fixture
async def world(
    db: Database, database_url: str, clock: ManualClock
) -> AsyncIterator[tuple[DialogEngine, Billing, StripeSandbox]]:
    rows = catalogue.validate_rows(catalogue.read_catalogue(SAMPLE))
    async with db.uow() as uow:
        await catalogue.import_catalogue(uow, rows, datetime(2026, 11, 1, tzinfo=UTC))
        await uow.commit()
    wiring = Wiring()
    async with StripeSandbox(
        webhook_secret=SECRET, webhook_callback=wiring.receive, clock=clock
    ) as sandbox:
        settings = billing_settings(
            database_url, stripe_secret_key=sandbox.api_key, stripe_api_base=sandbox.url
        )
        gateway = StripeGateway.from_settings(
            settings, timeout=2.0, retry=RetryPolicy(attempts=2, delays=(0.05,))
        )
        billing = Billing(db, gateway, settings, clock, fonts=fonts())
        wiring.billing = billing
        engine = build_engine(
            settings, DialogServices(matcher=CatalogueMatcher(), billing=billing)
        )
        try:
            yield engine, billing, sandbox
        finally:
            await gateway.aclose()


async def _to_slots(
    client: Client,
    description: str = "Thinking about changing careers after burnout at work.",
    *,
    share: bool = False,
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
    await client.press("Any time")
    await client.press("Choose Ana Ruiz")
    await client.press("60-minute live session — $60.00")
    return preview


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
    client = Client(db, engine, clock, 1001)
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

    session_id = link.url.rsplit("/", 1)[1]
    await sandbox.pay(session_id)
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
    assert booking is not None and booking.status == BookingStatus.CONFIRMED.value
    sent = [(row.audience, row.kind) for row in await outbox_rows(db)]
    assert sorted(sent) == [
        ("advisor", "payment_received"),
        ("client", "next_steps"),
        ("client", "receipt"),
    ]


async def test_a_time_taken_by_someone_else_gets_the_next_free_times(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    first, second = Client(db, engine, clock, 2001), Client(db, engine, clock, 2002)
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
    client = Client(db, engine, clock, 3001)
    await _to_slots(client)
    chosen = await client.press_first("slot")
    await client.press("Cancel")
    assert client.texts() == ["Okay, I've let that time go.", "What would you like to do?"]
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
    assert booking is not None and booking.status == BookingStatus.EXPIRED.value
    other = Client(db, engine, clock, 3002)
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
    client = Client(db, engine, clock, 1002)
    await _to_slots(client)
    await client.press_first("slot")
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
    await sandbox.pay(link.url.rsplit("/", 1)[1])

    rows = await outbox_rows(db)
    (dm,) = [r for r in rows if r.kind == "payment_received"]
    assert alias in dm.payload["text"] and "Zoë" not in dm.payload["text"]
    async with db.uow() as uow:
        upcoming = await upcoming_sessions(uow, advisor_id, clock.now())
    assert [u.client_name for u in upcoming] == [alias]
    printed = await _receipt_text(db)
    assert "Zoë" in printed and alias not in printed


async def test_paying_without_choosing_keeps_the_first_name_the_summary_showed(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, _ = world
    client = Client(db, engine, clock, 1003)
    await _to_slots(client)
    await client.press_first("slot")
    await client.press("Pay $63.49")
    async with db.uow() as uow:
        from core.models import Client as ClientRow

        (row,) = list(await uow.session.scalars(select(ClientRow)))
    assert row.advisor_name == "Zoë"


async def _booked_and_paid(client: Client, sandbox: StripeSandbox, *, share: bool) -> str:
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
    await sandbox.pay(link.url.rsplit("/", 1)[1])
    return preview


async def test_sharing_the_description_is_off_unless_chosen(
    db: Database, clock: ManualClock, world: tuple[DialogEngine, Billing, StripeSandbox]
) -> None:
    engine, _, sandbox = world
    await _booked_and_paid(Client(db, engine, clock, 1004), sandbox, share=False)
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
    preview = await _booked_and_paid(Client(db, engine, clock, 1005), sandbox, share=True)
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
    await _booked_and_paid(Client(db, engine, clock, 1006), sandbox, share=True)
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
    client = Client(db, engine, clock, 1007)
    await _to_slots(client)
    await client.press_first("slot")
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
    await sandbox.pay(link.url.rsplit("/", 1)[1])
    assert "Zoë Martín Ruiz" in await _receipt_text(db)
    (dm,) = [r for r in await outbox_rows(db) if r.kind == "payment_received"]
    assert "Martín" not in dm.payload["text"]  # the advisor sees the first name chosen
