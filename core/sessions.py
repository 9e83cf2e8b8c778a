"""The session lifecycle: from a paid booking to a private room, its end, and its settlement.

States (``core.models.sessions.SessionState``)::

    scheduled -> open -> ended -> settled | refunded
                     \\-> no_show            (the advisor did not write in the first minutes)
    scheduled -> cancelled                  (the booking was cancelled before the room opened)

Nothing here waits in memory. :meth:`SessionService.tick` asks the database what is due now
and does it; any worker may call it, as often as it likes, and a restart loses nothing:

- Work that is only database writes (reminders into the outbox, no-show bookkeeping,
  settling) is claimed and done in one transaction, under row locks.
- Work that calls the chat platform (open a room, post a warning, lock, delete) takes a
  short *lease* on the session in one transaction, calls the platform outside any
  transaction, then records the result in a second one. Another worker skips a leased
  session; if a worker dies mid-way its lease runs out and the work is tried again. Rooms
  are opened under a name chosen here, so a retried open finds the room made before.

On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``; SQLite has no row locks, so a claim
first takes SQLite's single write lock (a no-op write), and a second worker waits its turn.

Platform actions go through the :class:`SessionRooms` port; ``bots/discord`` implements it.
Core never imports a chat library.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from fpdf import FPDF
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    cast,
    delete,
    exists,
    literal,
    or_,
    select,
    update,
)

from core import billing, linking, outbox, privacy
from core.accounts import Platform, find_advisor, find_client, platform_user_id
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork, insert_for
from core.documents import render_missing_receipts
from core.errors import Conflict, NotAllowed, NotFound, PathwiseError
from core.models import (
    Advisor,
    Booking,
    BookingStatus,
    Client,
    Offer,
    OutboxMessage,
    PlatformIdentity,
)
from core.models.billing import Purchase
from core.models.outbox import OutboxStatus
from core.models.sessions import (
    AdviceSession,
    SessionKind,
    SessionState,
    TranscriptFile,
)
from core.money import Money
from core.names import advisor_facing_name
from core.outbox import Audience, DocumentRef
from core.ports import StartAftercare
from core.receipts import ReceiptFonts, add_fonts
from core.replies import LinkButton, Message, Reply
from core.scheduling import format_slot
from core.taxonomy import OfferKind

__all__ = [
    "LEASE",
    "NO_SHOW_AFTER",
    "NUDGE_AFTER",
    "AdviceSession",
    "OpenedRoom",
    "PayoutReleaser",
    "RoomAction",
    "RoomGone",
    "RoomRequest",
    "SessionKind",
    "SessionRooms",
    "SessionService",
    "SessionState",
    "TickReport",
    "TranscriptLine",
    "TranscriptSource",
    "load_transcript",
    "render_transcript",
]

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # how long a worker may take over one platform action
BATCH = 50  # sessions taken per step and tick; the next tick takes the rest
REMIND_DAY = timedelta(hours=24)
REMIND_SOON = timedelta(minutes=15)
NO_SHOW_AFTER = timedelta(minutes=10)
WARNINGS = (timedelta(minutes=10), timedelta(minutes=2))  # before the end, in this order
NUDGE_AFTER = timedelta(hours=24)  # a client message unanswered this long reminds the advisor
TRANSCRIPT_KEEP_AT_MOST = timedelta(hours=24)  # even if Telegram never takes it
ACTIVE = (SessionState.SCHEDULED.value, SessionState.OPEN.value)
_NAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

T = TypeVar("T")


# -- the port -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomRequest:
    """What a new room needs: who is let in, and what its welcome message says."""

    session_id: int
    name: str  # opaque, e.g. "session-7f3k"; a room with this name already open is reused
    client_user_id: int | None  # None until the client links Discord (admitted later)
    advisor_user_id: int | None
    live: bool
    title: str  # "60-minute live session with Ana Ruiz"
    starts_at: datetime
    ends_at: datetime
    guidelines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenedRoom:
    channel_id: int
    url: str  # a link that opens the room for its members


class RoomGone(Exception):
    """The room no longer exists on the platform (deleted by hand): nothing left to do there."""


class SessionRooms(Protocol):
    """The chat platform's side of a session: private rooms and invites."""

    async def open(self, request: RoomRequest) -> OpenedRoom:
        """Create the private room (or find the one made under ``request.name``) and post the
        welcome message with its buttons."""
        ...

    async def admit(self, channel_id: int, user_id: int) -> None:
        """Let a person who linked their account late into an open room."""
        ...

    async def remove(self, channel_id: int, user_id: int) -> None:
        """Take a person out of a room (their data was erased): their overwrite goes."""
        ...

    async def keep_only(self, channel_id: int, user_ids: Sequence[int]) -> None:
        """Take every person but ``user_ids`` (and the bot) out of a room: for a client who
        erased their data from a process that could not reach the room, whose id is gone."""
        ...

    async def post(self, channel_id: int, text: str) -> None:
        """Post a message from the bot in the room."""
        ...

    async def lock(
        self,
        channel_id: int,
        *,
        session_id: int,
        member_ids: Sequence[int],
        closing_text: str,
        offer_transcript: bool,
    ) -> None:
        """Make the room read-only for its members, then post the closing message (with a
        "Send me a transcript" button for the client when ``offer_transcript``)."""
        ...

    async def delete(self, channel_id: int) -> None:
        """Delete the room and everything in it."""
        ...

    async def create_invite(self, max_age: timedelta) -> str:
        """A single-use invite URL to the server, valid for ``max_age``."""
        ...


class PayoutReleaser(Protocol):
    """Billing's payout release, which the tick runs (``core.billing.Billing`` is one)."""

    async def release_due_payouts(self) -> object: ...


# -- what the tick reports -------------------------------------------------------------------


@dataclass
class TickReport:
    """Session ids acted on by one tick, per kind of work."""

    adopted: list[int] = field(default_factory=list)
    times_followed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    join_sent: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    admitted: list[int] = field(default_factory=list)
    no_shows: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    aftercare: list[int] = field(default_factory=list)
    nudged: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    settled: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)
    receipts_rendered: list[int] = field(default_factory=list)  # receipt ids, not sessions
    payouts: object | None = None
    failed_steps: list[str] = field(default_factory=list)


# -- who is who in a session -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _People:
    """Names, zones and platform accounts around one session, read in the claiming
    transaction so the platform step needs no database."""

    client_name: str
    client_zone: str
    client_locale: str
    advisor_name: str
    advisor_zone: str
    offer_name: str
    price: Money
    client_user_id: int | None
    advisor_user_id: int | None


async def _people(uow: UnitOfWork, s: AdviceSession) -> _People:
    client = await uow.session.get(Client, s.client_id)
    advisor = await uow.session.get(Advisor, s.advisor_id)
    booking = await uow.session.get(Booking, s.booking_id)
    assert client is not None and advisor is not None and booking is not None
    offer = await uow.session.get(Offer, booking.offer_id)
    assert offer is not None
    return _People(
        client_name=advisor_facing_name(client),
        client_zone=client.timezone or "UTC",
        client_locale=client.locale or "en_US",
        advisor_name=advisor.display_name,
        advisor_zone=advisor.timezone or "UTC",
        offer_name=offer.name,
        price=booking.price,
        client_user_id=await platform_user_id(uow, Platform.DISCORD, client_id=client.id),
        advisor_user_id=await platform_user_id(uow, Platform.DISCORD, advisor_id=advisor.id),
    )


# -- words -----------------------------------------------------------------------------------


def _when(moment: datetime, zone: str, locale: str = "en_US") -> str:
    """``Tue 24 Nov, 18:00`` in the person's zone (UTC if their zone is unknown)."""
    try:
        return format_slot(moment, zone, locale)
    except Exception:  # a bad stored zone must not stop a reminder
        return format_slot(moment, "UTC", locale) + " UTC"


def guidelines(settings: Settings) -> tuple[str, ...]:
    """What the welcome message asks of both people."""
    return (
        "Only the two of you and the Pathwise bot can see this room. Nobody else is added.",
        "Pathwise keeps no record of what you write here. The client can ask for a PDF "
        "transcript once the session ends; it goes to them alone, in Telegram.",
        "Advisors offer perspective and support, not medical, legal or financial advice. If "
        "you are in danger, please contact your local emergency services.",
        "Be kind to each other. If anything goes wrong, press “Report a problem”.",
        f"When the session ends the room becomes read-only; it is deleted "
        f"{settings.channel_retention_hours} hours later.",
    )


def closing_text(settings: Settings, people: _People) -> str:
    hours = settings.channel_retention_hours
    return (
        f"The session has ended and this room is now read-only; it will be deleted in "
        f"{hours} hours. Thank you both.\n"
        f"{people.client_name}: back in your Telegram chat with Pathwise you can rate the "
        f"session, leave a tip for {people.advisor_name}, and, if it didn't help, ask for "
        f"your money back under our guarantee (within {settings.guarantee_window_hours} hours). "
        "Would you like a copy of this conversation? Press “Send me a transcript” before the "
        "room is deleted: the PDF goes to you alone, in Telegram, and we keep no copy."
    )


def _join_steps(invite: str | None, code: str | None, settings: Settings) -> str:
    if invite is None or code is None:
        return ""
    minutes = settings.link_code_ttl_minutes
    return (
        f"\n\nYour sessions happen on Discord, in a private room. To get in:\n"
        f"1. Join the Pathwise server: {invite}\n"
        f"2. There, type /link {linking.format_code(code)}\n"
        f"The invite and the code work once, for the next {minutes} minutes. If they run "
        "out, we'll send fresh ones with your next reminder."
    )


def warning_text(minutes_left: int) -> str:
    return (
        f"{minutes_left} minutes left in this session. A good moment to agree on one next step."
        if minutes_left > 2
        else f"{minutes_left} minutes left. Time to wrap up: thank you both."
    )


def _new_room_name() -> str:
    return "session-" + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(4))


# -- who may press what ----------------------------------------------------------------------


class RoomAction:
    """The buttons in a room, by what they do."""

    END = "end"
    REPORT = "report"
    TRANSCRIPT = "transcript"


_REFUSALS = {
    RoomAction.END: "Only the advisor can end the session early.",
    RoomAction.REPORT: "Only the people in this session can report a problem here.",
    RoomAction.TRANSCRIPT: "Only the client of this session can ask for its transcript.",
}


@dataclass(frozen=True, slots=True)
class TranscriptSource:
    """Where to read a transcript from, and how to name its authors."""

    session_id: int
    channel_id: int
    client_user_id: int
    advisor_user_id: int | None
    advisor_name: str
    title: str
    starts_at: datetime
    client_zone: str


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    at: datetime
    author_user_id: int
    text: str


# -- the service -----------------------------------------------------------------------------


Where = Sequence[ColumnElement[bool]]


class SessionService:
    """Sessions' public face: the periodic tick, and what the room's buttons and messages ask
    of core."""

    def __init__(
        self,
        db: Database,
        rooms: SessionRooms,
        settings: Settings,
        clock: Clock,
        *,
        payouts: PayoutReleaser | None = None,
        fonts: ReceiptFonts | None = None,
        start_aftercare: StartAftercare | None = None,
    ) -> None:
        self.db = db
        # The dialogs' after-session flow; without it the client gets the plain words only.
        self.start_aftercare = start_aftercare
        self.rooms = rooms
        self.settings = settings
        self.clock = clock
        self.payouts = payouts
        self.fonts = fonts

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.link_code_ttl_minutes)

    @property
    def retention(self) -> timedelta:
        return timedelta(hours=self.settings.channel_retention_hours)

    # -- the tick ---------------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Do everything due at ``now`` (the clock's time by default). Idempotent: calling it
        again at once, or from another worker at the same time, does nothing twice."""
        now = now or self.clock.now()
        report = TickReport()
        steps: list[tuple[str, Callable[[], Awaitable[list[int]]], list[int]]] = [
            ("follow bookings", lambda: self._follow_bookings(now), report.times_followed),
            ("cancel", lambda: self._cancel(now), report.cancelled),
            ("adopt", lambda: self._adopt(now), report.adopted),
            ("join", lambda: self._send_join(now), report.join_sent),
            ("remind day", lambda: self._remind(now, REMIND_DAY), report.reminded),
            ("remind soon", lambda: self._remind(now, REMIND_SOON), report.reminded),
            ("open", lambda: self._open(now), report.opened),
            ("admit", lambda: self._admit(now), report.admitted),
            ("prune", lambda: self._prune(now), []),
            ("no-show", lambda: self._no_show(now), report.no_shows),
            ("warn", lambda: self._warn(now), report.warned),
            ("end", lambda: self._end(now), report.ended),
            ("aftercare", lambda: self._aftercare(now), report.aftercare),
            ("nudge", lambda: self._nudge(now), report.nudged),
            ("delete", lambda: self._delete(now), report.deleted),
            ("settle", lambda: self._settle(now, report), report.settled),
            ("forget", lambda: self._forget(now), []),
            (
                "expire conversations",
                lambda: privacy.expire_conversations(
                    self.db, now, timedelta(hours=self.settings.conversation_retention_hours)
                ),
                [],
            ),
            # A receipt numbered by a process that stopped before rendering its PDF.
            (
                "receipts",
                lambda: render_missing_receipts(self.db, self.fonts),
                report.receipts_rendered,
            ),
        ]
        for name, step, into in steps:
            try:
                into.extend(await step())
            except Exception:
                # One failing step must not hold up the others; it is retried next tick.
                log.exception("session tick: step %r failed", name)
                report.failed_steps.append(name)
        if self.payouts is not None:
            try:
                report.payouts = await self.payouts.release_due_payouts()
            except Exception:
                log.exception("session tick: payout release failed")
                report.failed_steps.append("payouts")
        return report

    # -- claiming ---------------------------------------------------------------------------

    async def _claim(
        self, uow: UnitOfWork, now: datetime, where: Where, limit: int = BATCH
    ) -> list[AdviceSession]:
        """Due sessions nobody else is working on, locked for this transaction."""
        await _take_write_lock(uow)
        free = or_(AdviceSession.lease_until.is_(None), AdviceSession.lease_until <= now)
        return list(
            await uow.session.scalars(
                select(AdviceSession)
                .where(*where, free)
                .order_by(AdviceSession.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=AdviceSession)
                .execution_options(populate_existing=True)
            )
        )

    async def _in_one_transaction(
        self,
        now: datetime,
        where: Where,
        apply: Callable[[UnitOfWork, AdviceSession], Awaitable[bool]],
    ) -> list[int]:
        """Database-only work: claim and change in one transaction; ids where ``apply`` acted."""
        async with self.db.uow() as uow:
            done = []
            for s in await self._claim(uow, now, where):
                if await apply(uow, s):
                    s.updated_at = now
                    done.append(s.id)
            await uow.commit()
        return done

    async def _with_platform(
        self,
        step: str,
        now: datetime,
        where: Where,
        act: Callable[[AdviceSession, _People], Awaitable[T]],
        record: Callable[[UnitOfWork, AdviceSession, _People, T], Awaitable[None]],
    ) -> list[int]:
        """Work that calls the platform: lease, act outside any transaction, record."""
        async with self.db.uow() as uow:
            claimed = []
            for s in await self._claim(uow, now, where):
                s.lease_until = now + LEASE
                claimed.append((s, await _people(uow, s)))
            await uow.commit()
        done = []
        for s, people in claimed:
            try:
                result = await act(s, people)
            except Exception:
                log.exception("session %s: %s failed; retried when its lease ends", s.id, step)
                continue
            async with self.db.uow() as uow:
                fresh = await _lock(uow, s.id)
                if fresh is None:
                    continue
                await record(uow, fresh, people, result)
                fresh.lease_until = None
                fresh.updated_at = now
                await uow.commit()
            done.append(s.id)
        return done

    # -- bookings into sessions -------------------------------------------------------------

    async def _follow_bookings(self, now: datetime) -> list[int]:
        """A scheduled session follows its booking when the client moves it."""
        moved = AdviceSession.booking.has(
            and_(
                Booking.starts_at.is_not(None),
                or_(
                    Booking.starts_at != AdviceSession.starts_at,
                    Booking.ends_at != AdviceSession.ends_at,
                ),
                Booking.status == BookingStatus.CONFIRMED.value,
            )
        )
        live = AdviceSession.kind == SessionKind.LIVE.value

        async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
            booking = await uow.session.get(Booking, s.booking_id, populate_existing=True)
            if booking is None or booking.starts_at is None or booking.ends_at is None:
                return False
            s.starts_at, s.ends_at = booking.starts_at, booking.ends_at
            return True

        return await self._in_one_transaction(
            now, [AdviceSession.state == SessionState.SCHEDULED.value, live, moved], apply
        )

    async def _cancel(self, now: datetime) -> list[int]:
        """A booking cancelled (or refunded) before its room opened: no room, no reminders."""
        gone = AdviceSession.booking.has(
            Booking.status.in_(
                [
                    BookingStatus.CANCELLED.value,
                    BookingStatus.REFUNDED.value,
                    BookingStatus.EXPIRED.value,
                ]
            )
        )

        async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
            s.state = SessionState.CANCELLED.value
            return True

        return await self._in_one_transaction(
            now, [AdviceSession.state == SessionState.SCHEDULED.value, gone], apply
        )

    async def _adopt(self, now: datetime) -> list[int]:
        """A session for each confirmed booking still to come that has none for its time."""
        has_session = exists().where(
            AdviceSession.booking_id == Booking.id,
            or_(
                AdviceSession.state.in_(ACTIVE),
                Booking.starts_at.is_(None),
                AdviceSession.starts_at == Booking.starts_at,
            ),
        )
        async with self.db.uow() as uow:
            await _take_write_lock(uow)
            rows = (
                await uow.session.execute(
                    select(Booking, Offer)
                    .join(Offer, Offer.id == Booking.offer_id)
                    .where(Booking.status == BookingStatus.CONFIRMED.value)
                    .where(or_(Booking.ends_at.is_(None), Booking.ends_at > now))
                    .where(~has_session)
                    .order_by(Booking.id)
                    .limit(BATCH)
                )
            ).all()
            made = []
            for booking, offer in rows:
                times = await _session_times(uow, booking, offer)
                if times is None or times[1] <= now:
                    continue
                starts_at, ends_at = times
                kind = SessionKind.MESSAGING if offer.days else SessionKind.LIVE
                session_id = await _insert_session(
                    uow,
                    booking_id=booking.id,
                    client_id=booking.client_id,
                    advisor_id=booking.advisor_id,
                    kind=kind.value,
                    state=SessionState.SCHEDULED.value,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    channel_name=_new_room_name(),
                    warnings_sent=0,
                    created_at=now,
                    updated_at=now,
                )
                if session_id is not None:
                    made.append(session_id)
            await uow.commit()
        return made

    # -- telling people how to get in, and reminding them --------------------------------

    async def _invite_if_unlinked(self, people: _People) -> str | None:
        if people.client_user_id is not None:
            return None
        return await self.rooms.create_invite(self.link_ttl)

    async def _join_details(
        self, uow: UnitOfWork, s: AdviceSession, invite: str | None, now: datetime
    ) -> tuple[str, dict[str, Any]]:
        """The invite and a fresh link code for a client not yet on Discord; else nothing."""
        if invite is None:
            return "", {}
        code = await linking.issue_link_code(uow, s.client_id, now, self.link_ttl)
        return _join_steps(invite, code, self.settings), {"invite": invite, "link_code": code}

    async def _send_join(self, now: datetime) -> list[int]:
        """After payment: how to reach the room (a Discord invite and a link code if needed)."""

        async def record(
            uow: UnitOfWork, s: AdviceSession, people: _People, invite: str | None
        ) -> None:
            if s.join_sent_at is not None:
                return
            s.join_sent_at = now
            steps, data = await self._join_details(uow, s, invite, now)
            if not steps:
                return  # already on Discord: the reminders and the room's link will do
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="discord_join",
                client_id=s.client_id,
                text=f"One more step before your session with {people.advisor_name}." + steps,
                data={"session_id": s.id, "booking_id": s.booking_id, **data},
                dedupe_key=f"session_join:{s.id}",
                now=now,
            )

        async def act(s: AdviceSession, people: _People) -> str | None:
            return await self._invite_if_unlinked(people)

        # A room about to open (or a package's, which opens at once) brings its own invite.
        before = timedelta(minutes=self.settings.channel_open_minutes_before)
        return await self._with_platform(
            "join",
            now,
            [
                AdviceSession.join_sent_at.is_(None),
                AdviceSession.state == SessionState.SCHEDULED.value,
                AdviceSession.kind == SessionKind.LIVE.value,
                AdviceSession.starts_at > now + before,
            ],
            act,
            record,
        )

    async def _remind(self, now: datetime, lead: timedelta) -> list[int]:
        """A reminder ``lead`` before a live session, to both people. Skipped when the
        booking was made after that moment (they know already)."""
        day = lead == REMIND_DAY
        column = AdviceSession.reminded_day_for if day else AdviceSession.reminded_soon_for
        where = [
            AdviceSession.state == SessionState.SCHEDULED.value,
            AdviceSession.kind == SessionKind.LIVE.value,
            AdviceSession.starts_at <= now + lead,
            AdviceSession.starts_at > now,
            or_(column.is_(None), column != AdviceSession.starts_at),
        ]

        opens_before = timedelta(minutes=self.settings.channel_open_minutes_before)

        def wanted(s: AdviceSession) -> bool:
            if s.created_at > s.starts_at - lead:
                return False  # booked after this reminder's moment
            # Sent late (workers were down), a reminder the next message covers is skipped:
            # the day one once the 15-minute one is due, that one once the room opens.
            return s.starts_at - now > (REMIND_SOON if day else opens_before)

        async def act(s: AdviceSession, people: _People) -> str | None:
            return await self._invite_if_unlinked(people) if wanted(s) else None

        async def record(
            uow: UnitOfWork, s: AdviceSession, people: _People, invite: str | None
        ) -> None:
            start = s.starts_at
            if day:
                s.reminded_day_for = start
            else:
                s.reminded_soon_for = start
            if not wanted(s):
                return
            steps, data = await self._join_details(uow, s, invite, now)
            when_client = _when(start, people.client_zone, people.client_locale)
            when_advisor = _when(start, people.advisor_zone)
            soon = "tomorrow" if day else "in 15 minutes"
            opens = self.settings.channel_open_minutes_before
            stamp = f"{s.id}:{int(start.timestamp())}:{'day' if day else 'soon'}"
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="session_reminder",
                client_id=s.client_id,
                text=(
                    f"Reminder: your {people.offer_name} with {people.advisor_name} is {soon}, "
                    f"{when_client} your time. Your private room opens {opens} minutes before "
                    "the start; we'll send you its link here."
                )
                + steps,
                data={"session_id": s.id, "booking_id": s.booking_id, **data},
                dedupe_key=f"remind_client:{stamp}",
                now=now,
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADVISOR,
                kind="session_reminder",
                advisor_id=s.advisor_id,
                text=(
                    f"Reminder: {people.offer_name} with {people.client_name} {soon}, "
                    f"{when_advisor} your time. The private room opens {opens} minutes before."
                ),
                data={"session_id": s.id, "booking_id": s.booking_id},
                dedupe_key=f"remind_advisor:{stamp}",
                now=now,
            )

        return await self._with_platform("remind", now, where, act, record)

    # -- the room's life --------------------------------------------------------------------

    def _room_request(self, s: AdviceSession, people: _People) -> RoomRequest:
        return RoomRequest(
            session_id=s.id,
            name=s.channel_name,
            client_user_id=people.client_user_id,
            advisor_user_id=people.advisor_user_id,
            live=s.kind == SessionKind.LIVE.value,
            title=f"{people.offer_name} with {people.advisor_name}",
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            guidelines=guidelines(self.settings),
        )

    async def _open(self, now: datetime) -> list[int]:
        """Open the room ``channel_open_minutes_before`` the start (a package: at once)."""
        before = timedelta(minutes=self.settings.channel_open_minutes_before)

        async def act(s: AdviceSession, people: _People) -> tuple[OpenedRoom, str | None]:
            room = await self.rooms.open(self._room_request(s, people))
            return room, await self._invite_if_unlinked(people)

        async def record(
            uow: UnitOfWork,
            s: AdviceSession,
            people: _People,
            result: tuple[OpenedRoom, str | None],
        ) -> None:
            room, invite = result
            if s.state != SessionState.SCHEDULED.value:
                return
            s.state = SessionState.OPEN.value
            s.channel_id = room.channel_id
            s.opened_at = now
            s.client_user_id = people.client_user_id
            s.advisor_user_id = people.advisor_user_id
            steps, data = await self._join_details(uow, s, invite, now)
            live = s.kind == SessionKind.LIVE.value
            what = (
                f"Your private room for the {people.offer_name} with {people.advisor_name} is "
                f"open: {room.url}"
                + (
                    f"\nThe session starts {_when(s.starts_at, people.client_zone)} your time."
                    if live
                    else f"\nWrite whenever you like until "
                    f"{_when(s.ends_at, people.client_zone)} your time; "
                    f"{people.advisor_name} will answer there."
                )
            )
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="room_open",
                client_id=s.client_id,
                text=what + steps,
                data={"session_id": s.id, "booking_id": s.booking_id, "url": room.url, **data},
                dedupe_key=f"room_open_client:{s.id}",
                now=now,
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADVISOR,
                kind="room_open",
                advisor_id=s.advisor_id,
                text=(
                    f"The room for your {people.offer_name} with {people.client_name} is open: "
                    f"{room.url}"
                    + (
                        "\nPlease say hello there within the first 10 minutes, or the client "
                        "is offered a refund."
                        if live
                        else ""
                    )
                ),
                data={"session_id": s.id, "booking_id": s.booking_id, "url": room.url},
                dedupe_key=f"room_open_advisor:{s.id}",
                now=now,
            )
            if people.advisor_user_id is None:
                await outbox.enqueue(
                    uow,
                    audience=Audience.ADMIN,
                    kind="advisor_not_on_discord",
                    advisor_id=s.advisor_id,
                    text=(
                        f"Session {s.id}: {people.advisor_name} has no linked Discord account, "
                        "so they are not in the room. Please help them link it."
                    ),
                    dedupe_key=f"advisor_not_on_discord:{s.id}",
                    now=now,
                )

        return await self._with_platform(
            "open",
            now,
            [
                AdviceSession.state == SessionState.SCHEDULED.value,
                AdviceSession.starts_at <= now + before,
            ],
            act,
            record,
        )

    async def _admit(self, now: datetime, client_id: int | None = None) -> list[int]:
        """Let a client who linked Discord after the room opened into it."""
        linked = exists().where(
            PlatformIdentity.client_id == AdviceSession.client_id,
            PlatformIdentity.platform == Platform.DISCORD.value,
        )
        where: list[ColumnElement[bool]] = [
            AdviceSession.state == SessionState.OPEN.value,
            AdviceSession.channel_id.is_not(None),
            AdviceSession.client_user_id.is_(None),
            linked,
        ]
        if client_id is not None:
            where.append(AdviceSession.client_id == client_id)

        async def act(s: AdviceSession, people: _People) -> int | None:
            if people.client_user_id is None or s.channel_id is None:
                return None
            await self.rooms.admit(s.channel_id, people.client_user_id)
            return people.client_user_id

        async def record(
            uow: UnitOfWork, s: AdviceSession, people: _People, user_id: int | None
        ) -> None:
            s.client_user_id = user_id

        return await self._with_platform("admit", now, where, act, record)

    async def _prune(self, now: datetime) -> list[int]:
        """Rooms whose client erased their data from Telegram: all but the advisor go."""
        where: list[ColumnElement[bool]] = [
            AdviceSession.prune_due_at.is_not(None),
            AdviceSession.channel_id.is_not(None),
        ]

        async def act(s: AdviceSession, people: _People) -> None:
            if s.channel_id is None or s.deleted_at is not None:
                return
            try:
                await self.rooms.keep_only(s.channel_id, [people.advisor_user_id or 0])
            except RoomGone:
                return  # deleted by hand meanwhile: nobody left to take out

        async def record(uow: UnitOfWork, s: AdviceSession, people: _People, _: None) -> None:
            s.prune_due_at = None

        return await self._with_platform("prune", now, where, act, record)

    async def admit_client(self, client_id: int) -> list[int]:
        """Right after ``/link``: the client's open rooms let them in (ids of those sessions)."""
        return await self._admit(self.clock.now(), client_id)

    async def _no_show(self, now: datetime) -> list[int]:
        """No word from the advisor in the first minutes of a live session (counted from the
        later of the start and the room's opening): close the room and offer the client a
        full refund of the service price or a new time, at once."""

        async def act(s: AdviceSession, people: _People) -> None:
            if s.channel_id is None:
                return
            try:
                await self.rooms.lock(
                    s.channel_id,
                    session_id=s.id,
                    member_ids=_members(s),
                    closing_text=(
                        f"{people.advisor_name} hasn't arrived, and we're sorry. This room is "
                        f"now closed. {people.client_name}, in your Telegram chat with "
                        "Pathwise you can choose a full refund of the session price or a "
                        "new time."
                    ),
                    offer_transcript=False,
                )
            except RoomGone:
                pass

        async def record(uow: UnitOfWork, s: AdviceSession, people: _People, _: None) -> None:
            # A word from the advisor while the room was being closed comes too late: the
            # room is closed, so the no-show stands.
            if s.state != SessionState.OPEN.value:
                return
            s.state = SessionState.NO_SHOW.value
            s.no_show_at = s.ended_at = s.locked_at = now
            s.delete_after = now + self.retention
            await billing.report_advisor_no_show(uow, s.booking_id, now)
            when = _when(s.starts_at, people.client_zone, people.client_locale)
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="advisor_no_show",
                client_id=s.client_id,
                text=(
                    f"We're so sorry: {people.advisor_name} didn't arrive for your session at "
                    f"{when}. You can have a full refund of the session price "
                    f"({people.price.format(people.client_locale)}) or choose a new time: "
                    "open /bookings and tap this session."
                ),
                data={
                    "session_id": s.id,
                    "booking_id": s.booking_id,
                    "choices": ["refund", "reschedule"],
                },
                dedupe_key=f"advisor_no_show:{s.id}",
                now=now,
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADVISOR,
                kind="advisor_no_show",
                advisor_id=s.advisor_id,
                text=(
                    f"You didn't write in the first {int(NO_SHOW_AFTER.total_seconds() // 60)} "
                    f"minutes of your session with {people.client_name} "
                    f"({_when(s.starts_at, people.advisor_zone)} your time), so the room was "
                    "closed and the client was offered a refund. If something went wrong, "
                    "please tell the Pathwise team."
                ),
                data={"session_id": s.id, "booking_id": s.booking_id},
                dedupe_key=f"advisor_no_show_advisor:{s.id}",
                now=now,
            )
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="advisor_no_show",
                advisor_id=s.advisor_id,
                text=f"Advisor no-show: session {s.id} (booking {s.booking_id}), "
                f"{people.advisor_name}.",
                dedupe_key=f"advisor_no_show_admin:{s.id}",
                now=now,
            )

        return await self._with_platform(
            "no-show",
            now,
            [
                AdviceSession.state == SessionState.OPEN.value,
                AdviceSession.kind == SessionKind.LIVE.value,
                AdviceSession.advisor_first_message_at.is_(None),
                AdviceSession.end_requested_at.is_(None),
                AdviceSession.starts_at <= now - NO_SHOW_AFTER,
                AdviceSession.opened_at <= now - NO_SHOW_AFTER,
            ],
            act,
            record,
        )

    async def _warn(self, now: datetime) -> list[int]:
        """“10 minutes left”, then “2 minutes left”. After downtime only the latest is sent."""
        first, last = WARNINGS
        due = or_(
            and_(AdviceSession.warnings_sent < 1, AdviceSession.ends_at <= now + first),
            and_(AdviceSession.warnings_sent < 2, AdviceSession.ends_at <= now + last),
        )

        def which(s: AdviceSession) -> int:
            return 2 if s.ends_at - now <= last else 1

        async def act(s: AdviceSession, people: _People) -> int:
            level = which(s)
            left = WARNINGS[level - 1]
            if s.channel_id is not None:
                try:
                    await self.rooms.post(
                        s.channel_id, warning_text(int(left.total_seconds() // 60))
                    )
                except RoomGone:
                    pass
            return level

        async def record(uow: UnitOfWork, s: AdviceSession, people: _People, level: int) -> None:
            s.warnings_sent = max(s.warnings_sent, level)

        return await self._with_platform(
            "warn",
            now,
            [
                AdviceSession.state == SessionState.OPEN.value,
                AdviceSession.kind == SessionKind.LIVE.value,
                AdviceSession.end_requested_at.is_(None),
                AdviceSession.ends_at > now,
                due,
            ],
            act,
            record,
        )

    async def _end(self, now: datetime, session_id: int | None = None) -> list[int]:
        """At the end (or when the advisor ends it): lock the room, post the closing words,
        and start the after-session conversation in Telegram."""
        where: list[ColumnElement[bool]] = [
            AdviceSession.state == SessionState.OPEN.value,
            or_(AdviceSession.ends_at <= now, AdviceSession.end_requested_at.is_not(None)),
        ]
        if session_id is not None:
            where.append(AdviceSession.id == session_id)

        async def act(s: AdviceSession, people: _People) -> None:
            if s.channel_id is None:
                return
            try:
                await self.rooms.lock(
                    s.channel_id,
                    session_id=s.id,
                    member_ids=_members(s),
                    closing_text=closing_text(self.settings, people),
                    offer_transcript=s.client_user_id is not None,
                )
            except RoomGone:
                pass

        async def record(uow: UnitOfWork, s: AdviceSession, people: _People, _: None) -> None:
            if s.state != SessionState.OPEN.value:
                return
            s.state = SessionState.ENDED.value
            s.ended_at = s.locked_at = now
            s.delete_after = now + self.retention
            await uow.session.execute(
                update(Booking)
                .where(Booking.id == s.booking_id)
                .where(Booking.status == BookingStatus.CONFIRMED.value)
                .values(status=BookingStatus.COMPLETED.value, updated_at=now)
            )

        return await self._with_platform("end", now, where, act, record)

    async def _aftercare(self, now: datetime) -> list[int]:
        """Telegram's after-session flow (rate, tip, the guarantee) once the booked time is
        over; a session the advisor ended early waits for it, as rating does."""
        started = exists().where(OutboxMessage.dedupe_key == _aftercare_key_expr())

        async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
            people = await _people(uow, s)
            replies: list[Reply] = []
            try:
                if self.start_aftercare is not None:
                    async with uow.session.begin_nested():
                        replies = await self.start_aftercare(uow, s.client_id, s.booking_id, now)
            except PathwiseError:
                # The flow can't start (e.g. the booking changed hands); the words still go.
                replies = []
            messages = [r for r in replies if isinstance(r, Message)] or [
                Message(self._aftercare_fallback(people))
            ]
            for number, message in enumerate(messages):
                await outbox.enqueue(
                    uow,
                    audience=Audience.CLIENT,
                    kind="aftercare",
                    client_id=s.client_id,
                    text=message.text,
                    data={
                        "booking_id": s.booking_id,
                        "session_id": s.id,
                        "buttons": _buttons_json(message),
                    },
                    dedupe_key=_aftercare_key(s.id) + (f":{number}" if number else ""),
                    now=now,
                )
            return True

        return await self._in_one_transaction(
            now,
            [
                AdviceSession.state.in_(
                    [
                        SessionState.ENDED.value,
                        SessionState.SETTLED.value,
                        SessionState.REFUNDED.value,
                    ]
                ),
                AdviceSession.ended_at.is_not(None),
                AdviceSession.ends_at <= now,
                ~started,
            ],
            apply,
        )

    def _aftercare_fallback(self, people: _People) -> str:
        hours = self.settings.guarantee_window_hours
        return (
            f"Your session with {people.advisor_name} has ended. How did it go? You can "
            f"rate it, leave a tip (all of it goes to {people.advisor_name}), or, if it "
            f"didn't help, ask for a refund of the session price within {hours} hours."
        )

    async def _nudge(self, now: datetime) -> list[int]:
        """Messaging packages: a client message unanswered for 24 hours reminds the advisor."""

        async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
            waiting = s.client_waiting_since
            if waiting is None:
                return False
            s.advisor_nudged_for = waiting
            people = await _people(uow, s)
            await outbox.enqueue(
                uow,
                audience=Audience.ADVISOR,
                kind="client_waiting",
                advisor_id=s.advisor_id,
                text=(
                    f"{people.client_name} has been waiting for your answer since "
                    f"{_when(waiting, people.advisor_zone)} (your time) in your messaging "
                    "room. Please reply when you can."
                ),
                data={"session_id": s.id, "channel_id": s.channel_id},
                dedupe_key=f"client_waiting:{s.id}:{int(waiting.timestamp())}",
                now=now,
            )
            return True

        return await self._in_one_transaction(
            now,
            [
                AdviceSession.state == SessionState.OPEN.value,
                AdviceSession.kind == SessionKind.MESSAGING.value,
                AdviceSession.client_waiting_since <= now - NUDGE_AFTER,
                or_(
                    AdviceSession.advisor_nudged_for.is_(None),
                    AdviceSession.advisor_nudged_for != AdviceSession.client_waiting_since,
                ),
            ],
            apply,
        )

    async def _delete(self, now: datetime) -> list[int]:
        """Retention over: the room and everything said in it go."""

        async def act(s: AdviceSession, people: _People) -> None:
            if s.channel_id is not None:
                try:
                    await self.rooms.delete(s.channel_id)
                except RoomGone:
                    pass

        async def record(uow: UnitOfWork, s: AdviceSession, people: _People, _: None) -> None:
            s.deleted_at = s.deleted_at or now

        return await self._with_platform(
            "delete",
            now,
            [
                AdviceSession.channel_id.is_not(None),
                AdviceSession.deleted_at.is_(None),
                AdviceSession.delete_after <= now,
            ],
            act,
            record,
        )

    async def _settle(self, now: datetime, report: TickReport) -> list[int]:
        """Ended sessions: refunded as soon as the booking is; settled when the money-back
        window has passed without one."""
        window = timedelta(hours=self.settings.guarantee_window_hours)
        refunded = AdviceSession.booking.has(Booking.status == BookingStatus.REFUNDED.value)

        async def apply(uow: UnitOfWork, s: AdviceSession) -> bool:
            booking = await uow.session.get(Booking, s.booking_id, populate_existing=True)
            if booking is not None and booking.status == BookingStatus.REFUNDED.value:
                s.state = SessionState.REFUNDED.value
                s.updated_at = now
                report.refunded.append(s.id)
                return False
            s.state = SessionState.SETTLED.value
            s.settled_at = now
            return True

        return await self._in_one_transaction(
            now,
            [
                AdviceSession.state == SessionState.ENDED.value,
                or_(refunded, AdviceSession.ends_at <= now - window),
            ],
            apply,
        )

    async def _forget(self, now: datetime) -> list[int]:
        """Transcripts are deleted once delivered (or given up on); old link data goes too."""
        async with self.db.uow() as uow:
            delivering = exists().where(
                OutboxMessage.dedupe_key == _transcript_key_expr(),
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
            result = await uow.session.execute(
                delete(TranscriptFile)
                .where(or_(~delivering, TranscriptFile.created_at <= now - TRANSCRIPT_KEEP_AT_MOST))
                .returning(TranscriptFile.id)
            )
            gone = list(result.scalars())
            await linking.prune_link_data(uow, now)
            await uow.commit()
        return gone

    # -- what happens in a room -------------------------------------------------------------

    async def record_message(self, channel_id: int, author_user_id: int) -> None:
        """Someone wrote in a room: notes the advisor's first word (no-show) and who is waiting
        for an answer (messaging reminders). Writes only when something changes."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            s = await uow.session.scalar(
                select(AdviceSession).where(AdviceSession.channel_id == channel_id)
            )
            if s is None or s.state != SessionState.OPEN.value:
                return
            changed = False
            if author_user_id == s.advisor_user_id:
                if s.advisor_first_message_at is None:
                    s.advisor_first_message_at = now
                    changed = True
                if s.client_waiting_since is not None:
                    s.client_waiting_since = None
                    changed = True
            elif author_user_id == s.client_user_id and s.client_waiting_since is None:
                s.client_waiting_since = now
                changed = True
            if changed:
                s.updated_at = now
                await uow.commit()

    async def check_press(self, session_id: int, user_id: int, action: str) -> None:
        """NotAllowed (with words for the presser) unless ``user_id`` may press ``action``."""
        async with self.db.uow() as uow:
            s = await uow.session.get(AdviceSession, session_id)
            if s is None:
                raise NotFound("This session could not be found.")
            advisor = s.advisor_user_id == user_id or (
                s.advisor_user_id is None
                and (a := await find_advisor(uow, Platform.DISCORD, user_id)) is not None
                and a.id == s.advisor_id
            )
            client = s.client_user_id == user_id or (
                (c := await find_client(uow, Platform.DISCORD, user_id)) is not None
                and c.id == s.client_id
            )
        allowed = {
            RoomAction.END: advisor,
            RoomAction.REPORT: advisor or client,
            RoomAction.TRANSCRIPT: client,
        }.get(action, False)
        if not allowed:
            raise NotAllowed(_REFUSALS.get(action))

    async def end_now(self, session_id: int, user_id: int) -> str:
        """The advisor pressed “End session”: end it at once. Returns words for them."""
        await self.check_press(session_id, user_id, RoomAction.END)
        now = self.clock.now()
        async with self.db.uow() as uow:
            s = await _lock(uow, session_id)
            if s is None or s.state != SessionState.OPEN.value:
                raise Conflict("This session has already ended.")
            s.end_requested_at = s.end_requested_at or now
            s.updated_at = now
            await uow.commit()
        # If another worker holds the session right now, the next tick ends it.
        await self._end(now, session_id)
        return "The session is ending: the room becomes read-only now. Thank you."

    async def report_problem(self, session_id: int, user_id: int) -> str:
        """Either person pressed “Report a problem”: the Pathwise team is told."""
        await self.check_press(session_id, user_id, RoomAction.REPORT)
        now = self.clock.now()
        async with self.db.uow() as uow:
            s = await uow.session.get(AdviceSession, session_id)
            assert s is not None
            who = "the advisor" if user_id == s.advisor_user_id else "the client"
            await outbox.enqueue(
                uow,
                audience=Audience.ADMIN,
                kind="problem_report",
                advisor_id=s.advisor_id,
                client_id=s.client_id,
                text=(
                    f"Problem reported by {who} in session {s.id} "
                    f"(booking {s.booking_id}, room {s.channel_id}, state {s.state})."
                ),
                data={"session_id": s.id, "channel_id": s.channel_id},
                # One report per person and minute: a double press is not two reports.
                dedupe_key=f"problem:{s.id}:{user_id}:{now:%Y%m%d%H%M}",
                now=now,
            )
            await uow.commit()
        return (
            "Thank you for telling us. The Pathwise team has been notified and will look into "
            "it soon; they may contact you here or in Telegram."
        )

    # -- transcripts ------------------------------------------------------------------------

    async def transcript_source(self, session_id: int, user_id: int) -> TranscriptSource:
        """Where the adapter reads the conversation from, if the client may have it now."""
        await self.check_press(session_id, user_id, RoomAction.TRANSCRIPT)
        async with self.db.uow() as uow:
            s = await uow.session.get(AdviceSession, session_id)
            assert s is not None
            if s.channel_id is None or s.deleted_at is not None:
                raise Conflict("This room has been deleted, so there is nothing to copy.")
            if s.transcript_requested_at is not None:
                raise Conflict("Your transcript is already on its way to you in Telegram.")
            people = await _people(uow, s)
            return TranscriptSource(
                session_id=s.id,
                channel_id=s.channel_id,
                client_user_id=user_id,
                advisor_user_id=s.advisor_user_id,
                advisor_name=people.advisor_name,
                title=f"{people.offer_name} with {people.advisor_name}",
                starts_at=s.starts_at,
                client_zone=people.client_zone,
            )

    async def send_transcript(
        self, source: TranscriptSource, lines: Sequence[TranscriptLine]
    ) -> str:
        """Render the PDF and queue it for the client in Telegram. It is stored only until
        delivered (the tick deletes it then); the room itself keeps its deletion date."""
        now = self.clock.now()
        pdf = render_transcript(source, lines, self.fonts, now)
        async with self.db.uow() as uow:
            s = await _lock(uow, source.session_id)
            if s is None:
                raise NotFound("This session could not be found.")
            if s.transcript_requested_at is not None:
                raise Conflict("Your transcript is already on its way to you in Telegram.")
            s.transcript_requested_at = now
            filename = f"Pathwise-transcript-{s.starts_at:%Y-%m-%d}.pdf"
            file = TranscriptFile(
                session_id=s.id, client_id=s.client_id, filename=filename, pdf=pdf, created_at=now
            )
            uow.session.add(file)
            await uow.session.flush()
            await outbox.enqueue(
                uow,
                audience=Audience.CLIENT,
                kind="transcript",
                client_id=s.client_id,
                text="Here is the transcript of your session, as you asked. We keep no copy.",
                document=DocumentRef("transcript", file.id, filename),
                data={"session_id": s.id},
                dedupe_key=_transcript_key(file.id),
                now=now,
            )
            await uow.commit()
        return "Your transcript is on its way to you in Telegram. Pathwise keeps no copy."


# -- helpers -------------------------------------------------------------------------------


def _members(s: AdviceSession) -> list[int]:
    return [uid for uid in (s.client_user_id, s.advisor_user_id) if uid is not None]


def _aftercare_key(session_id: int) -> str:
    return f"aftercare:{session_id}"


def _aftercare_key_expr() -> ColumnElement[str]:
    return literal("aftercare:") + cast(AdviceSession.id, String)


def _buttons_json(message: Message) -> list[list[dict[str, str]]]:
    """A reply's buttons for the outbox payload: rows of {label, data} or {label, url}."""
    return [
        [
            {"label": b.label, "url": b.url}
            if isinstance(b, LinkButton)
            else {"label": b.label, "data": b.data}
            for b in row
        ]
        for row in message.buttons
    ]


def _transcript_key(file_id: int) -> str:
    return f"transcript:{file_id}"


def _transcript_key_expr() -> ColumnElement[str]:
    return literal("transcript:") + cast(TranscriptFile.id, String)


async def _take_write_lock(uow: UnitOfWork) -> None:
    """On SQLite, become the writer before reading what to claim (see the module docstring)."""
    if uow.session.get_bind().dialect.name == "sqlite":
        await uow.session.execute(
            update(AdviceSession)
            .where(AdviceSession.id == -1)
            .values(id=AdviceSession.id)
            .execution_options(synchronize_session=False)
        )


async def _lock(uow: UnitOfWork, session_id: int) -> AdviceSession | None:
    return await uow.session.scalar(
        select(AdviceSession)
        .where(AdviceSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _session_times(
    uow: UnitOfWork, booking: Booking, offer: Offer
) -> tuple[datetime, datetime] | None:
    """A live session's booked times; a package's run from its payment for its days."""
    if booking.starts_at is not None and booking.ends_at is not None:
        return booking.starts_at, booking.ends_at
    if offer.offer_kind is not OfferKind.MESSAGING or not offer.days:
        return None
    paid_at = await uow.session.scalar(
        select(Purchase.paid_at).where(Purchase.purchase_key == f"booking:{booking.id}")
    )
    start = paid_at or booking.updated_at
    return start, start + timedelta(days=offer.days)


async def _insert_session(uow: UnitOfWork, **values: Any) -> int | None:
    """Insert unless another worker just did (ON CONFLICT DO NOTHING); the new id or None."""
    statement = (
        insert_for(uow)(AdviceSession)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["booking_id", "starts_at"])
        .returning(AdviceSession.id)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none()


# -- transcripts ----------------------------------------------------------------------------


def render_transcript(
    source: TranscriptSource,
    lines: Sequence[TranscriptLine],
    fonts: ReceiptFonts | None,
    now: datetime,
) -> bytes:
    """A plain PDF of the conversation, made in memory: who wrote what, and when."""
    zone = source.client_zone

    def author(uid: int) -> str:
        if uid == source.client_user_id:
            return "You"
        if uid == source.advisor_user_id:
            return source.advisor_name
        return "Pathwise"

    entries = [
        (f"{author(line.author_user_id)} · {_when(line.at, zone)}", line.text) for line in lines
    ]
    heading = f"Transcript: {source.title}"
    subtitle = f"Session of {_when(source.starts_at, zone)} (your time). Made {_when(now, zone)}."
    text = " ".join([heading, subtitle, *(a + b for a, b in entries)])
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    add_fonts(pdf, text, fonts)
    pdf.set_creation_date(now)
    pdf.set_title(heading)
    pdf.set_author("Pathwise")
    pdf.add_page()
    pdf.set_font("DejaVuSans", "B", 14)
    pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVuSans", "", 9)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if not entries:
        pdf.set_font("DejaVuSans", "", 11)
        pdf.multi_cell(0, 6, "No messages were written in this room.")
    for label, body in entries:
        pdf.set_font("DejaVuSans", "B", 9)
        pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVuSans", "", 11)
        pdf.multi_cell(0, 6, body or "(an attachment)", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())


async def load_transcript(uow: UnitOfWork, file_id: int) -> bytes:
    """A transcript's bytes, for the Telegram adapter delivering it."""
    file = await uow.session.get(TranscriptFile, file_id)
    if file is None:
        raise NotFound("This transcript is no longer available.")
    return file.pdf
