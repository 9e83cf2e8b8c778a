"""Data rights through the real Telegram adapter, real billing and the Stripe stand-in over
HTTP: /privacy and its export, /deletemydata (plan, confirmation, refund under the rules,
erasure), and afterwards a scan of every text column of every table for anything of the
client's."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import JSON, BigInteger, Integer, MetaData, String, Text, select

from core.clock import ManualClock
from core.db import Database
from core.documents import receipt_pdf
from core.linking import Linking, issue_link_code
from core.models import (
    AdviceSession,
    Booking,
    BookingStatus,
    Client,
    MoodCheckin,
    Receipt,
    Review,
)
from core.models.billing import Refund, RefundStatus
from core.privacy import DELETED_CLIENT
from core.texts.mydata import ERASED, STALE_ERASE
from devtools.telegram_recorder import TelegramUser
from tests.support.telegram_bot import (
    USER,
    Bot,
    Journey,
    only,
    pay_for_ana,
    to_description,
    to_when,
)

DISCORD_ID = 987654321012345678
DESCRIPTION = "My landlord Quillfeather keeps my deposit; reach me at zoe.q@example.org"
REVIEW = "Ana untangled the Quillfeather mess beautifully"


async def _paid_booking(journey: Journey) -> Bot:
    """Consent, intake with a description, a slot with Ana Ruiz, paid on Stripe; Zoë's bot."""
    bot, sandbox, delivery = journey
    await to_description(bot)
    when = await to_when(bot, DESCRIPTION)
    await pay_for_ana(bot, sandbox, only(await bot.press(when, "Any time"), "sendMessage"))
    await delivery.deliver_due()
    return bot


async def _more_data(db: Database, clock: ManualClock) -> int:
    """A linked Discord account, a mood check-in and a review: more of the client to erase."""
    async with db.uow() as uow:
        client = await uow.session.scalar(select(Client))
        assert client is not None
        booking = await uow.session.scalar(select(Booking))
        assert booking is not None
        code = await issue_link_code(uow, client.id, clock.now(), timedelta(minutes=15))
        uow.session.add(MoodCheckin(client_id=client.id, score=7, created_at=clock.now()))
        uow.session.add(
            Review(
                booking_id=booking.id,
                client_id=client.id,
                advisor_id=booking.advisor_id,
                rating=5,
                text=REVIEW,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    await Linking(db).link_discord(code, DISCORD_ID, clock.now())
    async with db.uow() as uow:
        booking = await uow.session.scalar(select(Booking))
        assert booking is not None
        assert booking.starts_at is not None
        uow.session.add(
            AdviceSession(
                booking_id=booking.id,
                client_id=booking.client_id,
                advisor_id=booking.advisor_id,
                kind="live",
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                channel_name="session-test",
                client_user_id=DISCORD_ID,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
        return booking.id


def _sync_reflect(connection: Any) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    return metadata


async def leftovers(db: Database, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for every needle found in any text, JSON or integer column of
    any table in the database (reflected, so a table added later is scanned too)."""
    async with db.engine.connect() as connection:
        metadata = await connection.run_sync(_sync_reflect)
        found = []
        for table in metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON | Integer | BigInteger):
                    continue
                for (value,) in await connection.execute(select(column)):
                    if value is None:
                        continue
                    text = (
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(value, dict | list)
                        else value.decode("utf-8", "replace")
                        if isinstance(value, bytes)
                        else str(value)
                    ).lower()
                    found += [(table.name, column.name, n) for n in needles if n.lower() in text]
    return found


NEEDLES = [
    str(USER["id"]),
    str(DISCORD_ID),
    "Zoë",
    "zoe_q_telegram",  # the Telegram username
    "Quillfeather",
    "zoe.q@example.org",
    "untangled",
]


async def test_privacy_says_what_is_kept_and_sends_the_data_as_json(
    journey: Journey,
    db: Database,
    clock: ManualClock,
) -> None:
    bot = await _paid_booking(journey)
    await _more_data(db, clock)
    privacy = only(await bot.text("/privacy"), "sendMessage")
    assert privacy.text is not None
    assert "erased after 24 hours without a word from you" in privacy.text
    assert privacy.button_labels() == ["Send me my data", "Delete my data", "Back to the menu"]
    calls = await bot.press(privacy, "Send me my data")
    document = only(calls, "sendDocument")
    filename, content, _mime = document.files["document"]
    assert filename == "pathwise-my-data.json"
    data = json.loads(content)
    assert data["profile"]["name"] == USER["first_name"]
    assert {"platform": "telegram", "user_id": str(USER["id"])} in data["profile"]["accounts"]
    assert {"platform": "discord", "user_id": str(DISCORD_ID)} in data["profile"]["accounts"]
    assert [c["terms_version"] for c in data["consents"]] == ["2026-11"]
    [booking] = data["bookings"]
    assert booking["advisor"] == "Ana Ruiz" and booking["status"] == "confirmed"
    assert booking["price"] == "$60.00"
    assert [r["kind"] for r in data["receipts"]] == ["receipt"]
    assert [c["mood"] for c in data["check_ins"]] == [7]
    assert [r["text"] for r in data["reviews"]] == [REVIEW]
    # The description was forgotten once the matches were shown: not even the export has it.
    assert "Quillfeather keeps" not in content.decode()


@pytest.mark.parametrize("days_ahead", [0, 3], ids=["late-no-refund", "in-time-refunded"])
async def test_deletemydata_explains_refunds_erases_everything_and_keeps_the_receipt(
    journey: Journey,
    db: Database,
    clock: ManualClock,
    days_ahead: int,
) -> None:
    bot = await _paid_booking(journey)
    booking_id = await _more_data(db, clock)
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None and booking.starts_at is not None and booking.ends_at
        # The slot offered first is today; moved days ahead, it is in the free period.
        booking.starts_at += timedelta(days=days_ahead)
        booking.ends_at += timedelta(days=days_ahead)
        await uow.commit()
        assert (booking.starts_at - clock.now() >= timedelta(hours=24)) == (days_ahead > 0)
        booking_id_owner = booking.client_id
        free = booking.starts_at - clock.now() >= timedelta(hours=24)

    plan = only(await bot.text("/deletemydata"), "sendMessage")
    assert plan.text is not None and plan.text.startswith("Delete your data?")
    assert "your name and your Telegram and Discord accounts" in plan.text
    assert "with the buyer shown as “Deleted client”" in plan.text
    assert "60-minute live session with Ana Ruiz" in plan.text
    if free:
        assert "$60.00 back to your card (the handling fee is not refundable)" in plan.text
    else:
        assert "no refund: the free-cancellation period is over" in plan.text
    assert plan.button_labels() == ["Yes, delete my data", "No, keep it"]

    # Someone else pressing Zoë's button (forged into their own chat) deletes nothing.
    other = TelegramUser(
        bot.app, bot.request, {"id": 5550999, "is_bot": False, "first_name": "Mallory"}
    )
    forged = await other.press_data(plan.button("Yes, delete my data")["callback_data"])
    assert [c.text for c in forged if c.method == "sendMessage"] == [STALE_ERASE()]
    async with db.uow() as uow:
        names = list(await uow.session.scalars(select(Client.display_name)))
        assert USER["first_name"] in names and DELETED_CLIENT not in names

    done = await bot.press(plan, "Yes, delete my data")
    assert [c.text for c in done if c.method in ("sendMessage", "editMessageText")] == [ERASED()]

    # Everything of Zoë's is gone (Mallory, who wrote to the bot, is a client of their own).
    # Telegram usernames are never stored; the scan looks for one all the same.
    assert await leftovers(db, NEEDLES) == []

    # A second press on the same button: a friendly answer. Writing to the bot at all makes
    # a new, empty client (a stranger to us), as the final message said it would.
    again = await bot.press(plan, "Yes, delete my data")
    assert [c.text for c in again if c.method == "sendMessage"] == [STALE_ERASE()]
    async with db.uow() as uow:
        fresh = await uow.session.scalar(
            select(Client).where(Client.display_name == USER["first_name"])
        )
        assert fresh is not None
        assert list(await uow.session.scalars(select(Booking.client_id))) == [booking_id_owner]

    async with db.uow() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None and booking.status == BookingStatus.CANCELLED.value
        refunds = list(await uow.session.scalars(select(Refund)))
        if free:
            assert [(r.amount_minor, r.status) for r in refunds] == [
                (6000, RefundStatus.SUCCEEDED.value)
            ]
        else:
            assert refunds == []
        review = await uow.session.scalar(select(Review))
        assert review is not None and review.rating == 5 and review.text is None
        receipt = await uow.session.scalar(select(Receipt).where(Receipt.kind == "receipt"))
        assert receipt is not None and receipt.pdf is None
        pdf = await receipt_pdf(uow, receipt)
        await uow.commit()
    printed = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert DELETED_CLIENT in printed and "$63.49" in printed and "Zoë" not in printed


async def test_keep_it_deletes_nothing(
    journey: Journey,
    db: Database,
) -> None:
    bot, _, _ = journey
    only(await bot.text("/start"), "sendMessage")
    plan = only(await bot.text("/deletemydata"), "sendMessage")
    assert plan.text is not None and "Your upcoming bookings" not in plan.text
    calls = await bot.press(plan, "No, keep it")
    assert calls[1].text == "Okay, nothing was deleted."
    assert await leftovers(db, [str(USER["id"])]) != []
