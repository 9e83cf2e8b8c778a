"""The tick loop: asks core what is due now and does it. No timer lives only in memory:
every job reads its due work from the database, so a restart loses nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


@dataclass
class NamedJob:
    name: str
    run: Job


class Worker:
    """Runs every job once per ``interval`` seconds until told to stop; a failing job is
    logged and counted and never stops the others."""

    def __init__(
        self,
        jobs: Sequence[NamedJob],
        interval: float = 5.0,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.jobs = list(jobs)
        self.interval = interval
        self.on_error = on_error
        self.ticks = 0

    async def tick(self) -> None:
        """Every job once, in order."""
        for job in self.jobs:
            try:
                await job.run()
            except Exception:
                log.exception("worker.job.failed", extra={"job": job.name})
                if self.on_error is not None:
                    self.on_error(job.name)
        self.ticks += 1

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set; a tick in progress always finishes (graceful shutdown)."""
        while not stop.is_set():
            await self.tick()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                continue
