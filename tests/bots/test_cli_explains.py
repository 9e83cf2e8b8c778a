"""The command line explains itself: a bad setting is one line naming its variable and the fix,
``run`` names every missing setting of the pieces asked for at once, the web piece does not
start without its webhook secret, an import names every problem of a catalogue in one pass,
``chat`` on an empty catalogue says how to import one, no command leaves a database file
behind that it did not need, and ``bench`` uses PostgreSQL only where it is told to."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import bench.suite
import bench.webhooks
from bots.cli import SAMPLE_CATALOGUE, cli
from bots.preflight import PIECE_NEEDS
from bots.run import PIECES, running
from core.catalogue import PRICE_MAX_MINOR
from core.config import Settings, SettingsInvalid
from tests.support.readme import table_rows

ROOT = Path(__file__).parents[2]
SQLITE_FIX = "sqlite+aiosqlite:///data/pathwise.sqlite3"
POSTGRES_FIX = "postgresql+asyncpg://user:password@localhost:5432/pathwise"
MISSING_DATABASE = (
    "There is no database at data/pathwise.sqlite3 yet. Run `pathwise db upgrade` first."
)
TELEGRAM_TOKEN = (
    "PATHWISE_TELEGRAM_TOKEN is not set (needed by telegram): the bot's token from @BotFather."
)
STRIPE_KEY = (
    "PATHWISE_STRIPE_SECRET_KEY is not set (needed by {pieces}): the secret key from the "
    "Stripe dashboard (sk_test_… or sk_live_…)."
)
STRIPE_WEBHOOK_SECRET = (
    "PATHWISE_STRIPE_WEBHOOK_SECRET is not set (needed by web): the signing secret (whsec_…) "
    "of the Stripe endpoint PATHWISE_PUBLIC_URL/stripe/webhook; without it every Stripe event "
    "would be refused."
)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    """The CLI in an empty folder (no .env), with none of this machine's PATHWISE_* settings."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PATHWISE_"):
            monkeypatch.delenv(name)
    return CliRunner()


@pytest.fixture
def migrated(runner: CliRunner, tmp_path: Path) -> CliRunner:
    """The default database (data/pathwise.sqlite3 here), created the way the README says."""
    created = runner.invoke(cli, ["db", "upgrade"])
    assert created.exit_code == 0, created.output
    assert (tmp_path / "data" / "pathwise.sqlite3").is_file()
    return runner


def setenv(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """PATHWISE_<NAME>=value in the environment for each setting given by name."""
    for name, value in settings.items():
        monkeypatch.setenv(f"PATHWISE_{name.upper()}", value)


def errors(result: Result) -> list[str]:
    """What the person sees on stderr, line by line; never a traceback."""
    assert "Traceback" not in result.output
    return result.stderr.strip().splitlines()


def refused(runner: CliRunner, args: list[str]) -> list[str]:
    """``pathwise ARGS`` (nothing typed in) exits 1 having done nothing; what it says on
    stderr, line by line."""
    result = runner.invoke(cli, args, input="")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    return errors(result)


# -- 1. a bad setting is one line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "PATHWISE_DATABASE_URL",
            "postgresql://pathwise:s3cret@db.example.com/pathwise",
            "Error: PATHWISE_DATABASE_URL: postgresql:// needs the async driver asyncpg: "
            "write postgresql+asyncpg://pathwise:***@db.example.com/pathwise.",
        ),
        (
            "PATHWISE_DATABASE_URL",
            "postgres://pathwise@db.example.com/pathwise",
            "Error: PATHWISE_DATABASE_URL: postgres:// needs the async driver asyncpg: "
            "write postgresql+asyncpg://pathwise@db.example.com/pathwise.",
        ),
        (
            "PATHWISE_DATABASE_URL",
            "sqlite:///data/pathwise.sqlite3",
            "Error: PATHWISE_DATABASE_URL: sqlite:// needs the async driver aiosqlite: "
            f"write {SQLITE_FIX}.",
        ),
        (
            "PATHWISE_DATABASE_URL",
            "mysql+aiomysql://pathwise@db.example.com/pathwise",
            "Error: PATHWISE_DATABASE_URL: mysql is not supported; use SQLite "
            f"({SQLITE_FIX}) or PostgreSQL ({POSTGRES_FIX}).",
        ),
        (
            "PATHWISE_DATABASE_URL",
            "db.example.com",
            "Error: PATHWISE_DATABASE_URL: not a database URL; write it like "
            f"{SQLITE_FIX} or {POSTGRES_FIX}.",
        ),
        (
            "PATHWISE_CURRENCY",
            "dollars",
            "Error: PATHWISE_CURRENCY: must be a three-letter ISO 4217 code, like USD.",
        ),
        (
            "PATHWISE_TIP_PRESETS_MINOR",
            "3, 5, 10",
            "Error: PATHWISE_TIP_PRESETS_MINOR: must be a JSON list, like [300, 500, 1000].",
        ),
    ],
)
@pytest.mark.parametrize("command", [["doctor"], ["advisors", "list"], ["db", "upgrade"]])
def test_a_bad_setting_is_one_line_naming_the_variable_and_the_fix(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    line: str,
    command: list[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert refused(runner, command) == [line]  # and the password is not in it


def test_every_bad_setting_is_named_at_once(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    setenv(
        monkeypatch,
        database_url="sqlite:///x.sqlite3",
        web_port="eighty",
        log_level="loud",
        tip_presets_minor="300,500",
    )
    assert refused(runner, ["doctor"]) == [
        "Error: PATHWISE_DATABASE_URL: sqlite:// needs the async driver aiosqlite: "
        "write sqlite+aiosqlite:///x.sqlite3.",
        "Error: PATHWISE_TIP_PRESETS_MINOR: must be a JSON list, like [300, 500, 1000].",
        "Error: PATHWISE_WEB_PORT: Input should be a valid integer, unable to parse string as "
        "an integer.",
        "Error: PATHWISE_LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'.",
    ]


def test_the_demo_ignores_the_environments_settings_broken_ones_too(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    setenv(monkeypatch, database_url="postgresql://nobody@192.0.2.1/none", log_format="xml")
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "Demo passed:" in result.stdout


def test_a_database_driver_that_is_not_installed_is_one_line(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "asyncpg" else find_spec(name, *args),
    )
    monkeypatch.setenv("PATHWISE_DATABASE_URL", "postgresql+asyncpg://pathwise@db/pathwise")
    assert refused(runner, ["doctor"]) == [
        "Error: PATHWISE_DATABASE_URL: the driver asyncpg is not installed: pip install asyncpg."
    ]


def test_the_installed_command_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWISE_")}
    env["PATHWISE_DATABASE_URL"] = "postgresql://pathwise:s3cret@127.0.0.1:1/pathwise"
    env["PYTHONPATH"] = str(ROOT)
    for command in (["doctor"], ["run"], ["db", "upgrade"]):
        done = subprocess.run(
            [sys.executable, "-m", "bots.cli", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, command
        assert done.stderr.splitlines() == [
            "Error: PATHWISE_DATABASE_URL: postgresql:// needs the async driver asyncpg: "
            "write postgresql+asyncpg://pathwise:***@127.0.0.1:1/pathwise."
        ], command
        assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


# -- 2 and 3. run asks each piece for what it needs, all at once ---------------------------


def test_run_names_every_missing_setting_of_every_piece_at_once(migrated: CliRunner) -> None:
    assert refused(migrated, ["run"]) == [
        f"Error: {TELEGRAM_TOKEN}",
        "Error: " + STRIPE_KEY.format(pieces="telegram, discord, web and worker"),
        "Error: PATHWISE_DISCORD_TOKEN is not set (needed by discord): the bot token from the "
        "Discord developer portal (Bot > Reset Token).",
        "Error: PATHWISE_DISCORD_GUILD_ID is not set (needed by discord): the id of the "
        "Pathwise Discord server.",
        f"Error: {STRIPE_WEBHOOK_SECRET}",
    ]


def test_the_telegram_piece_is_asked_only_for_what_it_uses(migrated: CliRunner) -> None:
    # Its token, and the Stripe key it opens Checkout with; nothing of Discord or the web's.
    assert refused(migrated, ["run", "--only", "telegram"]) == [
        f"Error: {TELEGRAM_TOKEN}",
        "Error: " + STRIPE_KEY.format(pieces="telegram"),
    ]


def test_the_telegram_piece_in_webhook_mode_also_needs_its_secret(
    migrated: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    setenv(monkeypatch, telegram_token="123456:TOKEN", stripe_secret_key="sk_test_unused")
    setenv(monkeypatch, public_url="https://pathwise.example")  # webhook mode
    assert refused(migrated, ["run", "--only", "telegram"]) == [
        "Error: PATHWISE_TELEGRAM_WEBHOOK_SECRET is not set (needed by telegram): any long "
        "random string; with PATHWISE_PUBLIC_URL set Telegram sends each update to the webhook "
        "with it."
    ]


def test_the_worker_needs_only_the_stripe_key(migrated: CliRunner) -> None:
    assert refused(migrated, ["run", "--only", "worker"]) == [
        "Error: " + STRIPE_KEY.format(pieces="worker")
    ]


def test_the_web_piece_refuses_to_start_without_its_webhook_secret(
    migrated: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    setenv(monkeypatch, stripe_secret_key="sk_test_unused", stripe_api_base="http://127.0.0.1:9")
    assert refused(migrated, ["run", "--only", "web"]) == [f"Error: {STRIPE_WEBHOOK_SECRET}"]


async def test_the_composition_root_itself_refuses_a_web_piece_without_its_secret(
    database_url: str,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database_url, web_port=0, stripe_secret_key="sk_test_x"
    )
    with pytest.raises(SettingsInvalid) as refused:
        async with running(settings, {"web"}):
            pytest.fail("the web piece started without PATHWISE_STRIPE_WEBHOOK_SECRET")
    assert refused.value.problems == [STRIPE_WEBHOOK_SECRET]


def test_the_readme_lists_what_each_piece_needs() -> None:
    rows = {row[0]: row[1] for row in table_rows("run-needs")}
    assert list(rows) == list(PIECES) == list(PIECE_NEEDS)
    for piece, needs in PIECE_NEEDS.items():
        named = set(re.findall(r"`(PATHWISE_[A-Z_]+)`", rows[piece]))
        assert {f"PATHWISE_{need.setting.upper()}" for need in needs} == named - {
            "PATHWISE_PUBLIC_URL"
        }, piece
    assert (
        "`PATHWISE_TELEGRAM_WEBHOOK_SECRET` when `PATHWISE_PUBLIC_URL` is set" in rows["telegram"]
    )


# -- 4. a catalogue's every problem in one pass ---------------------------------------------


def _row(slug: str, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "slug": slug,
        "display_name": "Ana Ruiz",
        "bio": "Former HR director who helps with career change and burnout.",
        "specialties": ["career change"],
        "topics": ["career"],
        "languages": ["en"],
        "timezone": "Europe/Madrid",
        "offers": [{"kind": "live60", "price": "60.00"}],
    }
    row.update(changes)
    return row


def test_an_import_names_every_problem_of_every_row_in_one_pass(
    migrated: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "advisors.json"
    rows = [
        _row("ana-ruiz"),
        _row("ana-ruiz", offers=[{"kind": "live60", "price": "99999999.00"}]),
        _row("ana-ruiz", timezone="Mars/Olympus", offers=[{"kind": "live30", "price": 0}]),
        _row(
            "ben-okafor",
            bio="short",
            offers=[
                {"kind": "live30", "price": "-5"},
                {"kind": "live60", "price": "10000.01"},
                {"kind": "messaging", "price": "40.555", "days": 7},
                {"kind": "live30", "price": "30"},
            ],
        ),
        _row("cleo-ng", currency="JPY", offers=[{"kind": "live60", "price": 1_000_001}]),
        _row("ben-okafor"),
    ]
    path.write_text(json.dumps(rows))
    assert refused(migrated, ["advisors", "import", str(path)]) == [
        "Error: Nothing was imported; 5 row(s) need fixing:",
        "  row 2 (ana-ruiz): duplicate advisor: same slug as row 1; offers.0.price: "
        "99999999.00 is above $10,000.00, the most an offer may cost",
        "  row 3 (ana-ruiz): duplicate advisor: same slug as row 1; timezone: unknown time zone "
        "'Mars/Olympus' (use an IANA name, like Europe/Madrid); offers.0.price: price must be "
        "more than zero, not 0",
        "  row 4 (ben-okafor): bio: String should have at least 20 characters; offers.0.price: "
        "price must be more than zero, not '-5'; offers.1.price: 10000.01 is above $10,000.00, "
        "the most an offer may cost; offers.2.price: too many decimal places: '40.555'; "
        "offers: offer live30 is listed twice",
        "  row 5 (cleo-ng): offers.0.price: 1000001 is above ¥1,000,000, the most an offer may "
        "cost",
        "  row 6 (ben-okafor): duplicate advisor: same slug as row 4",
    ]
    assert "No advisors yet" in migrated.invoke(cli, ["advisors", "list"]).output


def test_a_price_at_the_bound_imports(migrated: CliRunner, tmp_path: Path) -> None:
    assert PRICE_MAX_MINOR == 1_000_000  # 10,000.00 in a currency with cents (README)
    path = tmp_path / "advisors.yaml"
    path.write_text(json.dumps([_row("ana-ruiz", offers=[{"kind": "live60", "price": "10000"}])]))
    result = migrated.invoke(cli, ["advisors", "import", str(path)])
    assert result.exit_code == 0, result.output
    listed = migrated.invoke(cli, ["advisors", "list"]).output
    assert "60-minute live session $10,000.00" in listed


# -- 5. chat on an empty catalogue ----------------------------------------------------------


def test_chat_on_an_empty_catalogue_says_how_to_import_the_sample(migrated: CliRunner) -> None:
    result = migrated.invoke(cli, ["chat"], input="")
    assert result.exit_code == 1
    hint = f"pathwise advisors import {SAMPLE_CATALOGUE}"
    assert errors(result) == [
        f"Error: No advisors to match you with yet. Import the sample catalogue: {hint}"
    ]
    assert result.stdout == ""  # no chat was started
    # Doing what it says is enough for the chat to start.
    imported = migrated.invoke(cli, hint.split()[1:])
    assert imported.exit_code == 0, imported.output
    chat = migrated.invoke(cli, ["chat"], input="/quit\n")
    assert chat.exit_code == 0, chat.output
    assert chat.stdout.startswith("Pathwise in your terminal.")


def test_the_hint_names_the_sample_by_its_path_from_the_project_folder(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", "sqlite+aiosqlite:///nowhere/pathwise.sqlite3")
    assert refused(runner, ["chat"]) == [
        "Error: There is no database at nowhere/pathwise.sqlite3 yet. Run `pathwise db upgrade` "
        "first. Then import advisors to talk to: pathwise advisors import core/data/advisors.yaml"
    ]
    assert not (ROOT / "nowhere").exists()


# -- 6. no command creates files it does not need -------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["chat"],
        ["advisors", "list"],
        ["advisors", "import", str(SAMPLE_CATALOGUE)],
        ["ledger", "check"],
        ["db", "downgrade", "base"],
    ],
)
def test_a_command_on_a_missing_database_says_so_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    assert refused(runner, command)[0].startswith(f"Error: {MISSING_DATABASE}")
    assert list(tmp_path.iterdir()) == []


def test_doctor_reports_a_missing_database_and_how_to_create_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == f"FIX  {MISSING_DATABASE}"
    assert list(tmp_path.iterdir()) == []


def test_run_reports_a_missing_database_with_the_settings_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert refused(runner, ["run", "--only", "worker"]) == [
        "Error: " + STRIPE_KEY.format(pieces="worker"),
        f"Error: {MISSING_DATABASE}",
    ]
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "sk_test_unused")
    assert refused(runner, ["run", "--only", "worker"]) == [f"Error: {MISSING_DATABASE}"]
    assert list(tmp_path.iterdir()) == []


def test_db_upgrade_is_what_creates_the_database(migrated: CliRunner) -> None:
    result = migrated.invoke(cli, ["doctor"])
    assert "ok   Database is reachable and migrated." in result.stdout.splitlines()


# -- 7. bench takes PostgreSQL only from an explicit URL --------------------------------------


@pytest.fixture
def no_figures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``pathwise bench`` with every figure skipped (nothing is measured); the PostgreSQL
    servers it tries to make a scratch database on are recorded (and never answer)."""

    async def nothing_async(*args: Any) -> None:
        return None

    for name in ("telegram_figures", "webhook_figures", "matching_db_figure", "tick_figures"):
        monkeypatch.setattr(bench.suite, name, nothing_async)
    for name in ("receipt_figures", "matching_figures", "memory_figures", "crisis_figures"):
        monkeypatch.setattr(bench.suite, name, lambda *args: None)
    tried: list[str] = []

    async def scratch(admin_url: str) -> None:
        tried.append(admin_url)

    monkeypatch.setattr(bench.webhooks, "_postgres_scratch", scratch)
    return tried


def test_bench_without_a_postgres_url_touches_no_postgres(
    runner: CliRunner, no_figures: list[str]
) -> None:
    result = runner.invoke(cli, ["bench", "--quick"])
    assert result.exit_code == 0, result.output
    assert no_figures == []
    assert (
        "note: PostgreSQL figures skipped: no server named (pass --postgres URL or set "
        "PATHWISE_BENCH_POSTGRES_URL to include them)." in result.stdout
    )


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_bench_uses_the_postgres_it_is_given(
    runner: CliRunner, no_figures: list[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    url = "postgresql+asyncpg://bench:pw@127.0.0.1:1/postgres"
    if how == "flag":
        result = runner.invoke(cli, ["bench", "--quick", "--postgres", url])
    else:
        monkeypatch.setenv("PATHWISE_BENCH_POSTGRES_URL", url)
        result = runner.invoke(cli, ["bench", "--quick"])
    assert result.exit_code == 0, result.output
    assert no_figures == [url]
    assert (
        "note: PostgreSQL figures skipped: postgresql+asyncpg://bench:***@127.0.0.1:1/postgres "
        "did not answer (or may not create databases)." in result.stdout
    )


def test_bench_help_names_the_postgres_option(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["bench", "--help"])
    assert "--postgres URL" in result.output and "PATHWISE_BENCH_POSTGRES_URL" in result.output
