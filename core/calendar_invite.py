"""A live session as a calendar file (.ics, RFC 5545, made with the icalendar library): start
and end, how to join, the change rule. Sent to the client once the session is paid, in their
language and locale (``Client.locale``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from core import i18n
from core.config import Settings
from core.models import Booking
from core.scheduling.formatting import format_slot
from core.texts import calendar as t

PRODID = "-//Pathwise//Sessions//EN"


def filename(booking: Booking, locale: str | None = None) -> str:
    """The attachment's name in ``locale``'s language (by default the language of the
    moment), e.g. ``Pathwise-session-2026-11-25.ics``, ``Pathwise-sesion-2026-11-25.ics``."""
    day = booking.starts_at.date().isoformat() if booking.starts_at else str(booking.id)
    with i18n.speaking(locale or i18n.current()):
        return t.FILENAME(date=day)


def session_invite(booking: Booking, settings: Settings, now: datetime) -> bytes:
    """The booking's calendar file; its ``offer``, ``advisor`` and ``client`` loaded. The UID
    stays the same for the booking, so a calendar updates the event rather than adding one.
    Written in the client's language, whoever asks for it."""
    if booking.starts_at is None or booking.ends_at is None:
        raise ValueError("only a live session has a time for the calendar")
    locale = i18n.locale_for(booking.client.locale if booking.client is not None else None)
    with i18n.speaking(locale) as language:
        return _invite(booking, settings, now, locale, language)


def _invite(
    booking: Booking, settings: Settings, now: datetime, locale: str, language: str
) -> bytes:
    assert booking.starts_at is not None and booking.ends_at is not None
    advisor = booking.advisor.display_name
    zone = booking.client.timezone if booking.client is not None else "UTC"
    deadline = booking.starts_at - timedelta(hours=settings.free_cancel_hours)
    hours = settings.guarantee_window_hours
    changes = (
        t.EVENT_CHANGES(
            until=format_slot(deadline, zone, locale), zone=zone, bot=settings.bot_url, hours=hours
        )
        if deadline > now
        else t.EVENT_CHANGES_PASSED(hours=hours)
    )
    event = Event()
    event.add("uid", f"booking-{booking.id}@pathwise")
    event.add("dtstamp", now)
    event.add("dtstart", booking.starts_at)
    event.add("dtend", booking.ends_at)
    # The language of the words, for calendars that show or read them (RFC 5545 LANGUAGE).
    words = {"LANGUAGE": language}
    event.add("summary", t.EVENT_TITLE(offer=booking.offer.name, advisor=advisor), words)
    event.add("location", t.EVENT_LOCATION(), words)
    event.add(
        "description",
        "\n\n".join(
            [
                t.EVENT_WHAT(advisor=advisor),
                t.EVENT_JOIN(opens=settings.channel_open_minutes_before),
                changes,
            ]
        ),
        words,
    )
    event.add("url", settings.bot_url)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
