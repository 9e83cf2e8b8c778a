"""``pathwise demo``: the whole journey offline, its files, and its self-checks failing loudly
when an invariant is broken."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import discord
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

import bots.discord.channels
from bots.cli import cli
from bots.demo.journey import STAGES, run_demo

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday morning
INVARIANTS = {
    "upfront itemized price",
    "a second click on Pay charges once",
    "webhooks accepted",
    "receipt itemized",
    "calendar file for the session",
    "advisor payment DM",
    "ledger balanced",
    "channel private",
    "channel locked after the session",
    "no transcript kept",
    "tip receipt has no fee",
    "advisor tip DM",
    "refund preview keeps the fee",
    "credit note keeps the fee",
    "advisor refund DM",
    "fee never refunded",
    "one receipt per purchase",
    "deletion explained first",
    "deleted client's data gone",
    "crisis answered with local lines",
    "advisor told of a crisis without the words",
}


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(path.read_bytes())).pages)


async def test_the_demo_plays_the_journey_and_every_invariant_holds(tmp_path: Path) -> None:
    lines: list[str] = []
    result = await run_demo(tmp_path, lines.append, start=START)

    assert result.failed is None
    assert set(result.held) == INVARIANTS
    output = "\n".join(lines)
    # The progress indicator and the conversation, as readable lines.
    for number in range(1, len(STAGES) + 1):
        assert f"[{number}/{len(STAGES)}] " in output
    assert "  Zoë (client)        /start" in output
    assert "  Pathwise            Please send a number, like 40." in output  # "eighty dollars"
    assert "Discord             Pathwise bot in DM: New booking paid" in output

    receipts = sorted(p.name for p in (tmp_path / "receipts").iterdir())
    assert receipts == [
        "Pathwise-credit-note-CN-2026-000001.pdf",
        "Pathwise-receipt-R-2026-000001.pdf",
        "Pathwise-receipt-R-2026-000002.pdf",
    ]
    booking = pdf_text(tmp_path / "receipts" / "Pathwise-receipt-R-2026-000001.pdf")
    assert "Ana Ruiz" in booking and "$3.49" in booking and "$63.49" in booking
    tip = pdf_text(tmp_path / "receipts" / "Pathwise-receipt-R-2026-000002.pdf")
    assert "$5.00" in tip and "Handling fee" not in tip
    credit = pdf_text(tmp_path / "receipts" / "Pathwise-credit-note-CN-2026-000001.pdf")
    assert "$60.00" in credit and "non-refundable" in credit.lower()

    with (tmp_path / "ledger.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sums: dict[str, int] = defaultdict(int)
    for row in rows:
        sums[row["transaction"]] += int(row["amount_minor"])
    assert sums == {"payment:1": 0, "payment:2": 0, "refund:1": 0}
    fees = [int(r["amount_minor"]) for r in rows if r["account"] == "platform_fees"]
    assert fees == [-349]  # credited once, never debited back

    transcript = (tmp_path / "transcript.md").read_text(encoding="utf-8")
    assert transcript.startswith("# Pathwise offline demo")
    assert "Result: every invariant held." in transcript
    assert "## 5. Zoë links Discord; the private room opens" in transcript
    assert "Credit note CN-2026-000001 is attached" in transcript


async def test_a_broken_invariant_stops_the_demo_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = bots.discord.channels.session_overwrites

    def leaky(guild: discord.Guild, *people: int | None) -> dict:  # type: ignore[type-arg]
        overwrites = original(guild, *people)
        overwrites[guild.default_role] = discord.PermissionOverwrite(view_channel=True)
        return overwrites

    monkeypatch.setattr(bots.discord.channels, "session_overwrites", leaky)
    result = await run_demo(tmp_path, lambda line: None, start=START)

    assert result.failed is not None
    assert result.failed.startswith("invariant “channel private” did not hold")
    assert "channel private" not in result.held
    assert "advisor payment DM" in result.held  # what came before still held
    transcript = (tmp_path / "transcript.md").read_text(encoding="utf-8")
    assert "Result: FAILED — invariant “channel private” did not hold" in transcript
    assert (tmp_path / "receipts" / "Pathwise-receipt-R-2026-000001.pdf").exists()


def test_the_command_exits_0_with_a_fresh_database_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real token in the environment is ignored: the demo never talks to anyone.
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "sk_live_must_not_be_used")
    monkeypatch.setenv("PATHWISE_DATABASE_URL", "postgresql+asyncpg://nobody@192.0.2.1/none")
    runner = CliRunner()
    for _ in range(2):  # a second run starts again from an empty database
        outcome = runner.invoke(cli, ["demo", "--out", str(tmp_path)])
        assert outcome.exit_code == 0, outcome.output
        assert "Demo passed: 21 invariants held." in outcome.output
        assert str(tmp_path / "ledger.csv") in outcome.output
