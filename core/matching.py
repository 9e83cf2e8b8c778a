"""Matching: a client's intake answers -> the advisors who fit best, each with plain reasons.

Pure Python and platform-neutral. The caller loads advisors (from the database, a catalogue,
a benchmark) into ``AdvisorCard``s, builds a ``MatchIndex`` once and asks it many times.

How an advisor is ranked (every number lives in ``Weights``):

* Hard filters: speaks the client's language; sells the kind of session asked for, at a price
  within the budget (same currency: we never convert); is not someone the client refunded or
  blocked.
* Points: the client's topics the advisor covers; the client's own words found in the bio and
  specialties (BM25); how soon the advisor is free and whether that slot suits the client's
  time preference; the rating, smoothed toward a prior so a newcomer is not buried; and a small
  nudge toward advisors with fewer upcoming bookings.
* Ties go to the lower advisor id, so the same question always gets the same answer.

Speed: a score is a static part (rating, load: worked out once per advisor) plus query parts
that each have a known ceiling. Advisors are filed by topic set and by when they are next free,
best static score first. A query walks the postings of its words, rarest first, then the
advisors who pass the filters, and stops as soon as no advisor not yet seen could beat the k-th
best so far: it scores hundreds of advisors, not the whole catalogue. When the filters leave
only a few advisors (a rare language, a tight budget) it simply scores each of them.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import chain, islice, pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

from core.errors import ValidationFailed
from core.money import Money, minor_digits
from core.taxonomy import OfferKind, Topic

__all__ = [
    "DEFAULT_WEIGHTS",
    "AdvisorCard",
    "Intake",
    "Match",
    "MatchIndex",
    "OfferKind",
    "TimePreference",
    "Topic",
    "Weights",
    "tokenise",
]


class TimePreference(StrEnum):
    """When the client would like their session (the intake's last question)."""

    SOON = "soon"
    EVENINGS = "evenings"
    WEEKENDS = "weekends"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Weights:
    """Every tunable number of the ranking, in one place.

    A weight is the most points its signal can add, so a perfect fit on everything scores
    their sum and the weights can be compared directly.
    """

    # Share of the client's chosen topics the advisor covers (all of them: full weight).
    topic: float = 3.0
    # How much of the client's own words the bio and specialties use (BM25, rarer words count
    # more; square-rooted so a bio that shares a few telling words is not far behind one that
    # shares many).
    text: float = 3.0
    # The smoothed rating: 1★ gives nothing, 5★ the full weight.
    rating: float = 2.0
    # Free right now gives the full weight; free in ``availability_half_hours`` half of it.
    availability: float = 1.0
    # Availability counts this many times over when the client asked for "as soon as possible".
    soon_factor: float = 2.0
    # The next free slot falls in the client's evening, or on a weekend, as they asked.
    time_fit: float = 0.5
    # Online right now, for clients who asked for "as soon as possible".
    online: float = 0.2
    # Fewer upcoming bookings: a nudge to spread work, small enough never to beat a real fit.
    load: float = 0.3

    # A new advisor is assumed to rate ``rating_prior_mean`` until real reviews outweigh that
    # assumption, which counts as ``rating_prior_weight`` reviews (Bayesian average).
    rating_prior_mean: float = 4.2
    rating_prior_weight: float = 5.0
    availability_half_hours: float = 24.0
    # Upcoming bookings at which the load nudge is half its weight.
    load_half_bookings: float = 5.0
    # "Evening" in the client's time zone: from the first hour up to (not including) the second.
    evening_hours: tuple[int, int] = (17, 22)
    # BM25's usual constants: term-frequency saturation and length normalisation.
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # A word in the advisor's specialties counts as this many words of bio.
    specialty_boost: int = 2

    def __post_init__(self) -> None:
        points = (self.topic, self.text, self.rating, self.availability, self.time_fit)
        # Pruning takes each weight as the most a signal adds: a negative one would break it.
        if min(*points, self.online, self.load, self.soon_factor, self.specialty_boost) < 0:
            raise ValueError("weights cannot be negative")
        if min(self.rating_prior_weight, self.availability_half_hours) <= 0:
            raise ValueError("the rating prior weight and half-lives must be positive")
        if self.load_half_bookings <= 0 or self.bm25_k1 < 0 or not 0 <= self.bm25_b <= 1:
            raise ValueError("load half, k1 and b are out of range")
        if not 0 <= self.evening_hours[0] < self.evening_hours[1] <= 24:
            raise ValueError("evening hours must be (start, end) within a day")


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class AdvisorCard:
    """What matching knows of one advisor: plain data, loaded by the caller."""

    id: int
    slug: str
    display_name: str
    bio: str
    specialties: tuple[str, ...]
    topics: frozenset[Topic]
    languages: frozenset[str]
    timezone: str
    prices: Mapping[OfferKind, Money]
    rating_sum: int = 0
    rating_count: int = 0
    upcoming_bookings: int = 0
    next_free: datetime | None = None
    online: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", frozenset(Topic(t) for t in self.topics))
        object.__setattr__(self, "languages", frozenset(c.lower() for c in self.languages))
        if self.next_free is not None and self.next_free.utcoffset() is None:
            raise ValueError(f"advisor {self.id}: next_free must be timezone-aware")
        if not self.rating_count <= self.rating_sum <= 5 * self.rating_count:
            raise ValueError(f"advisor {self.id}: ratings are 1 to 5 stars each")
        if self.upcoming_bookings < 0:
            raise ValueError(f"advisor {self.id}: upcoming_bookings cannot be negative")


@dataclass(frozen=True, slots=True)
class Intake:
    """The client's answers to the intake questions."""

    topics: frozenset[Topic]
    description: str
    language: str
    kind: OfferKind
    budget: Money | None = None
    time_preference: TimePreference = TimePreference.ANY
    client_timezone: str = "UTC"

    def __post_init__(self) -> None:
        # Accept the plain strings a saved conversation holds, so the caller need not convert.
        object.__setattr__(self, "topics", frozenset(Topic(t) for t in self.topics))
        object.__setattr__(self, "kind", OfferKind(self.kind))
        object.__setattr__(self, "time_preference", TimePreference(self.time_preference))
        object.__setattr__(self, "language", self.language.strip().lower())
        if len(self.language) != 2 or not self.language.isalpha():
            raise ValidationFailed("Please choose a language from the list.")
        if self.budget is not None and self.budget.amount < 0:
            raise ValidationFailed("A budget cannot be negative.")
        try:
            ZoneInfo(self.client_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                f"Unknown time zone {self.client_timezone!r}; use a name like Europe/Madrid."
            ) from None


@dataclass(frozen=True, slots=True)
class Match:
    """One advisor who fits, how well (higher is better) and why, in plain words."""

    card: AdvisorCard
    score: float
    reasons: list[str]


# --- Text: tokenise, a small suffix stripper, BM25 ---------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")

# Common English words plus words every description uses ("help", "feel") that say nothing
# about which advisor fits. Other languages still match word for word, just without this list.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are around as at be because been
    before being below between both but by can could did do does doing don done down during
    each either else even ever every few for from further get gets getting go going got had
    has have having he her here hers herself him himself his how however i if in into is isn
    it its itself just know let like ll lot lots m make many may me might mine more most much
    must my myself need needs neither no nor not now of off often on once one only or other our
    ours ourselves out over own please quite rather re really s said same say see she should
    since so some something still such t than that the their theirs them themselves then there
    these they thing things think this those though through to too under until up upon us ve
    very want wants was way we well were what when where whether which while who whom why will
    with within without would yet you your yours yourself yourselves help helps feel feeling
    feelings lately recently someone anyone talk talking advice advise maybe perhaps keep bit
    sure kind sort
    """.split()
)


def _stem(word: str) -> str:
    """Strip a few English suffixes so "worries"/"worried" and "changes"/"changing" meet."""
    if len(word) <= 4:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


def tokenise(text: str) -> list[str]:
    """The words of ``text`` that can tell advisors apart: lower-cased, stemmed, no stopwords."""
    return [stem for stem in map(_useful_stem, _WORD.findall(text.casefold())) if stem]


def _useful_stem(word: str) -> str:
    """The stem of ``word``, or "" if the word or its stem says nothing ("thinking")."""
    if len(word) < 2 or word in _STOPWORDS:
        return ""
    stem = _stem(word)
    return "" if stem in _STOPWORDS else stem


class _StemCache(dict[str, str]):
    """Word -> stem ("" for a stopword), remembered over one index build: catalogues repeat."""

    def __missing__(self, word: str) -> str:
        stem = self[word] = _useful_stem(word)
        return stem

    def tokenise(self, text: str) -> list[str]:
        """Same as ``tokenise``, faster on text full of words seen before."""
        return [stem for stem in map(self.__getitem__, _WORD.findall(text.casefold())) if stem]


# --- Reasons -------------------------------------------------------------------------------------


def _rating_reason(card: AdvisorCard) -> str:
    """ "4.8★ from 32 reviews", or "new on Pathwise"; the plain average, rounded half up."""
    if card.rating_count == 0:
        return "new on Pathwise"
    tenths = (card.rating_sum * 20 + card.rating_count) // (2 * card.rating_count)
    plural = "review" if card.rating_count == 1 else "reviews"
    return f"{tenths // 10}.{tenths % 10}★ from {card.rating_count} {plural}"


def _free_reason(slot: datetime, now: datetime, zone: ZoneInfo) -> str:
    """ "free tomorrow 18:00 your time": the slot in the client's zone, the day in words."""
    if slot <= now:
        return "free now"
    local = slot.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    elif days < 7:
        day = str(format_date(local.date(), "EEEE", locale="en"))
    else:
        day = str(format_date(local.date(), "d MMMM", locale="en"))
    return f"free {day} {local:%H:%M} your time"


def _short_money(money: Money, locale: str) -> str:
    """A price as people say it: "$45" for a whole amount, "$45.50" otherwise."""
    if money.amount % (10 ** minor_digits(money.currency)) != 0:
        return money.format(locale)
    pattern = str(Locale.parse(locale).currency_formats["standard"].pattern)
    whole = re.sub(r"0\.0+", "0", pattern)
    return str(
        format_currency(
            Decimal(money.decimal), money.currency, whole, locale=locale, currency_digits=False
        )
    )


# --- The index -----------------------------------------------------------------------------------
#
# Advisors are filed in cells, one per (set of topics, time bucket of the next free slot), each
# cell in order of static score, best first. For one question, a cell has a ceiling: its topic
# points, plus the most time points its bucket can earn, plus the best static score in it, plus
# what the client's words could add. Walks visit cells from the most topic points and the
# soonest bucket down and stop once a ceiling falls below the k-th best score found so far.

_TOPICS = tuple(Topic)
_TOPIC_BIT = MappingProxyType({topic: 1 << i for i, topic in enumerate(_TOPICS)})
_ALL_MASKS = range(1 << len(_TOPICS))
_BUCKET_SECONDS = 6 * 3600  # next free slots are bucketed by six hours ...
_BUCKETS = 64  # ... for 16 days; the last bucket also holds every later slot
_NO_SLOT = _BUCKETS  # the bucket of advisors with no free slot at all
_BUCKET_BITS = 7  # a cell key is (topic mask << _BUCKET_BITS) | bucket
# Score the eligible advisors one by one, skipping the postings walk, when they are few: up to
# _DIRECT_FLOOR of them, or 1/_DIRECT_RATIO of the postings the walk would read (a rare
# language or a tight budget). Both numbers come from bench/matching.py.
_DIRECT_FLOOR = 64
_DIRECT_RATIO = 100

_SLACK = 1e-9
_TICK = timedelta(microseconds=1)
_Entry = tuple[float, int, int]  # (score, -advisor id, position): bigger is better
_Cells = dict[int, dict[int, float]]  # one word's postings: cell key -> {position: saturated tf}
_Layout = dict[int, tuple[int, ...]]  # topic mask -> buckets holding someone, soonest first


def _amount(card: AdvisorCard, kind: OfferKind) -> int | None:
    """The advisor's price for ``kind`` in minor units, or None if they do not sell it."""
    price = card.prices.get(kind)
    return None if price is None else price.amount


def _currency(card: AdvisorCard, kind: OfferKind) -> str | None:
    """The currency of the advisor's price for ``kind``, or None if they do not sell it."""
    price = card.prices.get(kind)
    return None if price is None else price.currency


def _topic_mask(topics: Iterable[Topic]) -> int:
    """Topics as a bit set, so overlap is one ``&``."""
    mask = 0
    for topic in topics:
        mask |= _TOPIC_BIT[topic]
    return mask


@dataclass(frozen=True, slots=True)
class _Postings:
    """BM25 postings: per word, each advisor position with its saturated term frequency."""

    cells: dict[str, _Cells]
    layout: dict[str, _Layout]
    idf: dict[str, float]
    # Per word, the largest saturated frequency in its postings: the bound pruning relies on.
    top_tf: dict[str, float]
    size: dict[str, int]


def _build_postings(
    docs: list[Counter[str]], order: list[int], cell_of: list[int], weights: Weights
) -> _Postings:
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
    return _Postings(
        cells={term: dict(by_cell) for term, by_cell in cells.items()},
        layout={term: _layout(by_cell) for term, by_cell in cells.items()},
        idf={term: math.log(1.0 + (count - n + 0.5) / (n + 0.5)) for term, n in size.items()},
        top_tf={t: max(map(max, map(dict.values, cs.values()))) for t, cs in cells.items()},
        size=size,
    )


def _layout(keys: Iterable[int]) -> _Layout:
    """Which buckets each topic mask has, soonest first, from cell keys."""
    layout: dict[int, list[int]] = {}
    for key in sorted(keys):
        layout.setdefault(key >> _BUCKET_BITS, []).append(key & ((1 << _BUCKET_BITS) - 1))
    return {mask: tuple(buckets) for mask, buckets in layout.items()}


@dataclass(frozen=True, slots=True)
class _Shelf:
    """The advisors who speak one language and sell one kind of session."""

    cells: dict[int, list[int]]  # cell key -> positions, best static score first
    layout: _Layout
    # currency -> (amounts, positions), cheapest first: the budget filter is one bisect
    by_price: dict[str, tuple[list[int], list[int]]]
    static_max: float
    size: int


@dataclass(frozen=True, slots=True)
class _Query:
    """Everything one question needs, worked out once before any advisor is looked at."""

    intake: Intake
    now: datetime
    now_ts: float
    zone: ZoneInfo
    exclude: Set[int]
    said: frozenset[str]  # the description's words, stemmed
    terms: tuple[_Cells, ...]  # postings of the description's words, highest bound first
    layouts: tuple[_Layout, ...]
    idf: tuple[float, ...]
    bound_from: tuple[float, ...]  # bound_from[i]: most BM25 score words i.. can still add
    postings_size: int
    ideal: float  # BM25 score of a bio holding every word once, at average length
    text_weight: float
    topic_points: tuple[float, ...]  # by advisor topic mask
    mask_order: tuple[int, ...]  # topic masks, most topic points first
    availability: float  # weight of availability for this client's time preference
    time_most: tuple[float, ...]  # by bucket: most that availability and extras can add
    time_max: float

    def text_points(self, raw: float) -> float:
        """BM25 score -> points: the share of the ideal, square-rooted, capped at the weight."""
        if raw <= 0.0:
            return 0.0
        return self.text_weight * math.sqrt(min(1.0, raw / self.ideal))


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


class MatchIndex:
    """Advisors prepared for fast matching: build once with ``build``, then ask ``top``."""

    def __init__(self, cards: tuple[AdvisorCard, ...], weights: Weights) -> None:
        """Use ``MatchIndex.build``; this lays out the per-advisor columns."""
        self._cards = cards
        self._weights = weights
        self._ids = [card.id for card in cards]
        self._static = [self._static_points(card) for card in cards]
        self._masks = [_topic_mask(card.topics) for card in cards]
        self._languages = [card.languages for card in cards]
        # Prices as plain columns, so the budget filter reads two lists and no objects.
        self._amounts = {kind: [_amount(card, kind) for card in cards] for kind in OfferKind}
        self._currencies = {kind: [_currency(card, kind) for card in cards] for kind in OfferKind}
        self._next_ts = [c.next_free.timestamp() if c.next_free else None for c in cards]
        self._online = [card.online for card in cards]
        slots = [ts for ts in self._next_ts if ts is not None]
        self._origin = min(slots) // _BUCKET_SECONDS * _BUCKET_SECONDS if slots else 0.0
        self._cell_of = [
            mask << _BUCKET_BITS | self._bucket(ts)
            for mask, ts in zip(self._masks, self._next_ts, strict=True)
        ]
        order = sorted(range(len(cards)), key=lambda pos: (-self._static[pos], self._ids[pos]))
        cache = _StemCache()
        docs = [self._words(card, cache) for card in cards]
        self._postings = _build_postings(docs, order, self._cell_of, weights)
        self._shelves = self._build_shelves(order)
        self._language_names: Mapping[str, str] = Locale("en").languages

    @classmethod
    def build(cls, cards: Iterable[AdvisorCard], weights: Weights = DEFAULT_WEIGHTS) -> MatchIndex:
        """An index over ``cards`` (advisor ids must be unique)."""
        ordered = tuple(sorted(cards, key=lambda card: card.id))
        for before, after in pairwise(ordered):
            if before.id == after.id:
                raise ValueError(f"advisor id {after.id} appears twice")
        return cls(ordered, weights)

    def __len__(self) -> int:
        return len(self._cards)

    def _static_points(self, card: AdvisorCard) -> float:
        """The points that do not depend on the question: smoothed rating and load nudge."""
        w = self._weights
        mean = (w.rating_prior_mean * w.rating_prior_weight + card.rating_sum) / (
            w.rating_prior_weight + card.rating_count
        )
        rating = w.rating * min(1.0, max(0.0, (mean - 1.0) / 4.0))
        return rating + w.load / (1.0 + card.upcoming_bookings / w.load_half_bookings)

    def _bucket(self, slot: float | None) -> int:
        """The time bucket of a next free slot."""
        if slot is None:
            return _NO_SLOT
        return min(_BUCKETS - 1, int((slot - self._origin) // _BUCKET_SECONDS))

    def _words(self, card: AdvisorCard, cache: _StemCache) -> Counter[str]:
        """The advisor's searchable words: bio once, specialties ``specialty_boost`` times."""
        words = Counter(cache.tokenise(card.bio))
        for specialty in card.specialties:
            for word in cache.tokenise(specialty):
                words[word] += self._weights.specialty_boost
        return words

    def _build_shelves(self, order: list[int]) -> dict[tuple[str, OfferKind], _Shelf]:
        """Per (language, offer kind), its advisors by cell and by price."""
        cells: defaultdict[tuple[str, OfferKind], defaultdict[int, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for pos in order:
            card, cell = self._cards[pos], self._cell_of[pos]
            for language in card.languages:
                for kind in card.prices:
                    cells[(language, kind)][cell].append(pos)
        return {key: self._shelf(key[1], dict(by_cell)) for key, by_cell in cells.items()}

    def _shelf(self, kind: OfferKind, by_cell: dict[int, list[int]]) -> _Shelf:
        """One shelf, from its advisors by cell."""
        amounts, currencies = self._amounts[kind], self._currencies[kind]
        by_currency: defaultdict[str | None, list[int]] = defaultdict(list)
        for positions in by_cell.values():
            for pos in positions:
                by_currency[currencies[pos]].append(pos)
        by_price = {}
        for currency, positions in by_currency.items():
            positions.sort(key=lambda pos: amounts[pos] or 0)
            by_price[str(currency)] = ([amounts[pos] or 0 for pos in positions], positions)
        return _Shelf(
            cells=by_cell,
            layout=_layout(by_cell),
            by_price=by_price,
            static_max=max(self._static[positions[0]] for positions in by_cell.values()),
            size=sum(map(len, by_cell.values())),
        )

    # --- asking ----------------------------------------------------------------------------------

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
        shelf = self._shelves.get((intake.language, intake.kind))
        if k == 0 or shelf is None:
            return []
        query = self._query(intake, now, exclude)
        search = _Search(k)
        count, affordable = self._affordable(shelf, intake.budget)
        if count <= max(_DIRECT_FLOOR, query.postings_size // _DIRECT_RATIO):
            self._score_each(query, search, affordable)
        else:
            text_left = self._walk_postings(query, search, shelf.static_max)
            self._walk_shelf(query, search, shelf, text_left)
        ranked = sorted(search.best, reverse=True)
        return [self._match(pos, score, query, locale) for score, _, pos in ranked]

    def _affordable(self, shelf: _Shelf, budget: Money | None) -> tuple[int, Iterable[int]]:
        """How many of the shelf's advisors fit the budget, and (lazily) who they are."""
        if budget is None:
            everyone = chain.from_iterable(positions for _, positions in shelf.by_price.values())
            return shelf.size, everyone
        # No exchange rates here: a price in another currency cannot be shown to fit.
        amounts, positions = shelf.by_price.get(budget.currency, ([], []))
        count = bisect_right(amounts, budget.amount)
        return count, islice(positions, count)

    def _query(self, intake: Intake, now: datetime, exclude: Set[int]) -> _Query:
        """Precompute what every advisor's score for this intake needs."""
        w, postings = self._weights, self._postings
        said = frozenset(tokenise(intake.description))
        words = [t for t in said if t in postings.idf]
        words.sort(key=lambda t: (-postings.idf[t] * postings.top_tf[t], t))
        idf = tuple(postings.idf[t] for t in words)
        bound_from = [0.0] * (len(words) + 1)
        for i in range(len(words) - 1, -1, -1):
            bound_from[i] = bound_from[i + 1] + idf[i] * postings.top_tf[words[i]]
        wanted = _topic_mask(intake.topics)
        share = w.topic / max(1, len(intake.topics))
        topic_points = tuple((mask & wanted).bit_count() * share for mask in _ALL_MASKS)
        pref = intake.time_preference
        availability = w.availability * (w.soon_factor if pref is TimePreference.SOON else 1.0)
        zone = ZoneInfo(intake.client_timezone)
        time_most = self._time_most(now.timestamp(), zone, pref, availability)
        return _Query(
            intake=intake,
            now=now,
            now_ts=now.timestamp(),
            zone=zone,
            exclude=exclude,
            said=said,
            terms=tuple(postings.cells[t] for t in words),
            layouts=tuple(postings.layout[t] for t in words),
            idf=idf,
            bound_from=tuple(bound_from),
            postings_size=sum(postings.size[t] for t in words),
            ideal=sum(idf) or 1.0,
            text_weight=w.text,
            topic_points=topic_points,
            mask_order=tuple(sorted(_ALL_MASKS, key=lambda m: (-topic_points[m], m))),
            availability=availability,
            time_most=time_most,
            time_max=max(time_most),
        )

    def _time_most(
        self, now_ts: float, zone: ZoneInfo, pref: TimePreference, availability: float
    ) -> tuple[float, ...]:
        """Per bucket, the most time points an advisor in it can earn."""
        w = self._weights
        most = []
        for bucket in range(_BUCKETS):
            start = self._origin + bucket * _BUCKET_SECONDS
            hours = max(0.0, start - now_ts) / 3600.0
            points = availability / (1.0 + hours / w.availability_half_hours)
            if pref is TimePreference.SOON:
                points += w.online
            # The last bucket also holds every later slot, so anything might fit there.
            elif bucket == _BUCKETS - 1 or self._may_fit(start, zone, pref):
                points += w.time_fit
            most.append(points)
        # No free slot: only the online bonus is left (time fit needs a slot).
        most.append(w.online if pref is TimePreference.SOON else 0.0)
        return tuple(most)

    def _may_fit(self, start: float, zone: ZoneInfo, pref: TimePreference) -> bool:
        """Whether a slot in the bucket starting at ``start`` could suit the preference."""
        first = datetime.fromtimestamp(start, zone)
        end = datetime.fromtimestamp(start + _BUCKET_SECONDS, zone)
        if first.utcoffset() != end.utcoffset():
            return pref is not TimePreference.ANY  # a clock change inside: do not guess
        first, end = first.replace(tzinfo=None), end.replace(tzinfo=None)
        if pref is TimePreference.WEEKENDS:
            return first.weekday() >= 5 or (end - _TICK).weekday() >= 5
        if pref is TimePreference.EVENINGS:
            opens, closes = self._weights.evening_hours
            for day in {first.date(), end.date()}:
                midnight = datetime.combine(day, datetime.min.time())
                if first < midnight + timedelta(hours=closes) and end > midnight + timedelta(
                    hours=opens
                ):
                    return True
        return False

    def _score_each(self, query: _Query, search: _Search, positions: Iterable[int]) -> None:
        """Score each of ``positions`` (all pass the hard filters but exclusion)."""
        exclude, ids = query.exclude, self._ids
        for pos in positions:
            if ids[pos] not in exclude:
                search.offer((self._score(pos, query), -ids[pos], pos))

    def _walk_postings(self, query: _Query, search: _Search, static_max: float) -> float:
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
                    cell = cells[mask << _BUCKET_BITS | bucket]
                    self._walk_cell(query, search, i, cell, ceiling)
        return 0.0

    def _walk_cell(
        self, query: _Query, search: _Search, i: int, cell: dict[int, float], ceiling: float
    ) -> None:
        """Word ``i``'s postings in one cell, best static score first, while any could make it.

        ``ceiling`` is the most topic and time points anyone in the cell can earn.
        """
        # The hot loop: plain locals, and cheap bounds before the full score.
        static, seen = self._static, search.seen
        idf, rest = query.idf[i], query.bound_from[i + 1]
        most = ceiling + query.text_points(query.bound_from[i])
        for pos, tf in cell.items():
            bar = search.bar()
            if static[pos] + most < bar:
                return  # everyone after this in the cell has a lower static score
            if pos in seen:
                continue
            seen.add(pos)
            # Unseen under a rarer word means it lacks that word, or could never make the list.
            if static[pos] + ceiling + query.text_points(idf * tf + rest) < bar:
                continue
            if query.intake.language in self._languages[pos] and self._allowed(pos, query):
                search.offer((self._score(pos, query), -self._ids[pos], pos))

    def _walk_shelf(self, query: _Query, search: _Search, shelf: _Shelf, text_left: float) -> None:
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
                for pos in shelf.cells[mask << _BUCKET_BITS | bucket]:
                    if static[pos] + most < search.bar():
                        break
                    if pos not in seen and self._allowed(pos, query):
                        search.offer((self._score(pos, query), -self._ids[pos], pos))

    def _allowed(self, pos: int, query: _Query) -> bool:
        """The filters besides language: offers the kind, within budget, not excluded."""
        kind = query.intake.kind
        amount = self._amounts[kind][pos]
        if amount is None or self._ids[pos] in query.exclude:
            return False
        cap = query.intake.budget
        # No exchange rates here: a price in another currency cannot be shown to fit.
        return cap is None or (amount <= cap.amount and self._currencies[kind][pos] == cap.currency)

    def _score(self, pos: int, query: _Query) -> float:
        """The advisor's total points for this query (always summed in the same order)."""
        cell = self._cell_of[pos]
        raw = 0.0
        for cells, idf in zip(query.terms, query.idf, strict=True):
            postings = cells.get(cell)
            if postings is not None:
                raw += idf * postings.get(pos, 0.0)
        return (
            self._static[pos]
            + query.topic_points[self._masks[pos]]
            + query.text_points(raw)
            + self._time_points(pos, query)
        )

    def _time_points(self, pos: int, query: _Query) -> float:
        """Points for how soon the advisor is free and whether that suits the client."""
        w = self._weights
        pref = query.intake.time_preference
        points = w.online if pref is TimePreference.SOON and self._online[pos] else 0.0
        slot = self._next_ts[pos]
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

    def _match(self, pos: int, score: float, query: _Query, locale: str) -> Match:
        """The advisor at ``pos`` with its score and the reasons it matched."""
        card = self._cards[pos]
        intake = query.intake
        language = self._language_names.get(intake.language, intake.language)
        reasons = [f"speaks {language}"]
        specialty = _specialty(card, intake, query.said)
        if specialty:
            reasons.append(f"specialises in {specialty}")
        if card.next_free is not None:
            reasons.append(_free_reason(card.next_free, query.now, query.zone))
        reasons.append(_rating_reason(card))
        if intake.budget is not None:
            price = card.prices[intake.kind]
            reasons.append(f"within your budget: {_short_money(price, locale)}")
        return Match(card, score, reasons)


def _specialty(card: AdvisorCard, intake: Intake, said: frozenset[str]) -> str | None:
    """What the advisor specialises in, for this client: a specialty in the client's words,
    else one on a chosen topic, else the label of a chosen topic the advisor covers."""
    chosen = [t for t in _TOPICS if t in intake.topics and t is not Topic.OTHER]
    topic_words = {word for topic in chosen for word in tokenise(topic.label)}
    for words in (said, topic_words):
        for specialty in card.specialties:
            if words.intersection(tokenise(specialty)):
                return specialty
    covered = [topic for topic in chosen if topic in card.topics]
    return covered[0].label if covered else None
