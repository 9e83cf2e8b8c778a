"""Row locks and claims: how two workers never act on the same booking, purchase or refund."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from core.db import UnitOfWork
from core.models.accounts import Advisor, Client
from core.models.billing import Purchase, ReceiptCounter
from core.models.bookings import Booking


async def serialize_writers(uow: UnitOfWork) -> None:
    """On SQLite, take the database's write lock now, as ``BEGIN IMMEDIATE`` would.

    SQLite has no row locks and its Python driver runs reads outside any transaction until
    the first write, so two workers could both read "pending" and both act. A no-op write
    first makes the transaction a writer at once: a second worker waits here (busy timeout)
    until the first commits, then reads what it committed. PostgreSQL uses row locks instead.
    """
    if uow.session.get_bind().dialect.name == "sqlite":
        await uow.session.execute(
            update(ReceiptCounter)
            .where(ReceiptCounter.year == -1)
            .values(last_sequence=ReceiptCounter.last_sequence)
            .execution_options(synchronize_session=False)
        )


async def claim(uow: UnitOfWork, model: Any, row_id: Any, column: str, expected: Any) -> bool:
    """Move one row out of an expected state, atomically: ``UPDATE ... WHERE id = :id AND
    <column> IN (:expected)``. Only one of two racing workers gets True.

    On PostgreSQL the row locks taken before make this a formality. On SQLite, which has no
    row locks and whose driver reads outside transactions, it is what keeps two handlers of
    the same refund or payment from both acting: the UPDATE waits for the write lock and then
    sees the other's committed change.
    """
    values = expected if isinstance(expected, list | tuple | set) else [expected]
    result = await uow.session.execute(
        update(model)
        .where(model.id == row_id)
        .where(getattr(model, column).in_([str(v) for v in values]))
        .values({column: getattr(model, column)})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _booking_with_people() -> Any:
    return select(Booking).options(
        selectinload(Booking.offer), selectinload(Booking.advisor), selectinload(Booking.client)
    )


async def load_booking(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """The booking, not locked, with its offer, advisor and client loaded."""
    booking: Booking | None = await uow.session.scalar(
        _booking_with_people().where(Booking.id == booking_id)
    )
    return booking


async def lock_booking(uow: UnitOfWork, booking_id: int) -> Booking | None:
    """The booking, row-locked, with its offer, advisor and client loaded."""
    await serialize_writers(uow)
    booking: Booking | None = await uow.session.scalar(
        _booking_with_people()
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return booking


async def lock_purchase(
    uow: UnitOfWork, purchase_id: int
) -> tuple[Purchase | None, Booking | None]:
    """A purchase and its booking, row-locked in the one order every path uses: booking first,
    then purchase, so two workers never wait on each other in a circle."""
    # A purchase's booking is set when it is made and never changes: safe to read unlocked.
    booking_id = await uow.session.scalar(
        select(Purchase.booking_id).where(Purchase.id == purchase_id)
    )
    booking = None
    if booking_id is not None:
        booking = await lock_booking(uow, booking_id)  # serializes writers first
    else:
        await serialize_writers(uow)
    purchase = await uow.session.scalar(
        select(Purchase)
        .where(Purchase.id == purchase_id)
        .options(selectinload(Purchase.refunds))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return purchase, booking


async def people_of(uow: UnitOfWork, purchase: Purchase) -> tuple[Client | None, Advisor]:
    """The purchase's buyer (None once erased) and advisor."""
    client = await uow.session.get(Client, purchase.client_id) if purchase.client_id else None
    advisor = await uow.session.get(Advisor, purchase.advisor_id)
    assert advisor is not None
    return client, advisor
