"""Who is who in a session: names, zones and platform accounts, and times shown in a zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import i18n
from core.accounts import Platform, platform_user_id
from core.db import UnitOfWork
from core.models import Advisor, Booking, Client, Offer
from core.models.sessions import AdviceSession
from core.money import Money
from core.names import advisor_facing_name
from core.scheduling import format_slot
from core.taxonomy import OfferKind


@dataclass(frozen=True, slots=True)
class People:
    """Names, zones and platform accounts around one session, read in the claiming
    transaction so the platform step needs no database."""

    client_name: str
    client_zone: str
    client_locale: str
    advisor_name: str
    advisor_zone: str
    offer_kind: OfferKind
    offer_days: int | None
    price: Money
    client_user_id: int | None
    advisor_user_id: int | None
    # What the room says (welcome, warnings, closing words): see ``room_language``.
    room_language: str = i18n.SOURCE

    @property
    def offer_name(self) -> str:
        """What was booked, in plain words ("60-minute live session"), in the language of
        the moment: a message renders it in its reader's."""
        return self.offer_kind.describe(self.offer_days)


async def read_people(uow: UnitOfWork, s: AdviceSession) -> People:
    """The people around ``s``; the room accounts are the session platform's (Discord)."""
    client = await uow.session.get(Client, s.client_id)
    advisor = await uow.session.get(Advisor, s.advisor_id)
    booking = await uow.session.get(Booking, s.booking_id)
    assert client is not None and advisor is not None and booking is not None
    offer = await uow.session.get(Offer, booking.offer_id)
    assert offer is not None
    return People(
        client_name=advisor_facing_name(client),
        client_zone=client.timezone or "UTC",
        client_locale=client.locale or "en_US",
        advisor_name=advisor.display_name,
        advisor_zone=advisor.timezone or "UTC",
        offer_kind=offer.offer_kind,
        offer_days=offer.days,
        price=booking.price,
        client_user_id=await platform_user_id(uow, Platform.DISCORD, client_id=client.id),
        advisor_user_id=await platform_user_id(uow, Platform.DISCORD, advisor_id=advisor.id),
        room_language=room_language(client, advisor),
    )


def room_language(client: Client, advisor: Advisor) -> str:
    """The language of a session's room, which both people read: the client's, when the
    advisor advises in it (``Advisor.languages``); else English."""
    language = i18n.supported(client.locale)
    return language if language in (advisor.languages or []) else i18n.SOURCE


def when(moment: datetime, zone: str, locale: str = "en_US") -> str:
    """``Tue 24 Nov, 18:00`` in the person's zone (UTC if their zone is unknown)."""
    try:
        return format_slot(moment, zone, locale)
    except Exception:  # a bad stored zone must not stop a reminder
        return format_slot(moment, "UTC", locale) + " UTC"
