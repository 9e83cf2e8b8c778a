"""``pathwise doctor`` names each problem on its own line, never prints a secret, and exits 1
when anything needs fixing."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from bots import doctor as doctor_module
from bots.cli import cli
from bots.discord.channels import session_category
from bots.discord.permissions import required_permissions
from bots.doctor import check_discord_server, discord_client, run_checks
from core.config import Settings
from devtools.discord_recorder import APPLICATION_ID, BOT_ID, EVERYONE_ROLE_ID, FakeDiscord

GOOD = {
    "PATHWISE_TELEGRAM_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "PATHWISE_DISCORD_TOKEN": (
        "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
    ),
    "PATHWISE_DISCORD_GUILD_ID": "900000000000000001",
    "PATHWISE_DISCORD_ADMIN_ROLE_ID": "900000000000000009",
    "PATHWISE_STRIPE_SECRET_KEY": "sk_test_51SecretValue0123456789",
    "PATHWISE_STRIPE_WEBHOOK_SECRET": "whsec_SecretWebhookValue0123",
    "PATHWISE_STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_SecretConnectValue0123",
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'doc.sqlite3'}")
    for name in [*GOOD, "PATHWISE_PUBLIC_URL", "PATHWISE_STRIPE_API_BASE"]:
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def configured(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Every setting in GOOD, and the database migrated."""
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    return runner


def assert_no_good_secret_in(output: str) -> None:
    for secret in GOOD.values():
        if not secret.isdigit():
            assert secret not in output


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    """The Pathwise Discord server as `pathwise doctor` reaches it: over discord.py's HTTP
    client, answered by FakeDiscord (set up right unless a test changes it)."""
    fake = FakeDiscord()
    monkeypatch.setattr(doctor_module, "discord_client", lambda: fake.serve_http(discord_client()))
    return fake


def test_a_good_configuration_passes(configured: CliRunner, server: FakeDiscord) -> None:
    result = configured.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "Stripe key is a test key: no real money moves." in result.output
    assert "ok   The bot has every permission it needs in the server." in result.output
    assert 'ok   No "Sessions" category yet: the bot makes it for the first session.' in (
        result.output
    )
    assert result.output.strip().endswith("All good.")
    assert_no_good_secret_in(result.output)


def test_every_problem_is_one_line_and_no_secret_is_shown(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "doc.sqlite3").touch()  # there, but never migrated
    monkeypatch.setenv("PATHWISE_TELEGRAM_TOKEN", "not-a-token-secret-value")
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "pk_live_publishable_secret_value")
    monkeypatch.setenv("PATHWISE_STRIPE_WEBHOOK_SECRET", "wrong-secret-value")
    monkeypatch.setenv("PATHWISE_PUBLIC_URL", "http://example.invalid")
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    problems = [line for line in lines if line.startswith("FIX")]
    assert any(
        "has no Pathwise tables yet. Run `pathwise db upgrade` first." in p for p in problems
    )
    assert any(
        "PATHWISE_TELEGRAM_TOKEN does not look like a BotFather token" in p for p in problems
    )
    assert any("PATHWISE_DISCORD_TOKEN is not set" in p for p in problems)
    assert any("PATHWISE_STRIPE_SECRET_KEY is not a Stripe secret key" in p for p in problems)
    assert any(
        "PATHWISE_STRIPE_WEBHOOK_SECRET is not a webhook signing secret" in p for p in problems
    )
    assert any("PATHWISE_PUBLIC_URL must start with https://" in p for p in problems)
    assert any(
        "PATHWISE_STRIPE_CONNECT_WEBHOOK_SECRET is not set: advisors' finished payout "
        "onboarding is never received" in p
        for p in problems
    )
    assert lines[-1] == f"{len(problems)} problem(s) to fix."
    for secret in (
        "not-a-token-secret-value",
        "pk_live_publishable_secret_value",
        "wrong-secret-value",
    ):
        assert secret not in result.output


async def test_the_public_url_is_checked_over_http(tmp_path: Path) -> None:
    async def health(_: web.Request) -> web.Response:
        return web.Response(status=503, text="no")

    app = web.Application()
    app.router.add_get("/healthz", health)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    port = server.port
    try:
        settings = Settings(
            _env_file=None,
            public_url=f"http://127.0.0.1:{port}",  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
        )
        findings = await run_checks(settings)
    finally:
        await server.close()
    texts = [str(f) for f in findings]
    assert f"FIX  http://127.0.0.1:{port}/healthz answered HTTP 503, not 200." in texts


# -- the live Discord check -----------------------------------------------------------------

VIEW = 1 << 10
TOKEN = GOOD["PATHWISE_DISCORD_TOKEN"]


def discord_only(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
        discord_token=TOKEN,
        discord_guild_id=int(GOOD["PATHWISE_DISCORD_GUILD_ID"]),
    )


async def discord_lines(server: FakeDiscord, tmp_path: Path) -> list[str]:
    """What doctor says about the Discord server, checking no line shows the token."""
    findings = await check_discord_server(discord_only(tmp_path))
    texts = [str(f) for f in findings]
    for text in texts:
        assert TOKEN not in text
    return texts


async def test_a_server_set_up_as_the_readme_says_is_all_ok(
    server: FakeDiscord, tmp_path: Path
) -> None:
    lines = await discord_lines(server, tmp_path)
    assert "ok   Discord accepts the token; both privileged intents are on." in lines
    assert "ok   The bot has every permission it needs in the server." in lines
    assert not [line for line in lines if line.startswith("FIX")]
    # Only REST reads: nothing was created or changed on the server.
    assert {call.method for call in server.calls} == {"GET"}


async def test_each_missing_permission_is_one_line(server: FakeDiscord, tmp_path: Path) -> None:
    for name in ("manage_messages", "create_instant_invite"):
        server.bot_permissions &= ~getattr(type(required_permissions()), name).flag
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert len(problems) == 2
    assert problems[0].startswith(
        "FIX  The bot lacks Create Invite in the server: it cannot invite clients into the server."
    )
    assert problems[1].startswith("FIX  The bot lacks Manage Messages in the server:")
    assert (
        f"client_id={APPLICATION_ID}&scope=bot+applications.commands&permissions=" in (problems[0])
    )


async def test_a_sessions_category_hidden_from_the_bot_is_named(
    server: FakeDiscord, tmp_path: Path
) -> None:
    """Made by hand (or by an older Pathwise) hidden from @everyone, bot included."""
    hidden = [{"id": EVERYONE_ROLE_ID, "type": 0, "allow": 0, "deny": VIEW}]
    server.add_channel("Sessions", kind=4, overwrites=hidden)
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert problems == [
        'FIX  The bot cannot see the "Sessions" category, so it cannot make session channels '
        "there: in the category's permissions, allow the bot View Channels, Manage Channels, "
        "Manage Roles, Send Messages, Embed Links, Attach Files, Manage Messages, "
        "Read Message History."
    ]
    # Letting the bot see it, but denying it Send Messages there: that one line.
    server.channels.clear()
    no_send = {"id": BOT_ID, "type": 1, "allow": VIEW, "deny": 1 << 11}
    server.add_channel("Sessions", kind=4, overwrites=[*hidden, no_send])
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert problems == [
        'FIX  The bot lacks Send Messages in the "Sessions" category: it cannot post welcome '
        "messages, notices or replies. Edit the category's permissions to allow it for the bot."
    ]
    # The category as the bot makes it passes.
    server.channels.clear()
    guild = server.install(discord.Client(intents=discord.Intents(guilds=True, members=True)))
    await session_category(guild)
    lines = await discord_lines(server, tmp_path)
    assert 'ok   The bot can make session rooms in "Sessions".' in lines


async def test_privileged_intents_switched_off_are_named(
    server: FakeDiscord, tmp_path: Path
) -> None:
    server.application_flags = 0
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert [p.split(":")[0] for p in problems] == [
        "FIX  The Server Members intent is off",
        "FIX  The Message Content intent is off",
    ]


async def test_a_refused_token_is_named_without_showing_it(
    server: FakeDiscord, tmp_path: Path
) -> None:
    server.token_valid = False
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert len(problems) == 1
    assert problems[0].startswith("FIX  PATHWISE_DISCORD_TOKEN was refused by Discord")


async def test_a_bot_not_in_the_server_gets_the_invite_link(
    server: FakeDiscord, tmp_path: Path
) -> None:
    server.bot_in_guild = False
    problems = [line for line in await discord_lines(server, tmp_path) if line.startswith("FIX")]
    assert problems == [
        "FIX  The bot is not in the Discord server 900000000000000001 "
        "(PATHWISE_DISCORD_GUILD_ID), or the id is wrong: add the bot with "
        f"https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}"
        f"&scope=bot+applications.commands&permissions={required_permissions().value}"
    ]


def test_doctor_exits_1_on_a_missing_permission_and_prints_no_secret(
    configured: CliRunner, server: FakeDiscord
) -> None:
    server.bot_permissions &= ~(1 << 28)  # Manage Roles
    result = configured.invoke(cli, ["doctor"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert [line for line in lines if line.startswith("FIX")] == [
        "FIX  The bot lacks Manage Roles in the server: it cannot let the client and the advisor "
        "into their session channel. Give the bot's role that permission, or add the bot again "
        f"with https://discord.com/oauth2/authorize?client_id={APPLICATION_ID}"
        f"&scope=bot+applications.commands&permissions={required_permissions().value}"
    ]
    assert lines[-1] == "1 problem(s) to fix."
    assert_no_good_secret_in(result.output)


async def test_an_unreachable_discord_is_one_line(tmp_path: Path) -> None:
    """No fake: the real client, pointed at a port where nothing listens."""

    def nowhere() -> discord.Client:
        client = discord_client()
        client.http.proxy = None
        return client

    from discord.http import Route

    original = Route.BASE
    Route.BASE = "http://127.0.0.1:9/api/v10"
    try:
        findings = await run_checks(discord_only(tmp_path), discord_factory=nowhere)
    finally:
        Route.BASE = original
    assert "FIX  Discord is not reachable from here: ClientConnectorError." in [
        str(f) for f in findings
    ]
