"""Telegram never drops a reply: Pathwise started through its composition root (``bots.run``)
polls a Bot API stand-in on 127.0.0.1 over real HTTP, and the stand-in answers the way
Telegram does on a bad day: 5xx, a refused photo, an update delivered twice."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from telegram import Update
from telegram.error import TimedOut
from telegram.ext import TypeHandler

from bots.run import Runtime, running
from core import commands, i18n
from core.accounts import Platform
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.models import PlatformIdentity, Purchase, ReceivedUpdate
from core.texts.booking import CONFIRMED_RECEIPT_SEPARATELY
from core.texts.chat import APOLOGY, TEXT_ONLY
from core.updates import take_in_once, update_key
from devtools.stripe_sandbox import StripeSandbox
from devtools.telegram_recorder import ApiCall, RecordingRequest
from tests.support.billing import billing_settings
from tests.support.chat import import_sample
from tests.support.run import OneUpdate
from tests.support.sessions import paid_booking

TOKEN = "123456:RELIABLE"
USER = {"id": 5550077, "is_bot": False, "first_name": "Zoë"}
CHAT = {"id": 5550077, "type": "private", "first_name": "Zoë"}
SERVER_ERROR = (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
BAD_GATEWAY = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
PHOTO_REFUSED = (
    400,
    {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: wrong file identifier/HTTP URL specified",
    },
)
TOO_LONG = (
    400,
    {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
)


@dataclass
class Attempt:
    """One Bot API request the stand-in received, and the HTTP status it answered."""

    call: ApiCall
    status: int


class BotApi:
    """As much of the Bot API as Pathwise uses. ``getUpdates`` hands out the queued updates
    (ignoring the offset, so a test can deliver one again); every other request is recorded
    and answered with the failure queued for its method, if any, else like Telegram."""

    def __init__(self) -> None:
        self.attempts: list[Attempt] = []
        self.updates: list[dict[str, Any]] = []
        self.fail_next: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        self.always_fail: dict[str, tuple[int, dict[str, Any]]] = {}
        self.results = RecordingRequest()  # plausible results (message ids, chats)
        self.answered = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await _read(request)
        if method == "getUpdates":
            if self.updates:
                return web.json_response({"ok": True, "result": [self.updates.pop(0)]})
            await asyncio.sleep(0.02)
            return web.json_response({"ok": True, "result": []})
        failure = self.fail_next[method].pop(0) if self.fail_next[method] else None
        status, body = failure or self.always_fail.get(method) or (200, {})
        self.attempts.append(Attempt(ApiCall(method, params, files), status))
        self.answered.set()
        if status != 200:
            return web.json_response(body, status=status)
        return web.json_response({"ok": True, "result": self.results._result(method, params)})

    def delivered(self, method: str, since: int = 0) -> list[ApiCall]:
        """Requests of ``method`` that Telegram took (answered 200)."""
        return [
            a.call for a in self.attempts[since:] if a.call.method == method and a.status == 200
        ]

    async def wait_for(self, method: str) -> ApiCall:
        """The first request of ``method`` Telegram took, once there is one."""
        async with asyncio.timeout(20):
            while not self.delivered(method):
                self.answered.clear()
                await self.answered.wait()
        return self.delivered(method)[0]

    def statuses(self, method: str, since: int = 0) -> list[int]:
        return [a.status for a in self.attempts[since:] if a.call.method == method]


async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """A Bot API request's parameters (form or multipart) and uploaded files."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes, str]] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            files[name] = (value.filename, value.file.read(), value.content_type)
        elif name in {"chat_id", "message_id"}:
            params[name] = int(str(value))
        else:
            params[name] = value
    return params, files


class Client:
    """Zoë, writing to Pathwise through the stand-in: each call queues an update, waits until
    the running bot has handled it, and returns the requests the bot made meanwhile."""

    def __init__(self, api: BotApi, runtime: Runtime, update_ids: count[int]) -> None:
        self.api, self.update_ids = api, update_ids
        self.handled: Counter[int] = Counter()
        self.changed = asyncio.Event()
        assert runtime.telegram is not None
        # After every handler of an update (an answer, a duplicate's silence, an error).
        runtime.telegram.add_handler(TypeHandler(Update, self._handled), group=99)

    async def _handled(self, update: Update, context: Any) -> None:
        self.handled[update.update_id] += 1
        self.changed.set()

    async def deliver(self, payload: dict[str, Any], times: int = 1) -> list[Attempt]:
        """Deliver one update (``times`` times, as Telegram may) and wait for its handling."""
        since = len(self.api.attempts)
        update_id = payload["update_id"]
        before = self.handled[update_id]
        self.api.updates.extend([payload] * times)
        async with asyncio.timeout(20):
            while self.handled[update_id] < before + times:
                self.changed.clear()
                await self.changed.wait()
        return self.api.attempts[since:]

    def message(self, **content: Any) -> dict[str, Any]:
        update_id = next(self.update_ids)
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_780_000_000,
                "chat": CHAT,
                "from": USER,
                **content,
            },
        }

    def text(self, text: str) -> dict[str, Any]:
        if not text.startswith("/"):
            return self.message(text=text)
        command = {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        return self.message(text=text, entities=[command])

    def press(self, call: ApiCall, label: str) -> dict[str, Any]:
        update_id = next(self.update_ids)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": USER,
                "chat_instance": "ci",
                "data": call.button(label)["callback_data"],
                "message": {
                    "message_id": 1000,
                    "date": 1_780_000_000,
                    "chat": CHAT,
                    "from": {"id": 42, "is_bot": True, "first_name": "Pathwise"},
                    "text": "…",
                },
            },
        }

    async def say(self, text: str) -> list[ApiCall]:
        """Type ``text``; the messages Telegram took in answer."""
        return _sent(await self.deliver(self.text(text)))

    async def tap(self, call: ApiCall, label: str) -> list[ApiCall]:
        return _sent(await self.deliver(self.press(call, label)))


def _sent(attempts: list[Attempt]) -> list[ApiCall]:
    methods = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
    return [a.call for a in attempts if a.status == 200 and a.call.method in methods]


def _with_button(calls: list[ApiCall], label: str) -> ApiCall:
    return next(c for c in calls if label in c.button_labels())


@pytest.fixture
async def api() -> AsyncIterator[tuple[BotApi, str]]:
    stand_in = BotApi()
    app = web.Application()
    app.router.add_post(f"/bot{TOKEN}/{{method}}", stand_in.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield stand_in, f"http://127.0.0.1:{server.port}/bot"
    finally:
        await server.close()


@pytest.fixture
async def sandbox() -> AsyncIterator[StripeSandbox]:
    async with StripeSandbox(webhook_secret="whsec_reliable") as sb:
        yield sb


def _settings(database_url: str, base_url: str, sandbox: StripeSandbox) -> Settings:
    return billing_settings(
        database_url,
        telegram_token=TOKEN,
        telegram_api_base_url=base_url,
        stripe_secret_key=sandbox.api_key,
        stripe_api_base=sandbox.url,
    )


@pytest.fixture
def update_ids() -> count[int]:
    """Telegram's update ids for the whole test, across restarts (as Telegram keeps them)."""
    return count(9_100_001)


@pytest.fixture
def start(
    db: Database,  # PostgreSQL: emptied first, so no update id of another test is left
    database_url: str,
    api: tuple[BotApi, str],
    sandbox: StripeSandbox,
    clock: ManualClock,
    update_ids: count[int],
) -> Any:
    """``async with start() as zoe``: Pathwise runs (through ``bots.run``) until the block ends."""
    stand_in, base_url = api

    @asynccontextmanager
    async def run(pieces: frozenset[str] = frozenset({"telegram"})) -> AsyncIterator[Client]:
        settings = _settings(database_url, base_url, sandbox)
        async with running(settings, set(pieces), clock=clock, worker_interval=0.05) as runtime:
            yield Client(stand_in, runtime, update_ids)

    return run


async def test_the_command_menu_is_set_when_pathwise_starts(
    start: Any, api: tuple[BotApi, str]
) -> None:
    stand_in, _ = api
    async with start() as zoe:
        assert (await zoe.say("/help"))[0].text == commands.help_text()
    default, spanish = stand_in.delivered("setMyCommands")
    assert "language_code" not in default.params and spanish.params["language_code"] == "es"
    assert [(c["command"], c["description"]) for c in json.loads(default.params["commands"])] == [
        (name, description) for name, description in commands.menu()
    ]
    with i18n.speaking("es"):
        in_spanish = commands.menu()
    assert [(c["command"], c["description"]) for c in json.loads(spanish.params["commands"])] == (
        in_spanish
    )
    assert in_spanish != commands.menu()


@pytest.mark.parametrize(
    ("failures", "statuses", "answer"),
    [
        ([SERVER_ERROR, BAD_GATEWAY], [500, 502, 200], commands.help_text),
        # The reply itself is refused for good; the apology meets a 5xx, then goes through.
        ([TOO_LONG, SERVER_ERROR], [400, 500, 200], APOLOGY),
    ],
    ids=["the reply", "the apology"],
)
async def test_a_reply_gets_through_telegram_5xx_answers(
    start: Any,
    api: tuple[BotApi, str],
    failures: list[tuple[int, dict[str, Any]]],
    statuses: list[int],
    answer: Callable[[], str],
) -> None:
    stand_in, _ = api
    async with start() as zoe:
        stand_in.fail_next["sendMessage"] = list(failures)
        attempts = await zoe.deliver(zoe.text("/help"))
    assert [a.status for a in attempts if a.call.method == "sendMessage"] == statuses
    assert [c.text for c in _sent(attempts)] == [answer()]


class TimesOutOnce(OneUpdate):
    """One polled /help, and the first sendMessage times out (no answer in time)."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts = 0

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage") and not self.timeouts:
            self.timeouts += 1
            raise TimedOut("Timed out")
        return await super().do_request(url, method, *args, **kwargs)


async def test_a_reply_gets_through_a_timeout(
    db: Database, database_url: str, sandbox: StripeSandbox, clock: ManualClock
) -> None:
    request = TimesOutOnce()
    settings = _settings(database_url, "https://api.telegram.org/bot", sandbox)
    async with running(settings, {"telegram"}, clock=clock, telegram_request=request):
        for _ in range(1000):
            if request.sent("sendMessage"):
                break
            await asyncio.sleep(0.02)
    assert request.timeouts == 1
    assert [c.text for c in request.sent("sendMessage")] == [commands.help_text()]


async def test_an_update_delivered_twice_is_answered_once_even_across_a_restart(
    start: Any, api: tuple[BotApi, str]
) -> None:
    stand_in, _ = api
    async with start() as zoe:
        update = zoe.text("/help")
        assert [c.text for c in _sent(await zoe.deliver(update, times=2))] == [commands.help_text()]
    async with start() as zoe:  # Pathwise restarted; Telegram delivers it once more
        assert _sent(await zoe.deliver(update)) == []
        assert [c.text for c in await zoe.say("/help")] == [commands.help_text()]
    assert len(stand_in.delivered("sendMessage")) == 2


@pytest.mark.parametrize(
    "content",
    [
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "notes.pdf"}},
    ],
    ids=["sticker", "photo", "voice", "document"],
)
async def test_what_is_not_text_gets_a_friendly_answer(start: Any, content: dict[str, Any]) -> None:
    async with start() as zoe:
        answer = _sent(await zoe.deliver(zoe.message(**content)))
    assert [(c.method, c.params["chat_id"], c.text) for c in answer] == [
        ("sendMessage", CHAT["id"], TEXT_ONLY())
    ]


async def test_a_photo_telegram_refuses_leaves_the_card_and_the_client_goes_on(
    start: Any, api: tuple[BotApi, str], db: Database
) -> None:
    stand_in, _ = api
    await import_sample(db)
    stand_in.always_fail["sendPhoto"] = PHOTO_REFUSED
    offer = "60-minute live session — $60.00"
    async with start() as zoe:
        consent = await zoe.say("/start advisor_ana-ruiz")
        shown = await zoe.tap(
            _with_button(consent, "I understand and agree"), "I understand and agree"
        )
        card = _with_button(shown, offer)
        assert card.text is not None and card.text.startswith("Ana Ruiz")
        # Not trapped: typing gets the card again, without an apology; the offer is bookable.
        again = await zoe.say("hello?")
        assert APOLOGY() not in [c.text for c in again]
        shown_again = _with_button(again, offer)
        assert shown_again.text == card.text
        slots = await zoe.tap(shown_again, offer)
    assert any(":slot:" in b.get("callback_data", "") for c in slots for r in c.keyboard for b in r)
    assert stand_in.statuses("sendPhoto") == [400, 400]


async def test_the_receipt_is_sent_once_after_paying(
    start: Any, api: tuple[BotApi, str], db: Database, database_url: str, clock: ManualClock
) -> None:
    stand_in, _ = api
    paid = await paid_booking(db, billing_settings(database_url), clock)
    async with db.uow() as uow:
        uow.session.add(
            PlatformIdentity(
                platform="telegram",
                platform_user_id=USER["id"],
                client_id=paid.world.client_id,
                created_at=clock.now(),
            )
        )
        purchase_id = await uow.session.scalar(
            select(Purchase.id).where(Purchase.booking_id == paid.booking_id)
        )
        await uow.commit()
    async with start(frozenset({"telegram", "worker"})) as zoe:
        await stand_in.wait_for("sendDocument")  # the worker delivers the outbox: the receipt
        consent = await zoe.say(f"/start paid_{purchase_id}")
        back = await zoe.tap(
            _with_button(consent, "I understand and agree"), "I understand and agree"
        )
        await asyncio.sleep(0.3)  # a few more worker ticks: nothing else goes out
    assert CONFIRMED_RECEIPT_SEPARATELY() in [c.text for c in back]
    sent = [call.files["document"][0] for call in stand_in.delivered("sendDocument")]
    (receipt,) = [name for name in sent if name.endswith(".pdf")]
    assert receipt.startswith("Pathwise-receipt-")
    assert [name for name in sent if name.endswith(".ics")] == ["Pathwise-session-2026-11-25.ics"]


async def _take_in_slowly(db: Database, now: datetime, *, commit: bool) -> bool:
    """One handler's transaction: take the update in, work a while, then commit or fail."""
    async with db.uow() as uow:
        new = await take_in_once(uow, Platform.TELEGRAM, 9_200_001, now)
        await asyncio.sleep(0.2)
        if commit:
            await uow.commit()
    return new


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("first_commits", "taken_in"),
    [(True, [True, False]), (False, [True, True])],
    ids=["the first handler commits: the second drops it", "the first fails: the second answers"],
)
async def test_two_handlers_of_one_update_at_once_take_it_in_once(
    db: Database, clock: ManualClock, first_commits: bool, taken_in: list[bool]
) -> None:
    first = asyncio.create_task(_take_in_slowly(db, clock.now(), commit=first_commits))
    await asyncio.sleep(0.05)  # the first has taken it in, and works on
    second = asyncio.create_task(_take_in_slowly(db, clock.now(), commit=True))
    assert list(await asyncio.gather(first, second)) == taken_in


async def test_the_worker_forgets_update_ids_too_old_to_come_again(
    db: Database,
    database_url: str,
    api: tuple[BotApi, str],
    sandbox: StripeSandbox,
    clock: ManualClock,
) -> None:
    async with db.uow() as uow:
        await take_in_once(uow, Platform.TELEGRAM, 9_300_001, clock.now() - timedelta(days=3))
        await take_in_once(uow, Platform.TELEGRAM, 9_300_002, clock.now() - timedelta(hours=1))
        await uow.commit()
    settings = _settings(database_url, api[1], sandbox)
    async with running(settings, {"worker"}, clock=clock, worker_interval=0.05) as runtime:
        assert runtime.worker is not None
        for _ in range(200):
            if runtime.worker.ticks >= 2:
                break
            await asyncio.sleep(0.05)
    async with db.uow() as uow:
        kept = list(await uow.session.scalars(select(ReceivedUpdate.update_key)))
    assert kept == [update_key(9_300_002)]
