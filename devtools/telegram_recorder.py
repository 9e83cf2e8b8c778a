"""A python-telegram-bot request layer that records Bot API calls instead of sending them.

This is the approach of python-telegram-bot's own test suite: the real ``Bot`` and
``Application`` run unchanged, only the HTTP layer is replaced. Used by the tests, the
offline demo and the benchmarks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Pathwise", "username": "PathwiseBot"}


@dataclass
class ApiCall:
    """One recorded Bot API call: its method, parameters and uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        value = self.params.get("text") or self.params.get("caption")
        return str(value) if value is not None else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard's rows, or [] if the call has none."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return list(markup.get("inline_keyboard", [])) if markup else []

    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.keyboard for button in row]

    def button(self, label: str) -> dict[str, Any]:
        for row in self.keyboard:
            for button in row:
                if button["text"] == label:
                    return dict(button)
        raise KeyError(f"no button {label!r} in {self.button_labels()}")


class RecordingRequest(BaseRequest):
    """Answers every Bot API call like Telegram would, and keeps a list of them."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._message_ids = count(1000)
        # Telegram numbers updates per bot, never per user: one sequence for every user here.
        self.update_ids = count(1)
        self.fail_next: list[tuple[int, dict[str, Any]]] = []  # (status, error body) to answer

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes, str]] = {}
        if request_data and request_data.multipart_data:
            for name, value in request_data.multipart_data.items():
                if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], bytes):
                    files[name] = (str(value[0]), value[1], str(value[2]))
        if api_method not in {"getMe", "getUpdates", "deleteWebhook", "setMyCommands"}:
            self.calls.append(ApiCall(api_method, params, files))
        if self.fail_next:
            status, body = self.fail_next.pop(0)
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        """A plausible Bot API result for ``method``."""
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in {"sendMessage", "sendDocument", "sendPhoto", "editMessageText"}:
            chat_id = params.get("chat_id", 0)
            message: dict[str, Any] = {
                "message_id": params.get("message_id") or next(self._message_ids),
                "date": 1_780_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendDocument":
                message["document"] = {"file_id": "doc", "file_unique_id": "doc"}
            return message
        return True

    def sent(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls, optionally only of one method."""
        return [call for call in self.calls if method is None or call.method == method]

    def clear(self) -> None:
        self.calls.clear()


class TelegramUser:
    """A person typing and pressing buttons in a private chat with the bot, as Telegram would
    send it: each call builds a real ``Update`` and runs ``Application.process_update``, and
    returns the Bot API calls the bot made in answer."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        request: RecordingRequest,
        user: dict[str, Any],
        chat: dict[str, Any] | None = None,
    ) -> None:
        self.app, self.request, self.user = app, request, user
        self.chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self.ids = count(1)
        self.errors: list[BaseException] = []

    async def update(self, payload: dict[str, Any]) -> list[ApiCall]:
        self.request.clear()
        payload = {"update_id": next(self.request.update_ids), **payload}
        await self.app.process_update(Update.de_json(payload, self.app.bot))
        return list(self.request.calls)

    async def text(self, text: str, chat: dict[str, Any] | None = None) -> list[ApiCall]:
        message: dict[str, Any] = {
            "message_id": next(self.ids),
            "date": 1_780_000_000,
            "chat": chat or self.chat,
            "from": self.user,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self.update({"message": message})

    async def press(self, call: ApiCall, label: str) -> list[ApiCall]:
        """Press ``label`` on the keyboard of a message the bot sent."""
        data = call.button(label)["callback_data"]
        return await self.press_data(data, message_id=call.params.get("message_id", 1000))

    async def press_data(self, data: str, message_id: int = 1000) -> list[ApiCall]:
        return await self.update(
            {
                "callback_query": {
                    "id": str(next(self.ids)),
                    "from": self.user,
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": 1_780_000_000,
                        "chat": self.chat,
                        "from": {"id": BOT_USER["id"], "is_bot": True, "first_name": "Pathwise"},
                        "text": "…",
                    },
                }
            }
        )
