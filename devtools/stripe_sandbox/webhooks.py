"""Webhook delivery: signed like Stripe's, over HTTP or to an in-process callback, in order."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

import aiohttp

from devtools.stripe_sandbox.signing import sign_payload

logger = logging.getLogger(__name__)

Obj = dict[str, Any]
# Receives (raw body, Stripe-Signature header); may return an HTTP status (an int) to report.
WebhookCallback = Callable[[bytes, str], Awaitable[Any] | Any]

CALLBACK_TARGET = "callback"
_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "Cache-Control": "no-cache",
}


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event to one endpoint."""

    event_id: str
    event_type: str
    target: str
    status: int | None
    ok: bool
    signature: str
    error: str | None = None


def event_payload(event: Obj) -> bytes:
    """The raw body Stripe posts: the event as pretty-printed JSON."""
    return json.dumps(event, indent=2).encode()


def type_enabled(event_type: str, enabled: Collection[str] | None) -> bool:
    """Whether an endpoint listening to ``enabled`` (None or ``*`` = all) wants this type."""
    if enabled is None or "*" in enabled or event_type in enabled:
        return True
    return any(p.endswith(".*") and event_type.startswith(p[:-1]) for p in enabled)


class WebhookDispatcher:
    """Signs and delivers events, one at a time and in order, recording every attempt."""

    def __init__(
        self,
        secret: str,
        *,
        url: str | None = None,
        callback: WebhookCallback | None = None,
        enabled_events: Collection[str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.secret = secret
        self.url = url
        self.callback = callback
        self.enabled_events = enabled_events
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self._http: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[tuple[list[Obj], asyncio.Future[list[Delivery]]]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def targets(self) -> list[str]:
        """Where events go now: the callback and/or the URL."""
        found = [CALLBACK_TARGET] if self.callback is not None else []
        return found + ([self.url] if self.url else [])

    def endpoint_count(self, event_type: str) -> int:
        """How many endpoints will be sent an event of this type (its ``pending_webhooks``)."""
        return len(self.targets()) if type_enabled(event_type, self.enabled_events) else 0

    async def start(self) -> None:
        """Open the HTTP session and start the in-order delivery worker."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._work(), name="stripe-sandbox-webhooks")

    async def stop(self) -> None:
        """Stop the worker and close the HTTP session."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def enqueue(self, events: list[Obj]) -> asyncio.Future[list[Delivery]]:
        """Queue events for delivery after everything queued before; resolves when sent."""
        assert self._queue is not None, "the sandbox is not started"
        done: asyncio.Future[list[Delivery]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((events, done))
        return done

    async def flush(self) -> None:
        """Wait until every queued event has been delivered."""
        if self._queue is not None:
            await self._queue.join()

    async def _work(self) -> None:
        """Deliver queued batches forever, in order."""
        assert self._queue is not None
        while True:
            events, done = await self._queue.get()
            try:
                sent: list[Delivery] = []
                for event in events:
                    if type_enabled(event["type"], self.enabled_events):
                        sent += await self.send(event)
                if not done.done():
                    done.set_result(sent)
            except Exception as exc:  # never let one bad batch stop delivery
                logger.exception("webhook batch failed")
                if not done.done():
                    done.set_exception(exc)
            finally:
                self._queue.task_done()

    async def send(self, event: Obj) -> list[Delivery]:
        """Sign and deliver one event to every endpoint now, whatever its type."""
        body = event_payload(event)
        signature = sign_payload(body, self.secret, int(time.time()))
        sent: list[Delivery] = []
        for target in self.targets():
            delivery = await self._deliver(event, target, body, signature)
            self.deliveries.append(delivery)
            sent.append(delivery)
            if delivery.ok:
                event["pending_webhooks"] = max(0, int(event["pending_webhooks"]) - 1)
        if not sent:
            logger.warning("event %s (%s) has no webhook endpoint", event["id"], event["type"])
        return sent

    async def _deliver(self, event: Obj, target: str, body: bytes, signature: str) -> Delivery:
        """One attempt at one endpoint."""
        status: int | None = None
        error: str | None = None
        try:
            if target == CALLBACK_TARGET:
                status = await self._call_back(body, signature)
            else:
                status = await self._post(target, body, signature)
        except Exception as exc:  # a failed delivery is recorded, as Stripe's dashboard shows it
            logger.warning("webhook %s to %s failed: %r", event["id"], target, exc)
            error = repr(exc)
        ok = status is not None and 200 <= status < 300
        if status is not None and not ok:
            logger.warning("webhook %s to %s answered %s", event["id"], target, status)
        return Delivery(event["id"], event["type"], target, status, ok, signature, error)

    async def _call_back(self, body: bytes, signature: str) -> int:
        """Hand the raw body and signature to the in-process callback."""
        assert self.callback is not None
        result = self.callback(body, signature)
        if inspect.isawaitable(result):
            result = await result
        return result if isinstance(result, int) and not isinstance(result, bool) else 200

    async def _post(self, url: str, body: bytes, signature: str) -> int:
        """POST the event as Stripe does."""
        assert self._http is not None, "the sandbox is not started"
        headers = {**_HEADERS, "Stripe-Signature": signature}
        async with self._http.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status
