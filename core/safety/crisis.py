"""The crisis answer: what a client who may be at risk is told at once, and who else is told.

The client gets a kind message in their language (English or Spanish for now) with the crisis
lines of their country and the plain statement that Pathwise is not an emergency service. If
they have a booking, their advisor gets a private heads-up and the team's admin channel an
alert, through the outbox, at most once per client per ``crisis_alert_interval_minutes``.
Neither ever contains what the client wrote: only that a message suggested a risk, the booking
and the name advisors know the client by.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from core import i18n, outbox
from core.accounts import Platform, find_client
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork
from core.lifecycle.people import room_language
from core.models import AdviceSession, Advisor, Booking, BookingStatus, Client, OutboxMessage
from core.names import advisor_facing_name
from core.outbox import Audience
from core.safety.resources import Country, ResourceBook, Resources, default_book, language_of_tag
from core.safety.screening import Detection, Screener, default_screener
from core.texts import Text
from core.texts import safety as t

log = logging.getLogger(__name__)

ALERT_KIND = "crisis_alert"
# A booking that ended more than this long ago no longer makes its advisor "their advisor".
RECENT_BOOKING = timedelta(days=14)


class Where(StrEnum):
    """Where the client wrote, as the alerts name it."""

    CHAT = "chat"  # the bot's chat (Telegram)
    ROOM = "room"  # their session room (Discord)


@dataclass(frozen=True, slots=True)
class CrisisAnswer:
    """What to tell the client, and whether others were told."""

    text: str
    language: str
    continue_label: str
    alerted: bool  # an advisor heads-up and an admin alert were queued just now
    booking_id: int | None


def answer_language(detection: Detection, language_tag: str | None, chosen: str | None) -> str:
    """The language to answer in: the language their chat app reports if we answer in it (a
    Spanish speaker gets Spanish even if they wrote in English); else the language they
    wrote in (the phrase's); else the session language they chose; else English."""
    for candidate in (language_of_tag(language_tag), detection.language, chosen):
        if candidate in i18n.languages():
            return str(candidate)
    return "en"


def _line(
    language: str, line_name: str, phone: str, sms: str | None, hours: str, note: str | None
) -> str:
    text = t.in_language(t.LINE, language, name=line_name, phone=phone)
    if sms:
        text += t.in_language(t.LINE_SMS, language, sms=sms)
    if hours:
        text += t.in_language(t.LINE_HOURS, language, hours=hours)
    if note:
        text += f"; {note}"
    return text


def answer_text(resources: Resources, language: str, *, told: bool, room: bool = False) -> str:
    """The whole crisis message in ``language``."""

    def say(message: Text, **params: object) -> str:
        return t.in_language(message, language, **params)

    def lines_of(country: Country) -> list[str]:
        return [
            _line(language, line.name, line.phone, line.sms, line.hours, line.notes.get(language))
            for line in country.lines
        ]

    directory = {"name": resources.directory_name, "url": resources.directory_url}
    parts = [say(t.OPENING)]
    lines: list[str] = []
    if resources.country is not None:
        parts.append(say(t.NOT_EMERGENCY, emergency=resources.country.emergency))
        lines += lines_of(resources.country)
        lines.append(say(t.DIRECTORY, **directory))
    else:
        parts.append(say(t.NOT_EMERGENCY_UNKNOWN))
        for country in resources.guesses:
            lines.append(
                say(t.IN_COUNTRY, country=country.name(language), emergency=country.emergency)
            )
            lines += lines_of(country)
        lines.append(say(t.DIRECTORY if resources.guesses else t.DIRECTORY_ONLY, **directory))
    parts.append("\n".join(lines))
    if told:
        parts.append(say(t.TOLD))
    parts.append(say(t.ROOM_CLOSING if room else t.CLOSING))
    return "\n\n".join(parts)


async def current_booking(uow: UnitOfWork, client_id: int, now: datetime) -> Booking | None:
    """The booking whose advisor is "their advisor": the client's paid one still to come or
    going on (the soonest), else the latest one that took place in the last two weeks."""
    confirmed = await uow.session.scalar(
        select(Booking)
        .where(Booking.client_id == client_id, Booking.status == BookingStatus.CONFIRMED.value)
        .order_by(Booking.starts_at.is_(None), Booking.starts_at, Booking.id)
        .limit(1)
    )
    if confirmed is not None:
        return confirmed
    return await uow.session.scalar(
        select(Booking)
        .where(
            Booking.client_id == client_id,
            Booking.status == BookingStatus.COMPLETED.value,
            Booking.updated_at >= now - RECENT_BOOKING,
        )
        .order_by(Booking.updated_at.desc(), Booking.id.desc())
        .limit(1)
    )


async def _recently_alerted(
    uow: UnitOfWork, client_id: int, now: datetime, interval: timedelta
) -> bool:
    found = await uow.session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.kind == ALERT_KIND,
            OutboxMessage.client_id == client_id,
            OutboxMessage.audience == Audience.ADMIN.value,
            OutboxMessage.created_at > now - interval,
        )
        .limit(1)
    )
    return found is not None


async def alert_team(
    uow: UnitOfWork,
    settings: Settings,
    client: Client,
    booking: Booking,
    now: datetime,
    where: Where,
) -> bool:
    """Queue the advisor's heads-up and the admin alert, unless this client's were queued in
    the last ``crisis_alert_interval_minutes``. Never the client's words. True if queued."""
    interval = timedelta(minutes=settings.crisis_alert_interval_minutes)
    if interval and await _recently_alerted(uow, client.id, now, interval):
        return False
    # One key per client and interval: two workers screening at once still queue one alert.
    seconds = int(interval.total_seconds())
    window = str(int(now.timestamp()) // seconds) if seconds else uuid.uuid4().hex
    name = advisor_facing_name(client)
    advisor = await uow.session.get(Advisor, booking.advisor_id)
    place = {Where.CHAT: t.IN_CHAT, Where.ROOM: t.IN_ROOM}[where]
    data = {"booking_id": booking.id, "where": where.value}

    def heads_up(locale: str) -> str:
        return t.ADVISOR_HEADS_UP(client_name=name, booking_id=booking.id, place=place())

    def alert(locale: str) -> str:
        return t.ADMIN_ALERT(
            client_name=name,
            booking_id=booking.id,
            advisor_name=advisor.display_name if advisor else t.THEIR_ADVISOR(),
            place=place(),
        )

    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind=ALERT_KIND,
        advisor_id=booking.advisor_id,
        client_id=client.id,
        text=heads_up,
        data=data,
        dedupe_key=f"{ALERT_KIND}:advisor:{client.id}:{window}",
        now=now,
    )
    await outbox.enqueue(
        uow,
        audience=Audience.ADMIN,
        kind=ALERT_KIND,
        advisor_id=booking.advisor_id,
        client_id=client.id,
        text=alert,
        language=settings.team_locale,
        data=data,
        dedupe_key=f"{ALERT_KIND}:admin:{client.id}:{window}",
        now=now,
    )
    return True


async def respond(
    uow: UnitOfWork,
    settings: Settings,
    client: Client,
    detection: Detection,
    now: datetime,
    *,
    where: Where,
    language_tag: str | None = None,
    chosen_language: str | None = None,
    booking: Booking | None = None,
    book: ResourceBook | None = None,
    language: str | None = None,
) -> CrisisAnswer:
    """The answer to a text that matched, and the team's alerts (in the caller's unit of
    work). ``booking``: the one the text was written about (a session room); else the
    client's current booking, if any. ``language``: the one the answer must be in when the
    place decides it (a session room's, which both people read); else
    :func:`answer_language`'s. The alerts are in their readers' languages whatever it is."""
    language = language or answer_language(detection, language_tag, chosen_language)
    booking = booking or await current_booking(uow, client.id, now)
    alerted = False
    if booking is not None:
        alerted = await alert_team(uow, settings, client, booking, now, where)
    resources = (book or default_book()).for_client(
        timezone=client.timezone, language_tag=language_tag, language=language
    )
    # Ids and the phrase file's language only: never what the client wrote.
    log.warning(
        "safety.crisis.answered",
        extra={
            "client_id": client.id,
            "where": where.value,
            "language": language,
            "country": resources.country.code if resources.country else "unknown",
            "alerted": alerted,
        },
    )
    return CrisisAnswer(
        text=answer_text(resources, language, told=booking is not None, room=where is Where.ROOM),
        language=language,
        continue_label=t.in_language(t.CONTINUE, language),
        alerted=alerted,
        booking_id=booking.id if booking is not None else None,
    )


class RoomScreening:
    """Screens what a client writes in their session room (Discord, when the message-content
    intent is on): the same screening and answer as the chat, in the room, naming the room's
    booking in the alerts, in the room's language (``room_language``). The advisor's own
    messages are not screened."""

    def __init__(
        self, db: Database, settings: Settings, clock: Clock, screener: Screener | None = None
    ) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.screener = screener or default_screener()

    async def answer(self, channel_id: int, author_user_id: int, text: str) -> str | None:
        """The crisis answer to post in the room, or None if the text needs none."""
        detection = self.screener.screen(text)
        if detection is None:
            return None
        now = self.clock.now()
        async with self.db.uow() as uow:
            s = await uow.session.scalar(
                select(AdviceSession).where(AdviceSession.channel_id == channel_id)
            )
            if s is None or author_user_id == s.advisor_user_id:
                return None
            if author_user_id != s.client_user_id:
                who = await find_client(uow, Platform.DISCORD, author_user_id)
                if who is None or who.id != s.client_id:
                    return None
            client = await uow.session.get(Client, s.client_id)
            booking = await uow.session.get(Booking, s.booking_id)
            advisor = await uow.session.get(Advisor, s.advisor_id)
            if client is None:
                return None
            result = await respond(
                uow,
                self.settings,
                client,
                detection,
                now,
                where=Where.ROOM,
                booking=booking,
                language=room_language(client, advisor) if advisor is not None else None,
            )
            await uow.commit()
        return result.text
