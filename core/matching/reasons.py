"""Why an advisor was suggested, in plain words: language, specialty, when free, rating, price.

Separate from scoring, so the reasons can change (or be translated) without touching a rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

from core.matching import lexicon
from core.matching.model import AdvisorCard
from core.matching.query import Query
from core.matching.words import spans_of, tokenise
from core.taxonomy import Topic
from core.texts import matching as t


def reasons(
    card: AdvisorCard,
    query: Query,
    locale: str,
    fewer: int | None = None,
) -> list[str]:
    """The reasons ``card`` matched ``query``; ``locale`` shapes how a language, a price, a
    rating and a day read.
    ``fewer`` is how many advisors fit when fewer did than were asked for: the client is told
    so."""
    intake = query.intake
    language = _language_names(locale).get(intake.language, intake.language)
    found = [t.SPEAKS(language=language)]
    if fewer is not None:
        found.append(t.FEWER_FIT(count=fewer, language=language))
    specialty = _specialty(card, query)
    if specialty:
        found.append(specialty)
    if card.next_free is not None:
        found.append(_free_reason(card.next_free, query.now, query.zone, locale))
    found.append(_rating_reason(card, locale))
    if intake.budget is not None:
        price = card.prices[intake.kind]
        found.append(t.WITHIN_BUDGET(price=price.format(locale)))  # always with cents
    return found


def _rating_reason(card: AdvisorCard, locale: str) -> str:
    """ "4.8★ from 32 reviews", or "new on Pathwise"; the plain average, rounded half up
    ("4,8" where the locale writes a decimal comma)."""
    if card.rating_count == 0:
        return t.NEW_ADVISOR()
    tenths = (card.rating_sum * 20 + card.rating_count) // (2 * card.rating_count)
    rating = str(format_decimal(Decimal(tenths) / 10, "0.0", locale=locale))
    return t.RATING(count=card.rating_count, rating=rating)


@cache
def _language_names(locale: str) -> Mapping[str, str]:
    """Languages by code, named in ``locale``'s language ("Spanish", "español")."""
    names: Mapping[str, str] = Locale.parse(locale).languages
    return names


def _free_reason(slot: datetime, now: datetime, zone: ZoneInfo, locale: str) -> str:
    """ "free tomorrow 18:00 your time": the slot in the client's zone, the day in words."""
    if slot <= now:
        return t.FREE_NOW()
    local = slot.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    if days == 0:
        day = t.TODAY()
    elif days == 1:
        day = t.TOMORROW()
    elif days < 7:
        day = str(format_date(local.date(), "EEEE", locale=locale))
    else:
        day = str(format_date(local.date(), "d MMMM", locale=locale))
    return t.FREE_AT(day=day, time=f"{local:%H:%M}")


def _specialty(card: AdvisorCard, query: Query) -> str | None:
    """What the advisor lists that fits this client, and the client's words it rests on.

    In order: a specialty sharing words with the description; a specialty that is itself a
    lexicon term of the topic the description speaks of most; a topic it speaks of, when the
    advisor covers it; a specialty in the words of a topic tapped; a topic tapped that the
    advisor covers. Only what the advisor lists is ever named.
    """
    intake, reading = query.intake, query.reading
    for specialty in card.specialties:
        quoted = _quoted(intake.description, query.said & frozenset(tokenise(specialty)))
        if quoted:
            return t.SPECIALISES_FOR(specialty=specialty, words=quoted)
    spoken = [topic for topic in reading.topics() if topic is not Topic.OTHER]
    most = max(reading.shares.values(), default=0.0)
    for topic in (topic for topic in spoken if reading.shares[topic] == most):
        for specialty in card.specialties:
            if lexicon.is_term(specialty, topic):
                return t.SPECIALISES_FOR(specialty=specialty, words=_said(reading, topic))
    for topic in spoken:
        if topic in card.topics:
            return t.COVERS_FOR(topic=topic.label, words=_said(reading, topic))
    chosen = [topic for topic in Topic if topic in intake.topics and topic is not Topic.OTHER]
    topic_words = {word for topic in chosen for word in tokenise(topic.label)}
    for specialty in card.specialties:
        if topic_words.intersection(tokenise(specialty)):
            return t.SPECIALISES(specialty=specialty)
    covered = [topic for topic in chosen if topic in card.topics]
    return t.COVERS(topic=covered[0].label) if covered else None


def _said(reading: lexicon.Reading, topic: Topic) -> str:
    """The client's words a topic was read from, quoted: "passed away", "funeral"."""
    return t.QUOTE_JOIN().join(dict.fromkeys(reading.evidence[topic]))


def _quoted(text: str, stems: frozenset[str]) -> str:
    """The words of ``text`` whose stems are among ``stems``, as written, quoted; neighbours
    run together ("career change")."""
    runs: list[tuple[int, int]] = []
    for start, end in spans_of(text):
        if not stems.intersection(tokenise(text[start:end])):
            continue
        if runs and not text[runs[-1][1] : start].strip():
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return t.QUOTE_JOIN().join(dict.fromkeys(text[start:end] for start, end in runs))
