"""Filing advisors into a built index's postings and shelves, and refiling a few of them.

A change to a few advisors (a profile edit, a rating, a suspension) refiles only them: the
cells they leave or join are merged again in order, and what depends on the whole catalogue
(the average bio length behind BM25's saturation, the words' idf, each word's best saturated
frequency) is looked up through small tables rather than stored in every posting. The index
a refile gives answers every question exactly as one built from scratch over the same cards.
Every structure a built index holds is copied before it changes, never changed in place, so
a question still using the previous index is not disturbed.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from core.matching.layout import Columns, Postings, Shelf, layout_of
from core.matching.model import Weights
from core.taxonomy import OfferKind

_Key = Callable[[int], tuple[float, int]]


@dataclass
class Pairs:
    """(term frequency, length) pairs by id; a saturated frequency depends only on the pair
    and the average length. Only ever grows, so ids stay valid in every index sharing it."""

    ids: dict[tuple[int, int], int] = field(default_factory=dict)
    pairs: list[tuple[int, int]] = field(default_factory=list)

    def id(self, tf: int, length: int) -> int:
        found = self.ids.get((tf, length))
        if found is None:
            found = self.ids[(tf, length)] = len(self.pairs)
            self.pairs.append((tf, length))
        return found

    def saturations(self, weights: Weights, total: int, count: int) -> list[float]:
        """Each pair's saturated frequency at the average length ``total / count``."""
        average = (total / count) if count and total else 1.0
        k1, b = weights.bm25_k1, weights.bm25_b
        out = []
        for tf, length in self.pairs:
            norm = k1 * (1.0 - b + b * length / average)
            out.append(tf * (k1 + 1.0) / (tf + norm))
        return out


class _Idf(Mapping[str, float]):
    """Each word's idf, from how many advisors use it, worked out when asked."""

    def __init__(self, size: dict[str, int], count: int) -> None:
        self._size, self._count = size, count

    def __getitem__(self, term: str) -> float:
        n = self._size[term]
        return math.log(1.0 + (self._count - n + 0.5) / (n + 0.5))

    def __contains__(self, term: object) -> bool:
        return term in self._size

    def __iter__(self) -> Iterator[str]:
        return iter(self._size)

    def __len__(self) -> int:
        return len(self._size)


class _TopTf(Mapping[str, float]):
    """Each word's largest saturated frequency, worked out when first asked."""

    def __init__(self, term_pairs: dict[str, Counter[int]], sat: list[float]) -> None:
        self._term_pairs, self._sat = term_pairs, sat
        self._known: dict[str, float] = {}

    def __getitem__(self, term: str) -> float:
        found = self._known.get(term)
        if found is None:
            sat = self._sat
            found = self._known[term] = max(sat[pair] for pair in self._term_pairs[term])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._term_pairs)

    def __len__(self) -> int:
        return len(self._term_pairs)


@dataclass(frozen=True, slots=True)
class Filing:
    """What refiling needs beyond the columns: who is where, and the words' statistics."""

    pos_of: dict[int, int]  # advisor id -> position (positions of advisors gone are unused)
    lengths: list[int]  # by position: the advisor's word count
    pairs: Pairs
    term_pairs: dict[str, Counter[int]]  # word -> pair id -> postings holding it
    total: int  # words of every advisor filed
    timeless: bool  # no advisor has a free slot: every cell is a topic mask's "no slot" one


def postings(
    docs: list[Counter[str]],
    order: list[int],
    cell_of: list[int],
    weights: Weights,
    pairs: Pairs,
) -> tuple[Postings, dict[str, Counter[int]], list[int]]:
    """Inverted index of the advisors' words, filling each cell in ``order``; also each
    word's pairs and each advisor's length."""
    lengths = [sum(doc.values()) for doc in docs]
    cells: defaultdict[str, defaultdict[int, dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    term_pairs: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for pos in order:
        length, cell = lengths[pos], cell_of[pos]
        for term, tf in docs[pos].items():
            pair = pairs.id(tf, length)
            cells[term][cell][pos] = pair
            term_pairs[term][pair] += 1
    size = {term: sum(map(len, by_cell.values())) for term, by_cell in cells.items()}
    sat = pairs.saturations(weights, sum(lengths), len(docs))
    found = Postings(
        cells={term: dict(by_cell) for term, by_cell in cells.items()},
        layout={term: layout_of(by_cell) for term, by_cell in cells.items()},
        idf=_Idf(size, len(docs)),
        top_tf=_TopTf(dict(term_pairs), sat),
        size=size,
        sat=sat,
    )
    return found, dict(term_pairs), lengths


@dataclass(frozen=True, slots=True)
class Order:
    """The order advisors are filed in, before and after a refile: only the changed advisors'
    keys differ, so a cell sorted by ``before`` is still sorted by ``after`` once they left."""

    before: _Key
    after: _Key


def _at(items: Sequence[int], pos: int, key: _Key) -> int:
    """Where ``pos`` is in ``items`` (sorted by ``key``)."""
    at = bisect_left(items, key(pos), key=key)
    while items[at] != pos:  # equal keys never happen (ids break ties), but be safe
        at += 1
    return at


def _merged_dict(
    old: dict[int, int], drop: set[int], add: list[int], pair: dict[int, int], order: Order
) -> dict[int, int]:
    """``old`` (in ``order.before``) without ``drop``, with ``add`` placed in ``order.after``.

    Worked on a copy, which keeps the order: an advisor staying at their place (same key) only
    has their value changed, one leaving is deleted, one joining at the end is appended; only
    one joining elsewhere has the cell laid out again, at a place found by bisection. A changed
    advisor costs a few key lookups, however many advisors share the cell."""
    staying = {pos for pos in add if pos in drop and order.before(pos) == order.after(pos)}
    out = old.copy()
    for pos in drop - staying:
        del out[pos]
    for pos in staying:
        out[pos] = pair[pos]
    joining = sorted((pos for pos in add if pos not in staying), key=order.after)
    if not joining:
        return out
    if not out or order.after(next(reversed(out))) < order.after(joining[0]):
        out.update((pos, pair[pos]) for pos in joining)
        return out
    items = list(out.items())
    for pos in joining:
        at = bisect_left(items, order.after(pos), key=lambda item: order.after(item[0]))
        items.insert(at, (pos, pair[pos]))
    return dict(items)


def _merged_list(old: list[int], drop: set[int], add: list[int], order: Order) -> list[int]:
    """``old`` (in ``order.before``) without ``drop``, with ``add`` placed in ``order.after``."""
    out = list(old)
    for pos in drop:
        del out[_at(out, pos, order.before)]
    for pos in add:
        out.insert(bisect_left(out, order.after(pos), key=order.after), pos)
    return out


@dataclass
class Changes:
    """The positions leaving and joining each cell, shelf and price list of one refile."""

    words: defaultdict[str, defaultdict[int, tuple[set[int], list[int]]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: (set(), [])))
    )
    pair_of: defaultdict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    pair_counts: defaultdict[str, Counter[int]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    shelves: defaultdict[tuple[str, OfferKind], defaultdict[int, tuple[set[int], list[int]]]] = (
        field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: (set(), []))))
    )
    # shelf -> currency -> (positions leaving with their old amounts, positions joining)
    prices: defaultdict[
        tuple[str, OfferKind], defaultdict[str, tuple[list[tuple[int, int]], list[int]]]
    ] = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: ([], []))))


def refiled_postings(
    old: Postings,
    filing_pairs: Pairs,
    term_pairs: dict[str, Counter[int]],
    changes: Changes,
    order: Order,
    weights: Weights,
    total: int,
    count: int,
) -> tuple[Postings, dict[str, Counter[int]]]:
    """``old`` with the changed words' cells merged again and the statistics worked out anew."""
    cells, layout, size = dict(old.cells), dict(old.layout), dict(old.size)
    term_pairs = dict(term_pairs)
    for term, by_cell in changes.words.items():
        term_cells = dict(cells.get(term, {}))
        keys_before = set(term_cells)
        for cell, (drop, add) in by_cell.items():
            merged = _merged_dict(term_cells.get(cell, {}), drop, add, changes.pair_of[term], order)
            if merged:
                term_cells[cell] = merged
            else:
                term_cells.pop(cell, None)
        counts = Counter(term_pairs.get(term, {}))  # a copy
        counts.update(changes.pair_counts[term])
        for pair in changes.pair_counts[term]:
            if counts[pair] <= 0:
                del counts[pair]  # no posting holds that pair any more
        if not term_cells:
            for table in (cells, layout, size, term_pairs):
                table.pop(term, None)
            continue
        cells[term], term_pairs[term] = term_cells, counts
        size[term] = sum(map(len, term_cells.values()))
        if set(term_cells) != keys_before:
            layout[term] = layout_of(term_cells)
    sat = filing_pairs.saturations(weights, total, count)
    return (
        Postings(cells, layout, _Idf(size, count), _TopTf(term_pairs, sat), size, sat),
        term_pairs,
    )


def refiled_shelves(
    columns: Columns,
    changes: Changes,
    order: Order,
    static: list[float],
    amounts: Mapping[OfferKind, list[int | None]],
) -> dict[tuple[str, OfferKind], Shelf]:
    """``columns.shelves`` with the changed shelves' cells and price lists merged again."""
    shelves = dict(columns.shelves)
    for shelf_key, all_cells in changes.shelves.items():
        kind_amounts = amounts[shelf_key[1]]
        # An advisor leaving and joining the same cell at the same place, or the same price
        # list at the same amount, stays as filed: a bio edit leaves their shelves alone.
        by_cell = {
            cell: (drop, add)
            for cell, (drop, add) in all_cells.items()
            if drop != set(add) or any(order.before(pos) != order.after(pos) for pos in add)
        }
        by_currency = {
            currency: (leaving, joining)
            for currency, (leaving, joining) in changes.prices[shelf_key].items()
            if set(leaving) != {(pos, kind_amounts[pos] or 0) for pos in joining}
        }
        if not by_cell and not by_currency:
            continue
        shelf = shelves.get(shelf_key)
        cells = dict(shelf.cells) if shelf else {}
        keys_before = set(cells)
        for cell, (drop, add) in by_cell.items():
            merged = _merged_list(cells.get(cell, []), drop, add, order)
            if merged:
                cells[cell] = merged
            else:
                cells.pop(cell, None)
        if not cells:
            shelves.pop(shelf_key, None)
            continue
        by_price = dict(shelf.by_price) if shelf else {}
        for currency, (leaving, joining) in by_currency.items():
            prices, positions = by_price.get(currency, ([], []))
            prices, positions = list(prices), list(positions)
            for pos, amount in leaving:
                at = bisect_left(prices, amount)
                while positions[at] != pos:
                    at += 1
                del prices[at], positions[at]
            for pos in joining:
                amount = kind_amounts[pos] or 0
                at = bisect_left(prices, amount)
                prices.insert(at, amount)
                positions.insert(at, pos)
            if positions:
                by_price[currency] = (prices, positions)
            else:
                by_price.pop(currency, None)
        layout = layout_of(cells) if shelf is None or set(cells) != keys_before else shelf.layout
        shelves[shelf_key] = Shelf(
            cells=cells,
            layout=layout,
            by_price=by_price,
            static_max=max(static[positions[0]] for positions in cells.values()),
            size=sum(map(len, cells.values())),
        )
    return shelves


def filed_positions(pos_of: Mapping[int, int], ids: Iterable[int]) -> list[int]:
    """The positions of those of ``ids`` filed."""
    return [pos_of[i] for i in ids if i in pos_of]
