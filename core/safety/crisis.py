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

from core import outbox
from core.accounts import Platform, find_client
from core.clock import Clock
from core.config import Settings
from core.db import Database, UnitOfWork
from core.models import AdviceSession, Advisor, Booking, BookingStatus, Client, OutboxMessage
from core.names import advisor_facing_name
from core.outbox import Audience
from core.safety.resources import ResourceBook, Resources, default_book, language_of_tag
from core.safety.screening import Detection, Screener, default_screener

log = logging.getLogger(__name__)

ALERT_KIND = "crisis_alert"
ANSWER_LANGUAGES = ("en", "es")
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


_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "opening": (
            "Thank you for telling me. It sounds like you're going through something really "
            "painful, and you deserve support right now."
        ),
        "not_emergency": (
            "Pathwise is not an emergency service and cannot send help. If you are in danger "
            "or might act on these thoughts, please call {emergency} now, or talk to someone "
            "at one of these lines:"
        ),
        "not_emergency_unknown": (
            "Pathwise is not an emergency service and cannot send help. If you are in danger "
            "or might act on these thoughts, please call your local emergency number now, or "
            "talk to someone at one of these lines:"
        ),
        "line": "• {name}: call {phone}",
        "sms": ", or text {sms}",
        "hours": " ({hours})",
        "in_country": "In {country} (emergency {emergency}):",
        "directory": "• Anywhere else: {name}, {url}, lists free lines in your country.",
        "directory_only": "• {name}, {url}, lists free, confidential lines in your country.",
        "told": (
            "We have let your advisor and our team know, privately, that you may need extra "
            "care. They don't see what you wrote."
        ),
        "closing": (
            "You don't have to go through this alone. Whenever you're ready, you can carry "
            "on here where you left off."
        ),
        "continue": "Continue where I was",
        "room_closing": "Your session goes on here whenever you're ready.",
    },
    "es": {
        "opening": (
            "Gracias por contármelo. Parece que estás pasando por algo muy doloroso, y "
            "mereces apoyo ahora mismo."
        ),
        "not_emergency": (
            "Pathwise no es un servicio de emergencias y no puede enviar ayuda. Si estás en "
            "peligro o crees que podrías hacerte daño, llama ahora al {emergency} o habla con "
            "alguien en una de estas líneas:"
        ),
        "not_emergency_unknown": (
            "Pathwise no es un servicio de emergencias y no puede enviar ayuda. Si estás en "
            "peligro o crees que podrías hacerte daño, llama ahora al número de emergencias de "
            "tu país o habla con alguien en una de estas líneas:"
        ),
        "line": "• {name}: llama al {phone}",
        "sms": " o escribe al {sms}",
        "hours": " ({hours})",
        "in_country": "En {country} (emergencias {emergency}):",
        "directory": (
            "• En cualquier otro país: {name}, {url}, reúne las líneas gratuitas de tu país."
        ),
        "directory_only": (
            "• {name}, {url}, reúne las líneas gratuitas y confidenciales de tu país."
        ),
        "told": (
            "Hemos avisado en privado a tu asesor y a nuestro equipo de que quizá necesites "
            "un cuidado especial. No ven lo que escribiste."
        ),
        "closing": (
            "No tienes que pasar por esto a solas. Cuando quieras, puedes seguir aquí donde lo "
            "dejaste."
        ),
        "continue": "Seguir donde estaba",
        "room_closing": "Tu sesión sigue aquí cuando quieras.",
    },
}


def answer_language(detection: Detection, language_tag: str | None, chosen: str | None) -> str:
    """The language to answer in: the client's Telegram language if we answer in it (a
    Spanish speaker gets Spanish even if they wrote in English); else the language they
    wrote in (the phrase's); else the session language they chose; else English."""
    for candidate in (language_of_tag(language_tag), detection.language, chosen):
        if candidate in ANSWER_LANGUAGES:
            return str(candidate)
    return "en"


def _line(
    texts: dict[str, str], line_name: str, phone: str, sms: str | None, hours: str, note: str | None
) -> str:
    text = texts["line"].format(name=line_name, phone=phone)
    if sms:
        text += texts["sms"].format(sms=sms)
    if hours:
        text += texts["hours"].format(hours=hours)
    if note:
        text += f"; {note}"
    return text


def answer_text(resources: Resources, language: str, *, told: bool, room: bool = False) -> str:
    """The whole crisis message in ``language``."""
    texts = _TEXTS[language]
    parts = [texts["opening"]]
    lines: list[str] = []
    if resources.country is not None:
        country = resources.country
        parts.append(texts["not_emergency"].format(emergency=country.emergency))
        lines += [
            _line(texts, line.name, line.phone, line.sms, line.hours, line.notes.get(language))
            for line in country.lines
        ]
        lines.append(
            texts["directory"].format(name=resources.directory_name, url=resources.directory_url)
        )
    else:
        parts.append(texts["not_emergency_unknown"])
        for country in resources.guesses:
            lines.append(
                texts["in_country"].format(
                    country=country.name(language), emergency=country.emergency
                )
            )
            lines += [
                _line(texts, line.name, line.phone, line.sms, line.hours, line.notes.get(language))
                for line in country.lines
            ]
        key = "directory" if resources.guesses else "directory_only"
        lines.append(texts[key].format(name=resources.directory_name, url=resources.directory_url))
    parts.append("\n".join(lines))
    if told:
        parts.append(texts["told"])
    parts.append(texts["room_closing"] if room else texts["closing"])
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
    place = {Where.CHAT: "the Pathwise chat", Where.ROOM: "their session room"}[where]
    data = {"booking_id": booking.id, "where": where.value}
    await outbox.enqueue(
        uow,
        audience=Audience.ADVISOR,
        kind=ALERT_KIND,
        advisor_id=booking.advisor_id,
        client_id=client.id,
        text=(
            f"A private heads-up from Pathwise: {name} (booking {booking.id}) wrote something "
            f"in {place} that suggests they may be going through a crisis. We have shown them "
            "crisis lines and told them Pathwise is not an emergency service. We don't share "
            "what they wrote. Please be gentle and attentive with them; if you think they are "
            "in immediate danger, tell the Pathwise team."
        ),
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
        text=(
            f"Crisis alert: {name}, booking {booking.id} with "
            f"{advisor.display_name if advisor else 'their advisor'}, wrote something in "
            f"{place} that suggests a risk to life. They were shown crisis lines; their "
            "advisor got a private heads-up. The text is not shared."
        ),
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
) -> CrisisAnswer:
    """The answer to a text that matched, and the team's alerts (in the caller's unit of
    work). ``booking``: the one the text was written about (a session room); else the
    client's current booking, if any."""
    language = answer_language(detection, language_tag, chosen_language)
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
        continue_label=_TEXTS[language]["continue"],
        alerted=alerted,
        booking_id=booking.id if booking is not None else None,
    )


class RoomScreening:
    """Screens what a client writes in their session room (Discord, when the message-content
    intent is on): the same screening and answer as the chat, in the room, naming the room's
    booking in the alerts. The advisor's own messages are not screened."""

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
            )
            await uow.commit()
        return result.text
