"""Engine, session factory and unit of work. Built once by the composition root, passed in."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import DatabaseNotReady

UPGRADE_HINT = "Run `pathwise db upgrade` first."


def parse_database_url(url: str) -> URL:
    """Parse and check a database URL; a DatabaseNotReady with one readable line if it is wrong."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise DatabaseNotReady(f"PATHWISE_DATABASE_URL is not a database URL: {error}") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseNotReady(
            f"Unsupported database {parsed.get_backend_name()!r}: "
            "use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db."
        )
    return parsed


def safe_url(url: str | URL) -> str:
    """The URL with any password hidden, fit for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "<invalid database URL>"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, wait for a busy writer instead of failing at once, and write ahead
    (WAL): readers never wait for a commit, and a commit syncs once; synchronous stays FULL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; creates the SQLite file's folder if needed."""
    parsed = parse_database_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Errors are logged with their traceback: show the SQL but never the values (what people
    # wrote, their names).
    kwargs.setdefault("hide_parameters", True)
    try:
        engine = create_async_engine(parsed, **kwargs)
    except (exc.ArgumentError, exc.NoSuchModuleError) as error:
        raise DatabaseNotReady(f"Cannot use database {safe_url(parsed)}: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def insert_for(uow: UnitOfWork) -> Any:
    """The dialect's INSERT construct, which has ``on_conflict_do_nothing`` on SQLite and
    PostgreSQL alike (the portable ``insert`` has no ON CONFLICT)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = uow.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class UnitOfWork:
    """One transaction: ``async with db.uow() as uow: ...; await uow.commit()``. Rolls back
    unless committed."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; loaded objects stay readable.
        session = self.session
        self._session = None
        await session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class Database:
    """The engine and its session factory, made once at start-up."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def connect(self) -> AsyncConnection:
        """A connection, or DatabaseNotReady with a readable reason."""
        try:
            return await self.engine.connect()
        except (exc.DBAPIError, OSError) as error:
            reason = getattr(error, "orig", None) or error
            raise DatabaseNotReady(
                f"Cannot connect to {safe_url(self.url)}: {str(reason).splitlines()[0]}"
            ) from None

    async def check_ready(self) -> None:
        """Raise DatabaseNotReady unless the database is reachable and fully migrated."""
        from core.migrations import current_and_head  # local: Alembic is only needed here

        conn = await self.connect()
        try:
            current, head = await conn.run_sync(current_and_head)
        finally:
            await conn.close()
        if current is None:
            raise DatabaseNotReady(
                f"The database at {safe_url(self.url)} has no Pathwise tables yet. {UPGRADE_HINT}"
            )
        if current != head:
            raise DatabaseNotReady(
                f"The database at {safe_url(self.url)} is at revision {current}, "
                f"but this version of Pathwise needs {head}. {UPGRADE_HINT}"
            )
