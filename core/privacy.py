"""A client's data rights: what is kept and for how long, the export, and erasure.

Erasure keeps the client's row (bookings, purchases, receipts and the ledger point at it:
payment records must be kept) but leaves nothing in it or around it that says who they were:
the row is renamed "Deleted client", platform identities, conversation state, consents, mood
check-ins, link codes, link attempts and transcripts are deleted, review words are cleared
(the rating number stays, so advisors' averages do not change), the client is taken out of
any session room still on the platform, messages that named them are rewritten, and their
receipts print "Deleted client" as the buyer. Future bookings are cancelled first, under the
same rules as a cancellation from "My bookings": in the free-cancellation period the session
price is refunded (never the handling fee); later, nothing is refunded.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy import JSON, Integer, MetaData, String, Text, delete, or_, select, update
from sqlalchemy.orm import selectinload

from core import outbox, scheduling
from core.accounts import Platform
from core.clock import Clock
from core.config import Settings
from core.data_export import export_document
from core.db import Database, UnitOfWork
from core.errors import NotFound, PathwiseError
from core.models import (
    Booking,
    BookingStatus,
    Client,
    Consent,
    Conversation,
    LinkAttempt,
    LinkCode,
    MoodCheckin,
    Offer,
    OutboxMessage,
    PlatformIdentity,
    Purchase,
    Receipt,
    Review,
    TranscriptFile,
)
from core.models.billing import PurchaseStatus
from core.models.outbox import Audience
from core.models.sessions import AdviceSession
from core.money import Money
from core.texts import privacy as t

log = logging.getLogger(__name__)

DELETED_CLIENT = "Deleted client"
# How long the sessions tick keeps a session's private room after it ends is
# ``channel_retention_hours``; conversation state goes after ``conversation_retention_hours``.
EXPORT_FILENAME = "pathwise-my-data.json"


class RoomMembers(Protocol):
    """The part of the rooms port erasure needs (``core.sessions.SessionRooms`` has it)."""

    async def remove(self, channel_id: int, user_id: int) -> None: ...


class CancellationRefunds(Protocol):
    """Billing's refund of a booking cancelled in time (``core.billing.Billing`` is one)."""

    async def refund_cancelled_booking(self, booking_id: int, client_id: int) -> object: ...


class AlreadyErased(NotFound):
    user_message = t.ALREADY_ERASED


@dataclass(frozen=True, slots=True)
class Cancellation:
    """One future booking erasure cancels, and what comes back for it."""

    booking_id: int
    what: str  # "60-minute live session with Ana Ruiz"
    when: str  # in the client's zone, or "" for a package
    refund: Money | None  # the session price back to the card; None: nothing back
    paid: bool

    def describe(self, locale: str = "en_US") -> str:
        """``60-minute live session with Ana Ruiz, Tue 24 Nov, 18:00: $50.00 back ...``"""
        booking = t.BOOKING_AT(what=self.what, when=self.when) if self.when else self.what
        if self.refund is not None:
            return t.CANCEL_REFUND(booking=booking, amount=self.refund.format(locale))
        if self.paid:
            return t.CANCEL_NO_REFUND(booking=booking)
        return t.CANCEL_UNPAID(booking=booking)


@dataclass(frozen=True, slots=True)
class ErasurePlan:
    """What /deletemydata would do, shown before the client confirms."""

    cancellations: tuple[Cancellation, ...]
    locale: str = "en_US"  # the client's: amounts are written for it

    def describe(self, locale: str | None = None) -> str:
        """The plan in words: what goes, what is kept, what is cancelled and refunded; the
        amounts written for ``locale``, the client's by default."""
        locale = locale or self.locale
        deleted = (t.PLAN_ACCOUNTS(), t.PLAN_CONVERSATIONS(), t.PLAN_WELLBEING(), t.PLAN_LINKS())
        lines = [t.PLAN_DELETES(), *(f"• {item}" for item in deleted), "", t.PLAN_KEEPS()]
        if self.cancellations:
            lines += ["", t.PLAN_CANCELS()]
            lines += [f"• {c.describe(locale)}" for c in self.cancellations]
        lines += ["", t.PLAN_FINAL()]
        return "\n".join(lines)

    @property
    def refund_total(self) -> Money | None:
        refunds = [c.refund for c in self.cancellations if c.refund is not None]
        if not refunds:
            return None
        total = Money.zero(refunds[0].currency)
        for amount in refunds:
            total = total + amount
        return total


@dataclass(frozen=True, slots=True)
class ErasureResult:
    cancelled: tuple[int, ...]
    refunded: tuple[int, ...]
    refund_failed: tuple[int, ...]
    rooms_left: int


def _future(booking: Booking, now: datetime) -> bool:
    """A booking erasure cancels: a live hold, or a paid live session not started yet."""
    if booking.booking_status is BookingStatus.HELD:
        return scheduling.hold_is_live(booking, now)
    return (
        booking.booking_status is BookingStatus.CONFIRMED
        and booking.starts_at is not None
        and booking.starts_at > now
    )


def _when(booking: Booking, zone: str, locale: str) -> str:
    return _moment(booking.starts_at, zone, locale)


def _moment(starts_at: datetime | None, zone: str, locale: str) -> str:
    if starts_at is None:
        return ""
    try:
        return scheduling.format_slot(starts_at, zone, locale)
    except PathwiseError:
        return scheduling.format_slot(starts_at, "UTC", locale) + " UTC"


def _advisor_cancelled(offer: Offer, starts_at: datetime | None, zone: str, locale: str) -> str:
    """The advisor's news of a paid session cancelled as its client left Pathwise."""
    return t.ADVISOR_CANCELLED(offer_name=offer.name, when=_moment(starts_at, zone, locale))


def _replace_terms(value: Any, terms: Sequence[str]) -> Any:
    """``value`` (JSON) with every term replaced by "Deleted client"."""
    if isinstance(value, str):
        for term in terms:
            if term and term in value:
                value = value.replace(term, DELETED_CLIENT)
        return value
    if isinstance(value, list):
        return [_replace_terms(item, terms) for item in value]
    if isinstance(value, dict):
        return {key: _replace_terms(item, terms) for key, item in value.items()}
    return value


class Privacy:
    """Export and erasure for one client. Built once at start-up."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        *,
        refunds: CancellationRefunds | None = None,
        rooms: RoomMembers | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.refunds = refunds
        self.rooms = rooms

    @property
    def rules(self) -> scheduling.SchedulingRules:
        return scheduling.SchedulingRules.from_settings(self.settings)

    async def _client(self, uow: UnitOfWork, client_id: int) -> Client:
        client = await uow.session.get(Client, client_id, populate_existing=True)
        if client is None or await is_erased(uow, client_id):
            raise AlreadyErased()
        return client

    async def _future_bookings(
        self, uow: UnitOfWork, client_id: int, now: datetime
    ) -> list[Booking]:
        found = await uow.session.scalars(
            select(Booking)
            .where(Booking.client_id == client_id)
            .where(Booking.status.in_([BookingStatus.HELD.value, BookingStatus.CONFIRMED.value]))
            .options(selectinload(Booking.advisor), selectinload(Booking.offer))
            .order_by(Booking.starts_at, Booking.id)
        )
        return [b for b in found if _future(b, now)]

    # -- the plan -----------------------------------------------------------------------------

    async def plan(self, client_id: int) -> ErasurePlan:
        """What erasing would cancel and refund, as of now."""
        async with self.db.uow() as uow:
            return await self.plan_in(uow, client_id, self.clock.now())

    async def plan_in(self, uow: UnitOfWork, client_id: int, now: datetime) -> ErasurePlan:
        """:meth:`plan`, read in the caller's unit of work."""
        client = await self._client(uow, client_id)
        items = []
        for booking in await self._future_bookings(uow, client_id, now):
            paid = booking.booking_status is BookingStatus.CONFIRMED
            free = scheduling.can_change_free(booking, now, self.rules)
            refund = await self._service_paid(uow, booking) if paid and free else None
            items.append(
                Cancellation(
                    booking_id=booking.id,
                    what=t.BOOKING_WHAT(
                        offer_name=booking.offer.name, advisor_name=booking.advisor.display_name
                    ),
                    when=_when(booking, client.timezone, client.locale),
                    refund=refund,
                    paid=paid,
                )
            )
        return ErasurePlan(tuple(items), client.locale or "en_US")

    async def _service_paid(self, uow: UnitOfWork, booking: Booking) -> Money | None:
        purchase = await uow.session.scalar(
            select(Purchase)
            .where(Purchase.purchase_key == f"booking:{booking.id}")
            .where(Purchase.status == PurchaseStatus.PAID.value)
        )
        return purchase.service if purchase is not None and purchase.service_minor else None

    # -- erasure ------------------------------------------------------------------------------

    async def erase(self, client_id: int) -> ErasureResult:
        """Cancel future bookings (refunding what the rules allow), then erase the client's
        personal data. Raises AlreadyErased on a second call."""
        now = self.clock.now()
        cancelled, to_refund = await self._cancel_future(client_id, now)
        refunded, failed = await self._refund(client_id, to_refund)
        if failed:
            await self._report_failed_refunds(failed)
        rooms = await self._erase_rows(client_id, self.clock.now())
        left = await self._leave_rooms(rooms)
        log.info("privacy.client_erased", extra={"client_id": client_id})
        return ErasureResult(tuple(cancelled), tuple(refunded), tuple(failed), left)

    async def _cancel_future(self, client_id: int, now: datetime) -> tuple[list[int], list[int]]:
        """Cancel every future booking, telling each paid one's advisor; (the cancelled, those
        whose session price is due back)."""
        cancelled: list[int] = []
        to_refund: list[int] = []
        async with self.db.uow() as uow:
            await self._client(uow, client_id)
            # After the free period a cancellation still happens (the client is leaving),
            # just without a refund: cancel as scheduling would with no notice required.
            anytime = dataclasses.replace(self.rules, free_change=timedelta(0))
            for booking in await self._future_bookings(uow, client_id, now):
                paid = booking.booking_status is BookingStatus.CONFIRMED
                free = scheduling.can_change_free(booking, now, self.rules)
                cancelled_text = partial(
                    _advisor_cancelled,
                    booking.offer,
                    booking.starts_at,
                    booking.advisor.timezone,
                )
                await scheduling.cancel_booking(
                    uow, booking.id, client_id=client_id, now=now, rules=anytime
                )
                cancelled.append(booking.id)
                if paid and booking.starts_at is not None:
                    await outbox.enqueue(
                        uow,
                        audience=Audience.ADVISOR,
                        kind="booking_cancelled",
                        advisor_id=booking.advisor_id,
                        text=cancelled_text,
                        data={"booking_id": booking.id},
                        dedupe_key=f"booking_cancelled:{booking.id}",
                        now=now,
                    )
                if paid and free:
                    to_refund.append(booking.id)
            await uow.commit()
        return cancelled, to_refund

    async def _refund(self, client_id: int, booking_ids: list[int]) -> tuple[list[int], list[int]]:
        """Refund each booking's session price; (the refunded, those that failed)."""
        refunded: list[int] = []
        failed: list[int] = []
        for booking_id in booking_ids:
            if self.refunds is None:
                failed.append(booking_id)
                continue
            try:
                await self.refunds.refund_cancelled_booking(booking_id, client_id)
                refunded.append(booking_id)
            except PathwiseError:
                # Stripe busy: billing told the team (refund_failed) or the refund is pending;
                # it stays recorded against the purchase either way.
                log.warning("privacy.refund_failed", extra={"booking_id": booking_id})
                failed.append(booking_id)
        return refunded, failed

    async def _report_failed_refunds(self, booking_ids: list[int]) -> None:
        """The team refunds these by hand."""
        async with self.db.uow() as uow:
            for booking_id in booking_ids:
                await outbox.enqueue(
                    uow,
                    audience=Audience.ADMIN,
                    kind="erasure_refund_failed",
                    text=outbox.words(t.REFUND_FAILED, booking_id=booking_id),
                    language=self.settings.team_locale,
                    dedupe_key=f"erasure_refund_failed:{booking_id}",
                    now=self.clock.now(),
                )
            await uow.commit()

    async def _leave_rooms(self, rooms: list[tuple[int, int]]) -> int:
        """Take the client out of the rooms still on the platform; how many it left."""
        left = 0
        if self.rooms is not None:
            for channel_id, user_id in rooms:
                try:
                    await self.rooms.remove(channel_id, user_id)
                    left += 1
                except Exception:
                    # Already gone (deleted, or locked then deleted): nothing to take back.
                    log.warning("privacy.room_remove_failed", extra={"channel_id": channel_id})
        return left

    async def _erase_rows(self, client_id: int, now: datetime) -> list[tuple[int, int]]:
        """Every personal row in one transaction; the rooms to take the client out of."""
        async with self.db.uow() as uow:
            client = await self._client(uow, client_id)
            identities = list(
                await uow.session.scalars(
                    select(PlatformIdentity).where(PlatformIdentity.client_id == client_id)
                )
            )
            terms = await _terms(uow, client, identities)
            rooms = await _open_rooms(uow, client_id)
            discord_ids = [
                i.platform_user_id for i in identities if i.platform == Platform.DISCORD.value
            ]
            await _delete_personal_rows(uow, client_id, discord_ids)
            if self.rooms is None and rooms:
                # No rooms port in this process (the erasure came from the client's chat): the
                # rooms' own tick takes them out of these rooms, knowing only who stays.
                await uow.session.execute(
                    update(AdviceSession)
                    .where(AdviceSession.channel_id.in_([channel for channel, _ in rooms]))
                    .values(prune_due_at=now)
                )
            await uow.session.execute(
                update(AdviceSession)
                .where(AdviceSession.client_id == client_id)
                .values(client_user_id=None)
            )
            await _scrub_messages(uow, client_id, terms)
            await _anonymise_receipts(uow, client_id)
            client.display_name = DELETED_CLIENT
            client.advisor_name = None
            client.billing_name = None
            client.timezone = "UTC"
            client.locale = "en_US"
            client.telegram_blocked_at = None
            await uow.commit()
        return rooms

    # -- export -------------------------------------------------------------------------------

    async def export(self, client_id: int) -> bytes:
        """Everything Pathwise keeps about the client, as a JSON document."""
        async with self.db.uow() as uow:
            return await self.export_in(uow, client_id)

    async def export_in(self, uow: UnitOfWork, client_id: int) -> bytes:
        """:meth:`export`, read in the caller's unit of work; amounts written for the
        client's locale."""
        client = await self._client(uow, client_id)
        locale = client.locale or self.settings.locale
        return await export_document(uow, client, locale, self.clock.now())


# -- erasure, row by row ------------------------------------------------------------------------


async def _terms(
    uow: UnitOfWork, client: Client, identities: Sequence[PlatformIdentity]
) -> list[str]:
    """What names the client in messages: their names, account ids and shared notes, the
    longest first (so a full name is replaced before a part of it)."""
    notes = await uow.session.scalars(
        select(Booking.client_note)
        .where(Booking.client_id == client.id)
        .where(Booking.client_note.is_not(None))
    )
    terms = [
        client.display_name,
        client.advisor_name or "",
        client.billing_name or "",
        *(str(i.platform_user_id) for i in identities),
        *(note for note in notes if note),  # what they shared, quoted in DMs
    ]
    return sorted({term for term in terms if len(term) >= 2}, key=len, reverse=True)


async def _open_rooms(uow: UnitOfWork, client_id: int) -> list[tuple[int, int]]:
    """(room, the client's account in it) for each session room still on the platform."""
    rows = await uow.session.execute(
        select(AdviceSession.channel_id, AdviceSession.client_user_id)
        .where(AdviceSession.client_id == client_id)
        .where(AdviceSession.channel_id.is_not(None))
        .where(AdviceSession.deleted_at.is_(None))
        .where(AdviceSession.client_user_id.is_not(None))
    )
    return [
        (channel_id, user_id)
        for channel_id, user_id in rows.all()
        if channel_id is not None and user_id is not None
    ]


async def _delete_personal_rows(
    uow: UnitOfWork, client_id: int, discord_ids: Sequence[int]
) -> None:
    """Identities, conversation state, consents, moods, link data, transcripts; review words
    and what was shared with advisors are cleared."""
    session = uow.session
    for model in (PlatformIdentity, Conversation, Consent, MoodCheckin, LinkCode):
        await session.execute(delete(model).where(model.client_id == client_id))
    await session.execute(delete(TranscriptFile).where(TranscriptFile.client_id == client_id))
    if discord_ids:
        await session.execute(
            delete(LinkAttempt).where(LinkAttempt.platform_user_id.in_(discord_ids))
        )
        await session.execute(
            update(LinkCode)
            .where(LinkCode.used_by_user_id.in_(discord_ids))
            .values(used_by_user_id=None)
        )
    await session.execute(update(Review).where(Review.client_id == client_id).values(text=None))
    await session.execute(  # what they had shared with their advisors
        update(Booking).where(Booking.client_id == client_id).values(client_note=None)
    )


async def _scrub_messages(uow: UnitOfWork, client_id: int, terms: Sequence[str]) -> None:
    """Messages to the client can no longer reach them; messages about them lose the name."""
    session = uow.session
    await session.execute(delete(OutboxMessage).where(OutboxMessage.client_id == client_id))
    advisor_ids = select(Booking.advisor_id).where(Booking.client_id == client_id)
    for message in await session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.advisor_id.in_(advisor_ids),
                OutboxMessage.audience == Audience.ADMIN.value,
            )
        )
    ):
        scrubbed = _replace_terms(message.payload, terms)
        if scrubbed != message.payload:
            message.payload = scrubbed
        if message.last_error:
            message.last_error = _replace_terms(message.last_error, terms)


async def _anonymise_receipts(uow: UnitOfWork, client_id: int) -> None:
    """Receipts print "Deleted client" as the buyer; their PDFs are rendered again."""
    purchase_ids = select(Purchase.id).where(Purchase.client_id == client_id)
    for receipt in await uow.session.scalars(
        select(Receipt).where(Receipt.purchase_id.in_(purchase_ids))
    ):
        content = dict(receipt.content or {})
        if content and content.get("buyer_name") != DELETED_CLIENT:
            content["buyer_name"] = DELETED_CLIENT
            receipt.content = content
            receipt.pdf = None  # rendered again, from the anonymised content


async def is_erased(uow: UnitOfWork, client_id: int) -> bool:
    """A client erased by /deletemydata: renamed, with no platform account left."""
    client = await uow.session.get(Client, client_id)
    if client is None:
        return True
    if client.display_name != DELETED_CLIENT:
        return False
    found = await uow.session.scalar(
        select(PlatformIdentity.id).where(PlatformIdentity.client_id == client_id)
    )
    return found is None


async def expire_conversations(db: Database, now: datetime, retention: timedelta) -> list[int]:
    """Conversation state (an abandoned intake included) untouched for ``retention``: gone.
    Returns the clients whose state was erased."""
    async with db.uow() as uow:
        result = await uow.session.execute(
            delete(Conversation)
            .where(Conversation.updated_at <= now - retention)
            .returning(Conversation.client_id)
        )
        gone = list(result.scalars())
        await uow.commit()
    return gone


def _reflect(connection: Any) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    return metadata


async def leftovers(db: Database, needles: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) for each needle (case-insensitive) found in any text, JSON or
    integer column of any table, the tables read from the database itself so that one added
    later is searched too. The demo checks an erasure with it."""
    wanted = [n.lower() for n in needles if n]
    found: list[tuple[str, str, str]] = []
    async with db.engine.connect() as connection:
        metadata = await connection.run_sync(_reflect)
        for table in metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON | Integer):
                    continue
                for (value,) in await connection.execute(select(column)):
                    if value is None:
                        continue
                    text = (
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(value, dict | list)
                        else str(value)
                    ).lower()
                    found += [(table.name, column.name, n) for n in wanted if n in text]
    return found
