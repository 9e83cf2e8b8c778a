"""The session lifecycle's promises, told by moving a ManualClock and ticking.

Bookings are paid the real way (checkout and Stripe's signed webhook through billing); the
chat platform is the FakeRooms port, so these tests need no Discord.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import ManualClock
from core.db import Database
from core.errors import Conflict, NotAllowed
from core.models import Booking, BookingStatus, Conversation, OutboxMessage
from core.models.billing import Purchase
from core.models.outbox import OutboxStatus
from core.models.sessions import SessionState
from core.scheduling import cancel_booking, reschedule_booking, set_weekly_availability
from core.sessions import RoomAction, SessionService
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    MIN,
    FakeRoom,
    FakeRooms,
    Paid,
    SessionStage,
    link_discord,
    make_service,
    messages,
    on_discord,
    paid_booking,
    paid_package,
    sessions_of,
    the_session,
)

# The usual starting points are the toolkit's fixtures (tests/support/sessions.py): `stage`
# (the session service on fake rooms, nothing booked), `a_paid_booking` (paid, both people on
# Discord, adopted by a first tick), `an_open_room` and `a_session_under_way`.


# -- from payment to a scheduled session --------------------------------------------------


async def test_a_paid_booking_becomes_one_scheduled_session_however_often_we_tick(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await paid_booking(db, stage.settings, clock)

    first = await stage.tick()
    second = await stage.tick()

    s = await the_session(db)
    assert first.adopted == [s.id] and second.adopted == []
    assert s.booking_id == paid.booking_id and s.state == SessionState.SCHEDULED
    assert s.channel_name.startswith("session-") and len(s.channel_name) == len("session-7f3k")
    assert stage.rooms.opens() == 0


async def test_after_payment_a_client_not_on_discord_gets_a_single_use_invite_and_a_code(
    db: Database, stage: SessionStage
) -> None:
    await stage.book(linked="nobody")
    await stage.tick()

    [join] = await messages(db, "discord_join")
    [(invite, max_age)] = stage.rooms.invites
    assert max_age == timedelta(minutes=15)
    code = join.payload["data"]["link_code"]
    assert invite in join.payload["text"]
    assert f"/link {code[:4]}-{code[4:]}" in join.payload["text"]
    assert "work once, for the next 15 minutes" in join.payload["text"]


async def test_a_client_already_on_discord_gets_no_code(
    db: Database, clock: ManualClock, stage: SessionStage, a_paid_booking: Paid
) -> None:
    assert await messages(db, "discord_join") == [] and stage.rooms.invites == []
    assert (await the_session(db)).join_sent_at == clock.now()


# -- reminders -------------------------------------------------------------------------------


async def test_reminders_a_day_and_15_minutes_before_reach_both_people_once(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    await stage.book(starts_in=timedelta(days=3))
    s = await the_session(db)

    clock.set(s.starts_at - timedelta(hours=24) - MIN)
    assert (await stage.tick()).reminded == []
    clock.advance(MIN)
    assert (await stage.tick()).reminded == [s.id]
    assert (await stage.tick()).reminded == []
    clock.set(s.starts_at - 15 * MIN)
    assert (await stage.tick()).reminded == [s.id]

    client = await messages(db, "session_reminder", audience="client")
    advisor = await messages(db, "session_reminder", audience="advisor")
    assert len(client) == 2 and len(advisor) == 2
    # Thu 26 Nov 09:00 UTC is 10:00 in Madrid, where both live.
    first_client, first_advisor = client[0].payload["text"], advisor[0].payload["text"]
    assert first_client.startswith(
        "Reminder: your 60-minute live session with Ana Ruiz is tomorrow, Thu 26 Nov, 10:00 "
        "your time."
    )
    assert "is in 15 minutes" in client[1].payload["text"]
    assert first_advisor.startswith(
        "Reminder: 60-minute live session with Zoë Łukasz 李雷 tomorrow, Thu 26 Nov, 10:00 "
        "your time."
    )
    assert "/link" not in client[0].payload["text"]


async def test_a_session_booked_two_hours_ahead_gets_no_day_reminder(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await paid_booking(db, stage.settings, clock, starts_in=timedelta(hours=2))
    await on_discord(db, clock.now(), paid)
    for _ in range(3):
        await stage.tick()
        clock.advance(30 * MIN)

    assert await messages(db, "session_reminder") == []
    assert (await the_session(db)).reminded_day_for is not None  # considered, and skipped


async def test_reminders_that_come_too_late_are_skipped_for_the_room_link(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    await stage.book(starts_in=timedelta(days=3))
    s = await the_session(db)

    clock.set(s.starts_at - 5 * MIN)  # the workers were down for days
    report = await stage.tick()

    assert report.opened == [s.id]
    assert await messages(db, "session_reminder") == []
    assert len(await messages(db, "room_open", audience="client")) == 1


async def test_a_client_still_not_on_discord_gets_a_fresh_invite_with_the_reminder(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    await stage.book(starts_in=timedelta(days=3), linked="advisor")
    s = await the_session(db)

    clock.set(s.starts_at - timedelta(hours=24))
    await stage.tick()

    [reminder] = await messages(db, "session_reminder", audience="client")
    assert len(stage.rooms.invites) == 2 and stage.rooms.invites[1][0] in reminder.payload["text"]
    assert (
        reminder.payload["data"]["link_code"]
        != (await messages(db, "discord_join"))[0].payload["data"]["link_code"]
    )


# -- the room ------------------------------------------------------------------------------


async def test_the_room_opens_ten_minutes_before_with_both_people_and_the_guidelines(
    db: Database, clock: ManualClock, stage: SessionStage, a_paid_booking: Paid
) -> None:
    s = await the_session(db)

    clock.set(s.starts_at - 11 * MIN)
    assert (await stage.tick()).opened == []
    clock.advance(MIN)
    assert (await stage.tick()).opened == [s.id]
    assert (await stage.tick()).opened == []

    room = stage.rooms.by_session(s.id)
    assert room.members == {CLIENT_DISCORD, ADVISOR_DISCORD}
    assert room.request.name == s.channel_name
    assert room.request.title == "60-minute live session with Ana Ruiz"
    assert (room.request.starts_at, room.request.ends_at) == (s.starts_at, s.ends_at)
    assert any("Report a problem" in line for line in room.request.guidelines)
    s = await the_session(db)
    assert s.state == SessionState.OPEN and s.channel_id == room.channel_id
    [client] = await messages(db, "room_open", audience="client")
    [advisor] = await messages(db, "room_open", audience="advisor")
    assert f"https://rooms.test/{room.channel_id}" in client.payload["text"]
    assert "within the first 10 minutes" in advisor.payload["text"]


async def test_a_failed_open_is_tried_again_when_its_lease_ends_and_makes_one_room(
    db: Database, clock: ManualClock, stage: SessionStage, a_paid_booking: Paid
) -> None:
    s = await the_session(db)
    clock.set(s.starts_at - 10 * MIN)
    stage.rooms.fail["open"] = 1

    report = await stage.tick()
    assert report.opened == [] and report.failed_steps == []  # logged, not a broken tick
    clock.advance(MIN)
    assert (await stage.tick()).opened == []  # leased: nobody retries yet
    clock.advance(2 * MIN)
    assert (await stage.tick()).opened == [s.id]
    assert len(stage.rooms.rooms) == 1


async def test_warnings_at_ten_and_two_minutes_left_are_posted_once_each(
    db: Database, clock: ManualClock, stage: SessionStage, a_session_under_way: FakeRoom
) -> None:
    s = await the_session(db)

    for minutes_left in (11, 10, 9, 3, 2, 1):
        clock.set(s.ends_at - minutes_left * MIN)
        await stage.tick()

    assert stage.rooms.by_session(s.id).posts == [
        "10 minutes left in this session. A good moment to agree on one next step.",
        "2 minutes left. Time to wrap up: thank you both.",
    ]


async def test_at_the_end_the_room_is_locked_and_telegram_starts_the_after_session_flow(
    db: Database,
    clock: ManualClock,
    stage: SessionStage,
    a_paid_booking: Paid,
    a_session_under_way: FakeRoom,
) -> None:
    paid, room = a_paid_booking, a_session_under_way
    s = await the_session(db)

    clock.set(s.ends_at - MIN)
    assert (await stage.tick()).ended == []
    clock.set(s.ends_at)
    assert (await stage.tick()).ended == [s.id]

    assert room.locked and room.offered_transcript
    assert room.closing is not None
    assert "read-only" in room.closing and "Telegram" in room.closing
    assert "rate the session, leave a tip" in room.closing and "guarantee" in room.closing
    s = await the_session(db)
    assert s.state == SessionState.ENDED and s.locked_at == clock.now()
    assert s.delete_after == clock.now() + timedelta(hours=24)
    [aftercare] = await messages(db, "aftercare")
    assert aftercare.client_id == paid.world.client_id and aftercare.audience == "client"
    assert aftercare.payload["text"].startswith(
        "Your session with Ana Ruiz has ended. How was it? Tap 1 to 5"
    )
    data = aftercare.payload["data"]
    assert (data["booking_id"], data["session_id"]) == (paid.booking_id, s.id)
    assert [b["label"] for b in data["buttons"][0]] == ["1", "2", "3", "4", "5"]
    async with db.uow() as uow:
        conversation = await uow.session.scalar(
            select(Conversation).where(Conversation.client_id == paid.world.client_id)
        )
        assert conversation is not None and conversation.step == "rate"
        assert conversation.data == {"booking_id": paid.booking_id}
    assert (await stage.tick()).aftercare == []  # once
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, paid.booking_id)
        assert booking is not None and booking.status == BookingStatus.COMPLETED


async def test_the_room_is_deleted_after_the_retention_period_and_not_before(
    db: Database, clock: ManualClock, stage: SessionStage, a_session_under_way: FakeRoom
) -> None:
    s = await the_session(db)
    clock.set(s.ends_at)
    await stage.tick()

    clock.advance(timedelta(hours=24) - MIN)
    assert (await stage.tick()).deleted == []
    assert not stage.rooms.by_session(s.id).deleted
    clock.advance(MIN)
    assert (await stage.tick()).deleted == [s.id]
    assert stage.rooms.by_session(s.id).deleted
    assert (await the_session(db)).deleted_at == clock.now()
    assert (await stage.tick()).deleted == []


async def test_a_room_deleted_by_hand_still_counts_as_deleted(
    db: Database, clock: ManualClock, stage: SessionStage, a_session_under_way: FakeRoom
) -> None:
    a_session_under_way.deleted = True  # an admin removed it in Discord
    s = await the_session(db)

    clock.set(s.ends_at)
    assert (await stage.tick()).ended == [s.id]
    clock.advance(timedelta(hours=24))
    assert (await stage.tick()).deleted == [s.id]


# -- the advisor does not turn up ----------------------------------------------------------


async def test_no_word_from_the_advisor_in_ten_minutes_offers_a_full_refund_or_a_new_time(
    db: Database,
    clock: ManualClock,
    stage: SessionStage,
    a_paid_booking: Paid,
    an_open_room: FakeRoom,
) -> None:
    paid, room = a_paid_booking, an_open_room
    await stage.service.record_message(room.channel_id, CLIENT_DISCORD)  # the client is there
    s = await the_session(db)

    clock.set(s.starts_at + 10 * MIN - timedelta(seconds=1))
    assert (await stage.tick()).no_shows == []
    clock.set(s.starts_at + 10 * MIN)
    assert (await stage.tick()).no_shows == [s.id]

    s = await the_session(db)
    assert s.state == SessionState.NO_SHOW and room.locked and not room.offered_transcript
    [offer] = await messages(db, "advisor_no_show", audience="client")
    assert "full refund of the session price ($60.00) or choose a new time" in offer.payload["text"]
    assert offer.payload["data"]["choices"] == ["refund", "reschedule"]
    assert len(await messages(db, "advisor_no_show", audience="admin")) == 1
    async with db.uow() as uow:
        purchase = await uow.session.scalar(
            select(Purchase).where(Purchase.purchase_key == f"booking:{paid.booking_id}")
        )
        assert purchase is not None and purchase.advisor_no_show_at == clock.now()
    # The guarantee is open at once: the client can have the service price back now.
    outcome = await paid.billing.request_refund(paid.booking_id, paid.world.client_id)
    assert outcome.amount.amount == 6000
    # No end-of-session flow for a session that never happened.
    clock.set(s.ends_at)
    assert (await stage.tick()).ended == []
    assert await messages(db, "aftercare") == []


async def test_an_advisor_who_writes_in_time_is_not_a_no_show(
    db: Database, clock: ManualClock, stage: SessionStage, an_open_room: FakeRoom
) -> None:
    s = await the_session(db)
    clock.set(s.starts_at + 9 * MIN)
    await stage.service.record_message(an_open_room.channel_id, ADVISOR_DISCORD)

    clock.set(s.starts_at + 20 * MIN)
    assert (await stage.tick()).no_shows == []
    assert (await the_session(db)).advisor_first_message_at == s.starts_at + 9 * MIN


async def test_a_room_opened_late_gives_the_advisor_ten_minutes_from_the_opening(
    db: Database, clock: ManualClock, stage: SessionStage, a_paid_booking: Paid
) -> None:
    s = await the_session(db)

    clock.set(s.starts_at + 5 * MIN)  # the workers were down; the room opens now
    assert (await stage.tick()).opened == [s.id]
    clock.advance(9 * MIN)
    assert (await stage.tick()).no_shows == []
    clock.advance(MIN)
    assert (await stage.tick()).no_shows == [s.id]


# -- buttons -------------------------------------------------------------------------------


async def test_only_the_advisor_may_end_the_session_early(
    db: Database, clock: ManualClock, stage: SessionStage, an_open_room: FakeRoom
) -> None:
    session_id = an_open_room.session_id
    clock.advance(15 * MIN)

    with pytest.raises(NotAllowed, match="Only the advisor can end the session early"):
        await stage.service.end_now(session_id, CLIENT_DISCORD)
    with pytest.raises(NotAllowed):
        await stage.service.end_now(session_id, 999)
    assert (await the_session(db)).state == SessionState.OPEN

    answer = await stage.service.end_now(session_id, ADVISOR_DISCORD)
    assert "ending" in answer
    assert stage.rooms.by_session(session_id).locked
    assert (await the_session(db)).state == SessionState.ENDED
    with pytest.raises(Conflict, match="already ended"):
        await stage.service.end_now(session_id, ADVISOR_DISCORD)
    # The after-session questions wait for the booked end, as rating does.
    assert (await stage.tick()).aftercare == []
    clock.set((await the_session(db)).ends_at)
    assert (await stage.tick()).aftercare == [session_id]


async def test_either_person_may_report_a_problem_and_the_team_is_told(
    db: Database, stage: SessionStage, an_open_room: FakeRoom
) -> None:
    session_id = an_open_room.session_id

    for user in (CLIENT_DISCORD, ADVISOR_DISCORD):
        await stage.service.check_press(session_id, user, RoomAction.REPORT)
        assert "team has been notified" in await stage.service.report_problem(session_id, user)
    await stage.service.report_problem(session_id, CLIENT_DISCORD)  # a double press
    with pytest.raises(NotAllowed):
        await stage.service.report_problem(session_id, 999)

    reports = await messages(db, "problem_report", audience="admin")
    assert [r.payload["text"].split(" in session")[0] for r in reports] == [
        "Problem reported by the client",
        "Problem reported by the advisor",
    ]


# -- bookings that change --------------------------------------------------------------------


async def test_a_booking_cancelled_before_its_room_opens_gets_no_room(
    db: Database, clock: ManualClock, stage: SessionStage, a_paid_booking: Paid
) -> None:
    paid = a_paid_booking
    async with db.uow() as uow:
        await cancel_booking(uow, paid.booking_id, client_id=paid.world.client_id, now=clock.now())
        await uow.commit()

    assert (await stage.tick()).cancelled == [(await the_session(db)).id]
    clock.advance(timedelta(days=3))
    await stage.tick()
    assert stage.rooms.opens() == 0 and (await the_session(db)).state == SessionState.CANCELLED


async def test_a_moved_booking_moves_its_session_and_its_reminders(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await stage.book(starts_in=timedelta(days=3))
    s = await the_session(db)
    new_start = s.starts_at + timedelta(days=2)
    async with db.uow() as uow:
        # Straight to the new time: availability is scheduling's business, tested there.
        await uow.session.execute(
            update(Booking)
            .where(Booking.id == paid.booking_id)
            .values(starts_at=new_start, ends_at=new_start + timedelta(hours=1))
        )
        await uow.commit()

    assert (await stage.tick()).times_followed == [s.id]
    moved = await the_session(db)
    assert moved.starts_at == new_start and len(await sessions_of(db)) == 1
    clock.set(s.starts_at - 10 * MIN)  # the old opening time
    assert (await stage.tick()).opened == []


async def test_reschedule_through_scheduling_keeps_one_session(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await stage.book(starts_in=timedelta(days=3), linked="nobody")
    s = await the_session(db)
    new_start = s.starts_at + timedelta(hours=2)
    async with db.uow() as uow:
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        await set_weekly_availability(
            uow, paid.world.advisor_id, {day: ["08:00-20:00"] for day in days}
        )
        await reschedule_booking(
            uow,
            paid.booking_id,
            client_id=paid.world.client_id,
            starts_at=new_start,
            now=clock.now(),
        )
        await uow.commit()

    await stage.tick()
    [moved] = await sessions_of(db)
    assert moved.starts_at == new_start


# -- messaging packages ------------------------------------------------------------------


async def test_a_messaging_package_opens_at_once_and_nudges_the_advisor_after_24_hours(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await paid_package(db, stage.settings, clock, days=7)
    await on_discord(db, clock.now(), paid)

    report = await stage.tick()
    s = await the_session(db)
    assert report.opened == [s.id] and s.ends_at == s.starts_at + timedelta(days=7)
    assert await messages(db, "discord_join") == []
    channel = stage.rooms.by_session(s.id).channel_id
    assert not stage.rooms.by_session(s.id).request.live

    clock.advance(timedelta(hours=1))
    await stage.service.record_message(channel, CLIENT_DISCORD)
    clock.advance(timedelta(hours=2))
    await stage.service.record_message(channel, CLIENT_DISCORD)  # still the first message waits
    clock.advance(timedelta(hours=22) - MIN)
    assert (await stage.tick()).nudged == []
    clock.advance(MIN)
    assert (await stage.tick()).nudged == [s.id]
    assert (await stage.tick()).nudged == []
    [nudge] = await messages(db, "client_waiting")
    assert "has been waiting for your answer" in nudge.payload["text"]

    await stage.service.record_message(channel, ADVISOR_DISCORD)
    clock.advance(timedelta(hours=30))
    assert (await stage.tick()).nudged == []
    assert (await stage.tick()).no_shows == []  # no "first 10 minutes" for a package
    clock.set(s.ends_at)
    assert (await stage.tick()).ended == [s.id]


# -- linking late, settling, payouts -------------------------------------------------------


async def test_a_client_who_links_after_the_room_opened_is_let_in(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await stage.book(linked="advisor")
    room = await stage.open_room()
    assert room.members == {ADVISOR_DISCORD}
    [open_message] = await messages(db, "room_open", audience="client")
    assert "/link" in open_message.payload["text"]  # the way in comes with the room's link

    await link_discord(db, clock.now(), client_id=paid.world.client_id, user_id=CLIENT_DISCORD)
    assert await stage.service.admit_client(paid.world.client_id) == [room.session_id]
    assert room.members == {ADVISOR_DISCORD, CLIENT_DISCORD}
    assert (await stage.tick()).admitted == []


async def test_sessions_settle_when_the_window_passes_or_follow_a_refund(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    kept = await paid_booking(db, stage.settings, clock)
    refunded = await paid_booking(
        db,
        stage.settings,
        clock,
        starts_in=timedelta(days=2, hours=2),
        world=kept.world,
        billing=kept.billing,
    )
    await on_discord(db, clock.now(), kept)
    await stage.tick()
    first, second = await sessions_of(db)
    for s in (first, second):
        clock.set(s.starts_at - 10 * MIN)
        await stage.tick()
        await stage.service.record_message(stage.rooms.by_session(s.id).channel_id, ADVISOR_DISCORD)
        clock.set(s.ends_at)
        await stage.tick()
    await refunded.billing.request_refund(refunded.booking_id, refunded.world.client_id)

    report = await stage.tick()
    assert report.refunded == [second.id] and report.settled == []
    clock.set(first.ends_at + timedelta(hours=72) - MIN)
    assert (await stage.tick()).settled == []
    clock.advance(MIN)
    assert (await stage.tick()).settled == [first.id]
    states = [s.state for s in await sessions_of(db)]
    assert states == [SessionState.SETTLED, SessionState.REFUNDED]


async def test_the_tick_releases_due_payouts(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    class Payouts:
        runs = 0

        async def release_due_payouts(self) -> object:
            Payouts.runs += 1
            return "ran"

    service, _ = make_service(db, stage.settings, clock, payouts=Payouts())
    report = await service.tick()
    assert report.payouts == "ran" and Payouts.runs == 1


async def test_a_failing_payout_release_does_not_stop_the_tick(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    class Broken:
        async def release_due_payouts(self) -> object:
            raise RuntimeError("Stripe down")

    await paid_booking(db, stage.settings, clock)
    service, _ = make_service(db, stage.settings, clock, payouts=Broken())
    report = await service.tick()
    assert report.failed_steps == ["payouts"] and len(report.adopted) == 1


# -- transcripts --------------------------------------------------------------------------


async def test_a_transcript_goes_to_the_client_only_and_is_deleted_once_delivered(
    db: Database, stage: SessionStage, a_paid_booking: Paid, a_session_under_way: FakeRoom
) -> None:
    from core.documents import load_document
    from core.models.sessions import TranscriptFile
    from core.outbox import DocumentRef
    from core.sessions import TranscriptLine
    from tests.support.billing import BUYER, pdf_text

    session_id = a_session_under_way.session_id
    s = await the_session(db)
    stage.clock.set(s.ends_at)
    await stage.tick()
    assert a_session_under_way.offered_transcript

    with pytest.raises(NotAllowed, match="Only the client"):
        await stage.service.transcript_source(session_id, ADVISOR_DISCORD)
    source = await stage.service.transcript_source(session_id, CLIENT_DISCORD)
    lines = [
        TranscriptLine(s.starts_at + MIN, CLIENT_DISCORD, "Hello, I feel stuck at work."),
        TranscriptLine(s.starts_at + 2 * MIN, ADVISOR_DISCORD, "Tell me more — what changed?"),
    ]
    assert "on its way" in await stage.service.send_transcript(source, lines)
    with pytest.raises(Conflict, match="already on its way"):
        await stage.service.transcript_source(session_id, CLIENT_DISCORD)

    [message] = await messages(db, "transcript")
    assert message.client_id == a_paid_booking.world.client_id and message.audience == "client"
    ref = DocumentRef(**message.payload["document"])
    async with db.uow() as uow:
        text = pdf_text(await load_document(uow, ref))
    # Issue 16: the client's lines carry the name their advisor sees (here their first name).
    assert f"{BUYER} · " in text and "Hello, I feel stuck at work." in text
    assert "Ana Ruiz" in text and "what changed?" in text

    await stage.tick()  # not delivered yet: kept
    async with db.uow() as uow:
        assert await uow.session.get(TranscriptFile, ref.id) is not None
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status=OutboxStatus.SENT.value)
        )
        await uow.commit()
    await stage.tick()
    async with db.uow() as uow:
        assert await uow.session.get(TranscriptFile, ref.id) is None


async def test_two_services_ticking_in_turn_never_open_twice(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await paid_booking(db, stage.settings, clock)
    await on_discord(db, clock.now(), paid)
    rooms = FakeRooms()
    one = SessionService(db, rooms, stage.settings, clock)
    two = SessionService(db, rooms, stage.settings, clock)
    await one.tick()
    await two.tick()
    s = await the_session(db)
    clock.set(s.starts_at - 10 * MIN)
    await one.tick()
    await two.tick()
    assert rooms.opens() == 1
    assert len(await messages(db, "room_open", audience="advisor")) == 1
