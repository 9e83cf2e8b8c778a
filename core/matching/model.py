"""What matching reads and answers: the client's intake, an advisor's card, the weights, a match."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ValidationFailed
from core.money import Money
from core.taxonomy import OfferKind, Topic
from core.texts import matching as texts


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
    # The share of the topic points that follows the topics the description speaks of (read
    # through ``core.matching.lexicon``) rather than the topic buttons tapped, when the words
    # say something clearly; all of it when the client tapped "Other".
    words_over_topics: float = 0.6
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
        if not 0 <= self.words_over_topics <= 1:
            raise ValueError("words_over_topics is a share, from 0 to 1")
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
            raise ValidationFailed(texts.CHOOSE_LANGUAGE())
        if self.budget is not None and self.budget.amount < 0:
            raise ValidationFailed(texts.NEGATIVE_BUDGET())
        try:
            ZoneInfo(self.client_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(texts.UNKNOWN_ZONE(zone=self.client_timezone)) from None


@dataclass(frozen=True, slots=True)
class Match:
    """One advisor who fits, how well (higher is better) and why, in plain words."""

    card: AdvisorCard
    score: float
    reasons: list[str]
