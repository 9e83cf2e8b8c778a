"""Scaling with PostgreSQL: webhook and Telegram update throughput with 1, 2 and 4 worker
processes sharing one database, as several ``pathwise run`` processes behind a load balancer.

Each worker process prepares its own work (signed ``checkout.session.completed`` events for
its own bookings; its own range of Telegram clients), waits for the others at a barrier, then
handles it all; the figure is everything handled divided by the time from the first start to
the last finish. The floor is one process.

``python -m bench.scaling`` prints the table (PostgreSQL only); :func:`run` returns it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import sys
import time
from typing import Any

# Worker i's Telegram clients are numbered from CLIENT_BASE + i * CLIENT_RANGE: people (and
# times, see bench.telegram.CLIENT_SPACING) no other figure of the run has used.
CLIENT_BASE = 50_000_000
CLIENT_RANGE = 100_000


async def _webhooks(url: str, index: int, n: int, barrier: Any) -> tuple[int, float, float]:
    from bench.gateway import BenchGateway
    from bench.webhooks import SECRET, START, _paid_bodies, _seed
    from core.billing import Billing
    from core.clock import ManualClock
    from core.config import Settings
    from core.db import Database
    from core.receipts import ReceiptFonts

    db = Database(url)
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=url, stripe_webhook_secret=SECRET
        )
        billing = Billing(db, BenchGateway(), settings, ManualClock(START), fonts=ReceiptFonts())
        bodies = await _paid_bodies(db, await _seed(db, billing, n))
        await asyncio.to_thread(barrier.wait)
        began = time.monotonic()
        for body, header in bodies:
            status, outcome = await billing.handle_webhook(body, header)
            if status != 200 or outcome != "paid":
                raise RuntimeError(f"webhook answered {status}: {outcome}")
        return len(bodies), began, time.monotonic()
    finally:
        await db.dispose()


async def _updates(url: str, index: int, n: int, barrier: Any) -> tuple[int, float, float]:
    from bench.telegram import build_stack, drive
    from core.db import Database

    db = Database(url)
    try:
        stack = await build_stack(db, url)
        first = CLIENT_BASE + index * CLIENT_RANGE
        await drive(stack, range(first + CLIENT_RANGE - 2, first + CLIENT_RANGE))  # warm-up
        await asyncio.to_thread(barrier.wait)
        began = time.monotonic()
        latencies = await drive(stack, range(first, first + n))
        ended = time.monotonic()
        await stack.app.shutdown()
        return len(latencies), began, ended
    finally:
        await db.dispose()


def _worker(kind: str, url: str, index: int, n: int, barrier: Any, queue: Any) -> None:
    job = _webhooks if kind == "webhooks" else _updates
    try:
        queue.put(asyncio.run(job(url, index, n, barrier)))
    except BaseException as error:  # the parent reports it; a worker never hangs the run
        barrier.abort()
        queue.put(error)


def measure(kind: str, url: str, workers: int, n: int) -> dict[str, float]:
    """``workers`` processes, each handling ``n`` events (or ``n`` client journeys)."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    queue = context.Queue()
    processes = [
        context.Process(target=_worker, args=(kind, url, index, n, barrier, queue))
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise RuntimeError(f"a {kind} worker failed: {errors[0]!r}")
    handled = sum(r[0] for r in results)
    wall = max(r[2] for r in results) - min(r[1] for r in results)
    return {
        "workers": workers,
        "handled": handled,
        "wall_s": wall,
        "per_second": handled / wall if wall else 0.0,
    }


def run(
    url: str, workers: tuple[int, ...] = (1, 2, 4), events: int = 200, journeys: int = 20
) -> dict[str, list[dict[str, float]]]:
    """Webhooks (``events`` per worker) and updates (``journeys`` per worker) on ``url``,
    a migrated PostgreSQL database with the sample catalogue imported."""
    return {
        "webhooks": [measure("webhooks", url, w, events) for w in workers],
        "updates": [measure("updates", url, w, journeys) for w in workers],
    }


def main(argv: list[str]) -> None:
    from bench.suite import postgres_database

    async def prepare() -> Any:
        return await postgres_database(None)

    scratch = asyncio.run(prepare())
    if scratch is None:
        print("No PostgreSQL: set PATHWISE_BENCH_POSTGRES_URL to a server that answers.")
        return
    try:
        for kind, rows in run(scratch.url).items():
            for row in rows:
                print(f"{kind:<9} {row['workers']:>2} workers {row['per_second']:>8.0f}/s")
    finally:
        asyncio.run(scratch.drop())


if __name__ == "__main__":
    main(sys.argv[1:])
