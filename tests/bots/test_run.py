"""``pathwise run``: everything starts from one composition root, answers health checks,
ticks, and stops gracefully."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner, Result

from bots.cli import cli
from bots.run import running
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.models import Booking, BookingStatus
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import RecordingRequest
from tests.support.billing import seed
from tests.support.run import OneUpdate, run_settings


@pytest.fixture
async def sandbox() -> StripeSandbox:
    async with StripeSandbox(webhook_secret="whsec_run") as sb:
        yield sb  # type: ignore[misc]


def _settings(database_url: str, sandbox: StripeSandbox) -> Settings:
    return run_settings(database_url, sandbox, telegram_token="123:RUN")


async def test_all_pieces_start_answer_and_stop(
    db: Database, database_url: str, sandbox: StripeSandbox, clock: ManualClock
) -> None:
    world = await seed(db, clock.now())
    request = RecordingRequest()
    settings = _settings(database_url, sandbox)
    async with running(
        settings,
        {"telegram", "web", "worker"},
        clock=clock,
        telegram_request=request,
        worker_interval=0.05,
    ) as runtime:
        assert runtime.web_port
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{runtime.web_port}"
            async with http.get(f"{base}/healthz") as health:
                assert (health.status, await health.text()) == (200, "ok")
            async with http.post(
                f"{base}/stripe/webhook", data=b"{}", headers={"Stripe-Signature": "t=1,v1=forged"}
            ) as forged:
                assert forged.status == 400
            clock.advance(timedelta(hours=1))  # the held booking's hold lapses
            assert runtime.worker is not None
            ticks = runtime.worker.ticks
            for _ in range(100):
                if runtime.worker.ticks > ticks + 1:
                    break
                await asyncio.sleep(0.05)
            async with http.get(f"{base}/metrics") as metrics:
                text = await metrics.text()
        assert 'pathwise_stripe_webhook_events_total{status="400"} 1.0' in text
    async with db.uow() as uow:
        booking = await uow.session.get(Booking, world.booking_id)
        assert booking is not None and booking.status == BookingStatus.EXPIRED.value
    assert runtime.worker.ticks > ticks


async def test_a_polled_update_is_answered_and_counted(
    database_url: str, sandbox: StripeSandbox, clock: ManualClock
) -> None:
    request = OneUpdate()
    settings = _settings(database_url, sandbox)
    async with running(
        settings, {"telegram", "web"}, clock=clock, telegram_request=request
    ) as runtime:
        for _ in range(200):
            if request.sent("sendMessage"):
                break
            await asyncio.sleep(0.02)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{runtime.web_port}/metrics") as metrics,
        ):
            text = await metrics.text()
    assert request.sent("sendMessage")[0].params["chat_id"] == 5550002
    assert "pathwise_telegram_updates_total 1.0" in text


async def test_run_refuses_an_unmigrated_database(tmp_path, sandbox: StripeSandbox) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(f"sqlite+aiosqlite:///{tmp_path / 'new.sqlite3'}", sandbox)
    from core.errors import DatabaseNotReady

    with pytest.raises(DatabaseNotReady, match="Run `pathwise db upgrade` first"):
        async with running(settings, {"web"}):
            pass


def _run_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, piece: str) -> Result:
    """``pathwise run --only PIECE`` in a fresh folder, on a freshly migrated database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    return runner.invoke(cli, ["run", "--only", piece])


def test_run_without_a_stripe_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _run_only(monkeypatch, tmp_path, "web")
    assert result.exit_code == 1
    assert "PATHWISE_STRIPE_SECRET_KEY is not set" in result.output


def test_discord_without_a_token_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sandbox_env: None
) -> None:
    result = _run_only(monkeypatch, tmp_path, "discord")
    assert result.exit_code == 1
    assert "PATHWISE_DISCORD_TOKEN is not set" in result.output


@pytest.fixture
def sandbox_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe settings present, so the run gets as far as Discord (no request is made)."""
    monkeypatch.setenv("PATHWISE_STRIPE_SECRET_KEY", "sk_test_unused")
    monkeypatch.setenv("PATHWISE_STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.delenv("PATHWISE_DISCORD_TOKEN", raising=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_sigterm_stops_pathwise_run_cleanly(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real command in its own process: it serves, and on SIGTERM stops its pieces in
    order and exits 0, logging each step as a JSON line."""
    port = _free_port()
    env = {
        **os.environ,
        "PATHWISE_DATABASE_URL": database_url,
        "PATHWISE_WEB_PORT": str(port),
        "PATHWISE_STRIPE_SECRET_KEY": "sk_test_unused",
        "PATHWISE_STRIPE_WEBHOOK_SECRET": "whsec_unused",
        "PATHWISE_STRIPE_API_BASE": "http://127.0.0.1:9",
        "PATHWISE_LOG_FORMAT": "json",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "run",
        "--only",
        "web",
        cwd=tmp_path,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(200):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                        if health.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("pathwise run never answered /healthz")
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.stderr is not None
    lines = [json.loads(line) for line in (await process.stderr.read()).splitlines()]
    events = [line["event"] for line in lines if line["logger"] == "bots.run"]
    assert code == 0
    assert events == ["run.started", "run.stopping", "run.stopped"]
