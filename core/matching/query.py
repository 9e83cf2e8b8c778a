"""One question, prepared: the client's words against the postings, and the most points each
topic mask and time bucket can earn, worked out before any advisor is looked at."""

from __future__ import annotations

import math
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.matching import lexicon
from core.matching.layout import (
    ALL_MASKS,
    BUCKET_SECONDS,
    BUCKETS,
    TOPIC_BIT,
    TOPICS,
    Cells,
    Columns,
    Layout,
)
from core.matching.model import Intake, TimePreference, Weights
from core.matching.words import tokenise
from core.taxonomy import Topic

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Query:
    """Everything one question needs, worked out once before any advisor is looked at."""

    intake: Intake
    now: datetime
    now_ts: float
    zone: ZoneInfo
    exclude: Set[int]
    said: frozenset[str]  # the description's words, stemmed
    reading: lexicon.Reading  # the topics the description speaks of
    terms: tuple[Cells, ...]  # postings of the description's words, highest bound first
    layouts: tuple[Layout, ...]
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


def prepare(columns: Columns, intake: Intake, now: datetime, exclude: Set[int]) -> Query:
    """Precompute what every advisor's score for this intake needs."""
    w, postings = columns.weights, columns.postings
    said = frozenset(tokenise(intake.description))
    words = [t for t in said if t in postings.idf]
    words.sort(key=lambda t: (-postings.idf[t] * postings.top_tf[t], t))
    idf = tuple(postings.idf[t] for t in words)
    bound_from = [0.0] * (len(words) + 1)
    for i in range(len(words) - 1, -1, -1):
        bound_from[i] = bound_from[i + 1] + idf[i] * postings.top_tf[words[i]]
    reading = lexicon.read(intake.description)
    topic_points = _topic_points(w, intake.topics, reading)
    pref = intake.time_preference
    availability = w.availability * (w.soon_factor if pref is TimePreference.SOON else 1.0)
    zone = ZoneInfo(intake.client_timezone)
    time_most = _time_most(w, columns.origin, now.timestamp(), zone, pref, availability)
    return Query(
        intake=intake,
        now=now,
        now_ts=now.timestamp(),
        zone=zone,
        exclude=exclude,
        said=said,
        reading=reading,
        terms=tuple(postings.cells[t] for t in words),
        layouts=tuple(postings.layout[t] for t in words),
        idf=idf,
        bound_from=tuple(bound_from),
        postings_size=sum(postings.size[t] for t in words),
        ideal=sum(idf) or 1.0,
        text_weight=w.text,
        topic_points=topic_points,
        mask_order=tuple(sorted(ALL_MASKS, key=lambda m: (-topic_points[m], m))),
        availability=availability,
        time_most=time_most,
        time_max=max(time_most),
    )


def _topic_points(
    w: Weights, chosen: frozenset[Topic], reading: lexicon.Reading
) -> tuple[float, ...]:
    """Per advisor topic mask, the points for covering what the client asked about.

    The topics tapped and the topics the description speaks of share ``w.topic``: the words
    weigh ``w.words_over_topics`` of it (all of it when the client tapped only "Other" or
    nothing), in proportion to how much the lexicon found (a hint alone counts for less).
    """
    confidence = min(1.0, reading.strength)
    only_other = chosen <= {Topic.OTHER}
    words = confidence * (1.0 if only_other else w.words_over_topics)
    tapped = (1.0 - words) / max(1, len(chosen))
    value = [
        w.topic * ((tapped if topic in chosen else 0.0) + words * reading.shares.get(topic, 0.0))
        for topic in TOPICS
    ]
    return tuple(
        sum(v for topic, v in zip(TOPICS, value, strict=True) if mask & TOPIC_BIT[topic])
        for mask in ALL_MASKS
    )


def _time_most(
    w: Weights,
    origin: float,
    now_ts: float,
    zone: ZoneInfo,
    pref: TimePreference,
    availability: float,
) -> tuple[float, ...]:
    """Per bucket, the most time points an advisor in it can earn."""
    most = []
    for bucket in range(BUCKETS):
        start = origin + bucket * BUCKET_SECONDS
        hours = max(0.0, start - now_ts) / 3600.0
        points = availability / (1.0 + hours / w.availability_half_hours)
        if pref is TimePreference.SOON:
            points += w.online
        # The last bucket also holds every later slot, so anything might fit there.
        elif bucket == BUCKETS - 1 or _may_fit(w, start, zone, pref):
            points += w.time_fit
        most.append(points)
    # No free slot: only the online bonus is left (time fit needs a slot).
    most.append(w.online if pref is TimePreference.SOON else 0.0)
    return tuple(most)


def _may_fit(w: Weights, start: float, zone: ZoneInfo, pref: TimePreference) -> bool:
    """Whether a slot in the bucket starting at ``start`` could suit the preference."""
    first = datetime.fromtimestamp(start, zone)
    end = datetime.fromtimestamp(start + BUCKET_SECONDS, zone)
    if first.utcoffset() != end.utcoffset():
        return pref is not TimePreference.ANY  # a clock change inside: do not guess
    first, end = first.replace(tzinfo=None), end.replace(tzinfo=None)
    if pref is TimePreference.WEEKENDS:
        return first.weekday() >= 5 or (end - _TICK).weekday() >= 5
    if pref is TimePreference.EVENINGS:
        opens, closes = w.evening_hours
        for day in {first.date(), end.date()}:
            midnight = datetime.combine(day, datetime.min.time())
            if first < midnight + timedelta(hours=closes) and end > midnight + timedelta(
                hours=opens
            ):
                return True
    return False
