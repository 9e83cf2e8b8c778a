"""Alembic migrations build exactly the models' schema, and go down and up again cleanly."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from core import migrations
from core.db import Database, create_engine
from core.errors import DatabaseNotReady
from core.models import Base

POSTGRES_URL = os.environ.get("PATHWISE_TEST_DATABASE_URL")


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the kind under test, dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"pathwise_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def _run(url: str, fn: object) -> object:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(fn)  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(scratch_url: str) -> None:
    await migrations.upgrade_async(scratch_url)
    assert {"clients", "advisors", "offers", "platform_identities"} <= await _run(
        scratch_url, _tables
    )  # type: ignore[operator]
    assert await _run(scratch_url, _diff) == [], "models and migrations disagree: make a migration"

    await migrations.downgrade_async(scratch_url, "base")
    assert await _run(scratch_url, _tables) <= {"alembic_version"}  # type: ignore[operator]

    await migrations.upgrade_async(scratch_url)
    assert await _run(scratch_url, _diff) == []


async def test_every_revision_steps_down_and_up_one_at_a_time(scratch_url: str) -> None:
    await migrations.upgrade_async(scratch_url)
    head = migrations.head_revision()
    await migrations.downgrade_async(scratch_url, "-1")
    await migrations.upgrade_async(scratch_url, "+1")
    database = Database(scratch_url)
    try:
        await database.check_ready()
        conn = await database.connect()
        current, code_head = await conn.run_sync(migrations.current_and_head)
        await conn.close()
    finally:
        await database.dispose()
    assert current == code_head == head


async def test_an_unmigrated_database_says_which_command_to_run(scratch_url: str) -> None:
    database = Database(scratch_url)
    try:
        with pytest.raises(DatabaseNotReady, match="Run `pathwise db upgrade` first"):
            await database.check_ready()
    finally:
        await database.dispose()


async def test_an_outdated_database_says_which_command_to_run(scratch_url: str) -> None:
    await migrations.upgrade_async(scratch_url)
    await migrations.downgrade_async(scratch_url, "-1")
    database = Database(scratch_url)
    try:
        if migrations.head_revision() == "0001":
            pytest.skip("only one revision so far")
        with pytest.raises(DatabaseNotReady, match=r"needs .*Run `pathwise db upgrade` first"):
            await database.check_ready()
    finally:
        await database.dispose()
