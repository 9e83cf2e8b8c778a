"""Shared fixtures: a migrated database per test, on SQLite by default or on PostgreSQL when
PATHWISE_TEST_DATABASE_URL is set (CI runs the suite both ways)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core import migrations
from core.clock import ManualClock
from core.config import Settings
from core.db import Database, create_engine
from core.models import Base

# The toolkit's fixtures (tests/support/), available to every test.
pytest_plugins = [
    "tests.support.stripe_stand_in",
    "tests.support.billing_fixtures",
    "tests.support.sessions",
    "tests.support.discord_bot",
    "tests.support.telegram_bot",
    "tests.support.run",
]

POSTGRES_URL = os.environ.get("PATHWISE_TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("PATHWISE_REQUIRE_POSTGRES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (PATHWISE_TEST_DATABASE_URL)")
    if REQUIRE_POSTGRES and not (POSTGRES_URL and POSTGRES_URL.startswith("postgresql")):
        raise pytest.UsageError(
            "PATHWISE_REQUIRE_POSTGRES=1 but PATHWISE_TEST_DATABASE_URL is not a PostgreSQL URL"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if POSTGRES_URL:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: set PATHWISE_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


async def _reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema, then migrate it from scratch."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per run: PostgreSQL, or a SQLite template file."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        migrations.upgrade(POSTGRES_URL)
        return POSTGRES_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite+aiosqlite:///{template}"
    migrations.upgrade(url)
    return url


@pytest.fixture
def database_url(migrated_url: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if migrated_url.startswith("postgresql"):
        return migrated_url  # emptied by the `db` fixture before each test
    path = Path(make_url(migrated_url).database or "")
    copy = tmp_path / "pathwise.sqlite3"
    shutil.copyfile(path, copy)
    return f"sqlite+aiosqlite:///{copy}"


async def _truncate_all(database: Database) -> None:
    """Empty every Pathwise table (PostgreSQL), keeping the schema and its revision."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The database, opened the way the app opens it."""
    database = Database(database_url)
    if database.dialect == "postgresql":
        await _truncate_all(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A clock that starts at a fixed moment and moves only when a test moves it."""
    return ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Iterator[Settings]:
    """Default settings on the test database, ignoring any .env or PATHWISE_* of the machine."""
    yield Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
