"""Building the index, once per catalogue: per-advisor columns, cells, shelves and postings.

``MatchIndex`` is what callers hold: built once (a cached index may keep one per catalogue
version), asked many times; each question goes through ``query`` and ``search`` and is
explained by ``reasons``.

A cached index is built without free times (they change by the minute) and asked through
``Ranking``: it ranks without them, asks the caller for the free times of the best few only,
and widens until no advisor left out could still make the list with the best free time
possible. ``updated`` rebuilds after a catalogue change without tokenising again the advisors
whose words did not change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from typing import Generic, TypeVar

from core.matching.filing import (
    Changes,
    Filing,
    Order,
    Pairs,
    filed_positions,
    postings,
    refiled_postings,
    refiled_shelves,
)
from core.matching.layout import (
    BUCKET_BITS,
    BUCKET_SECONDS,
    BUCKETS,
    NO_SLOT,
    Columns,
    Shelf,
    layout_of,
    topic_mask,
)
from core.matching.model import (
    DEFAULT_WEIGHTS,
    AdvisorCard,
    Intake,
    Match,
    TimePreference,
    Weights,
)
from core.matching.query import Query, prepare
from core.matching.reasons import reasons
from core.matching.search import best, best_positions, score_as
from core.matching.words import StemCache
from core.taxonomy import OfferKind

_V = TypeVar("_V")


class MatchIndex:
    """Advisors prepared for fast matching: build once with ``build``, then ask ``top``."""

    def __init__(
        self, cards: tuple[AdvisorCard, ...], weights: Weights, known: _Docs | None = None
    ) -> None:
        """Use ``MatchIndex.build``; this lays out the per-advisor columns."""
        self._docs = _docs_of(cards, weights, known or {})
        docs = [self._docs[card.id][1] for card in cards]
        self._columns, self._filing = _built(cards, weights, docs)

    @classmethod
    def _of(cls, columns: Columns, filing: Filing, docs: _Docs) -> MatchIndex:
        index = cls.__new__(cls)
        index._columns, index._filing, index._docs = columns, filing, docs
        return index

    @classmethod
    def build(
        cls,
        cards: Iterable[AdvisorCard],
        weights: Weights = DEFAULT_WEIGHTS,
        *,
        previous: MatchIndex | None = None,
    ) -> MatchIndex:
        """An index over ``cards`` (advisor ids must be unique); the words of a card whose bio
        and specialties are those it had in ``previous`` (same weights) are not tokenised again."""
        ordered = tuple(sorted(cards, key=lambda card: card.id))
        for before, after in pairwise(ordered):
            if before.id == after.id:
                raise ValueError(f"advisor id {after.id} appears twice")
        known = previous._docs if previous and previous._columns.weights == weights else None
        return cls(ordered, weights, known)

    def updated(
        self, changed: Iterable[AdvisorCard], removed: Set[int] = frozenset()
    ) -> MatchIndex:
        """A new index: ``changed`` cards added or in place of those with their ids, the
        advisors in ``removed`` left out, the others as they were."""
        changed = list(changed)
        if len({card.id for card in changed}) != len(changed):
            raise ValueError("an advisor id appears twice")
        # Positions of advisors gone stay unused until a full build: one now and then.
        gone = len(self._columns.cards) - len(self)
        if (
            self._filing.timeless
            and gone <= len(self) // 4
            and all(card.next_free is None for card in changed)
        ):
            return self._refiled(changed, removed)
        cards = {card.id: card for card in self.cards if card.id not in removed}
        cards.update((card.id, card) for card in changed)
        return MatchIndex.build(cards.values(), self._columns.weights, previous=self)

    def _refiled(self, changed: list[AdvisorCard], removed: Set[int]) -> MatchIndex:
        """``updated`` for an index without free times: only the changed advisors refiled.

        A column is copied only when a value in it changes (a bio edit leaves the prices,
        languages and topics as they were), so a refile costs about what the changed advisors
        touch, not the size of the catalogue."""
        old, filing, w = self._columns, self._filing, self._columns.weights
        cards = list(old.cards)
        ids, static, masks = _Cow(old.ids), _Cow(old.static), _Cow(old.masks)
        languages, online, next_ts = _Cow(old.languages), _Cow(old.online), _Cow(old.next_ts)
        cell_of, lengths = _Cow(old.cell_of), _Cow(filing.lengths)
        amounts = {kind: _Cow(column) for kind, column in old.amounts.items()}
        currencies = {kind: _Cow(column) for kind, column in old.currencies.items()}
        pos_of, docs = filing.pos_of, dict(self._docs)
        changes, total = Changes(), filing.total
        changed_ids = {card.id for card in changed}
        # Out first: every advisor changed or removed leaves the cells they were filed in.
        for pos in filed_positions(pos_of, [*changed_ids, *removed]):
            card, cell, length = cards[pos], old.cell_of[pos], filing.lengths[pos]
            for term, tf in docs[card.id][1].items():
                changes.words[term][cell][0].add(pos)
                changes.pair_counts[term][filing.pairs.id(tf, length)] -= 1
            total -= length
            for language in card.languages:
                for kind, price in card.prices.items():
                    changes.shelves[(language, kind)][cell][0].add(pos)
                    changes.prices[(language, kind)][price.currency][0].append((pos, price.amount))
        if any(i not in pos_of for i in changed_ids) or any(
            i in pos_of and i not in changed_ids for i in removed
        ):
            pos_of = dict(pos_of)  # advisors come or go: a copy, the old index keeps its own
        for advisor_id in removed:
            if advisor_id in pos_of and advisor_id not in changed_ids:
                del pos_of[advisor_id], docs[advisor_id]
        known = {card.id: docs[card.id] for card in changed if card.id in docs}
        docs.update(_docs_of(tuple(changed), w, known))
        # Then in, at their old place or a new one at the end.
        for card in changed:
            pos = pos_of.get(card.id, len(cards))
            if pos == len(cards):
                pos_of[card.id] = pos
                cards.append(card)
            doc = docs[card.id][1]
            cards[pos], mask = card, topic_mask(card.topics)
            cell, length = mask << BUCKET_BITS | NO_SLOT, sum(doc.values())
            ids.set(pos, card.id)
            static.set(pos, _static_points(card, w))
            masks.set(pos, mask)
            languages.set(pos, card.languages)
            online.set(pos, card.online)
            next_ts.set(pos, None)
            cell_of.set(pos, cell)
            lengths.set(pos, length)
            for kind in OfferKind:
                amounts[kind].set(pos, _amount(card, kind))
                currencies[kind].set(pos, _currency(card, kind))
            for term, tf in doc.items():
                pair = filing.pairs.id(tf, length)
                changes.words[term][cell][1].append(pos)
                changes.pair_of[term][pos] = pair
                changes.pair_counts[term][pair] += 1
            total += length
            for language in card.languages:
                for kind, price in card.prices.items():
                    changes.shelves[(language, kind)][cell][1].append(pos)
                    changes.prices[(language, kind)][price.currency][1].append(pos)
        new_static, new_ids = static.column, ids.column
        new_amounts = {kind: column.column for kind, column in amounts.items()}

        def before(pos: int) -> tuple[float, int]:
            return (-old.static[pos], old.ids[pos])

        def after(pos: int) -> tuple[float, int]:
            return (-new_static[pos], new_ids[pos])

        order = Order(before, after)
        found, term_pairs = refiled_postings(
            old.postings, filing.pairs, filing.term_pairs, changes, order, w, total, len(pos_of)
        )
        columns = replace(
            old,
            cards=tuple(cards),
            ids=new_ids,
            static=new_static,
            masks=masks.column,
            languages=languages.column,
            amounts=new_amounts,
            currencies={kind: column.column for kind, column in currencies.items()},
            next_ts=next_ts.column,
            online=online.column,
            cell_of=cell_of.column,
            postings=found,
            shelves=refiled_shelves(old, changes, order, new_static, new_amounts),
        )
        refiling = Filing(pos_of, lengths.column, filing.pairs, term_pairs, total, timeless=True)
        return MatchIndex._of(columns, refiling, docs)

    @property
    def cards(self) -> tuple[AdvisorCard, ...]:
        """The advisors in the index, by id."""
        cards, pos_of = self._columns.cards, self._filing.pos_of
        return tuple(cards[pos_of[advisor_id]] for advisor_id in sorted(pos_of))

    def __len__(self) -> int:
        return len(self._filing.pos_of)

    def ranking(
        self, intake: Intake, now: datetime, k: int = 3, exclude: Set[int] = frozenset()
    ) -> Ranking:
        """Start ranking with free times given later: see ``Ranking``.

        The index's own free times and loads are ignored (a cached index has none).
        """
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        if k < 0:
            raise ValueError("k cannot be negative")
        return Ranking(self._columns, intake, now, k, exclude)

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
            Match(card, score, reasons(card, query, locale, fewer))
            for card, score in found
        ]


class _Cow(Generic[_V]):
    """One column of a built index, copied the first time a refile changes a value in it (the
    built index keeps the column it had: a question still using it is not disturbed)."""

    def __init__(self, column: list[_V]) -> None:
        self.column, self._own = column, False

    def set(self, pos: int, value: _V) -> None:
        """The value at ``pos``; ``pos`` one past the end appends."""
        column = self.column
        if pos < len(column) and column[pos] == value:
            return
        if not self._own:
            self.column, self._own = column.copy(), True
        if pos == len(self.column):
            self.column.append(value)
        else:
            self.column[pos] = value


# Per advisor id: the card their words were taken from, and the words.
_Docs = Mapping[int, tuple[AdvisorCard, Counter[str]]]


def _docs_of(cards: tuple[AdvisorCard, ...], weights: Weights, known: _Docs) -> _Docs:
    """Each card's searchable words, taken from ``known`` when its bio and specialties match."""
    cache = StemCache()
    docs = {}
    for card in cards:
        seen = known.get(card.id)
        if seen and seen[0].bio == card.bio and seen[0].specialties == card.specialties:
            docs[card.id] = (card, seen[1])
        else:
            docs[card.id] = (card, _words(card, cache, weights))
    return docs


class Ranking:
    """One question against an index without free times, the free times read as needed.

    ``wanted`` lists the advisors whose next free slot and upcoming bookings are needed;
    give them with ``give`` and ask again until it lists none; ``matches`` then holds the
    answer a build with everyone's free times and loads would give (same advisors, order,
    scores and reasons). Each round widens the advisors ranked without free times, until
    the k-th best score found beats the most one left out could reach with the soonest slot.
    """

    _FIRST = 16  # advisors ranked in the first round, at least
    _WIDEN = 4  # and the factor each further round widens by
    _SLACK = 1e-9

    def __init__(
        self, columns: Columns, intake: Intake, now: datetime, k: int, exclude: Set[int]
    ) -> None:
        self._columns, self._k = columns, k
        self._shelf = columns.shelves.get((intake.language, intake.kind))
        self._query: Query = prepare(columns, intake, now, exclude)
        w = columns.weights
        fits = intake.time_preference in (TimePreference.EVENINGS, TimePreference.WEEKENDS)
        # The most points a free slot adds beyond the index's (online is already in them);
        # loads only ever take points away.
        self._extra = self._query.availability + (w.time_fit if fits else 0.0)
        self._times: dict[int, tuple[datetime | None, int]] = {}
        self._full: dict[int, tuple[float, int, int]] = {}  # by position, once its times are in
        self._width = max(self._FIRST, 4 * k)
        self._done = k == 0 or self._shelf is None
        self._candidates: list[tuple[int, float]] = []
        self._widen()

    def _widen(self) -> None:
        if not self._done and self._shelf is not None:
            found = best_positions(self._columns, self._shelf, self._query, self._width)
            self._candidates = found

    def wanted(self) -> list[AdvisorCard]:
        """The advisors whose free times are needed next (none: ``matches`` is ready)."""
        while not self._done:
            cards = self._columns.cards
            missing = [
                cards[pos] for pos, _ in self._candidates if cards[pos].id not in self._times
            ]
            if missing:
                return missing
            if self._settled():
                self._done = True
            else:
                self._width *= self._WIDEN
                self._widen()
        return []

    def give(self, times: Mapping[int, tuple[datetime | None, int]]) -> None:
        """Advisors' (next free slot, upcoming bookings), by id."""
        self._times.update(times)

    def _scored(self) -> list[tuple[float, int, int]]:
        """(score, -id, position) of every candidate so far, best first."""
        columns, query, full = self._columns, self._query, self._full
        for pos, _ in self._candidates:
            if pos not in full:
                card = columns.cards[pos]
                slot, upcoming = self._times.get(card.id, (None, 0))
                static = _static_points(replace(card, upcoming_bookings=upcoming), columns.weights)
                ts = slot.timestamp() if slot is not None else None
                full[pos] = (score_as(columns, query, pos, static, ts), -card.id, pos)
        return sorted((full[pos] for pos, _ in self._candidates), reverse=True)

    def _settled(self) -> bool:
        """Whether no advisor not ranked yet could reach the k best."""
        if len(self._candidates) < self._width:
            return True  # everyone who passes the filters is in
        scored = self._scored()
        if len(scored) < self._k:
            return False
        most_left_out = self._candidates[-1][1] + self._extra
        return scored[self._k - 1][0] > most_left_out + self._SLACK

    def matches(self, locale: str = "en_US") -> list[Match]:
        """The ``k`` best, best first, once ``wanted`` lists no one."""
        if self.wanted():
            raise RuntimeError("free times still wanted")
        columns, found = self._columns, []
        best = self._scored()[: self._k]
        fewer = len(best) if len(best) < self._k else None  # said with each: fewer than asked fit
        for score, _, pos in best:
            card = columns.cards[pos]
            slot, upcoming = self._times.get(card.id, (None, 0))
            card = replace(card, next_free=slot, upcoming_bookings=upcoming)
            found.append(
                Match(
                    card, score, reasons(card, self._query, locale, fewer)
                )
            )
        return found


def _built(
    cards: tuple[AdvisorCard, ...], weights: Weights, docs: list[Counter[str]]
) -> tuple[Columns, Filing]:
    """The per-advisor columns of ``cards`` (sorted by id), their cells, shelves and postings,
    from the cards' words ``docs``; and what refiling some of them needs."""
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
    shelves = _build_shelves(cards, order, cell_of, static, amounts, currencies)
    pairs = Pairs()
    found, term_pairs, lengths = postings(docs, order, cell_of, weights, pairs)
    pos_of = {advisor_id: pos for pos, advisor_id in enumerate(ids)}
    filing = Filing(pos_of, lengths, pairs, term_pairs, sum(lengths), timeless=not slots)
    columns = Columns(
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
        postings=found,
        shelves=shelves,
    )
    return columns, filing


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
    for filed in by_cell.values():
        for pos in filed:
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
