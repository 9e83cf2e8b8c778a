"""The one path every Bot API call takes: a 429 waits as long as Telegram says
(python-telegram-bot's ``AIORateLimiter``); a 5xx answer, a timeout or a dropped connection is
tried again with exponential backoff and jitter (tenacity). A refusal (400, 403) is final."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

log = logging.getLogger(__name__)

ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed call is tried again (seconds)."""

    attempts: int = 4
    first_wait: float = 0.5
    max_wait: float = 5.0


def transient(error: BaseException) -> bool:
    """Worth another try: Telegram's 5xx, a timeout, a broken connection; never a refusal.
    A call that timed out may still have arrived: a reply twice is better than none."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class DeliveryLimiter(AIORateLimiter):
    """``AIORateLimiter`` (flood limits and 429s) inside tenacity's retries (5xx, timeouts)."""

    def __init__(self, policy: RetryPolicy | None = None, max_retries: int = 3) -> None:
        super().__init__(max_retries=max_retries)
        self.policy = policy or RetryPolicy()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=wait_exponential_jitter(
                multiplier=self.policy.first_wait,
                max=self.policy.max_wait,
                jitter=self.policy.first_wait,
            ),
            retry=retry_if_exception(transient),
            before_sleep=_log_retry(endpoint),
            reraise=True,
        )
        limited = super().process_request
        result: ApiResult = await retrying(
            limited, callback, args, kwargs, endpoint, data, rate_limit_args
        )
        return result


def _log_retry(endpoint: str) -> Callable[[RetryCallState], None]:
    def record(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "telegram.api.retry",
            extra={
                "method": endpoint,
                "attempt": state.attempt_number,
                "error": type(error).__name__,
            },
        )

    return record
