"""``pathwise doctor`` names each problem on its own line, never prints a secret, and exits 1
when anything needs fixing."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from bots.cli import cli
from bots.doctor import run_checks
from core.config import Settings

GOOD = {
    "PATHWISE_TELEGRAM_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "PATHWISE_DISCORD_TOKEN": "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB",
    "PATHWISE_DISCORD_GUILD_ID": "900000000000000001",
    "PATHWISE_DISCORD_ADMIN_ROLE_ID": "900000000000000009",
    "PATHWISE_STRIPE_SECRET_KEY": "sk_test_51SecretValue0123456789",
    "PATHWISE_STRIPE_WEBHOOK_SECRET": "whsec_SecretWebhookValue0123",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'doc.sqlite3'}")
    for name in [*GOOD, "PATHWISE_PUBLIC_URL", "PATHWISE_STRIPE_API_BASE"]:
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_a_good_configuration_passes(env: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in GOOD.items():
        monkeypatch.setenv(name, value)
    assert env.invoke(cli, ["db", "upgrade"]).exit_code == 0
    result = env.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "Stripe key is a test key: no real money moves." in result.output
    assert result.output.strip().endswith("All good.")
    for secret in GOOD.values():
        if not secret.isdigit():
            assert secret not in result.output


def test_every_problem_is_one_line_and_no_secret_is_shown(
    env: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWISE_TELEGRAM_TOKEN", "not-a-token-secret-value")
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "pk_live_publishable_secret_value")
    monkeypatch.setenv("PATHWISE_STRIPE_WEBHOOK_SECRET", "wrong-secret-value")
    monkeypatch.setenv("PATHWISE_PUBLIC_URL", "http://example.invalid")
    result = env.invoke(cli, ["doctor"])
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
