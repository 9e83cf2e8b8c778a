"""The rows scheduling works on, looked up with clear errors (ids outside the database's range
are simply not found)."""

from __future__ import annotations

from sqlalchemy import select

from core.db import UnitOfWork
from core.errors import NotFound
from core.models import Advisor, Booking, Client, Offer
from core.scheduling.rules import MAX_DB_ID
from core.texts import scheduling as t


async def find_advisor(uow: UnitOfWork, advisor_id: int) -> Advisor:
    advisor = await uow.session.get(Advisor, advisor_id) if 0 < advisor_id <= MAX_DB_ID else None
    if advisor is None:
        raise NotFound(t.ADVISOR_NOT_FOUND())
    return advisor


async def bookable_offer(uow: UnitOfWork, offer_id: int) -> tuple[Offer, Advisor]:
    """The offer and its advisor, if both can be booked."""
    row = None
    if 0 < offer_id <= MAX_DB_ID:
        row = (
            await uow.session.execute(
                select(Offer, Advisor)
                .join(Advisor, Offer.advisor_id == Advisor.id)
                .where(Offer.id == offer_id, Offer.active, Advisor.active, Advisor.approved)
            )
        ).first()
    if row is None:
        raise NotFound(t.OFFER_GONE())
    return row[0], row[1]


async def find_client(uow: UnitOfWork, client_id: int) -> Client:
    client = await uow.session.get(Client, client_id) if 0 < client_id <= MAX_DB_ID else None
    if client is None:
        raise NotFound(t.ACCOUNT_NOT_FOUND())
    return client


async def lock_booking(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """The booking, re-read under a row lock (PostgreSQL; SQLite serialises writers anyway)."""
    if not 0 < booking_id <= MAX_DB_ID:
        return None
    return await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
