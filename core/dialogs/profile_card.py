"""An advisor's card as a client sees it, before choosing an offer: who they are, how they are
rated and by how many, how many sessions they have held, the languages they speak (named in
the client's language), how a session happens, and what recent clients wrote.

The ratings and their words come from the reviews themselves; "sessions held" counts the
sessions that took place (ended, whether later settled or refunded; never a no-show or a
cancellation). A review's words are shown to other clients shortened, with contact details
taken out, and signed only with the initial of the name its author showed advisors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from sqlalchemy import func, select

from core.db import UnitOfWork
from core.models import AdviceSession, Advisor, Client, Review
from core.models.sessions import SessionState
from core.names import advisor_facing_name
from core.redact import redact_contacts
from core.taxonomy import OfferKind
from core.texts import profile_card as t

NEW_BELOW_RATINGS = 3  # fewer ratings than this: "New on Pathwise"
REVIEWS_SHOWN = 3
REVIEW_CHARS = 140  # a review's words on the card, at most (then "…")
ELLIPSIS = "…"
# The states of a session that took place: the room opened and the session ran to its end.
HELD_STATES = (SessionState.ENDED.value, SessionState.SETTLED.value, SessionState.REFUNDED.value)


@dataclass(frozen=True, slots=True)
class Quote:
    """A review's words as the card shows them, and the initial it is signed with."""

    text: str
    initial: str  # "" when the author's name has no letter to take


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    rating_sum: int
    rating_count: int
    sessions_held: int
    quotes: tuple[Quote, ...]


async def profile_facts(uow: UnitOfWork, advisor_id: int) -> ProfileFacts:
    """The advisor's ratings, sessions held and most recent reviews with words."""
    session = uow.session
    count, total = (
        await session.execute(
            select(func.count(Review.id), func.coalesce(func.sum(Review.rating), 0)).where(
                Review.advisor_id == advisor_id
            )
        )
    ).one()
    held = await session.scalar(
        select(func.count(AdviceSession.id)).where(
            AdviceSession.advisor_id == advisor_id,
            AdviceSession.state.in_(HELD_STATES),
        )
    )
    recent = await session.execute(
        select(Review.text, Client)
        .join(Client, Client.id == Review.client_id)
        .where(Review.advisor_id == advisor_id, Review.text.is_not(None), Review.text != "")
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(REVIEWS_SHOWN)
    )
    quotes = tuple(
        Quote(shorten(redact_contacts(text or "", client.timezone)), initial_of(client))
        for text, client in recent.all()
    )
    return ProfileFacts(int(total), int(count), int(held or 0), quotes)


def shorten(text: str, limit: int = REVIEW_CHARS) -> str:
    """``text`` on one line, cut at the last word boundary within ``limit`` characters and
    ended with "…" (a single word longer than that is cut inside it)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit]
    if text[limit] != " " and " " in head:
        head = head.rsplit(" ", 1)[0]
    return head.rstrip(" ,;:.-–—") + ELLIPSIS


def initial_of(client: Client) -> str:
    """The first letter (or digit) of the name the client showed advisors, upper case."""
    name = advisor_facing_name(client)
    return next((c.upper() for c in name if c.isalnum()), "")


def client_locale(locale: str, fallback: str) -> Locale:
    """The client's locale for names and numbers; the platform's if theirs is unknown."""
    for tag in (locale, fallback):
        try:
            return Locale.parse(tag)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale("en")


def rating_text(facts: ProfileFacts, locale: Locale) -> str:
    """ "4.8 ★ from 23 ratings"; "New on Pathwise" (with the few ratings so far) below three."""
    count = facts.rating_count
    if count == 0:
        return t.NEW()
    tenths = (facts.rating_sum * 20 + count) // (2 * count)  # the mean, half rounded up
    average = format_decimal(Decimal(tenths).scaleb(-1), format="0.0", locale=locale)
    if count < NEW_BELOW_RATINGS:
        return t.NEW_RATED(count=count, average=average)
    return t.RATING(count=count, average=average)


def languages_text(advisor: Advisor, locale: Locale) -> str:
    """The advisor's languages in the client's words, e.g. "English, Spanish"."""
    names = locale.languages
    return ", ".join(str(names.get(code, code)) for code in advisor.languages)


def medium_text(advisor: Advisor) -> str | None:
    """How a session with this advisor happens, from the offers clients can book now."""
    kinds = {OfferKind(o.kind) for o in advisor.offers if o.active}
    live = bool(kinds - {OfferKind.MESSAGING})
    messaging = OfferKind.MESSAGING in kinds
    name = advisor.display_name
    if live and messaging:
        return t.MEDIUM_BOTH(name=name)
    if live:
        return t.MEDIUM_LIVE(name=name)
    if messaging:
        return t.MEDIUM_MESSAGING(name=name)
    return None


def quote_text(quote: Quote) -> str:
    if quote.initial:
        return t.REVIEW(text=quote.text, initial=quote.initial)
    return t.REVIEW_UNSIGNED(text=quote.text)


def card_text(advisor: Advisor, facts: ProfileFacts, locale: Locale) -> str:
    """The card's words, above its offer buttons."""
    line = [rating_text(facts, locale)]
    if facts.sessions_held:
        line.append(t.SESSIONS_HELD(count=facts.sessions_held))
    line.append(t.SPEAKS(languages=languages_text(advisor, locale)))
    head = [advisor.display_name, " · ".join(line)]
    if advisor.specialties:
        head.append(t.SPECIALISES(specialties=", ".join(advisor.specialties)))
    sections = ["\n".join(head), advisor.bio.strip()]
    medium = medium_text(advisor)
    if medium:
        sections.append(medium)
    if facts.quotes:
        sections.append(t.REVIEWS(reviews="\n".join(quote_text(q) for q in facts.quotes)))
    sections.append(t.CHOOSE())
    return "\n\n".join(s for s in sections if s)
