"""Matching speed: build time and top-5 query latency over generated catalogues.

``python -m bench.matching [SIZE ...]`` prints a table; ``run()`` returns the numbers. The
catalogues and questions come from a seeded generator, so every run asks the same things.

:func:`through_database` times what a client's question really costs: the results step's
``CatalogueMatcher`` reading a catalogue of that size from the database (advisors, offers,
weekly hours, held slots), working out free times and building the index, beside the same
questions asked of an index built beforehand.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from core.matching import AdvisorCard, Intake, MatchIndex, OfferKind, TimePreference, Topic
from core.money import Money

SEED = 20261123
QUERIES = 200
WARMUP = 10
TOP_K = 5
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

# fmt: off
# Words an advisor or a client might use about each topic (phrases, as people write them).
TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.RELATIONSHIPS: (
        "relationships", "partner", "marriage", "dating", "breakup", "divorce", "trust",
        "communication", "couples", "intimacy", "jealousy", "long distance", "an affair",
        "commitment", "arguments",
    ),
    Topic.CAREER: (
        "career change", "job search", "burnout", "promotion", "interviews", "a difficult manager",
        "workplace conflict", "redundancy", "salary negotiation", "leadership", "freelancing",
        "retirement", "a startup", "layoffs", "imposter syndrome",
    ),
    Topic.FAMILY: (
        "parenting", "teenagers", "siblings", "in-laws", "elderly parents", "caregiving",
        "blended families", "adoption", "custody", "pregnancy", "family conflict",
        "estrangement", "an empty nest", "grandparents", "family holidays",
    ),
    Topic.GRIEF: (
        "grief", "bereavement", "loss of a parent", "miscarriage", "pet loss", "funerals",
        "mourning", "widowhood", "sudden death", "suicide loss", "anniversaries", "hospice",
        "terminal illness", "remembrance", "loss of a child",
    ),
    Topic.STRESS: (
        "anxiety", "panic attacks", "sleep", "overwhelm", "boundaries", "breathing",
        "mindfulness", "perfectionism", "worry", "exam stress", "health anxiety",
        "social anxiety", "rumination", "relaxation", "stress",
    ),
    Topic.DIRECTION: (
        "purpose", "life transitions", "values", "goals", "motivation", "relocation",
        "a midlife crisis", "a gap year", "decision making", "confidence", "habits",
        "creativity", "spirituality", "meaning", "a quarter-life crisis",
    ),
    Topic.OTHER: (
        "money worries", "addiction recovery", "identity", "faith", "friendship",
        "moving abroad", "disability", "chronic illness", "loneliness", "immigration",
    ),
}
JOBS = (
    "nurse", "teacher", "HR director", "social worker", "hospital chaplain", "family lawyer",
    "software engineer", "journalist", "army officer", "midwife", "school counsellor", "pilot",
)
METHODS = (
    "solution-focused coaching", "narrative practice", "motivational interviewing",
    "mindfulness-based approaches", "CBT-informed coaching", "systemic family work",
)
HOBBIES = ("hiking", "cooking", "painting", "running", "gardening", "chess", "photography")
BIO_SENTENCES = (
    "I have spent {n} years with people facing {a} and {b}.",
    "Former {job} who now helps clients with {a}, {b} and {c}.",
    "My sessions are practical and warm; we look at {a} together and you leave with one "
    "concrete next step.",
    "I trained in {method} and most of my clients come to me about {a}.",
    "Clients bring me {a}, {b} or simply the sense of being stuck.",
    "I listen first, without judgement, and help you find your own way through {a}.",
    "Outside sessions I enjoy {hobby}.",
)
ASK_SENTENCES = (
    "I have been struggling with {a} and {b} for a while.",
    "Since last year everything feels harder because of {a}.",
    "I would like a second opinion on {a}.",
    "I can't stop thinking about {a} and it affects my sleep.",
    "My friends say I should talk to someone about {a} and {b}.",
    "I don't know what to do next about {a}.",
)
# (code, share of advisors who speak it, share of clients who ask for it)
LANGUAGES = (
    ("en", 0.85, 0.60), ("es", 0.25, 0.15), ("de", 0.10, 0.06), ("fr", 0.10, 0.06),
    ("pt", 0.08, 0.05), ("it", 0.05, 0.03), ("zh", 0.04, 0.02), ("ja", 0.02, 0.01),
    ("ar", 0.03, 0.01), ("hi", 0.03, 0.01),
)
ZONES = (
    "Europe/London", "Europe/Madrid", "Europe/Berlin", "America/New_York",
    "America/Los_Angeles", "America/Sao_Paulo", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney",
)
PRICES = {  # USD cents, (low, high)
    OfferKind.LIVE30: (2000, 6000),
    OfferKind.LIVE60: (3500, 11000),
    OfferKind.MESSAGING: (5000, 20000),
}
# fmt: on


def _phrases(rng: random.Random, topics: Sequence[Topic], count: int) -> list[str]:
    """``count`` phrases about ``topics`` (mostly), with the odd stray from elsewhere."""
    out = []
    for _ in range(count):
        topic = rng.choice(topics) if rng.random() < 0.9 else rng.choice(tuple(Topic))
        out.append(rng.choice(TOPIC_WORDS[topic]))
    return out


def make_card(rng: random.Random, advisor_id: int) -> AdvisorCard:
    """One plausible advisor."""
    topics = rng.sample(tuple(Topic), rng.choice((1, 2, 2, 3)))
    sentences = rng.sample(BIO_SENTENCES, rng.randint(3, 5))
    bio = " ".join(
        s.format(
            n=rng.randint(3, 25),
            job=rng.choice(JOBS),
            method=rng.choice(METHODS),
            hobby=rng.choice(HOBBIES),
            a=_phrases(rng, topics, 1)[0],
            b=_phrases(rng, topics, 1)[0],
            c=_phrases(rng, topics, 1)[0],
        )
        for s in sentences
    )
    languages = {code for code, share, _ in LANGUAGES if rng.random() < share} or {"en"}
    kinds = [kind for kind in OfferKind if rng.random() < 0.75] or [OfferKind.LIVE60]
    count = int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.85 else 0
    count = min(count, 600)
    stars = sum(rng.choice((3, 4, 4, 5, 5, 5)) for _ in range(min(count, 50)))
    rating_sum = stars * count // min(count, 50) if count else 0
    rating_sum = max(count, min(5 * count, rating_sum))
    free_in = timedelta(minutes=30 * rng.randint(0, 24 * 2 * 14))
    return AdvisorCard(
        id=advisor_id,
        slug=f"advisor-{advisor_id}",
        display_name=f"Advisor {advisor_id}",
        bio=bio,
        specialties=tuple(dict.fromkeys(_phrases(rng, topics, rng.randint(1, 4)))),
        topics=frozenset(topics),
        languages=frozenset(languages),
        timezone=rng.choice(ZONES),
        prices={kind: Money(rng.randrange(*PRICES[kind], 500), "USD") for kind in kinds},
        rating_sum=rating_sum,
        rating_count=count,
        upcoming_bookings=rng.randint(0, 20),
        next_free=None if rng.random() < 0.05 else NOW + free_in,
        online=rng.random() < 0.2,
    )


def make_intake(rng: random.Random) -> Intake:
    """One plausible client's answers."""
    topics = rng.sample(tuple(Topic), rng.choice((1, 1, 2)))
    description = " ".join(
        s.format(a=_phrases(rng, topics, 1)[0], b=_phrases(rng, topics, 1)[0])
        for s in rng.sample(ASK_SENTENCES, rng.randint(1, 3))
    )
    codes = [code for code, _, _ in LANGUAGES]
    language = rng.choices(codes, weights=[share for _, _, share in LANGUAGES])[0]
    return Intake(
        topics=frozenset(topics),
        description=description,
        language=language,
        kind=rng.choice(tuple(OfferKind)),
        budget=None if rng.random() < 0.3 else Money(rng.randrange(3000, 15000, 1000), "USD"),
        time_preference=rng.choice(tuple(TimePreference)),
        client_timezone=rng.choice(ZONES),
    )


def measure(size: int, queries: int = QUERIES) -> dict[str, Any]:
    """Build an index of ``size`` advisors and time ``queries`` top-5 questions against it."""
    rng = random.Random(f"{SEED}:{size}")
    cards = [make_card(rng, advisor_id) for advisor_id in range(1, size + 1)]
    started = time.perf_counter()
    index = MatchIndex.build(cards)
    build_s = time.perf_counter() - started
    intakes = [make_intake(rng) for _ in range(queries + WARMUP)]
    excludes = [frozenset(rng.sample(range(1, size + 1), 3)) for _ in intakes]
    latencies: list[float] = []
    found = 0
    for i, (intake, exclude) in enumerate(zip(intakes, excludes, strict=True)):
        started = time.perf_counter()
        matches = index.top(intake, NOW, k=TOP_K, exclude=exclude)
        elapsed = time.perf_counter() - started
        if i >= WARMUP:  # the first few warm caches (zoneinfo, babel) that real traffic keeps warm
            latencies.append(elapsed * 1000.0)
            found += len(matches)
    latencies.sort()
    return {
        "advisors": size,
        "build_s": round(build_s, 3),
        "queries": queries,
        "median_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        "max_ms": round(latencies[-1], 3),
        "mean_results": round(found / queries, 2),
    }


async def through_database(size: int, queries: int = 20) -> dict[str, Any]:
    """Median and p95 ms of ``queries`` questions through ``CatalogueMatcher`` over ``size``
    advisors (the sample catalogue repeated) in a scratch SQLite database; ``index_ms`` is the
    median of the same questions asked of an index built from the same cards beforehand."""
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    from core import migrations
    from core.db import Database

    rng = random.Random(f"{SEED}:db:{size}")
    rows, questions = _db_catalogue(size, rng, queries)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'matching.sqlite3'}"
        await migrations.upgrade_async(url)
        db = Database(url)
        try:
            latencies, cards = await _ask_matcher(db, url, rows, questions)
            index = MatchIndex.build(replace(card, next_free=NOW) for card in cards)
        finally:
            await db.dispose()
    prebuilt = _ask_index(index, questions[2:])
    latencies.sort()
    return {
        "advisors": size,
        "queries": queries,
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "index_ms": round(statistics.median(prebuilt), 3),
    }


def _db_catalogue(
    size: int, rng: random.Random, queries: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``size`` catalogue rows (the sample repeated, slugs made unique) and ``queries`` + 2
    questions as a saved conversation holds them (the first two warm up)."""
    import copy
    from pathlib import Path

    from core import catalogue

    sample = catalogue.read_catalogue(Path(catalogue.__file__).parent / "data" / "advisors.yaml")
    rows = []
    for number in range(size):
        row = copy.deepcopy(sample[number % len(sample)])
        row["slug"] = f"{row['slug']}-{number}"
        rows.append(row)
    languages = sorted({language for row in sample for language in row["languages"]})
    questions = [
        {
            "topics": rng.sample([t.value for t in Topic if t is not Topic.OTHER], 2),
            "description": " ".join(_phrases(rng, list(Topic), 3)),
            "language": rng.choice(languages),
            "kind": rng.choice(tuple(OfferKind)).value,
            "budget": None if rng.random() < 0.3 else rng.randrange(3000, 15000, 1000),
            "when": rng.choice(tuple(TimePreference)).value,
        }
        for _ in range(queries + 2)
    ]
    return rows, questions


async def _ask_matcher(
    db: Any, url: str, rows: list[dict[str, Any]], questions: list[dict[str, Any]]
) -> tuple[list[float], list[AdvisorCard]]:
    """Import ``rows``, then time each question through ``CatalogueMatcher`` (ms, after the
    two warm-ups); also the cards the matcher read."""
    from core import catalogue
    from core.accounts import Platform, get_or_create_client
    from core.config import Settings
    from core.dialogs.engine import Context
    from core.dialogs.suggest import CatalogueMatcher, catalogue_cards

    async with db.uow() as uow:
        await catalogue.import_catalogue(
            uow, catalogue.validate_rows(rows), NOW - timedelta(days=30)
        )
        client = await get_or_create_client(uow, Platform.TELEGRAM, 1, "Ada", NOW)
        await uow.commit()
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    matcher = CatalogueMatcher()
    latencies = []
    for number, answers in enumerate(questions):
        started = time.perf_counter()
        async with db.uow() as uow:
            ctx = Context(uow, client, NOW, settings, {}, 1)
            await matcher.suggest(ctx, answers)
        if number >= 2:  # warm-up
            latencies.append((time.perf_counter() - started) * 1000)
    async with db.uow() as uow:
        cards = await catalogue_cards(uow)
    return latencies, cards


def _ask_index(index: MatchIndex, questions: list[dict[str, Any]]) -> list[float]:
    """Milliseconds per question asked of a prebuilt index."""
    prebuilt = []
    for answers in questions:
        budget = answers["budget"]
        intake = Intake(
            topics=frozenset(Topic(t) for t in answers["topics"]),
            description=str(answers["description"]),
            language=str(answers["language"]),
            kind=OfferKind(str(answers["kind"])),
            budget=Money(int(budget), "USD") if isinstance(budget, int) else None,
            time_preference=TimePreference(str(answers["when"])),
            client_timezone="Europe/Madrid",
        )
        started = time.perf_counter()
        index.top(intake, NOW, k=3)
        prebuilt.append((time.perf_counter() - started) * 1000)
    return prebuilt


def run(sizes: Sequence[int] = (1000, 10000, 100000)) -> dict[int, dict[str, Any]]:
    """The numbers for each catalogue size."""
    return {size: measure(size) for size in sizes}


def main(argv: Sequence[str]) -> None:
    """Print the table for the sizes given (default 1k, 10k, 100k)."""
    sizes = tuple(int(arg) for arg in argv) or (1000, 10000, 100000)
    print(f"top-{TOP_K} matching, {QUERIES} questions per size")
    print(f"{'advisors':>9} {'build s':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for size, row in run(sizes).items():
        print(
            f"{size:>9} {row['build_s']:>8.2f} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>8.2f} {row['max_ms']:>8.2f}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
