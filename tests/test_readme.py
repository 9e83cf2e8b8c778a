"""The README's operator-facing facts come from the code, so they cannot drift: every setting
with its default, the Stripe webhook events, the Discord invite permissions, the pieces of
``pathwise run``, and the commands the deployment files start."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from bots.cli import cli
from bots.discord.permissions import (
    BOT_SCOPES,
    REQUIRED,
    permission_label,
    required_permissions,
)
from bots.run import PIECES
from core.billing import WEBHOOK_EVENT_TYPES
from core.config import ENV_PREFIX, Settings
from tests.support.readme import README, ROOT, after_marker, table_rows

DEPLOY = ROOT / "deploy"


def shown_default(value: Any) -> str:
    """A default as the README writes it: in backticks, or — when there is none."""
    if value is None:
        return "—"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def test_the_configuration_table_lists_every_setting_with_its_default() -> None:
    rows = table_rows("settings")
    documented = {row[0].strip("`"): row[1] for row in rows}
    assert len(documented) == len(rows), "a variable is listed twice"
    expected = {
        f"{ENV_PREFIX}{name.upper()}": shown_default(field.get_default(call_default_factory=True))
        for name, field in Settings.model_fields.items()
    }
    missing = sorted(set(expected) - set(documented))
    unknown = sorted(set(documented) - set(expected))
    assert not missing, f"settings missing from the README table: {missing}"
    assert not unknown, f"README lists variables that are not settings: {unknown}"
    wrong = {name: (documented[name], want) for name, want in expected.items()}
    assert {k: v for k, v in wrong.items() if v[0] != v[1]} == {}
    assert all(row[2] for row in rows), "every setting says what it means"


def test_the_stripe_webhook_events_are_exactly_those_pathwise_handles() -> None:
    listed = [re.fullmatch(r"- `([a-z_.]+)`", line) for line in after_marker("stripe-events")]
    assert all(listed), "one `event.type` per bullet"
    events = [m.group(1) for m in listed if m]
    assert sorted(events) == sorted(WEBHOOK_EVENT_TYPES)
    assert len(events) == len(set(events))
    assert "`PATHWISE_PUBLIC_URL/stripe/webhook`" in README


def test_the_discord_invite_asks_for_exactly_the_permissions_the_bot_needs() -> None:
    (url,) = after_marker("discord-invite")
    found = re.fullmatch(
        r"https://discord\.com/oauth2/authorize\?client_id=APPLICATION_ID"
        r"&scope=(?P<scope>[a-z.+]+)&permissions=(?P<permissions>\d+)",
        url,
    )
    assert found is not None
    assert found["scope"].split("+") == list(BOT_SCOPES)
    assert int(found["permissions"]) == required_permissions().value
    assert not required_permissions().administrator
    table = [row[0] for row in table_rows("discord-permissions")]
    assert table == [permission_label(name) for name in REQUIRED]
    assert f"`{required_permissions().value}` is exactly these permissions" in README
    for intent in ("Server Members Intent", "Message Content Intent"):
        assert f"**{intent}**" in README


def test_the_run_command_row_names_every_piece() -> None:
    (row,) = [line for line in README.splitlines() if line.startswith("| `pathwise run [--only")]
    pieces = "\\|".join(PIECES)  # a | inside a table cell is escaped
    assert f"`pathwise run [--only {pieces}]`" in row
    run = cli.commands["run"]
    only = next(p for p in run.params if p.name == "only")
    assert list(only.type.choices) == list(PIECES)  # type: ignore[attr-defined]


def _deploy_commands() -> list[list[str]]:
    """Every `pathwise ...` command line the systemd unit and the container file start."""
    unit = (DEPLOY / "pathwise.service").read_text(encoding="utf-8")
    lines = re.findall(r"^ExecStart(?:Pre)?=\S*pathwise (.+)$", unit, re.MULTILINE)
    container = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r"^CMD (\[.+\])$", container, re.MULTILINE)
    shell = json.loads(cmd)[-1]
    lines += re.findall(r"pathwise ([a-z ]+?)(?: &&|$)", shell)
    return [shlex.split(line) for line in lines]


def test_the_deployment_files_start_commands_that_exist() -> None:
    commands = _deploy_commands()
    assert ["run"] in commands and ["db", "upgrade"] in commands
    for command in commands:
        result = CliRunner().invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
    for name in ("pathwise.service", "Dockerfile"):
        assert f"(deploy/{name})" in README


@pytest.mark.parametrize("name", ["pathwise.service", "Dockerfile"])
def test_the_deployment_files_log_json_and_name_only_real_settings(name: str) -> None:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    assert "PATHWISE_LOG_FORMAT=json" in text
    assert "SIGTERM" in text
    settings = {f"{ENV_PREFIX}{field.upper()}" for field in Settings.model_fields}
    assert set(re.findall(r"PATHWISE_[A-Z_]+", text)) <= settings


def test_run_it_for_real_names_only_real_settings() -> None:
    section = README.split("## Run it for real", 1)[1].split("\n## ", 1)[0]
    settings = {f"{ENV_PREFIX}{field.upper()}" for field in Settings.model_fields}
    assert set(re.findall(r"PATHWISE_[A-Z_]+", section)) <= settings
