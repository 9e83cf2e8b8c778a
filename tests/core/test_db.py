"""The unit of work commits only when told, and timestamps come back aware and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.db import Database, UnitOfWork
from core.errors import DatabaseNotReady
from core.models import Client, PlatformIdentity


async def test_nothing_is_written_unless_committed(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.uow() as uow:
        uow.session.add(Client(display_name="Zoë", created_at=now))
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(Client.id))) == 0
        uow.session.add(Client(display_name="Zoë", created_at=now))
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count(Client.id))) == 1


async def test_sqlite_writes_ahead_so_readers_never_wait_for_a_commit(db: Database) -> None:
    """WAL: a commit appends to the log instead of locking readers out while it rewrites the
    file, and costs fewer syncs; durability is unchanged (synchronous stays FULL)."""
    if db.dialect != "sqlite":
        pytest.skip("SQLite only")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL


async def test_timestamps_round_trip_as_aware_utc(db: Database) -> None:
    madrid_evening = datetime(2026, 3, 29, 20, 30, tzinfo=timezone(timedelta(hours=2)))
    async with db.uow() as uow:
        uow.session.add(Client(display_name="Ana", created_at=madrid_evening))
        await uow.commit()
    async with db.uow() as uow:
        stored = await uow.session.scalar(select(Client.created_at))
    assert stored == madrid_evening
    assert stored is not None and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 18


async def test_naive_timestamps_are_refused(db: Database) -> None:
    async with db.uow() as uow:
        uow.session.add(Client(display_name="Ana", created_at=datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetimes"):
            await uow.session.flush()


async def _client_on_telegram(uow: UnitOfWork, name: str, user_id: int, now: datetime) -> None:
    """A client, and the Telegram account ``user_id`` as theirs, added to ``uow`` and flushed."""
    client = Client(display_name=name, created_at=now)
    uow.session.add(client)
    await uow.session.flush()
    uow.session.add(
        PlatformIdentity(
            platform="telegram", platform_user_id=user_id, client_id=client.id, created_at=now
        )
    )
    await uow.session.flush()


async def test_one_platform_account_belongs_to_one_person(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.uow() as uow:
        await _client_on_telegram(uow, "Zoë", 7, now)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await _client_on_telegram(uow, "Someone else", 7, now)


async def test_an_identity_needs_exactly_one_owner(db: Database) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.uow() as uow:
        uow.session.add(PlatformIdentity(platform="discord", platform_user_id=9, created_at=now))
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_a_database_error_never_shows_the_values_written(db: Database) -> None:
    """Errors end up in logs with their traceback; what a person wrote must not."""
    private = "Zoë, who told us about her divorce"
    async with db.uow() as uow:
        with pytest.raises(IntegrityError) as caught:  # no created_at: NOT NULL fails
            await uow.session.execute(
                text("INSERT INTO clients (display_name) VALUES (:name)"), {"name": private}
            )
    assert "clients" in str(caught.value)
    assert private not in str(caught.value)


async def test_an_unreachable_database_is_one_readable_line() -> None:
    database = Database("postgresql+asyncpg://nobody:secret@127.0.0.1:1/nothing")
    try:
        with pytest.raises(DatabaseNotReady) as caught:
            await database.check_ready()
    finally:
        await database.dispose()
    message = str(caught.value)
    assert message.startswith(
        "Cannot connect to postgresql+asyncpg://nobody:***@127.0.0.1:1/nothing"
    )
    assert "secret" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [("not a url", "is not a database URL"), ("mysql://u@h/d", "Unsupported database 'mysql'")],
)
def test_a_wrong_database_url_is_one_readable_line(url: str, expected: str) -> None:
    with pytest.raises(DatabaseNotReady, match=expected):
        Database(url)
