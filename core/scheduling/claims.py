"""Slot claims: one row per grid cell, unique per advisor, so a slot can never be sold twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.db import UnitOfWork
from core.models import Booking, BookingStatus, Client, SlotClaim
from core.scheduling.errors import ClientDoubleBooked, HoldLimitReached
from core.scheduling.formatting import format_slot
from core.scheduling.rules import MAX_LIVE_HOLDS
from core.texts import scheduling as t


async def check_hold_limit(uow: UnitOfWork, client_id: int, now: datetime) -> None:
    live_holds = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.client_id == client_id,
            Booking.status == BookingStatus.HELD.value,
            Booking.hold_expires_at > now,
        )
    )
    if (live_holds or 0) >= MAX_LIVE_HOLDS:
        raise HoldLimitReached()


async def clear_stale(
    uow: UnitOfWork, advisor_id: int, cells: Sequence[datetime], now: datetime
) -> None:
    """Expire the lapsed holds that still sit on ``cells`` and free all their cells.

    UPDATE and DELETE take row locks, so two workers never both clean (or both reuse) the
    same stale hold. This also runs a write before any savepoint: SQLite's driver only opens
    its transaction at the first write, and a savepoint opened before it would commit on
    release.
    """
    stale = select(SlotClaim.booking_id).where(
        SlotClaim.advisor_id == advisor_id,
        SlotClaim.slot_start.in_(cells),
        SlotClaim.expires_at.is_not(None),
        SlotClaim.expires_at <= now,
    )
    await uow.session.execute(
        update(Booking)
        .where(Booking.id.in_(stale), Booking.status == BookingStatus.HELD.value)
        .values(status=BookingStatus.EXPIRED.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await uow.session.execute(
        delete(SlotClaim)
        .where(SlotClaim.booking_id.in_(stale.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def _is_slot_clash(error: IntegrityError) -> bool:
    """Whether the insert failed on the one-claim-per-cell constraint (not on something else)."""
    return "slot_claims" in str(error.orig)


async def insert_claims(
    uow: UnitOfWork,
    booking: Booking,
    cells: Sequence[datetime],
    expires_at: datetime | None,
    *,
    release_old: bool = False,
) -> bool:
    """Claim ``cells`` for ``booking`` all or nothing; False if any cell is taken. With
    ``release_old`` the booking's current cells are given up in the same step."""
    session = uow.session
    try:
        async with session.begin_nested():
            if booking.id is None:
                session.add(booking)
                await session.flush()
            if release_old:
                await session.execute(
                    delete(SlotClaim)
                    .where(SlotClaim.booking_id == booking.id)
                    .execution_options(synchronize_session=False)
                )
            # Ascending order, so overlapping claimers queue on the same first cell.
            await session.execute(
                insert(SlotClaim),
                [
                    {
                        "advisor_id": booking.advisor_id,
                        "slot_start": cell,
                        "booking_id": booking.id,
                        "expires_at": expires_at,
                    }
                    for cell in sorted(cells)
                ],
            )
    except IntegrityError as error:
        if not _is_slot_clash(error):
            raise
        return False
    return True


async def drop_claims(uow: UnitOfWork, booking_id: int) -> None:
    await uow.session.execute(
        delete(SlotClaim)
        .where(SlotClaim.booking_id == booking_id)
        .execution_options(synchronize_session=False)
    )


async def check_client_free(
    uow: UnitOfWork,
    client_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    tz: str,
    locale: str,
    moving: int | None = None,
) -> None:
    """Refuse a time that overlaps another of the client's sessions (with any advisor),
    naming that session; ``moving`` is the booking being rescheduled, which does not count.
    The client's row is locked first, so two holds of one client are checked one at a time."""
    await uow.session.execute(select(Client.id).where(Client.id == client_id).with_for_update())
    live = or_(
        Booking.status == BookingStatus.CONFIRMED.value,
        and_(Booking.status == BookingStatus.HELD.value, Booking.hold_expires_at > now),
    )
    query = (
        select(Booking)
        .where(
            Booking.client_id == client_id,
            live,
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
        .options(selectinload(Booking.offer), selectinload(Booking.advisor))
        .order_by(Booking.starts_at)
        .limit(1)
    )
    if moving is not None:
        query = query.where(Booking.id != moving)
    clash = await uow.session.scalar(query)
    if clash is not None:
        assert clash.starts_at is not None
        raise ClientDoubleBooked(
            t.CLIENT_CLASH(
                offer=clash.offer.name,
                advisor=clash.advisor.display_name,
                when=format_slot(clash.starts_at, tz, locale),
            )
        )
