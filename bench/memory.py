"""Resident memory of one Pathwise process with many clients mid-conversation.

A fresh process (so nothing measured before is counted) builds the real Telegram application
over core on a scratch database, walks a few journeys to warm it up and reads its resident
set size: the floor. Then ``clients`` people each send the first steps of the hiring flow,
taking turns, so all of them are mid-conversation at once, and the resident set is read again.
Conversations live in the database, so the difference is what the process keeps per client.

``python -m bench.memory [CLIENTS]`` prints the numbers; :func:`run` returns them.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

MID_CONVERSATION = 4  # /start, agree, find, a topic: choosing topics when measured


def rss_mb() -> float:
    """This process's resident set size now, in MB (Linux), else its peak so far."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak) / (1024 * 1024 if sys.platform == "darwin" else 1024)


async def _measure(url: str | None, clients: int) -> dict[str, float]:
    from bench.telegram import Journey, build_stack, drive, import_sample_catalogue_once, sqlite_url
    from core.db import Database

    with tempfile.TemporaryDirectory() as folder:
        url = url or await sqlite_url(folder)
        db = Database(url)
        try:
            await import_sample_catalogue_once(db)
            stack = await build_stack(db, url)
            await drive(stack, range(10**7, 10**7 + 3))  # warm-up: every step once
            gc.collect()
            floor = rss_mb()
            journeys = [Journey(stack.user(number)) for number in range(clients)]
            for _ in range(MID_CONVERSATION):
                for journey in journeys:
                    await journey.step()
                    journey.user.latencies.clear()
            gc.collect()
            loaded = rss_mb()
            await stack.app.shutdown()
        finally:
            await db.dispose()
    return {
        "clients": clients,
        "floor_mb": floor,
        "rss_mb": loaded,
        "per_client_kb": (loaded - floor) * 1024 / clients if clients else 0.0,
    }


def _child(url: str | None, clients: int, queue: Any) -> None:
    queue.put(asyncio.run(_measure(url, clients)))


def run(clients: int = 10_000, url: str | None = None) -> dict[str, float]:
    """The figures, measured in a fresh process (on ``url``, or a scratch SQLite file)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_child, args=(url, clients, queue))
    child.start()
    result: dict[str, float] = queue.get()
    child.join()
    return result


def main(argv: list[str]) -> None:
    clients = int(argv[0]) if argv else 10_000
    for key, value in run(clients).items():
        print(f"{key:<16} {value:>10.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
