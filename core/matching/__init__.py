"""Matching: a client's intake answers -> the advisors who fit best, each with plain reasons.

Pure Python and platform-neutral. The caller loads advisors (from the database, a catalogue,
a benchmark) into ``AdvisorCard``s, builds a ``MatchIndex`` once and asks it many times.

How an advisor is ranked (every number lives in ``Weights``):

* Hard filters: speaks the client's language; sells the kind of session asked for, at a price
  within the budget (same currency: we never convert); is not someone the client refunded or
  blocked.
* Points: the client's topics the advisor covers, both the topics tapped and the topics the
  description speaks of (read through an English and Spanish lexicon, ``lexicon``); the
  client's own words found in the bio and specialties (BM25); how soon the advisor is free and
  whether that slot suits the client's time preference; the rating, smoothed toward a prior so
  a newcomer is not buried; and a small nudge toward advisors with fewer upcoming bookings.
* Ties go to the lower advisor id, so the same question always gets the same answer.

Speed: a score is a static part (rating, load: worked out once per advisor) plus query parts
that each have a known ceiling. Advisors are filed by topic set and by when they are next free,
best static score first. A query walks the postings of its words, rarest first, then the
advisors who pass the filters, and stops as soon as no advisor not yet seen could beat the k-th
best so far: it scores hundreds of advisors, not the whole catalogue. When the filters leave
only a few advisors (a rare language, a tight budget) it simply scores each of them.

The modules: ``model`` (intake, card, weights, match), ``words`` (tokenise, Snowball stems),
``lexicon`` (what a description is about, from ``lexicon.yaml``), ``layout`` (how a
built index is filed), ``index`` (the build, once per catalogue, and ``MatchIndex``), ``query``
(one question prepared), ``search`` (scoring and the pruned walks) and ``reasons``.
"""

from core.matching.index import MatchIndex
from core.matching.model import (
    DEFAULT_WEIGHTS,
    AdvisorCard,
    Intake,
    Match,
    TimePreference,
    Weights,
)
from core.matching.words import tokenise
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
