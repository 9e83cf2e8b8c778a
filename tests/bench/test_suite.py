"""``pathwise bench`` at a tiny size: every figure is measured beside its floor, the table and
the JSON have their shape, and a machine without PostgreSQL gets the other figures and a note.
No timing is asserted: these are benchmarks, not timed tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import bench.suite
from bench.suite import Sizes
from bots.cli import cli

# fmt: off
# A line a figure: (a, b) Telegram and webhooks, (c) receipts, (d) matching, (e, f) the tick
# and memory, (g) scaling, (h) crisis screening.
TINY = Sizes(
    telegram_clients=2, echo_updates=20, webhook_events=3,
    receipts=2,
    matching=(50,), matching_queries=3, matching_db=20, matching_db_queries=2,
    tick_sessions=6, memory_clients=3,
    scaling_workers=(1,), scaling_events=2, scaling_journeys=1,
    crisis_rounds=1,
)
# fmt: on
UNREACHABLE_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("PATHWISE_BENCH_POSTGRES_URL", UNREACHABLE_POSTGRES)
    monkeypatch.setattr(bench.suite, "QUICK", TINY)
    return CliRunner()


def test_quick_bench_without_postgres_measures_every_other_figure(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "bench.json"
    result = runner.invoke(cli, ["bench", "--quick", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())

    assert data["quick"] is True and data["machine"]["cpus"] >= 1
    keys = [figure["key"] for figure in data["figures"]]
    assert keys == [
        "a.telegram.sqlite",
        "b.webhooks.sqlite",
        "c.receipt.ms",
        "c.receipt.kb",
        "d.matching.50",
        "d.matching.db",
        "e.tick",
        "f.memory",
        "h.crisis",
        "i.understanding.en",  # issue #17: the labelled-set hit rates per language
        "i.understanding.es",
    ]
    for figure in data["figures"]:
        assert figure["value"] > 0, figure
        assert figure["floor"] > 0 and figure["floor_name"], figure
        assert figure["ratio"] > 0, figure
    targets = {f["key"]: (f["target"], f["met"]) for f in data["figures"]}
    assert targets["a.telegram.sqlite"][0].startswith(">= 1,000 updates/s")
    assert targets["c.receipt.kb"][0] == "<= 30 KB" and isinstance(targets["c.receipt.kb"][1], bool)
    assert targets["d.matching.50"] == ("", None)  # a target only at 100k advisors
    assert [n for n in data["notes"] if n.startswith("PostgreSQL figures skipped")]

    telegram = data["figures"][0]["detail"]
    assert telegram["journeys"] == 2 and telegram["reached_pay"] == 2
    assert telegram["updates"] == 2 * 15 and telegram["p99_ms"] >= telegram["p50_ms"] > 0
    by_key = {f["key"]: f for f in data["figures"]}
    assert by_key["e.tick"]["detail"]["sessions"] == 6
    assert by_key["d.matching.db"]["detail"]["advisors"] == 20
    crisis = by_key["h.crisis"]["detail"]
    assert crisis["recall"] >= 0.95 and crisis["false_positive_rate"] <= 0.05
    assert crisis["needs_help"] >= 150 and crisis["negatives"] >= 150

    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("figure"))
    assert lines[header].split() == ["figure", "value", "unit", "floor", "ratio", "target", "met"]
    assert "(a) Telegram updates/s, hiring flow, sqlite, 1 process" in result.output
    assert "note: PostgreSQL figures skipped" in result.output
    assert f"Wrote {out}." in result.output
