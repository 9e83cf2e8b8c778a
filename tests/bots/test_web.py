"""The web server: raw Stripe bodies to core, Telegram's secret token, health and metrics."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application

from bots.web.server import TELEGRAM_SECRET_HEADER, Metrics, WebDeps, build_web_app
from core.db import Database
from devtools.telegram_recorder import RecordingRequest


class RecordingStripeHandler:
    def __init__(self) -> None:
        self.seen: list[tuple[bytes, str]] = []

    async def __call__(self, raw: bytes, signature: str) -> tuple[int, str]:
        self.seen.append((raw, signature))
        return (200, "ok") if signature.startswith("t=") else (400, "bad signature")


@pytest.fixture
async def telegram_app() -> AsyncIterator[Application]:  # type: ignore[type-arg]
    request = RecordingRequest()
    app = (
        Application.builder()
        .token("123:TEST")
        .request(request)
        .get_updates_request(request)
        .build()
    )
    await app.initialize()
    yield app
    await app.shutdown()


@pytest.fixture
async def web(db: Database, telegram_app: Application) -> AsyncIterator[tuple[TestClient, WebDeps]]:  # type: ignore[type-arg]
    deps = WebDeps(
        db=db,
        metrics=Metrics(),
        stripe_webhook=RecordingStripeHandler(),
        telegram=telegram_app,
        telegram_secret="s3cret-token",
    )

    async def backlog() -> int:
        return 3

    deps.outbox_backlog = backlog
    client = TestClient(TestServer(build_web_app(deps)))
    await client.start_server()
    yield client, deps
    await client.close()


async def test_stripe_webhook_gets_the_raw_body_and_signature(
    web: tuple[TestClient, WebDeps],
) -> None:
    client, deps = web
    body = b'{"id": "evt_1",  "type": "checkout.session.completed"}'
    good = await client.post(
        "/stripe/webhook", data=body, headers={"Stripe-Signature": "t=1,v1=ab"}
    )
    assert good.status == 200
    bad = await client.post("/stripe/webhook", data=body)
    assert bad.status == 400 and await bad.text() == "bad signature"
    assert deps.stripe_webhook.seen == [(body, "t=1,v1=ab"), (body, "")]  # type: ignore[union-attr]


async def test_telegram_webhook_needs_the_secret_token(web: tuple[TestClient, WebDeps]) -> None:
    client, deps = web
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "hi"},
    }
    for headers in ({}, {TELEGRAM_SECRET_HEADER: "wrong"}):
        response = await client.post("/telegram/webhook", data=json.dumps(update), headers=headers)
        assert response.status == 403
    assert deps.telegram is not None and deps.telegram.update_queue.qsize() == 0
    ok = await client.post(
        "/telegram/webhook",
        data=json.dumps(update),
        headers={TELEGRAM_SECRET_HEADER: "s3cret-token"},
    )
    assert ok.status == 200
    queued = deps.telegram.update_queue.get_nowait()
    assert queued.message.text == "hi"
    garbage = await client.post(
        "/telegram/webhook", data=b"not json", headers={TELEGRAM_SECRET_HEADER: "s3cret-token"}
    )
    assert garbage.status == 400


async def test_healthz_and_metrics(web: tuple[TestClient, WebDeps]) -> None:
    client, _ = web
    health = await client.get("/healthz")
    assert (health.status, await health.text()) == (200, "ok")
    await client.post("/stripe/webhook", data=b"{}")
    text = await (await client.get("/metrics")).text()
    assert 'pathwise_stripe_webhook_events_total{status="400"} 1.0' in text
    assert "pathwise_outbox_backlog 3.0" in text


async def test_healthz_reports_an_unmigrated_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Callers (anyone: the endpoint is unauthenticated) learn only "unhealthy"; the reason
    goes to the log (issue #14: no database names, users or driver errors to callers)."""
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")
    client = TestClient(TestServer(build_web_app(WebDeps(db=empty, metrics=Metrics()))))
    await client.start_server()
    try:
        with caplog.at_level(logging.WARNING, logger="bots.web.server"):
            response = await client.get("/healthz")
        assert (response.status, await response.text()) == (503, "unhealthy")
        logged = [r for r in caplog.records if r.getMessage() == "healthz.unhealthy"]
        assert len(logged) == 1
        assert "Run `pathwise db upgrade` first." in logged[0].reason  # type: ignore[attr-defined]
        disabled = await client.post("/stripe/webhook", data=b"{}")
        assert disabled.status == 404
    finally:
        await client.close()
        await empty.dispose()


async def test_healthz_hides_an_unreachable_database_from_callers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database that is down: the caller sees "unhealthy", never its host, port, user or
    name; the log says which database could not be reached (password hidden)."""
    down = Database("postgresql+asyncpg://pathwise_user:hunter2@127.0.0.1:1/ledgerdb")
    client = TestClient(TestServer(build_web_app(WebDeps(db=down, metrics=Metrics()))))
    await client.start_server()
    try:
        with caplog.at_level(logging.WARNING, logger="bots.web.server"):
            response = await client.get("/healthz")
        body = await response.text()
        assert (response.status, body) == (503, "unhealthy")
        for secret in ("pathwise_user", "127.0.0.1", "ledgerdb", "hunter2", ":1"):
            assert secret not in body
        (record,) = [r for r in caplog.records if r.getMessage() == "healthz.unhealthy"]
        reason = record.reason  # type: ignore[attr-defined]
        assert "ledgerdb" in reason and "hunter2" not in reason
    finally:
        await client.close()
        await down.dispose()
