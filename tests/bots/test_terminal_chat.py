"""The terminal renderer walks the same flows as Telegram, through to a paid booking and its
receipt, which proves the flows are platform-neutral."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from bots.cli import cli
from bots.local import local_billing
from bots.terminal.chat import TerminalChat
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import DialogServices, build_engine
from core.dialogs.suggest import CatalogueMatcher
from tests.support.chat import import_sample


class Script:
    """Typed lines, answered one at a time; then end of input."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    async def __call__(self, prompt: str) -> str | None:
        return self.lines.pop(0) if self.lines else None


async def test_a_whole_booking_in_the_terminal(
    db: Database, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    await import_sample(db)
    out: list[str] = []
    # /start shows consent [1]; then menu [1] Find; topics: [2] Career, [8] Done; ...
    script = Script(
        [
            "1",  # I understand and agree
            "1",  # Find an advisor
            "2",  # Career and work
            "8",  # Done
            "I feel stuck in my job and want to change careers.",
            "2",  # Spanish
            "Madrid",  # the time zone question
            "2",  # Live, 60 minutes
            "abc",  # not a number
            "80",
            "4",  # Any time
            "1",  # Choose the first match
            "2",  # 60-minute live session
            "1",  # the first free time
            "1",  # Pay $63.49
            "1",  # Pay with Stripe (on the local stand-in)
            "/quit",
        ]
    )
    async with local_billing(db, settings, clock) as local:
        engine = build_engine(
            local.settings, DialogServices(matcher=CatalogueMatcher(), billing=local.billing)
        )
        chat = TerminalChat(
            db, engine, clock, local.billing, local.sandbox, tmp_path, script, out.append
        )
        await chat.run()
    text = "\n".join(out)
    assert "Pathwise: Welcome to Pathwise." in text
    assert "[1] I understand and agree" in text
    assert "Pathwise: Please send a number, like 40." in text
    assert "Pathwise: Here are the advisors who fit best:\n\nAna Ruiz — $60.00" in text
    assert "Handling fee (non-refundable): $3.49\nTotal: $63.49" in text
    assert "[1] Pay with Stripe ↗" in text
    assert "(paying on the local Stripe stand-in with a test card…)" in text
    receipts = list(tmp_path.glob("Pathwise-receipt-R-*.pdf"))
    assert len(receipts) == 1, text
    receipt_text = "".join(page.extract_text() for page in PdfReader(receipts[0]).pages)
    assert "$63.49" in receipt_text and "Handling fee" in receipt_text
    assert out[-1] == "Bye."


def test_chat_on_an_unmigrated_database_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    result = CliRunner().invoke(cli, ["chat"], input="")
    assert result.exit_code == 1
    assert "Run `pathwise db upgrade` first." in result.output
