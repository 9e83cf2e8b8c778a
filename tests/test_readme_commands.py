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


def test_the_readme_lists_every_advisor_command_in_discord_and_only_those() -> None:
    from discord import app_commands

    from bots.discord.cogs.advisor import AdvisorCog
    from bots.discord.cogs.calendar_feed import CalendarFeedCog

    commands = {
        c.name: c for cog in (AdvisorCog, CalendarFeedCog) for c in cog.__cog_app_commands__
    }
    actual = {
        f"{c.name} {child.name}" if isinstance(c, app_commands.Group) else c.name
        for c in commands.values()
        for child in (c.commands if isinstance(c, app_commands.Group) else [c])
    }
    documented = set()
    for row in table_rows("discord-advisor-commands"):
        name, *rest = row[0].strip("`").lstrip("/").split(" ")
        if isinstance(commands.get(name), app_commands.Group):
            documented |= {f"{name} {sub}" for sub in rest[0].split("\\|")}
        else:
            documented.add(name)
    assert documented == actual
    assert "timeoff add" in actual and "reviews" in actual and "calendar reset" in actual
