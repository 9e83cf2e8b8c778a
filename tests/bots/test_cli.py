"""The pathwise command: help, migrations, catalogue import and listing, readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bots.cli import SAMPLE_CATALOGUE, cli


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """A CLI run in an empty folder on a fresh SQLite file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    return CliRunner()


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "advisors"):
        assert command in result.output


def test_upgrade_import_and_list(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    imported = runner.invoke(cli, ["advisors", "import", str(SAMPLE_CATALOGUE)])
    assert imported.exit_code == 0, imported.output
    assert imported.output.startswith("Imported 14 new and updated 0 advisor(s).")
    listed = runner.invoke(cli, ["advisors", "list"])
    assert listed.exit_code == 0
    lines = listed.output.strip().splitlines()
    assert len(lines) == 14
    assert lines[1].startswith("ana-ruiz") and "60-minute live session $60.00" in lines[1]


def test_commands_on_an_unmigrated_database_say_what_to_run(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["advisors", "list"])
    assert result.exit_code == 1
    assert "Run `pathwise db upgrade` first." in result.output
    assert "Traceback" not in result.output


def test_a_bad_catalogue_imports_nothing_and_lists_each_bad_row(
    runner: CliRunner, tmp_path: Path
) -> None:
    runner.invoke(cli, ["db", "upgrade"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"slug": "x1"}, {"slug": "x2", "timezone": "Nowhere/City"}]))
    result = runner.invoke(cli, ["advisors", "import", str(path)])
    assert result.exit_code == 1
    assert "Nothing was imported; 2 row(s) need fixing" in result.output
    assert "row 1 (x1): display_name: Field required" in result.output
    assert "row 2 (x2):" in result.output and "unknown time zone 'Nowhere/City'" in result.output
    assert "No advisors yet" in runner.invoke(cli, ["advisors", "list"]).output


def test_a_wrong_database_url_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWISE_DATABASE_URL", "postgresql+asyncpg://u:pw@127.0.0.1:1/db")
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: Cannot connect to postgresql+asyncpg://u:***@127.0.0.1:1/db: "
        "[Errno 111] Connect call failed ('127.0.0.1', 1)"
    ]


def test_a_bad_setting_is_one_line_naming_the_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWISE_LOG_FORMAT", "xml")
    monkeypatch.setenv("PATHWISE_DISCORD_SHARDS", "0")
    result = runner.invoke(cli, ["advisors", "list"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: PATHWISE_DISCORD_SHARDS: Input should be greater than or equal to 1; "
        "or Input should be 'auto'.",
        "Error: PATHWISE_LOG_FORMAT: Input should be 'text' or 'json'.",
    ]
