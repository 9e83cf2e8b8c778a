"""Holding a slot for checkout, confirming it once paid, releasing and expiring holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from core.db import UnitOfWork
from core.models import Advisor, Booking, BookingStatus, Offer, SlotClaim
from core.scheduling.availability import is_offered, refusal, session_length, soonest_slots
from core.scheduling.claims import (
    check_client_free,
    check_hold_limit,
    clear_stale,
    drop_claims,
    insert_claims,
)
from core.scheduling.errors import BookingClosed, BookingNotFound, SlotTaken, SlotUnavailable
from core.scheduling.lookups import bookable_offer, find_client, lock_booking
from core.scheduling.rules import DEFAULT_RULES, SchedulingRules
from core.scheduling.times import grid_cells, utc
from core.texts import scheduling as t


async def hold_slot(
    uow: UnitOfWork,
    *,
    client_id: int,
    offer_id: int,
    starts_at: datetime,
    now: datetime,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Hold a live slot for checkout: a ``held`` booking with the price copied, expiring after
    ``rules.hold``. SlotTaken (with the next free slots) if someone else has it."""
    now, start = utc(now), utc(starts_at)
    client = await find_client(uow, client_id)
    tz, locale = client.timezone, client.locale
    offer, advisor = await bookable_offer(uow, offer_id)
    length = session_length(offer.offer_kind)

    # A double tap on the same button gets the same hold back, not "just taken".
    mine = await uow.session.scalar(
        select(Booking).where(
            Booking.client_id == client_id,
            Booking.offer_id == offer.id,
            Booking.starts_at == start,
            Booking.status == BookingStatus.HELD.value,
            Booking.hold_expires_at > now,
        )
    )
    if mine is not None:
        return mine
    await check_hold_limit(uow, client_id, now)
    await check_client_free(uow, client_id, start, start + length, now, tz=tz, locale=locale)
    if not await is_offered(uow, advisor.id, length, start, now, rules):
        raise await refusal(SlotUnavailable, uow, advisor.id, length, now, rules, tz, locale)

    booking = held_booking(client_id, offer, advisor, now, rules, start, length)
    cells = grid_cells(start, length + rules.buffer)
    await clear_stale(uow, advisor.id, cells, now)
    if not await insert_claims(uow, booking, cells, booking.hold_expires_at):
        raise await refusal(SlotTaken, uow, advisor.id, length, now, rules, tz, locale)
    return booking


def held_booking(
    client_id: int,
    offer: Offer,
    advisor: Advisor,
    now: datetime,
    rules: SchedulingRules,
    start: datetime | None = None,
    length: timedelta | None = None,
) -> Booking:
    """A new ``held`` booking of ``offer`` (not added yet), the price copied, expiring after
    ``rules.hold``; a messaging package has no ``start``."""
    return Booking(
        client_id=client_id,
        advisor_id=advisor.id,
        offer_id=offer.id,
        status=BookingStatus.HELD.value,
        starts_at=start,
        ends_at=None if start is None or length is None else start + length,
        hold_expires_at=now + rules.hold,
        price_minor=offer.price_minor,
        currency=offer.currency,
        created_at=now,
        updated_at=now,
    )


async def confirm_booking(
    uow: UnitOfWork,
    booking_id: int,
    now: datetime,
    *,
    rules: SchedulingRules = DEFAULT_RULES,
) -> Booking:
    """Mark a paid booking confirmed and make its claim permanent. Idempotent.

    A payment can land after the hold lapsed (a late webhook): the slot is then claimed
    again if it is still free, else SlotTaken says so and the caller refunds.
    """
    now = utc(now)
    booking = await lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    status = booking.booking_status
    if status is BookingStatus.CONFIRMED:
        return booking
    if status not in (BookingStatus.HELD, BookingStatus.EXPIRED):
        raise BookingClosed(t.CANNOT_CONFIRM(status=status.value))
    if booking.starts_at is not None and booking.ends_at is not None:
        # The hold's cells become permanent; none updated means the hold lapsed and its cells
        # were freed, so claim them again if they are still free.
        kept = await uow.session.execute(
            update(SlotClaim)
            .where(SlotClaim.booking_id == booking.id)
            .values(expires_at=None)
            .execution_options(synchronize_session=False)
        )
        if not getattr(kept, "rowcount", 0):
            length = booking.ends_at - booking.starts_at
            cells = grid_cells(booking.starts_at, length + rules.buffer)
            await clear_stale(uow, booking.advisor_id, cells, now)
            if not await insert_claims(uow, booking, cells, None):
                client = await find_client(uow, booking.client_id)
                next_free = await soonest_slots(uow, booking.advisor_id, length, now, rules)
                raise SlotTaken(next_free, client.timezone, client.locale, rules.horizon_days)
    booking.status = BookingStatus.CONFIRMED.value
    booking.updated_at = now
    await uow.session.flush()
    return booking


async def release_hold(uow: UnitOfWork, booking_id: int, now: datetime) -> Booking:
    """Give up a held booking's slot (checkout expired or abandoned). Idempotent; a booking
    that is no longer held is returned unchanged."""
    now = utc(now)
    booking = await lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    if booking.booking_status is BookingStatus.HELD:
        booking.status = BookingStatus.EXPIRED.value
        booking.updated_at = now
        await drop_claims(uow, booking.id)
        await uow.session.flush()
    return booking


async def extend_hold(uow: UnitOfWork, booking_id: int, until: datetime, now: datetime) -> Booking:
    """Keep a live hold until ``until`` (a checkout may outlive the default hold), moving the
    booking's expiry and its claims' together. Never shortens a hold."""
    now, until = utc(now), utc(until)
    booking = await lock_booking(uow, booking_id)
    if booking is None:
        raise BookingNotFound()
    if not hold_is_live(booking, now):
        raise BookingClosed(t.HOLD_EXPIRED())
    if booking.hold_expires_at is not None and booking.hold_expires_at >= until:
        return booking
    booking.hold_expires_at = until
    booking.updated_at = now
    await uow.session.execute(
        update(SlotClaim)
        .where(SlotClaim.booking_id == booking.id, SlotClaim.expires_at.is_not(None))
        .values(expires_at=until)
        .execution_options(synchronize_session=False)
    )
    await uow.session.flush()
    return booking


async def expire_holds(uow: UnitOfWork, now: datetime, *, limit: int = 500) -> list[int]:
    """For the periodic tick: expire lapsed holds and free their slots; returns their ids.
    Workers skip rows another worker has locked."""
    now = utc(now)
    ids = list(
        await uow.session.scalars(
            select(Booking.id)
            .where(Booking.status == BookingStatus.HELD.value, Booking.hold_expires_at <= now)
            .order_by(Booking.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        await uow.session.execute(
            update(Booking)
            .where(Booking.id.in_(ids))
            .values(status=BookingStatus.EXPIRED.value, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        await uow.session.execute(
            delete(SlotClaim)
            .where(SlotClaim.booking_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return ids


def hold_is_live(booking: Booking, now: datetime) -> bool:
    """Whether a booking is held and its hold has not lapsed (a lapsed hold may not be tidied
    up yet: expiry is lazy)."""
    return (
        booking.booking_status is BookingStatus.HELD
        and booking.hold_expires_at is not None
        and booking.hold_expires_at > utc(now)
    )
