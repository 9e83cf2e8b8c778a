"""The catalogue version: one counter in the database that every writer of what matching
reads (profiles, specialties, prices, ratings, approval, suspension, being online) bumps in
its own transaction, stamping the advisors it changed with the new value.

A process keeping a matching index reads the counter before each question (one row by
primary key) and, only when it moved, reloads the advisors stamped after the version its
index was built at. The bump is an UPDATE of that one row, so on PostgreSQL concurrent
writers queue on its lock until the one before commits: versions are committed in order, and
a reader that has seen version v has seen every change stamped v or lower.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from core.db import UnitOfWork, insert_for
from core.models import Advisor, CatalogueVersion

__all__ = ["bump", "current"]

_ROW = 1


async def current(uow: UnitOfWork) -> int:
    """The version last committed (0 before any writer ran)."""
    version = await uow.session.scalar(
        select(CatalogueVersion.version).where(CatalogueVersion.id == _ROW)
    )
    return version or 0


async def bump(uow: UnitOfWork, advisor_ids: Iterable[int]) -> int:
    """Move the version on and stamp ``advisor_ids`` with it; return the new version.

    Call it in the writer's transaction, after its changes are flushed (new advisors need
    their ids).
    """
    insert = insert_for(uow)
    await uow.session.execute(
        insert(CatalogueVersion)
        .values(id=_ROW, version=1)
        .on_conflict_do_update(
            index_elements=[CatalogueVersion.id],
            set_={"version": CatalogueVersion.version + 1},
        )
    )
    version = await current(uow)
    ids = sorted(set(advisor_ids))
    for start in range(0, len(ids), 500):  # bounded IN lists for large imports
        await uow.session.execute(
            update(Advisor)
            .where(Advisor.id.in_(ids[start : start + 500]))
            .values(catalogue_version=version)
            .execution_options(synchronize_session=False)
        )
    return version
