"""Platform updates are taken in once: Telegram delivers an update again after a restart
before its offset was confirmed, or when a webhook answer came too late."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete

from core.accounts import Platform
from core.db import UnitOfWork, insert_for
from core.models.updates import ReceivedUpdate

# Telegram keeps an unconfirmed update for 24 hours; an id older than this cannot come back.
KEEP_FOR = timedelta(days=2)


async def take_in_once(uow: UnitOfWork, platform: Platform, update_id: int, now: datetime) -> bool:
    """Record ``update_id`` in ``uow``'s transaction; False if it was taken in before. A
    concurrent handler of the same id waits here until the first commits, then sees it; if
    the first rolls back, the update is taken in again."""
    statement = (
        insert_for(uow)(ReceivedUpdate)
        .values(platform=platform.value, update_key=update_key(update_id), received_at=now)
        .on_conflict_do_nothing(index_elements=["platform", "update_key"])
        .returning(ReceivedUpdate.update_key)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none() is not None


def update_key(update_id: int) -> str:
    """What is stored of an update id: a digest, since knowing an id again needs only
    equality, and a scan for a person's numbers (``core.privacy.leftovers``) finds none here."""
    return hashlib.sha256(str(update_id).encode()).hexdigest()[:32]


async def forget_old(uow: UnitOfWork, now: datetime) -> int:
    """Drop ids too old to be delivered again; how many went."""
    result = await uow.session.execute(
        delete(ReceivedUpdate).where(ReceivedUpdate.received_at < now - KEEP_FOR)
    )
    return int(getattr(result, "rowcount", 0) or 0)
