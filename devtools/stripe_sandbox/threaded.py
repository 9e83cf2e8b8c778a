"""The sandbox on its own event loop in a daemon thread, for synchronous code and tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

from devtools.stripe_sandbox.faults import Failure
from devtools.stripe_sandbox.objects import Obj
from devtools.stripe_sandbox.server import RecordedRequest, StripeSandbox
from devtools.stripe_sandbox.webhooks import Delivery, WebhookCallback

T = TypeVar("T")


class ThreadedStripeSandbox:
    """A :class:`StripeSandbox` served from a background thread; every method blocks.

    A ``webhook_callback`` runs on the sandbox's own loop, in its thread.
    """

    def __init__(self, timeout: float = 30.0, **options: Any) -> None:
        self.sandbox = StripeSandbox(**options)
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> ThreadedStripeSandbox:
        """Start the loop thread and serve."""
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="stripe-sandbox",
                                        daemon=True)
        self._loop = loop
        self._thread.start()
        self._run(self.sandbox.start(host, port))
        return self

    def stop(self) -> None:
        """Stop serving and end the thread."""
        if self._loop is None or self._thread is None:
            return
        self._run(self.sandbox.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        self._loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> ThreadedStripeSandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the sandbox's loop and wait for its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("the threaded sandbox is not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    async def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a plain function on the sandbox's loop (so it never races the server)."""
        return function(*args, **kwargs)

    # -- the same surface as StripeSandbox, blocking -------------------------------------------

    @property
    def url(self) -> str:
        """The API base to give the SDK."""
        return self.sandbox.url

    @property
    def api_key(self) -> str:
        """The secret test key the sandbox accepts."""
        return self.sandbox.api_key

    @property
    def webhook_secret(self) -> str:
        """The endpoint secret events are signed with."""
        return self.sandbox.webhook_secret

    @property
    def webhook_url(self) -> str | None:
        """Where events are POSTed."""
        return self.sandbox.webhook_url

    @webhook_url.setter
    def webhook_url(self, value: str | None) -> None:
        self.sandbox.webhook_url = value

    @property
    def webhook_callback(self) -> WebhookCallback | None:
        """The in-process receiver, run on the sandbox's loop."""
        return self.sandbox.webhook_callback

    @webhook_callback.setter
    def webhook_callback(self, value: WebhookCallback | None) -> None:
        self.sandbox.webhook_callback = value

    @property
    def objects(self) -> dict[str, dict[str, Obj]]:
        """Stored objects by resource and id."""
        return self.sandbox.objects

    @property
    def events(self) -> list[Obj]:
        """Every event, oldest first."""
        return self.sandbox.events

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every API request seen."""
        return self.sandbox.requests

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery attempt."""
        return self.sandbox.deliveries

    def pay(self, session_id: str, card: str = "success",
            amount_override: int | None = None) -> list[str]:
        """See :meth:`StripeSandbox.pay`."""
        return self._run(self.sandbox.pay(session_id, card, amount_override))

    def async_payment(self, session_id: str, succeeded: bool) -> list[str]:
        """See :meth:`StripeSandbox.async_payment`."""
        return self._run(self.sandbox.async_payment(session_id, succeeded))

    def expire(self, session_id: str) -> list[str]:
        """See :meth:`StripeSandbox.expire`."""
        return self._run(self.sandbox.expire(session_id))

    def expire_due(self) -> list[str]:
        """See :meth:`StripeSandbox.expire_due`."""
        return self._run(self.sandbox.expire_due())

    def complete_onboarding(self, account_id: str) -> list[str]:
        """See :meth:`StripeSandbox.complete_onboarding`."""
        return self._run(self.sandbox.complete_onboarding(account_id))

    def dispute(self, charge_id: str, amount: int | None = None,
                reason: str = "fraudulent") -> list[str]:
        """See :meth:`StripeSandbox.dispute`."""
        return self._run(self.sandbox.dispute(charge_id, amount, reason))

    def close_dispute(self, dispute_id: str, won: bool) -> list[str]:
        """See :meth:`StripeSandbox.close_dispute`."""
        return self._run(self.sandbox.close_dispute(dispute_id, won))

    def settle_refund(self, refund_id: str, succeeded: bool) -> list[str]:
        """See :meth:`StripeSandbox.settle_refund`."""
        return self._run(self.sandbox.settle_refund(refund_id, succeeded))

    def dashboard_refund(self, charge_id: str, amount: int | None = None) -> list[str]:
        """See :meth:`StripeSandbox.dashboard_refund`."""
        return self._run(self.sandbox.dashboard_refund(charge_id, amount))

    def hold_events(self, hold: bool = True) -> None:
        """See :meth:`StripeSandbox.hold_events`."""
        self.sandbox.hold_events(hold)

    def redeliver(self, event_id: str) -> list[Delivery]:
        """See :meth:`StripeSandbox.redeliver`."""
        return self._run(self.sandbox.redeliver(event_id))

    def deliver(self, event_ids: list[str]) -> list[Delivery]:
        """See :meth:`StripeSandbox.deliver`."""
        return self._run(self.sandbox.deliver(event_ids))

    def deliver_held(self) -> list[Delivery]:
        """See :meth:`StripeSandbox.deliver_held`."""
        return self._run(self.sandbox.deliver_held())

    def flush(self) -> None:
        """See :meth:`StripeSandbox.flush`."""
        self._run(self.sandbox.flush())

    def add_balance(self, amount: int, currency: str = "usd") -> None:
        """See :meth:`StripeSandbox.add_balance`."""
        self._run(self._call(self.sandbox.add_balance, amount, currency))

    def fail_next(self, path_prefix: str, failure: Failure, count: int = 1, *,
                  delay: float = 1.0, method: str | None = None,
                  should_retry: bool | None = None) -> None:
        """See :meth:`StripeSandbox.fail_next`."""
        self._run(self._call(self.sandbox.fail_next, path_prefix, failure, count, delay=delay,
                             method=method, should_retry=should_retry))
