"""A session's transcript, asked for by its client: where the adapter reads the room from,
the PDF made in memory (with ``core.receipts``' fonts), and its delivery to the client. The
file is kept only until delivered (``retention.forget`` deletes it then).

The PDF and its file name are in the client's language, with dates written for their locale,
whoever's language the request was answered in: it is delivered to them.

The PDF names people as the room knew them: the advisor by their display name, the client by
the name their advisor sees. The room's messages hold the platform's mention codes
(``<@1577543768876253191> has joined``); those become the same names, or neutral words for
anyone or anything else, so no code reaches the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from fpdf import FPDF
from sqlalchemy import ColumnElement, String, cast, literal

from core import i18n, outbox
from core.errors import Conflict, NotFound, ValidationFailed
from core.lifecycle.context import Lifecycle, lock
from core.lifecycle.people import read_people, when
from core.lifecycle.presses import RoomAction, check_press
from core.models.sessions import AdviceSession, TranscriptFile
from core.outbox import Audience, DocumentRef
from core.receipts import ReceiptFonts, add_fonts
from core.scheduling import local_day
from core.texts import rooms as r
from core.texts import sessions as t


@dataclass(frozen=True, slots=True)
class TranscriptSource:
    """Where to read a transcript from, and how to name its authors."""

    session_id: int
    channel_id: int
    client_user_id: int
    advisor_user_id: int | None
    advisor_name: str
    client_name: str
    title: str
    starts_at: datetime
    client_zone: str
    client_locale: str = "en_US"  # the PDF and its name are in the client's language


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    at: datetime
    author_user_id: int
    text: str


async def transcript_source(life: Lifecycle, session_id: int, user_id: int) -> TranscriptSource:
    """Where the adapter reads the conversation from, if the client may have it now."""
    await check_press(life, session_id, user_id, RoomAction.TRANSCRIPT)
    async with life.db.uow() as uow:
        s = await uow.session.get(AdviceSession, session_id)
        assert s is not None
        if s.channel_id is None or s.deleted_at is not None:
            raise Conflict(r.ROOM_DELETED())
        if s.transcript_requested_at is not None:
            raise Conflict(r.TRANSCRIPT_ALREADY_SENT())
        people = await read_people(uow, s)
        with i18n.speaking(people.client_locale):
            title = r.TITLE(offer_name=people.offer_name, advisor_name=people.advisor_name)
        return TranscriptSource(
            session_id=s.id,
            channel_id=s.channel_id,
            client_user_id=user_id,
            advisor_user_id=s.advisor_user_id,
            advisor_name=people.advisor_name,
            client_name=people.client_name,
            title=title,
            starts_at=s.starts_at,
            client_zone=people.client_zone,
            client_locale=people.client_locale,
        )


async def send_transcript(
    life: Lifecycle, source: TranscriptSource, lines: Sequence[TranscriptLine]
) -> str:
    """Render the PDF and queue it for the client. It is stored only until delivered (the
    tick deletes it then); the room itself keeps its deletion date."""
    now = life.clock.now()
    pdf = render_transcript(source, lines, life.fonts, now)
    async with life.db.uow() as uow:
        s = await lock(uow, source.session_id)
        if s is None:
            raise NotFound(r.NO_SUCH_SESSION())
        if s.transcript_requested_at is not None:
            raise Conflict(r.TRANSCRIPT_ALREADY_SENT())
        s.transcript_requested_at = now
        with i18n.speaking(source.client_locale):
            filename = r.TRANSCRIPT_FILENAME(date=_local_date(s.starts_at, source.client_zone))
        file = TranscriptFile(
            session_id=s.id, client_id=s.client_id, filename=filename, pdf=pdf, created_at=now
        )
        uow.session.add(file)
        await uow.session.flush()
        await outbox.enqueue(
            uow,
            audience=Audience.CLIENT,
            kind="transcript",
            client_id=s.client_id,
            text=outbox.words(t.TRANSCRIPT_DELIVERED),
            document=DocumentRef("transcript", file.id, filename),
            data={"session_id": s.id},
            dedupe_key=transcript_key(file.id),
            now=now,
        )
        await uow.commit()
    return r.TRANSCRIPT_SENT()


def _local_date(moment: datetime, zone: str) -> str:
    """``2026-11-24``: the session's date as the client lived it (UTC's if their zone is bad)."""
    try:
        return local_day(moment, zone).isoformat()
    except ValidationFailed:
        return local_day(moment, "UTC").isoformat()


def transcript_key(file_id: int) -> str:
    """The outbox dedupe key of a transcript's delivery."""
    return f"transcript:{file_id}"


def transcript_key_expr() -> ColumnElement[str]:
    """:func:`transcript_key` of each ``TranscriptFile`` row, in SQL."""
    return literal("transcript:") + cast(TranscriptFile.id, String)


def render_transcript(
    source: TranscriptSource,
    lines: Sequence[TranscriptLine],
    fonts: ReceiptFonts | None,
    now: datetime,
) -> bytes:
    """A plain PDF of the conversation, made in memory: who wrote what, and when; in the
    client's language."""
    with i18n.speaking(source.client_locale):
        return _render(source, lines, fonts, now)


def _render(
    source: TranscriptSource,
    lines: Sequence[TranscriptLine],
    fonts: ReceiptFonts | None,
    now: datetime,
) -> bytes:
    zone, locale = source.client_zone, source.client_locale

    def author(uid: int) -> str:
        if uid == source.client_user_id:
            return source.client_name
        if uid == source.advisor_user_id:
            return source.advisor_name
        return r.TRANSCRIPT_BOT()

    entries = [
        (
            r.TRANSCRIPT_ENTRY(
                author=author(line.author_user_id), when=when(line.at, zone, locale)
            ),
            readable(line.text, source),
        )
        for line in lines
    ]
    heading = r.TRANSCRIPT_HEADING(title=source.title)
    subtitle = r.TRANSCRIPT_SUBTITLE(
        starts=when(source.starts_at, zone, locale), made=when(now, zone, locale)
    )
    text = " ".join([heading, subtitle, *(a + b for a, b in entries)])
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=18)
    add_fonts(pdf, text, fonts)
    pdf.set_creation_date(now)
    pdf.set_title(heading)
    pdf.set_author("Pathwise")
    pdf.add_page()
    pdf.set_font("DejaVuSans", "B", 14)
    pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVuSans", "", 9)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _write_entries(pdf, entries)
    return bytes(pdf.output())


# Discord's markup for a user (<@id>, <@!id>), a role (<@&id>), a channel (<#id>), a custom
# emoji (<:name:id>, <a:name:id>), a timestamp (<t:unix> or <t:unix:style>) and a slash
# command (</name:id>).
_MARKUP: Final = re.compile(
    r"<(?:@!?(?P<user>\d+)|@&(?P<role>\d+)|#(?P<channel>\d+)|a?:(?P<emoji>\w+):\d+"
    r"|t:(?P<unix>-?\d{1,12})(?::[tTdDfFR])?|/(?P<command>[\w -]+):\d+)>"
)


def readable(text: str, source: TranscriptSource) -> str:
    """``text`` with its mention codes written out: the two people by name, anyone or
    anything else in neutral words."""

    def word(match: re.Match[str]) -> str:
        if match["user"] is not None:
            uid = int(match["user"])
            if uid == source.client_user_id:
                return source.client_name
            if uid == source.advisor_user_id:
                return source.advisor_name
            return r.TRANSCRIPT_SOMEONE()
        if match["role"] is not None:
            return r.TRANSCRIPT_A_ROLE()
        if match["channel"] is not None:
            if int(match["channel"]) == source.channel_id:
                return r.TRANSCRIPT_THIS_ROOM()
            return r.TRANSCRIPT_A_CHANNEL()
        if match["emoji"] is not None:
            return f":{match['emoji']}:"
        if match["unix"] is not None:
            try:
                moment = datetime.fromtimestamp(int(match["unix"]), UTC)
            except (OverflowError, OSError, ValueError):
                return r.TRANSCRIPT_A_TIME()
            return when(moment, source.client_zone, source.client_locale)
        return f"/{match['command']}"

    return _MARKUP.sub(word, text)


def _write_entries(pdf: FPDF, entries: Sequence[tuple[str, str]]) -> None:
    if not entries:
        pdf.set_font("DejaVuSans", "", 11)
        pdf.multi_cell(0, 6, r.TRANSCRIPT_EMPTY())
    for label, body in entries:
        pdf.set_font("DejaVuSans", "B", 9)
        pdf.multi_cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVuSans", "", 11)
        pdf.multi_cell(0, 6, body or r.TRANSCRIPT_ATTACHMENT(), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
