"""Finding the k best advisors for a prepared question, without scoring the whole catalogue.

A query walks the postings of its words, rarest first, then the advisors who pass the filters,
and stops as soon as no advisor not yet seen could beat the k-th best so far. When the filters
leave only a few advisors (a rare language, a tight budget) it simply scores each of them.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from itertools import chain, islice

from core.matching.layout import BUCKET_BITS, Columns, Shelf
from core.matching.model import AdvisorCard, TimePreference
from core.matching.query import Query
from core.money import Money

# Score the eligible advisors one by one, skipping the postings walk, when they are few: up to
# _DIRECT_FLOOR of them, or 1/_DIRECT_RATIO of the postings the walk would read (a rare
# language or a tight budget). Both numbers come from bench/matching.py.
_DIRECT_FLOOR = 64
_DIRECT_RATIO = 100

_SLACK = 1e-9
_Entry = tuple[float, int, int]  # (score, -advisor id, position): bigger is better


def best(columns: Columns, shelf: Shelf, query: Query, k: int) -> list[tuple[AdvisorCard, float]]:
    """The ``k`` best advisors of ``shelf`` for ``query`` with their scores, best first."""
    return [(columns.cards[pos], score) for pos, score in best_positions(columns, shelf, query, k)]


def best_positions(columns: Columns, shelf: Shelf, query: Query, k: int) -> list[tuple[int, float]]:
    """As ``best``, with the advisors' positions in ``columns`` instead of their cards."""
    walk = _Walk(columns)
    search = _Search(k)
    count, affordable = _affordable(shelf, query.intake.budget)
    if count <= max(_DIRECT_FLOOR, query.postings_size // _DIRECT_RATIO):
        walk.score_each(query, search, affordable)
    else:
        text_left = walk.walk_postings(query, search, shelf.static_max)
        walk.walk_shelf(query, search, shelf, text_left)
    ranked = sorted(search.best, reverse=True)
    return [(pos, score) for score, _, pos in ranked]


def score_as(columns: Columns, query: Query, pos: int, static: float, slot: float | None) -> float:
    """The score the advisor at ``pos`` would get with static points ``static`` and next free
    slot ``slot`` (a timestamp): the same sum, in the same order, as a build holding them."""
    return _Walk(columns).score_with(pos, query, static, slot)


def _affordable(shelf: Shelf, budget: Money | None) -> tuple[int, Iterable[int]]:
    """How many of the shelf's advisors fit the budget, and (lazily) who they are."""
    if budget is None:
        everyone = chain.from_iterable(positions for _, positions in shelf.by_price.values())
        return shelf.size, everyone
    # No exchange rates here: a price in another currency cannot be shown to fit.
    amounts, positions = shelf.by_price.get(budget.currency, ([], []))
    count = bisect_right(amounts, budget.amount)
    return count, islice(positions, count)


class _Search:
    """One run of ``top``: the best k so far and the advisors already looked at."""

    __slots__ = ("best", "k", "seen")

    def __init__(self, k: int) -> None:
        self.k = k
        self.best: list[_Entry] = []  # a min-heap: the k-th best is on top
        self.seen: set[int] = set()

    def bar(self) -> float:
        """The score to reach: the k-th best so far, or minus infinity until there are k."""
        # Bounds add the same numbers as scores in another order; the slack keeps float
        # rounding from pruning an advisor who ties the k-th best (and may win on id).
        return self.best[0][0] - _SLACK if len(self.best) >= self.k else -math.inf

    def offer(self, entry: _Entry) -> None:
        """Keep ``entry`` if it is among the k best so far (the lower id wins a tie)."""
        if len(self.best) < self.k:
            heapq.heappush(self.best, entry)
        elif entry > self.best[0]:
            heapq.heapreplace(self.best, entry)


class _Walk:
    """The scoring and the pruned walks over one index's columns."""

    def __init__(self, columns: Columns) -> None:
        self._weights = columns.weights
        self._ids = columns.ids
        self._static = columns.static
        self._masks = columns.masks
        self._languages = columns.languages
        self._amounts = columns.amounts
        self._currencies = columns.currencies
        self._next_ts = columns.next_ts
        self._online = columns.online
        self._cell_of = columns.cell_of
        self._sat = columns.postings.sat

    def score_each(self, query: Query, search: _Search, positions: Iterable[int]) -> None:
        """Score each of ``positions`` (all pass the hard filters but exclusion)."""
        exclude, ids = query.exclude, self._ids
        for pos in positions:
            if ids[pos] not in exclude:
                search.offer((self._score(pos, query), -ids[pos], pos))

    def walk_postings(self, query: Query, search: _Search, static_max: float) -> float:
        """Score advisors who use the client's words, rarest word first, while any of them
        could still make the list; return the most BM25 score an advisor not seen can have."""
        time_max = query.time_max
        topic_max = query.topic_points[query.mask_order[0]]
        for i, (cells, layout) in enumerate(zip(query.terms, query.layouts, strict=True)):
            text_most = query.text_points(query.bound_from[i])
            if static_max + topic_max + time_max + text_most < search.bar():
                return query.bound_from[i]
            for mask in query.mask_order:
                topic = query.topic_points[mask]
                if static_max + topic + time_max + text_most < search.bar():
                    break  # the masks after this one bring no more topic points
                for bucket in layout.get(mask, ()):
                    ceiling = topic + query.time_most[bucket]
                    if static_max + ceiling + text_most < search.bar():
                        continue
                    cell = cells[mask << BUCKET_BITS | bucket]
                    self._walk_cell(query, search, i, cell, ceiling)
        return 0.0

    def _walk_cell(
        self, query: Query, search: _Search, i: int, cell: dict[int, int], ceiling: float
    ) -> None:
        """Word ``i``'s postings in one cell, best static score first, while any could make it.

        ``ceiling`` is the most topic and time points anyone in the cell can earn.
        """
        # The hot loop: plain locals, and cheap bounds before the full score.
        static, seen, sat = self._static, search.seen, self._sat
        idf, rest = query.idf[i], query.bound_from[i + 1]
        most = ceiling + query.text_points(query.bound_from[i])
        for pos, pair in cell.items():
            bar = search.bar()
            if static[pos] + most < bar:
                return  # everyone after this in the cell has a lower static score
            if pos in seen:
                continue
            seen.add(pos)
            # Unseen under a rarer word means it lacks that word, or could never make the list.
            if static[pos] + ceiling + query.text_points(idf * sat[pair] + rest) < bar:
                continue
            if query.intake.language in self._languages[pos] and self._allowed(pos, query):
                search.offer((self._score(pos, query), -self._ids[pos], pos))

    def walk_shelf(self, query: Query, search: _Search, shelf: Shelf, text_left: float) -> None:
        """Score the shelf's advisors not seen yet, cell by cell and best static score first,
        until none can make the list; ``text_left`` bounds their BM25 score."""
        static, seen = self._static, search.seen
        text_most = query.text_points(text_left)
        time_max = query.time_max
        for mask in query.mask_order:
            topic = query.topic_points[mask]
            if shelf.static_max + topic + time_max + text_most < search.bar():
                return  # the masks after this one bring no more topic points
            for bucket in shelf.layout.get(mask, ()):
                most = topic + query.time_most[bucket] + text_most
                if shelf.static_max + most < search.bar():
                    continue
                for pos in shelf.cells[mask << BUCKET_BITS | bucket]:
                    if static[pos] + most < search.bar():
                        break
                    if pos not in seen and self._allowed(pos, query):
                        search.offer((self._score(pos, query), -self._ids[pos], pos))

    def _allowed(self, pos: int, query: Query) -> bool:
        """The filters besides language: offers the kind, within budget, not excluded."""
        kind = query.intake.kind
        amount = self._amounts[kind][pos]
        if amount is None or self._ids[pos] in query.exclude:
            return False
        cap = query.intake.budget
        # No exchange rates here: a price in another currency cannot be shown to fit.
        return cap is None or (amount <= cap.amount and self._currencies[kind][pos] == cap.currency)

    def _score(self, pos: int, query: Query) -> float:
        """The advisor's total points for this query (always summed in the same order)."""
        return self.score_with(pos, query, self._static[pos], self._next_ts[pos])

    def score_with(self, pos: int, query: Query, static: float, slot: float | None) -> float:
        """The total points with the given static points and next free slot."""
        cell = self._cell_of[pos]
        raw = 0.0
        for cells, idf in zip(query.terms, query.idf, strict=True):
            postings = cells.get(cell)
            if postings is not None:
                pair = postings.get(pos)
                if pair is not None:
                    raw += idf * self._sat[pair]
        return (
            static
            + query.topic_points[self._masks[pos]]
            + query.text_points(raw)
            + self._time_points(pos, query, slot)
        )

    def _time_points(self, pos: int, query: Query, slot: float | None) -> float:
        """Points for how soon the advisor is free and whether that suits the client."""
        w = self._weights
        pref = query.intake.time_preference
        points = w.online if pref is TimePreference.SOON and self._online[pos] else 0.0
        if slot is None:
            return points
        hours = max(0.0, slot - query.now_ts) / 3600.0
        points += query.availability / (1.0 + hours / w.availability_half_hours)
        if pref is TimePreference.EVENINGS or pref is TimePreference.WEEKENDS:
            local = datetime.fromtimestamp(slot, query.zone)
            if pref is TimePreference.WEEKENDS:
                fits = local.weekday() >= 5
            else:
                fits = w.evening_hours[0] <= local.hour < w.evening_hours[1]
            points += w.time_fit if fits else 0.0
        return points

    # --- explaining ------------------------------------------------------------------------------
