"""The README's table of Telegram commands is exactly the bot's: Telegram's menu (COMMANDS),
the dialog engine's command table and /help."""

from __future__ import annotations

from bots.telegram.adapter import COMMANDS
from core.commands import help_text
from core.config import Settings
from core.dialogs import build_engine
from tests.support.readme import table_rows


def test_the_readme_lists_every_telegram_command_and_only_those() -> None:
    documented = [row[0].strip("`").lstrip("/") for row in table_rows("telegram-commands")]
    assert documented == [c.command for c in COMMANDS]
    engine = build_engine(Settings(_env_file=None))  # type: ignore[call-arg]
    assert set(documented) == {"start", *engine.commands}
    for name in documented:
        if name != "start":
            assert f"/{name} - " in help_text(), name
