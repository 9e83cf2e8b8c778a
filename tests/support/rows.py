"""Reading rows back: what a test checks in the database after the code under test ran."""

from __future__ import annotations

from typing import TypeVar

from core.db import Database

Row = TypeVar("Row")


async def row(db: Database, model: type[Row], key: object) -> Row:
    """The row of ``model`` with primary key ``key``, read in its own transaction (fails the
    test if there is none)."""
    async with db.uow() as uow:
        found = await uow.session.get(model, key)
        assert found is not None, f"no {model.__name__} {key!r}"
        return found
