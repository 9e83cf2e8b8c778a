"""What an advisor manages from their chat app: profile, prices, weekly hours, upcoming sessions.

Platform-neutral: the Discord slash commands call these and render the answers. Every rule
(what a bio needs, which languages exist, what a price looks like) lives here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import catalogue_version, i18n
from core.accounts import Platform, find_advisor
from core.db import UnitOfWork
from core.errors import NotAllowed, NotFound, ValidationFailed
from core.models import Advisor, Booking, BookingStatus, Client, Offer
from core.money import Money
from core.names import advisor_facing_name
from core.scheduling import WEEKDAYS, format_slot, set_weekly_availability, weekly_availability
from core.taxonomy import OfferKind
from core.texts import advisors as t

__all__ = [
    "AdvisorCard",
    "NotAnAdvisor",
    "PriceLine",
    "UpcomingSession",
    "advisor_card",
    "advisor_for",
    "format_weekly",
    "parse_weekly_text",
    "set_hours",
    "set_language",
    "set_price",
    "upcoming_sessions",
    "update_profile",
]

_KNOWN_LANGUAGES = frozenset(str(code) for code in Locale("en").languages if len(str(code)) == 2)
BIO_MIN, BIO_MAX = 20, 2000
MAX_SPECIALTIES = 10


class NotAnAdvisor(NotAllowed):
    user_message = t.NOT_AN_ADVISOR


@dataclass(frozen=True, slots=True)
class PriceLine:
    kind: str
    name: str  # "60-minute live session"
    price: Money
    active: bool


@dataclass(frozen=True, slots=True)
class AdvisorCard:
    """An advisor's profile as they see it."""

    id: int
    name: str
    bio: str
    specialties: list[str]
    languages: list[str]
    timezone: str
    prices: list[PriceLine]
    approved: bool
    active: bool
    online: bool
    locale: str = "en_US"  # what Pathwise writes to the advisor in (/profile language)


@dataclass(frozen=True, slots=True)
class UpcomingSession:
    booking_id: int
    when: str  # in the advisor's zone
    what: str
    client_name: str


async def advisor_for(uow: UnitOfWork, platform: Platform, user_id: int) -> Advisor:
    """The advisor behind a chat account, or NotAnAdvisor."""
    advisor = await find_advisor(uow, platform, user_id)
    if advisor is None:
        raise NotAnAdvisor()
    return advisor


async def _load(uow: UnitOfWork, advisor_id: int) -> Advisor:
    advisor = await uow.session.scalar(
        select(Advisor)
        .where(Advisor.id == advisor_id)
        .options(selectinload(Advisor.offers))
        .execution_options(populate_existing=True)
    )
    if advisor is None:
        raise NotFound(t.ADVISOR_NOT_FOUND())
    return advisor


async def advisor_card(uow: UnitOfWork, advisor_id: int) -> AdvisorCard:
    advisor = await _load(uow, advisor_id)
    return AdvisorCard(
        id=advisor.id,
        name=advisor.display_name,
        bio=advisor.bio,
        specialties=list(advisor.specialties or []),
        languages=list(advisor.languages or []),
        timezone=advisor.timezone,
        prices=[PriceLine(o.kind, o.name, o.price, o.active) for o in advisor.offers],
        approved=advisor.approved,
        active=advisor.active,
        online=advisor.online,
        locale=advisor.locale,
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


async def update_profile(
    uow: UnitOfWork,
    advisor_id: int,
    *,
    bio: str | None = None,
    specialties: str | None = None,
    languages: str | None = None,
) -> AdvisorCard:
    """Change what was given; comma-separated lists for specialties and languages."""
    advisor = await _load(uow, advisor_id)
    if bio is not None:
        bio = bio.strip()
        if not BIO_MIN <= len(bio) <= BIO_MAX:
            raise ValidationFailed(t.BIO_LENGTH(low=BIO_MIN, high=BIO_MAX, length=len(bio)))
        advisor.bio = bio
    if specialties is not None:
        items = _split(specialties)
        if not 1 <= len(items) <= MAX_SPECIALTIES or any(len(item) > 60 for item in items):
            raise ValidationFailed(t.SPECIALTIES(most=MAX_SPECIALTIES))
        advisor.specialties = items
    if languages is not None:
        codes = [code.lower() for code in _split(languages)]
        unknown = [code for code in codes if code not in _KNOWN_LANGUAGES]
        if not codes or unknown:
            raise ValidationFailed(
                t.LANGUAGES_UNKNOWN(unknown=", ".join(unknown)) if unknown else t.LANGUAGES()
            )
        advisor.languages = codes
    await uow.session.flush()
    await catalogue_version.bump(uow, [advisor.id])
    return await advisor_card(uow, advisor_id)


async def set_language(uow: UnitOfWork, advisor_id: int, language: str) -> str:
    """Pathwise writes to the advisor in ``language`` from now on: one it speaks
    (``core.i18n.languages()``), by its code or its own name ("es", "Español"); their
    country is kept for amounts and dates. Returns the language's code."""
    wanted = language.strip().casefold()
    chosen = next(
        (
            code
            for code in i18n.languages()
            if wanted in (code, i18n.language_name(code).casefold())
        ),
        None,
    )
    if chosen is None:
        named = ", ".join(f"{i18n.language_name(code)} ({code})" for code in i18n.languages())
        raise ValidationFailed(t.UI_LANGUAGE_UNKNOWN(languages=named))
    advisor = await _load(uow, advisor_id)
    advisor.locale = i18n.locale_switched(advisor.locale, chosen)
    await uow.session.flush()
    return chosen


async def set_price(
    uow: UnitOfWork, advisor_id: int, kind: str, price_text: str, days: int | None = None
) -> PriceLine:
    """Set (or add) the price of an offer; past bookings keep the price they were sold at."""
    try:
        offer_kind = OfferKind(kind)
    except ValueError:
        raise ValidationFailed(t.CHOOSE_KIND()) from None
    if offer_kind is OfferKind.MESSAGING and not (days and 0 < days <= 90):
        raise ValidationFailed(t.PACKAGE_LENGTH())
    if offer_kind is not OfferKind.MESSAGING:
        days = None
    advisor = await _load(uow, advisor_id)
    currency = advisor.offers[0].currency if advisor.offers else "USD"
    try:
        price = Money.parse(price_text, currency)
    except ValueError:
        raise ValidationFailed(t.NOT_A_PRICE(text=price_text)) from None
    if price.amount <= 0:
        raise ValidationFailed(t.PRICE_ABOVE_ZERO())
    offer = next((o for o in advisor.offers if o.kind == offer_kind.value and o.days == days), None)
    if offer is None:
        offer = Offer(
            advisor_id=advisor.id,
            kind=offer_kind.value,
            days=days,
            price_minor=price.amount,
            currency=price.currency,
            active=True,
        )
        uow.session.add(offer)
    else:
        offer.price_minor, offer.active = price.amount, True
    await uow.session.flush()
    await catalogue_version.bump(uow, [advisor.id])
    return PriceLine(offer.kind, offer.name, offer.price, offer.active)


def _plain(word: str) -> str:
    """A typed word compared without case, accents or a final dot: "Miércoles." -> "miercoles"."""
    decomposed = unicodedata.normalize("NFKD", word.strip().lower().rstrip("."))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _weekday_words(language: str) -> dict[str, str]:
    """The first three letters of each day's names in ``language`` and in English (Babel's
    wide and abbreviated names: "lun", "mie", "mon", "wed"), each to its weekday code."""
    found: dict[str, str] = {}
    for code in dict.fromkeys((language, i18n.SOURCE)):
        days = Locale.parse(code).days
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in days[context][width].items():
                    found.setdefault(_plain(name)[:3], WEEKDAYS[number])
    return found


def _clear_words(language: str) -> set[str]:
    """What clears all hours: the catalogue's words in ``language``, and English's."""
    with i18n.speaking(language):
        words = t.CLEAR_HOURS_WORDS()
    return {_plain(w) for w in f"{words},{t.CLEAR_HOURS_WORDS.en}".split(",") if w.strip()}


def parse_weekly_text(text: str, language: str | None = None) -> dict[str, list[str]]:
    """``mon 09:00-12:00 14:00-18:00; tue 10:00-16:00`` as scheduling's weekly mapping; the
    days named in ``language`` (by default the language of the moment: the advisor's) or in
    English, in full or abbreviated (``lunes 09:00-12:00; mié 10:00-16:00``).

    A day left out has no hours; the word ``none`` (``ninguno`` ...) clears them all.
    """
    language = i18n.supported(language or i18n.current())
    text = text.strip()
    if _plain(text) in _clear_words(language):
        return {}
    days = _weekday_words(language)
    weekly: dict[str, list[str]] = {}
    for chunk in text.replace("\n", ";").split(";"):
        words = chunk.replace(",", " ").split()
        if not words:
            continue
        day, hours = days.get(_plain(words[0])[:3]), words[1:]
        if day is None or not hours:
            raise ValidationFailed(t.UNREADABLE_HOURS(chunk=chunk.strip()))
        weekly.setdefault(day, []).extend(hours)
    if not weekly:
        raise ValidationFailed(t.NO_DAY())
    return weekly


def format_weekly(weekly: dict[str, list[str]]) -> str:
    if not weekly:
        return t.NO_HOURS()
    names = Locale.parse(i18n.current()).days["format"]["abbreviated"]
    return "\n".join(
        t.HOURS_LINE(day=_capitalized(names[number]), hours=", ".join(weekly[day]))
        for number, day in enumerate(WEEKDAYS)
        if day in weekly
    )


def _capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


async def set_hours(uow: UnitOfWork, advisor_id: int, text: str) -> dict[str, list[str]]:
    """Replace the weekly hours (the advisor's own zone); sessions already booked stay."""
    await set_weekly_availability(uow, advisor_id, parse_weekly_text(text))
    return await weekly_availability(uow, advisor_id)


async def upcoming_sessions(
    uow: UnitOfWork, advisor_id: int, now: datetime, *, limit: int = 10
) -> list[UpcomingSession]:
    """Paid sessions still to come (and packages still running), soonest first."""
    advisor = await _load(uow, advisor_id)
    rows = await uow.session.execute(
        select(Booking, Offer, Client)
        .join(Offer, Offer.id == Booking.offer_id)
        .join(Client, Client.id == Booking.client_id)
        .where(Booking.advisor_id == advisor_id)
        .where(Booking.status == BookingStatus.CONFIRMED.value)
        .where((Booking.ends_at.is_(None)) | (Booking.ends_at > now))
        .order_by(Booking.starts_at, Booking.id)
        .limit(limit)
    )
    return [
        UpcomingSession(
            booking_id=booking.id,
            when=(
                format_slot(booking.starts_at, advisor.timezone)
                if booking.starts_at
                else t.OPEN_START()
            ),
            what=offer.name,
            client_name=advisor_facing_name(client),
        )
        for booking, offer, client in rows.all()
    ]
