"""The tick's first steps: a session for each confirmed booking, following its booking when
the client moves it, and cancelled when the booking is."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select

from core.db import UnitOfWork, insert_for
from core.lifecycle.context import BATCH, Lifecycle, in_one_transaction, take_write_lock
from core.models import Booking, BookingStatus, Offer
from core.models.billing import Purchase
from core.models.sessions import AdviceSession, SessionKind, SessionState
from core.taxonomy import OfferKind

ACTIVE = (SessionState.SCHEDULED.value, SessionState.OPEN.value)
_NAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


async def follow_bookings(life: Lifecycle, now: datetime) -> list[int]:
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

    return await in_one_transaction(
        life, now, [AdviceSession.state == SessionState.SCHEDULED.value, live, moved], apply
    )


async def cancel(life: Lifecycle, now: datetime) -> list[int]:
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

    return await in_one_transaction(
        life, now, [AdviceSession.state == SessionState.SCHEDULED.value, gone], apply
    )


async def adopt(life: Lifecycle, now: datetime) -> list[int]:
    """A session for each confirmed booking still to come that has none for its time."""
    has_session = exists().where(
        AdviceSession.booking_id == Booking.id,
        or_(
            AdviceSession.state.in_(ACTIVE),
            Booking.starts_at.is_(None),
            AdviceSession.starts_at == Booking.starts_at,
        ),
    )
    async with life.db.uow() as uow:
        await take_write_lock(uow)
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
            session_id = await _adopt_one(uow, booking, offer, now)
            if session_id is not None:
                made.append(session_id)
        await uow.commit()
    return made


async def _adopt_one(uow: UnitOfWork, booking: Booking, offer: Offer, now: datetime) -> int | None:
    """The new session's id, or None if there is nothing to come (or another worker made it)."""
    times = await _session_times(uow, booking, offer)
    if times is None or times[1] <= now:
        return None
    starts_at, ends_at = times
    kind = SessionKind.MESSAGING if offer.days else SessionKind.LIVE
    return await _insert_session(
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


def _new_room_name() -> str:
    return "session-" + "".join(secrets.choice(_NAME_ALPHABET) for _ in range(4))


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
