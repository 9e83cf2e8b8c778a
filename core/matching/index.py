"""Building the index, once per catalogue: per-advisor columns, cells, shelves and postings.

``MatchIndex`` is what callers hold: built once (a cached index may keep one per catalogue
version), asked many times; each question goes through ``query`` and ``search`` and is
explained by ``reasons``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Set
from datetime import datetime
from itertools import pairwise

from babel import Locale

from core.matching.layout import (
    BUCKET_BITS,
    BUCKET_SECONDS,
    BUCKETS,
    NO_SLOT,
    Columns,
    Postings,
    Shelf,
    layout_of,
    topic_mask,
)
from core.matching.model import DEFAULT_WEIGHTS, AdvisorCard, Intake, Match, Weights
from core.matching.query import prepare
from core.matching.reasons import reasons
from core.matching.search import best
from core.matching.words import StemCache
from core.taxonomy import OfferKind


class MatchIndex:
    """Advisors prepared for fast matching: build once with ``build``, then ask ``top``."""

    def __init__(self, cards: tuple[AdvisorCard, ...], weights: Weights) -> None:
        """Use ``MatchIndex.build``; this lays out the per-advisor columns."""
        self._columns = build_columns(cards, weights)

    @classmethod
    def build(cls, cards: Iterable[AdvisorCard], weights: Weights = DEFAULT_WEIGHTS) -> MatchIndex:
        """An index over ``cards`` (advisor ids must be unique)."""
        ordered = tuple(sorted(cards, key=lambda card: card.id))
        for before, after in pairwise(ordered):
            if before.id == after.id:
                raise ValueError(f"advisor id {after.id} appears twice")
        return cls(ordered, weights)

    def __len__(self) -> int:
        return len(self._columns.cards)

    def top(
        self,
        intake: Intake,
        now: datetime,
        k: int = 3,
        exclude: Set[int] = frozenset(),
        *,
        locale: str = "en_US",
    ) -> list[Match]:
        """The ``k`` best advisors for ``intake``, best first, never one in ``exclude``.

        ``locale`` only shapes how prices read in the reasons ("$45" or "45 €").
        """
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        if k < 0:
            raise ValueError("k cannot be negative")
        columns = self._columns
        shelf = columns.shelves.get((intake.language, intake.kind))
        if k == 0 or shelf is None:
            return []
        query = prepare(columns, intake, now, exclude)
        found = best(columns, shelf, query, k)
        fewer = len(found) if len(found) < k else None  # said with each: fewer than asked fit
        return [
            Match(card, score, reasons(card, query, columns.language_names, locale, fewer))
            for card, score in found
        ]


def build_columns(cards: tuple[AdvisorCard, ...], weights: Weights) -> Columns:
    """The per-advisor columns of ``cards`` (sorted by id), their cells, shelves and postings."""
    masks = [topic_mask(card.topics) for card in cards]
    next_ts = [c.next_free.timestamp() if c.next_free else None for c in cards]
    slots = [ts for ts in next_ts if ts is not None]
    origin = min(slots) // BUCKET_SECONDS * BUCKET_SECONDS if slots else 0.0
    cell_of = [
        mask << BUCKET_BITS | _bucket(ts, origin) for mask, ts in zip(masks, next_ts, strict=True)
    ]
    ids = [card.id for card in cards]
    static = [_static_points(card, weights) for card in cards]
    amounts = {kind: [_amount(card, kind) for card in cards] for kind in OfferKind}
    currencies = {kind: [_currency(card, kind) for card in cards] for kind in OfferKind}
    order = sorted(range(len(cards)), key=lambda pos: (-static[pos], ids[pos]))
    cache = StemCache()
    docs = [_words(card, cache, weights) for card in cards]
    shelves = _build_shelves(cards, order, cell_of, static, amounts, currencies)
    return Columns(
        cards=cards,
        weights=weights,
        ids=ids,
        static=static,
        masks=masks,
        languages=[card.languages for card in cards],
        amounts=amounts,
        currencies=currencies,
        next_ts=next_ts,
        online=[card.online for card in cards],
        origin=origin,
        cell_of=cell_of,
        postings=build_postings(docs, order, cell_of, weights),
        shelves=shelves,
        language_names=Locale("en").languages,
    )


def _amount(card: AdvisorCard, kind: OfferKind) -> int | None:
    """The advisor's price for ``kind`` in minor units, or None if they do not sell it."""
    price = card.prices.get(kind)
    return None if price is None else price.amount


def _currency(card: AdvisorCard, kind: OfferKind) -> str | None:
    """The currency of the advisor's price for ``kind``, or None if they do not sell it."""
    price = card.prices.get(kind)
    return None if price is None else price.currency


def _static_points(card: AdvisorCard, w: Weights) -> float:
    """The points that do not depend on the question: smoothed rating and load nudge."""
    mean = (w.rating_prior_mean * w.rating_prior_weight + card.rating_sum) / (
        w.rating_prior_weight + card.rating_count
    )
    rating = w.rating * min(1.0, max(0.0, (mean - 1.0) / 4.0))
    return rating + w.load / (1.0 + card.upcoming_bookings / w.load_half_bookings)


def _bucket(slot: float | None, origin: float) -> int:
    """The time bucket of a next free slot."""
    if slot is None:
        return NO_SLOT
    return min(BUCKETS - 1, int((slot - origin) // BUCKET_SECONDS))


def _words(card: AdvisorCard, cache: StemCache, weights: Weights) -> Counter[str]:
    """The advisor's searchable words: bio once, specialties ``specialty_boost`` times."""
    words = Counter(cache.tokenise(card.bio))
    for specialty in card.specialties:
        for word in cache.tokenise(specialty):
            words[word] += weights.specialty_boost
    return words


def _build_shelves(
    cards: tuple[AdvisorCard, ...],
    order: list[int],
    cell_of: list[int],
    static: list[float],
    amounts: dict[OfferKind, list[int | None]],
    currencies: dict[OfferKind, list[str | None]],
) -> dict[tuple[str, OfferKind], Shelf]:
    """Per (language, offer kind), its advisors by cell and by price."""
    cells: defaultdict[tuple[str, OfferKind], defaultdict[int, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for pos in order:
        card, cell = cards[pos], cell_of[pos]
        for language in card.languages:
            for kind in card.prices:
                cells[(language, kind)][cell].append(pos)
    return {
        key: _shelf(dict(by_cell), static, amounts[key[1]], currencies[key[1]])
        for key, by_cell in cells.items()
    }


def _shelf(
    by_cell: dict[int, list[int]],
    static: list[float],
    amounts: list[int | None],
    currencies: list[str | None],
) -> Shelf:
    """One shelf, from its advisors by cell."""
    by_currency: defaultdict[str | None, list[int]] = defaultdict(list)
    for positions in by_cell.values():
        for pos in positions:
            by_currency[currencies[pos]].append(pos)
    by_price = {}
    for currency, positions in by_currency.items():
        positions.sort(key=lambda pos: amounts[pos] or 0)
        by_price[str(currency)] = ([amounts[pos] or 0 for pos in positions], positions)
    return Shelf(
        cells=by_cell,
        layout=layout_of(by_cell),
        by_price=by_price,
        static_max=max(static[positions[0]] for positions in by_cell.values()),
        size=sum(map(len, by_cell.values())),
    )


def build_postings(
    docs: list[Counter[str]], order: list[int], cell_of: list[int], weights: Weights
) -> Postings:
    """Inverted index of the advisors' words, filling each cell in ``order``."""
    count = len(docs)
    lengths = [sum(doc.values()) for doc in docs]
    average = (sum(lengths) / count) if count and sum(lengths) else 1.0
    k1, b = weights.bm25_k1, weights.bm25_b
    cells: defaultdict[str, defaultdict[int, dict[int, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    # Saturated frequencies depend only on (tf, length): share one float per pair (memory).
    shared: dict[tuple[int, int], float] = {}
    for pos in order:
        length, cell = lengths[pos], cell_of[pos]
        for term, tf in docs[pos].items():
            value = shared.get((tf, length))
            if value is None:
                norm = k1 * (1.0 - b + b * length / average)
                value = shared[(tf, length)] = tf * (k1 + 1.0) / (tf + norm)
            cells[term][cell][pos] = value
    size = {term: sum(map(len, by_cell.values())) for term, by_cell in cells.items()}
    return Postings(
        cells={term: dict(by_cell) for term, by_cell in cells.items()},
        layout={term: layout_of(by_cell) for term, by_cell in cells.items()},
        idf={term: math.log(1.0 + (count - n + 0.5) / (n + 0.5)) for term, n in size.items()},
        top_tf={t: max(map(max, map(dict.values, cs.values()))) for t, cs in cells.items()},
        size=size,
    )
