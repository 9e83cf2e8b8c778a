"""Why an advisor was suggested, in plain words: language, specialty, when free, rating, price.

Separate from scoring, so the reasons can change (or be translated) without touching a rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core.matching.model import AdvisorCard, Intake
from core.matching.query import Query
from core.matching.words import tokenise
from core.taxonomy import Topic
from core.texts import matching as t


def reasons(
    card: AdvisorCard, query: Query, language_names: Mapping[str, str], locale: str
) -> list[str]:
    """The reasons ``card`` matched ``query``; ``locale`` shapes how a price reads."""
    intake = query.intake
    language = language_names.get(intake.language, intake.language)
    found = [t.SPEAKS(language=language)]
    specialty = _specialty(card, intake, query.said)
    if specialty:
        found.append(t.SPECIALISES(specialty=specialty))
    if card.next_free is not None:
        found.append(_free_reason(card.next_free, query.now, query.zone))
    found.append(_rating_reason(card))
    if intake.budget is not None:
        price = card.prices[intake.kind]
        found.append(t.WITHIN_BUDGET(price=price.format(locale)))  # always with cents
    return found


def _rating_reason(card: AdvisorCard) -> str:
    """ "4.8★ from 32 reviews", or "new on Pathwise"; the plain average, rounded half up."""
    if card.rating_count == 0:
        return t.NEW_ADVISOR()
    tenths = (card.rating_sum * 20 + card.rating_count) // (2 * card.rating_count)
    return t.RATING(count=card.rating_count, rating=f"{tenths // 10}.{tenths % 10}")


def _free_reason(slot: datetime, now: datetime, zone: ZoneInfo) -> str:
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
        day = str(format_date(local.date(), "EEEE", locale="en"))
    else:
        day = str(format_date(local.date(), "d MMMM", locale="en"))
    return t.FREE_AT(day=day, time=f"{local:%H:%M}")


def _specialty(card: AdvisorCard, intake: Intake, said: frozenset[str]) -> str | None:
    """What the advisor specialises in, for this client: a specialty in the client's words,
    else one on a chosen topic, else the label of a chosen topic the advisor covers."""
    chosen = [topic for topic in Topic if topic in intake.topics and topic is not Topic.OTHER]
    topic_words = {word for topic in chosen for word in tokenise(topic.label)}
    for words in (said, topic_words):
        for specialty in card.specialties:
            if words.intersection(tokenise(specialty)):
                return specialty
    covered = [topic for topic in chosen if topic in card.topics]
    return covered[0].label if covered else None
