"""Reading rows back: what a test looks at after core has written, each read in its own unit
of work (as another request would see it).

    booking = await row(db, Booking, booking_id)
    sent = await rows(db, OutboxMessage, kind="aftercare", audience="client")
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select

from core.db import Database

T = TypeVar("T")


async def row(db: Database, model: type[T], key: int) -> T:
    """The one row of ``model`` with primary key ``key``; a test fails if there is none."""
    async with db.uow() as uow:
        found = await uow.session.get(model, key)
    assert found is not None, f"no {model.__name__} {key}"
    return found


async def rows(db: Database, model: type[T], **equal: Any) -> list[T]:
    """Every row of ``model`` whose columns equal ``equal``, oldest first."""
    query = select(model).order_by(model.id)  # type: ignore[attr-defined]
    for column, value in equal.items():
        query = query.where(getattr(model, column) == value)
    async with db.uow() as uow:
        return list(await uow.session.scalars(query))
