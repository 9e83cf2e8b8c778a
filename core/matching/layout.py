"""How a built index is laid out: advisors as columns, filed in cells, with BM25 postings.

Advisors are filed in cells, one per (set of topics, time bucket of the next free slot), each
cell in order of static score, best first. For one question, a cell has a ceiling: its topic
points, plus the most time points its bucket can earn, plus the best static score in it, plus
what the client's words could add. Walks visit cells from the most topic points and the
soonest bucket down and stop once a ceiling falls below the k-th best score found so far.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from core.matching.model import AdvisorCard, Weights
from core.taxonomy import OfferKind, Topic

TOPICS = tuple(Topic)
TOPIC_BIT = MappingProxyType({topic: 1 << i for i, topic in enumerate(TOPICS)})
ALL_MASKS = range(1 << len(TOPICS))
BUCKET_SECONDS = 6 * 3600  # next free slots are bucketed by six hours ...
BUCKETS = 64  # ... for 16 days; the last bucket also holds every later slot
NO_SLOT = BUCKETS  # the bucket of advisors with no free slot at all
BUCKET_BITS = 7  # a cell key is (topic mask << BUCKET_BITS) | bucket

# One word's postings: cell key -> {position: pair id}; ``Postings.sat[pair]`` is the saturated
# term frequency (it moves with the average length: kept apart so an edit need not refile all).
Cells = dict[int, dict[int, int]]
Layout = dict[int, tuple[int, ...]]  # topic mask -> buckets holding someone, soonest first


def topic_mask(topics: Iterable[Topic]) -> int:
    """Topics as a bit set, so overlap is one ``&``."""
    mask = 0
    for topic in topics:
        mask |= TOPIC_BIT[topic]
    return mask


def layout_of(keys: Iterable[int]) -> Layout:
    """Which buckets each topic mask has, soonest first, from cell keys."""
    layout: dict[int, list[int]] = {}
    for key in sorted(keys):
        layout.setdefault(key >> BUCKET_BITS, []).append(key & ((1 << BUCKET_BITS) - 1))
    return {mask: tuple(buckets) for mask, buckets in layout.items()}


@dataclass(frozen=True, slots=True)
class Postings:
    """BM25 postings: per word, each advisor position with its (term frequency, length) pair."""

    cells: dict[str, Cells]
    layout: dict[str, Layout]
    idf: Mapping[str, float]
    # Per word, the largest saturated frequency in its postings: the bound pruning relies on.
    top_tf: Mapping[str, float]
    size: dict[str, int]
    sat: list[float]  # pair id -> saturated term frequency at this index's average length


@dataclass(frozen=True, slots=True)
class Shelf:
    """The advisors who speak one language and sell one kind of session."""

    cells: dict[int, list[int]]  # cell key -> positions, best static score first
    layout: Layout
    # currency -> (amounts, positions), cheapest first: the budget filter is one bisect
    by_price: dict[str, tuple[list[int], list[int]]]
    static_max: float
    size: int


@dataclass(frozen=True, slots=True)
class Columns:
    """A built index: one list per field, indexed by advisor position (cards sorted by id when
    built; a refile keeps positions and adds newcomers at the end, see ``filing``)."""

    cards: tuple[AdvisorCard, ...]
    weights: Weights
    ids: list[int]
    static: list[float]  # the points that do not depend on the question
    masks: list[int]
    languages: list[frozenset[str]]
    # Prices as plain columns, so the budget filter reads two lists and no objects.
    amounts: dict[OfferKind, list[int | None]]
    currencies: dict[OfferKind, list[str | None]]
    next_ts: list[float | None]
    online: list[bool]
    origin: float  # the start of bucket 0
    cell_of: list[int]
    postings: Postings
    shelves: dict[tuple[str, OfferKind], Shelf]
