"""End to end over real HTTP: the bot polls a minimal Bot API server on 127.0.0.1, reached
through the base-URL setting, and answers /start with the consent card."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bots.telegram.adapter import TelegramAdapter, build_application
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import build_engine

TOKEN = "123456:HTTP-TEST"


class MiniBotApi:
    """Just enough of the Bot API: getMe, getUpdates (one /start), sendMessage."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.delivered = False
        self.got_message = asyncio.Event()
        self.paths: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.paths.append(request.path)
        params = dict(await request.post()) if request.can_read_body else {}
        if request.content_type == "application/json":
            params = await request.json()
        result: Any = True
        if method == "getMe":
            result = {"id": 42, "is_bot": True, "first_name": "Pathwise", "username": "PathwiseBot"}
        elif method == "getUpdates":
            result = [] if self.delivered else [self._start_update()]
            self.delivered = True
            if not result:
                await asyncio.sleep(0.05)
        elif method == "sendMessage":
            self.sent.append(params)
            self.got_message.set()
            result = {
                "message_id": 7,
                "date": 1,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params["text"],
            }
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _start_update() -> dict[str, Any]:
        return {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1,
                "text": "/start",
                "chat": {"id": 99, "type": "private"},
                "from": {"id": 99, "is_bot": False, "first_name": "Zoë"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }


async def test_polling_through_the_base_url_setting(
    db: Database, clock: ManualClock, database_url: str
) -> None:
    api = MiniBotApi()
    server_app = web.Application()
    server_app.router.add_post(f"/bot{TOKEN}/{{method}}", api.handle)
    server = TestServer(server_app, host="127.0.0.1")
    await server.start_server()
    settings = Settings(
        _env_file=None,
        database_url=database_url,  # type: ignore[call-arg]
        telegram_api_base_url=f"http://127.0.0.1:{server.port}/bot",
    )
    app = build_application(
        settings, TelegramAdapter(db, build_engine(settings), clock), token=TOKEN, rate_limit=False
    )
    try:
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.01, timeout=0)
        await asyncio.wait_for(api.got_message.wait(), timeout=10)
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    finally:
        await server.close()
    (message,) = api.sent
    assert int(message["chat_id"]) == 99
    assert message["text"].startswith("Welcome to Pathwise.")
    assert (
        json.loads(message["reply_markup"])["inline_keyboard"][0][0]["text"]
        == "I understand and agree"
    )
    assert all(path.startswith(f"/bot{TOKEN}/") for path in api.paths)
