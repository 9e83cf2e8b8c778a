"""A client's question end to end with the matcher's kept index, and its rebuild after one
advisor edits their profile (issue #17), over a catalogue in a scratch SQLite database.

The advisors are ``bench.matching``'s plausible ones (varied words, prices, ratings, zones),
each with weekly hours, imported through the catalogue import. Run alone:
``python -m bench.matching_cache 1000 10000``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.matching import NOW, SEED, _db_catalogue, make_card
from core.matching import AdvisorCard
from core.taxonomy import OfferKind

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_IMPORT_CHUNK = 2_000
_EDITS = 5  # profile edits timed, one advisor each


def _row(rng: random.Random, card: AdvisorCard) -> dict[str, Any]:
    """``card`` as a catalogue row, with a few weekly hours."""
    availability = {}
    for day in rng.sample(_DAYS, rng.randint(1, 5)):
        start = rng.randint(7, 19)
        availability[day] = [f"{start:02d}:00-{start + rng.randint(1, 4):02d}:00"]
    return {
        "slug": card.slug,
        "display_name": card.display_name,
        "bio": card.bio,
        "specialties": list(card.specialties),
        "topics": [topic.value for topic in card.topics],
        "languages": sorted(card.languages),
        "timezone": card.timezone,
        "availability": availability,
        "offers": [
            {"kind": kind.value, "price": f"{price.amount / 100:.2f}"}
            | ({"days": 7} if kind is OfferKind.MESSAGING else {})
            for kind, price in card.prices.items()
        ],
    }


def _p(latencies: list[float], share: float) -> float:
    ordered = sorted(latencies)
    return round(ordered[int(share * (len(ordered) - 1))], 2)


async def measure(size: int, queries: int = 20) -> dict[str, Any]:
    """p50/p95 ms of ``queries`` questions through ``CatalogueMatcher`` (its index kept), the
    same questions on the kept index alone (the floor), and the median ms of the index's
    rebuild after one advisor's ``/profile`` edit beside that of a question's version check
    when nothing changed."""
    from core import advisors, catalogue, migrations
    from core.accounts import Platform, get_or_create_client
    from core.config import Settings
    from core.db import Database
    from core.dialogs.engine import Context
    from core.dialogs.suggest import CatalogueMatcher, intake_of

    rng = random.Random(f"{SEED}:kept:{size}")
    cards = [make_card(rng, advisor_id) for advisor_id in range(1, size + 1)]
    rows = [_row(rng, card) for card in cards]
    _, questions = _db_catalogue(1, rng, queries)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'kept.sqlite3'}"
        await migrations.upgrade_async(url)
        db = Database(url)
        try:
            started = time.perf_counter()
            for first in range(0, size, _IMPORT_CHUNK):
                async with db.uow() as uow:
                    chunk = catalogue.validate_rows(rows[first : first + _IMPORT_CHUNK])
                    await catalogue.import_catalogue(uow, chunk, NOW - timedelta(days=30))
                    await uow.commit()
            import_s = time.perf_counter() - started
            async with db.uow() as uow:
                client = await get_or_create_client(uow, Platform.TELEGRAM, 1, "Ada", NOW)
                await uow.commit()
            settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
            matcher = CatalogueMatcher()
            latencies, build_s, intakes = [], 0.0, []
            for number, answers in enumerate(questions):
                started = time.perf_counter()
                async with db.uow() as uow:
                    ctx = Context(uow, client, NOW, settings, {}, 1)
                    await matcher.suggest(ctx, answers)
                elapsed = time.perf_counter() - started
                intakes.append(intake_of(ctx, answers))
                if number == 0:
                    build_s = elapsed  # the first question builds the index
                elif number >= 2:  # the second warms up
                    latencies.append(elapsed * 1000)
            async with db.uow() as uow:
                index = await matcher.index(uow)
            floor = []
            for intake in intakes[2:]:
                started = time.perf_counter()
                index.top(intake, NOW, k=3)
                floor.append((time.perf_counter() - started) * 1000)
            rebuilds, checks = [], []
            for advisor_id in rng.sample(range(1, size + 1), min(_EDITS, size)):
                async with db.uow() as uow:
                    await advisors.update_profile(
                        uow, advisor_id, bio=cards[advisor_id - 1].bio[:1900] + " Edited."
                    )
                    await uow.commit()
                for times in (rebuilds, checks):  # the rebuild, then a check with no change
                    started = time.perf_counter()
                    async with db.uow() as uow:
                        await matcher.index(uow)
                    times.append((time.perf_counter() - started) * 1000)
        finally:
            await db.dispose()
    return {
        "advisors": size,
        "queries": len(latencies),
        "import_s": round(import_s, 1),
        "first_question_s": round(build_s, 2),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": _p(latencies, 0.95),
        "index_p50_ms": round(statistics.median(floor), 3),
        "rebuild_ms": round(statistics.median(rebuilds), 2),
        "rebuild_max_ms": round(max(rebuilds), 2),
        "unchanged_check_ms": round(statistics.median(checks), 3),
        "builds": matcher.builds,
    }


def main(argv: Sequence[str]) -> None:
    """Print the table for the sizes given (default 1k)."""
    sizes = tuple(int(arg) for arg in argv) or (1000,)
    print(f"{'advisors':>9} {'p50 ms':>8} {'p95 ms':>8} {'index ms':>9} {'rebuild ms':>11}")
    for size in sizes:
        row = asyncio.run(measure(size))
        print(
            f"{size:>9} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
            f"{row['index_p50_ms']:>9.3f} {row['rebuild_ms']:>11.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
