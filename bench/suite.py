"""``pathwise bench``: every figure beside its floor, measured in one run, as a table and JSON.

The figures (issue #8):

a. Telegram updates/s through the whole stack, p50/p99, on SQLite and PostgreSQL; floor: a
   bare python-telegram-bot echo handler through the same recording request layer.
b. Stripe webhook events/s on the paid path (signature, de-dup, state change, ledger, outbox);
   floor: ``stripe.Webhook.construct_event`` alone.
c. Receipts: milliseconds and bytes per PDF; floor: a one-line fpdf2 page in the same font.
d. Matching latency, top 5, over 1k/10k/100k advisors; floor: picking the top 5 of that many
   precomputed scores (``heapq.nlargest``). Also a client's question end to end through the
   results step's matcher over 1k advisors in SQLite; floor: the same questions on an index
   built beforehand. With the index kept between questions (issue #17): a question end to
   end, p50 and p95, over 10k and 100k advisors in SQLite, floor: the same questions on the
   kept index alone; and the rebuild after one advisor edits their profile, floor: a
   question's catalogue version check when nothing changed.
e. The sessions ``tick()`` draining 10k sessions with a reminder due; floor: a tick with
   nothing due over the same sessions.
f. Resident memory with 10k clients mid-conversation; floor: the same process before them.
g. PostgreSQL scaling: webhook and update throughput with 1, 2 and 4 worker processes; floor:
   one process.
h. Crisis screening: milliseconds per screen of a client's text, with recall and the
   false-positive rate on the tests' labelled set; floor: ``"kill myself" in text.casefold()``.
i. Matching understanding (#17), per language: on the tests' labelled descriptions, the share
   whose first suggested advisor fits, with "Other" tapped (top-3 in the detail); floor: the
   same questions with a fitting topic tapped.

PostgreSQL figures need a server named explicitly (``--postgres URL`` or
``PATHWISE_BENCH_POSTGRES_URL``; never a guessed local one); each run makes its own scratch
database beside it and drops it. Without one they are skipped with a note, so ``--quick``
passes on any machine.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench


@dataclass(frozen=True)
class Sizes:
    """How much of everything one run measures."""

    telegram_clients: int = 300  # hiring journeys of 15 updates each, per database
    echo_updates: int = 5000
    webhook_events: int = 300
    receipts: int = 100
    matching: tuple[int, ...] = (1_000, 10_000, 100_000)
    matching_queries: int = 200
    matching_db: int = 1_000  # advisors in the database for a question asked end to end
    matching_db_queries: int = 20
    # advisors in SQLite for a question with the index kept, and its rebuild after an edit
    matching_kept: tuple[int, ...] = ()
    matching_kept_queries: int = 20
    tick_sessions: int = 10_000
    memory_clients: int = 10_000
    scaling_workers: tuple[int, ...] = (1, 2, 4)
    scaling_events: int = 300  # per worker
    scaling_journeys: int = 30  # per worker
    crisis_rounds: int = 20  # passes over the labelled set


FULL = Sizes(matching_kept=(10_000, 100_000))
QUICK = Sizes(
    telegram_clients=20,
    echo_updates=1000,
    webhook_events=40,
    receipts=20,
    matching=(1_000, 10_000),
    matching_queries=50,
    matching_db=200,
    matching_db_queries=5,
    matching_kept=(1_000,),
    matching_kept_queries=10,
    tick_sessions=300,
    memory_clients=300,
    scaling_workers=(1, 2),
    scaling_events=40,
    scaling_journeys=4,
    crisis_rounds=3,
)

# Targets on a 2-core machine (issue #8); the figure keys they apply to.
TARGETS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "a.telegram.sqlite": (
        ">= 1,000 updates/s and <= 3x the floor's cost",
        lambda f: f["value"] >= 1000 and f["ratio"] <= 3,
    ),
    "b.webhooks.sqlite": (">= 500 events/s", lambda f: f["value"] >= 500),
    "b.webhooks.postgresql": (">= 500 events/s", lambda f: f["value"] >= 500),
    "c.receipt.ms": ("<= 10 ms", lambda f: f["value"] <= 10),
    "c.receipt.kb": ("<= 30 KB", lambda f: f["value"] <= 30),
    "d.matching.100000": ("<= 50 ms", lambda f: f["value"] <= 50),
    "d.question.10000": ("p50 <= 20 ms", lambda f: f["value"] <= 20),
    "d.question.100000": ("p50 <= 50 ms", lambda f: f["value"] <= 50),
    "d.rebuild.100000": ("<= 50 ms", lambda f: f["value"] <= 50),
    "f.memory": ("<= 300 MB", lambda f: f["value"] <= 300),
    "h.crisis": (
        "<= 1 ms, recall >= 0.95, FPR <= 0.05",
        lambda f: (
            f["value"] <= 1
            and f["detail"]["recall"] >= 0.95
            and f["detail"]["false_positive_rate"] <= 0.05
        ),
    ),
    "i.understanding.en": (
        "top-1 >= 0.80, top-3 >= 0.95",
        lambda f: f["value"] >= 0.80 and f["detail"]["top3"] >= 0.95,
    ),
    "i.understanding.es": (
        "top-1 >= 0.80, top-3 >= 0.95",
        lambda f: f["value"] >= 0.80 and f["detail"]["top3"] >= 0.95,
    ),
}


@dataclass
class Figure:
    """One measured figure beside its floor. ``ratio`` is the figure's cost over the floor's
    (per update, per event, per receipt...): 1 means no more than the floor."""

    key: str
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def judge(self) -> Figure:
        if self.key in TARGETS:
            self.target, check = TARGETS[self.key]
            self.met = bool(check(asdict(self)))
        return self


def cost_ratio(value: float, floor: float, *, higher_is_better: bool) -> float:
    """How many times the floor's cost one unit of work costs."""
    if higher_is_better:  # a rate: cost is its inverse
        return floor / value if value else float("inf")
    return value / floor if floor else float("inf")


@dataclass
class Results:
    """A run: its figures, notes (what was skipped and why) and where it ran."""

    quick: bool
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    started: str = ""
    seconds: float = 0.0

    def add(self, figure: Figure) -> None:
        self.figures.append(figure.judge())

    def as_json(self) -> dict[str, Any]:
        return {
            "quick": self.quick,
            "started": self.started,
            "seconds": round(self.seconds, 1),
            "machine": self.machine,
            "figures": [asdict(f) for f in self.figures],
            "notes": self.notes,
        }


# -- PostgreSQL scratch databases ------------------------------------------------------------


@dataclass
class Scratch:
    """A migrated scratch PostgreSQL database with the sample catalogue; ``drop()`` it after."""

    admin_url: str
    url: str

    async def drop(self) -> None:
        from bench.webhooks import _drop

        await _drop(self.admin_url, self.url)


async def postgres_database(admin_url: str | None) -> Scratch | None:
    """A fresh database beside ``admin_url``'s (else PATHWISE_BENCH_POSTGRES_URL's), or None
    if neither names a server or it is not reachable."""
    from bench.telegram import import_sample_catalogue_once
    from bench.webhooks import _postgres_scratch
    from core import migrations
    from core.db import Database

    admin = admin_url or bench.postgres_url()
    if admin is None:
        return None
    url = await _postgres_scratch(admin)
    if url is None:
        return None
    scratch = Scratch(admin, url)
    try:
        await migrations.upgrade_async(url)
        db = Database(url)
        try:
            await import_sample_catalogue_once(db)
        finally:
            await db.dispose()
    except BaseException:
        await scratch.drop()
        raise
    return scratch


# -- the figures ------------------------------------------------------------------------------


async def telegram_figures(results: Results, sizes: Sizes, postgres: Scratch | None) -> None:
    from bench.telegram import echo_floor, sqlite_url, whole_stack

    floor = await echo_floor(sizes.echo_updates)
    databases: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        databases.append(("sqlite", await sqlite_url(folder)))
        if postgres is not None:
            databases.append(("postgresql", postgres.url))
        for name, url in databases:
            row = await whole_stack(url, sizes.telegram_clients, offset=0)
            results.add(
                Figure(
                    key=f"a.telegram.{name}",
                    name=f"(a) Telegram updates/s, hiring flow, {name}, 1 process",
                    value=row["per_second"],
                    unit="updates/s",
                    floor=floor["per_second"],
                    floor_name="bare PTB echo handler, same request layer",
                    ratio=cost_ratio(row["per_second"], floor["per_second"], higher_is_better=True),
                    detail={
                        **row,
                        "floor_p50_ms": floor["p50_ms"],
                        "floor_p99_ms": floor["p99_ms"],
                    },
                )
            )


async def webhook_figures(results: Results, sizes: Sizes, postgres: Scratch | None) -> None:
    from bench.webhooks import bench_construct_event, bench_database
    from core import migrations
    from core.receipts import ReceiptFonts

    fonts = ReceiptFonts()
    floor = bench_construct_event(sizes.webhook_events * 10)
    with tempfile.TemporaryDirectory() as folder:
        databases = [("sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'webhooks.sqlite3'}")]
        await migrations.upgrade_async(databases[0][1])
        if postgres is not None:
            databases.append(("postgresql", postgres.url))
        for name, url in databases:
            rows = await bench_database(
                url, sizes.webhook_events, fonts, parallel=name == "postgresql"
            )
            paid = rows["paid"]
            results.add(
                Figure(
                    key=f"b.webhooks.{name}",
                    name=f"(b) Stripe webhook events/s, paid path, {name}",
                    value=paid["per_second"],
                    unit="events/s",
                    floor=floor["per_second"],
                    floor_name="stripe.Webhook.construct_event alone",
                    ratio=cost_ratio(
                        paid["per_second"], floor["per_second"], higher_is_better=True
                    ),
                    detail={case: row for case, row in rows.items()},
                )
            )


def receipt_figures(results: Results, sizes: Sizes) -> None:
    from bench.receipts import floor_page, measure, sample_receipt
    from core.receipts import ReceiptFonts, render_receipt

    fonts = ReceiptFonts()
    receipt = measure(lambda i: render_receipt(sample_receipt(i), fonts), sizes.receipts)
    floor = measure(lambda i: floor_page(fonts), sizes.receipts)
    results.add(
        Figure(
            key="c.receipt.ms",
            name="(c) receipt PDF, median ms (fonts parsed once)",
            value=receipt["median_ms"],
            unit="ms",
            floor=floor["median_ms"],
            floor_name="one-line fpdf2 page, same font",
            ratio=cost_ratio(receipt["median_ms"], floor["median_ms"], higher_is_better=False),
            detail={"receipts_per_second": 1000 / receipt["mean_ms"], **receipt},
        )
    )
    results.add(
        Figure(
            key="c.receipt.kb",
            name="(c) receipt PDF, KB",
            value=receipt["bytes"] / 1024,
            unit="KB",
            floor=floor["bytes"] / 1024,
            floor_name="one-line fpdf2 page, same font",
            ratio=cost_ratio(receipt["bytes"], floor["bytes"], higher_is_better=False),
        )
    )


def matching_floor(size: int, queries: int) -> float:
    """Median ms to pick the top 5 of ``size`` precomputed scores: what any ranking pays."""
    rng = random.Random(size)
    scores = [rng.random() for _ in range(size)]
    times = []
    for _ in range(queries):
        start = time.perf_counter()
        heapq.nlargest(5, range(size), key=scores.__getitem__)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def matching_figures(results: Results, sizes: Sizes) -> None:
    from bench.matching import measure

    for size in sizes.matching:
        row = measure(size, sizes.matching_queries)
        floor = matching_floor(size, sizes.matching_queries)
        results.add(
            Figure(
                key=f"d.matching.{size}",
                name=f"(d) matching top 5 of {size:,} advisors, median ms",
                value=row["median_ms"],
                unit="ms",
                floor=floor,
                floor_name="heapq.nlargest(5) of precomputed scores",
                ratio=cost_ratio(row["median_ms"], floor, higher_is_better=False),
                detail=row,
            )
        )


async def matching_db_figure(results: Results, sizes: Sizes) -> None:
    from bench.matching import through_database

    row = await through_database(sizes.matching_db, sizes.matching_db_queries)
    results.add(
        Figure(
            key="d.matching.db",
            name=f"(d) a client's question end to end, {sizes.matching_db:,} advisors in SQLite, "
            "median ms",
            value=row["median_ms"],
            unit="ms",
            floor=row["index_ms"],
            floor_name="the same questions on an index built beforehand",
            ratio=cost_ratio(row["median_ms"], row["index_ms"], higher_is_better=False),
            detail=row,
        )
    )


async def matching_kept_figures(results: Results, sizes: Sizes) -> None:
    from bench.matching_cache import measure

    for size in sizes.matching_kept:
        row = await measure(size, sizes.matching_kept_queries)
        results.add(
            Figure(
                key=f"d.question.{size}",
                name=f"(d) a client's question end to end, index kept, {size:,} advisors in "
                f"SQLite, p50 ms (p95 {row['p95_ms']:.1f} ms)",
                value=row["p50_ms"],
                unit="ms",
                floor=row["index_p50_ms"],
                floor_name="the same questions on the kept index alone",
                ratio=cost_ratio(row["p50_ms"], row["index_p50_ms"], higher_is_better=False),
                detail=row,
            )
        )
        results.add(
            Figure(
                key=f"d.rebuild.{size}",
                name=f"(d) index rebuild after one /profile edit, {size:,} advisors, median ms",
                value=row["rebuild_ms"],
                unit="ms",
                floor=row["unchanged_check_ms"],
                floor_name="a question's version check, nothing changed",
                ratio=cost_ratio(
                    row["rebuild_ms"], row["unchanged_check_ms"], higher_is_better=False
                ),
                detail=row,
            )
        )


async def tick_figures(results: Results, sizes: Sizes) -> None:
    from bench.sessions import measure
    from core import migrations

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'tick.sqlite3'}"
        await migrations.upgrade_async(url)
        row = await measure(url, sizes.tick_sessions)
    per_tick_ms = row["drain_s"] * 1000 / row["ticks"]
    results.add(
        Figure(
            key="e.tick",
            name=f"(e) tick() over {sizes.tick_sessions:,} sessions with a reminder due, "
            "sessions/s (SQLite)",
            value=row["sessions_per_second"],
            unit="sessions/s",
            floor=row["idle_tick_ms"],
            floor_name="ms of a tick with nothing due (same sessions)",
            ratio=cost_ratio(per_tick_ms, row["idle_tick_ms"], higher_is_better=False),
            detail={**row, "ms_per_busy_tick": per_tick_ms},
        )
    )


def memory_figures(results: Results, sizes: Sizes) -> None:
    from bench.memory import run

    row = run(sizes.memory_clients)
    results.add(
        Figure(
            key="f.memory",
            name=f"(f) resident memory, {sizes.memory_clients:,} clients mid-conversation",
            value=row["rss_mb"],
            unit="MB",
            floor=row["floor_mb"],
            floor_name="the same process before those clients",
            ratio=cost_ratio(row["rss_mb"], row["floor_mb"], higher_is_better=False),
            detail=row,
        )
    )


def scaling_figures(results: Results, sizes: Sizes, postgres: Scratch) -> None:
    from bench.scaling import run

    table = run(
        postgres.url,
        sizes.scaling_workers,
        events=sizes.scaling_events,
        journeys=sizes.scaling_journeys,
    )
    for kind, rows in table.items():
        one = rows[0]["per_second"]
        for row in rows:
            unit = "events/s" if kind == "webhooks" else "updates/s"
            results.add(
                Figure(
                    key=f"g.{kind}.{row['workers']}",
                    name=f"(g) PostgreSQL {kind}, {row['workers']} worker process(es)",
                    value=row["per_second"],
                    unit=unit,
                    floor=one,
                    floor_name="1 worker process",
                    # Here the ratio is the speed-up over one process (higher is better).
                    ratio=row["per_second"] / one if one else 0.0,
                    detail=row,
                )
            )


# -- the run ----------------------------------------------------------------------------------


def crisis_figures(results: Results, sizes: Sizes) -> None:
    from bench.crisis import measure

    measured = measure(sizes.crisis_rounds)
    results.add(
        Figure(
            key="h.crisis",
            name="(h) crisis screening, per text",
            value=measured.ms_per_screen,
            unit="ms",
            floor=measured.floor_ms,
            floor_name='"kill myself" in text.casefold()',
            ratio=cost_ratio(measured.ms_per_screen, measured.floor_ms, higher_is_better=False),
            detail=asdict(measured),
        )
    )


async def understanding_figures(results: Results) -> None:
    from bench.understanding import measure

    for language, row in (await measure()).items():
        results.add(
            Figure(
                key=f"i.understanding.{language}",
                name=f"(i) matching understanding, {language}, top-1 with Other tapped "
                f"(top-3 {row['top3']:.2f}, {row['descriptions']} descriptions)",
                value=row["top1"],
                unit="share",
                floor=row["top1_topic_tapped"],
                floor_name="top-1 with a fitting topic tapped",
                ratio=cost_ratio(row["top1"], row["top1_topic_tapped"], higher_is_better=True),
                detail=row,
            )
        )


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_suite(
    sizes: Sizes,
    *,
    quick: bool,
    postgres_url: str | None = None,
    use_postgres: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> Results:
    """Measure every figure; PostgreSQL ones only on the server ``postgres_url`` (else
    PATHWISE_BENCH_POSTGRES_URL) names, if it answers."""
    from core.db import safe_url

    results = Results(quick=quick, machine=machine(), started=datetime.now(UTC).isoformat())
    began = time.perf_counter()
    admin = (postgres_url or bench.postgres_url()) if use_postgres else None
    postgres = asyncio.run(postgres_database(admin)) if admin else None
    if not use_postgres:
        results.notes.append("PostgreSQL figures skipped (--no-postgres).")
    elif admin is None:
        results.notes.append(
            "PostgreSQL figures skipped: no server named "
            f"(pass --postgres URL or set {bench.POSTGRES_URL_VAR} to include them)."
        )
    elif postgres is None:
        results.notes.append(
            f"PostgreSQL figures skipped: {safe_url(admin)} did not answer "
            "(or may not create databases)."
        )
    try:
        progress("(a) Telegram updates")
        asyncio.run(telegram_figures(results, sizes, postgres))
        progress("(b) Stripe webhooks")
        asyncio.run(webhook_figures(results, sizes, postgres))
        progress("(c) receipts")
        receipt_figures(results, sizes)
        progress("(d) matching")
        matching_figures(results, sizes)
        asyncio.run(matching_db_figure(results, sizes))
        asyncio.run(matching_kept_figures(results, sizes))
        progress("(e) sessions tick")
        asyncio.run(tick_figures(results, sizes))
        progress("(f) memory")
        memory_figures(results, sizes)
        progress("(h) crisis screening")
        crisis_figures(results, sizes)
        progress("(i) matching understanding")
        asyncio.run(understanding_figures(results))
        if postgres is not None:
            progress("(g) PostgreSQL scaling")
            scaling_figures(results, sizes, postgres)
    finally:
        if postgres is not None:
            asyncio.run(postgres.drop())
    results.seconds = time.perf_counter() - began
    return results


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def table(results: Results) -> str:
    """The figures as a plain-text table, then the notes."""
    header = ("figure", "value", "unit", "floor", "ratio", "target", "met")
    rows = [header]
    for f in results.figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            (
                f.name,
                _number(f.value),
                f.unit,
                _number(f.floor),
                "-" if f.ratio is None else f"{f.ratio:.2f}x",
                f.target or "-",
                met,
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            str(cell).ljust(widths[i]) if i in (0, 2, 5) else str(cell).rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    extra = [f.detail for f in results.figures if f.key.startswith("a.telegram")]
    for f, d in zip([f for f in results.figures if f.key.startswith("a.")], extra, strict=True):
        lines.append(
            f"{f.key}: p50 {d['p50_ms']:.2f} ms, p99 {d['p99_ms']:.2f} ms "
            f"(floor p50 {d['floor_p50_ms']:.3f} ms, p99 {d['floor_p99_ms']:.3f} ms)"
        )
    for f in results.figures:
        if f.key == "h.crisis":
            d = f.detail
            lines.append(
                f"h.crisis: recall {d['recall']:.3f} of {d['needs_help']} texts needing help, "
                f"false positives {d['false_positive_rate']:.3f} of {d['negatives']} hard "
                f"negatives, p99 {d['p99_ms']:.3f} ms a screen"
            )
    lines.append(
        "floors: "
        + "; ".join(sorted({f"{f.key.split('.')[0]}: {f.floor_name}" for f in results.figures}))
    )
    lines.append(
        "ratio: the figure's cost per unit of work over the floor's; for (g), the "
        "speed-up over one process."
    )
    lines += [f"note: {note}" for note in results.notes]
    lines.append(
        f"{len(results.figures)} figures in {results.seconds:.0f} s on "
        f"{results.machine.get('cpus')} CPUs"
    )
    return "\n".join(lines)


def write_json(results: Results, path: Path) -> None:
    path.write_text(json.dumps(results.as_json(), indent=2, default=str) + "\n")
