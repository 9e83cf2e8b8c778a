"""The client's changes: rescheduling, cancelling, and their live bookings."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import Booking, BookingStatus
from core.models.billing import Purchase
from core.scheduling.availability import is_offered, refusal
from core.scheduling.claims import check_client_free, clear_stale, drop_claims, insert_claims
from core.scheduling.errors import (
    BookingClosed,
    BookingNotFound,
    SlotTaken,
    SlotUnavailable,
    TooLateToChange,
)
from core.scheduling.formatting import format_slot
from core.scheduling.holds import hold_is_live
from core.scheduling.lookups import find_client, lock_booking
from core.scheduling.rules import DEFAULT_RULES, SchedulingRules
from core.scheduling.slots import Slot
from core.scheduling.times import grid_cells, shown_zone, utc
from core.texts import scheduling as t


async def advisor_missed(uow: UnitOfWork, booking_id: int) -> bool:
    """Whether the advisor did not turn up for this booking (reported by the sessions part)."""
    found = await uow.session.scalar(
        select(Purchase.id)
        .where(Purchase.booking_id == booking_id, Purchase.advisor_no_show_at.is_not(None))
        .limit(1)
    )
    return found is not None


def reschedule_times(
    slots: list[Slot], now: datetime, rules: SchedulingRules, *, missed: bool
) -> list[Slot]:
    """The free times a booking may move to: at least ``rules.free_change`` away, so the moved
    session can still be changed for free; any free time after the advisor did not show up."""
    if missed:
        return slots
    return [slot for slot in slots if slot.starts_at - utc(now) >= rules.free_change]


async def may_reschedule(
    uow: UnitOfWork, booking: Booking, now: datetime, rules: SchedulingRules = DEFAULT_RULES
) -> bool:
    """Free rescheduling until 24 h before the start; and at any time for a session the
    advisor did not turn up for (the client is offered a new time at once)."""
    if can_change_free(booking, now, rules):
        return True
    return booking.booking_status is BookingStatus.CONFIRMED and await advisor_missed(
        uow, booking.id
    )


def can_change_free(
    booking: Booking, now: datetime, rules: SchedulingRules = DEFAULT_RULES
) -> bool:
    """Whether the client may still reschedule or cancel free of charge."""
    if booking.booking_status is BookingStatus.HELD:
        return hold_is_live(booking, now)
    return (
        booking.booking_status is BookingStatus.CONFIRMED
        and booking.starts_at is not None
        and booking.starts_at - utc(now) >= rules.free_change
    )


async def _own_booking(uow: UnitOfWork, booking_id: int, client_id: int, now: datetime) -> Booking:
    """The client's own booking, locked, that can still change; clear errors otherwise."""
    booking = await lock_booking(uow, booking_id)
    # Someone else's booking looks exactly like a missing one: ids reveal nothing.
    if booking is None or booking.client_id != client_id:
        raise BookingNotFound()
    status = booking.booking_status
    if status is BookingStatus.HELD and not hold_is_live(booking, now):
        raise BookingClosed(t.HOLD_EXPIRED())
    if status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        raise BookingClosed(t.CANNOT_CHANGE(status=status.value))
    return booking


def _too_late(booking: Booking, rules: SchedulingRules, tz: str, locale: str) -> TooLateToChange:
    hours = rules.free_change // timedelta(hours=1)
    if booking.starts_at is None:
        return TooLateToChange(t.PACKAGE_TOO_LATE())
    starts = format_slot(booking.starts_at, shown_zone(tz), locale)
    return TooLateToChange(t.TOO_LATE(hours=hours, starts=starts))


async def cancel_booking(
    uow: UnitOfWork,
    booking_id: int,
    *,
    client_id: int,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """The client cancels: a hold at any time, a paid booking up to ``rules.free_change``
    before its start (refunding the price is billing's part). TooLateToChange after that."""
    now = utc(now)
    booking = await _own_booking(uow, booking_id, client_id, now)
    if booking.booking_status is BookingStatus.CONFIRMED and not can_change_free(
        booking, now, rules
    ):
        client = await find_client(uow, client_id)
        raise _too_late(booking, rules, client.timezone, client.locale)
    booking.status = BookingStatus.CANCELLED.value
    booking.updated_at = now
    await drop_claims(uow, booking.id)
    await uow.session.flush()
    return booking


async def reschedule_booking(
    uow: UnitOfWork,
    booking_id: int,
    *,
    client_id: int,
    starts_at: datetime,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Move the client's booking to ``starts_at`` in one step: the new slot is claimed and the
    old one freed together, or nothing changes (SlotTaken with the next free slots)."""
    now, start = utc(now), utc(starts_at)
    booking = await _own_booking(uow, booking_id, client_id, now)
    client = await find_client(uow, client_id)
    tz, locale = client.timezone, client.locale
    if booking.starts_at is None or booking.ends_at is None:
        raise ValidationFailed(t.PACKAGE_NO_TIME())
    if not await may_reschedule(uow, booking, now, rules):
        raise _too_late(booking, rules, tz, locale)
    if start == booking.starts_at:
        return booking
    length = booking.ends_at - booking.starts_at
    await check_client_free(
        uow, client_id, start, start + length, now, tz=tz, locale=locale, moving=booking.id
    )
    if not await is_offered(uow, booking.advisor_id, length, start, now, rules):
        raise await refusal(
            SlotUnavailable, uow, booking.advisor_id, length, now, rules, tz, locale
        )
    if start - now < rules.free_change and not await advisor_missed(uow, booking.id):
        # A new time keeps the free-change rule: one inside its window could not be changed.
        raise ValidationFailed(t.NEW_TIME_TOO_SOON(hours=rules.free_change // timedelta(hours=1)))
    cells = grid_cells(start, length + rules.buffer)
    expires_at = booking.hold_expires_at if booking.booking_status is BookingStatus.HELD else None
    await clear_stale(uow, booking.advisor_id, cells, now)
    if not await insert_claims(uow, booking, cells, expires_at, release_old=True):
        raise await refusal(SlotTaken, uow, booking.advisor_id, length, now, rules, tz, locale)
    booking.starts_at = start
    booking.ends_at = start + length
    booking.updated_at = now
    await uow.session.flush()
    return booking


async def client_bookings(uow: UnitOfWork, client_id: int, now: datetime) -> list[Booking]:
    """The client's live bookings (paid, or held and not lapsed), soonest first."""
    now = utc(now)
    result = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.client_id == client_id,
            or_(
                Booking.status == BookingStatus.CONFIRMED.value,
                (Booking.status == BookingStatus.HELD.value) & (Booking.hold_expires_at > now),
            ),
        )
        .order_by(Booking.starts_at, Booking.id)
    )
    return list(result)
