"""The room's texts and the join steps, put together from ``core.texts`` for one session."""

from __future__ import annotations

from core import linking
from core.config import Settings
from core.lifecycle.people import People
from core.texts import rooms as r
from core.texts import sessions as t


def guidelines(settings: Settings) -> tuple[str, ...]:
    """What the welcome message asks of both people."""
    return (
        r.GUIDELINE_PRIVATE(),
        r.GUIDELINE_NO_RECORD(),
        r.GUIDELINE_NOT_ADVICE(),
        r.GUIDELINE_KIND(),
        r.GUIDELINE_RETENTION(hours=settings.channel_retention_hours),
    )


def closing_text(settings: Settings, people: People) -> str:
    """The words posted as the room becomes read-only."""
    return r.CLOSING(
        hours=settings.channel_retention_hours,
        client_name=people.client_name,
        advisor_name=people.advisor_name,
        guarantee_hours=settings.guarantee_window_hours,
    )


def join_steps(invite: str | None, code: str | None, settings: Settings) -> str:
    """How a client not yet on the rooms' platform gets in, as a paragraph to append."""
    if invite is None or code is None:
        return ""
    steps = t.JOIN_STEPS(
        invite=invite, code=linking.format_code(code), minutes=settings.link_code_ttl_minutes
    )
    return "\n\n" + steps


def warning_text(minutes_left: int) -> str:
    """“10 minutes left”, with a word fitting how much time is left."""
    if minutes_left > 2:
        return r.WARNING_NEXT_STEP(minutes=minutes_left)
    return r.WARNING_WRAP_UP(minutes=minutes_left)
