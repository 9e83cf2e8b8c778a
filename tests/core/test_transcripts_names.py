"""A transcript the client asks for names people as the room knew them, and prints none of the
platform's mention codes: the PDF read back with pypdf, line by line."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from core.db import Database
from core.documents import load_document
from core.lifecycle.transcripts import TranscriptSource, readable
from core.models import Client
from core.outbox import DocumentRef
from core.sessions import TranscriptLine
from core.texts import rooms as r
from tests.support.billing import BUYER
from tests.support.sessions import (
    ADVISOR_DISCORD,
    CLIENT_DISCORD,
    MIN,
    FakeRoom,
    Paid,
    SessionStage,
    messages,
    the_session,
)

BOT_DISCORD = 333_000_000_000_000_333
STRANGER = 1_577_543_768_876_253_191
ROLE = 444_000_000_000_000_444
CHOSEN = "Quiet Harbor"  # the name the client chose for their advisor to see


def lines_of(pdf: bytes) -> list[str]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "\n".join(page.extract_text() for page in pages)
    return [" ".join(line.split()) for line in text.splitlines()]


def a_source(**changes: object) -> TranscriptSource:
    fields: dict[str, object] = {
        "session_id": 1,
        "channel_id": 555,
        "client_user_id": CLIENT_DISCORD,
        "advisor_user_id": ADVISOR_DISCORD,
        "advisor_name": "Ana Ruiz",
        "client_name": CHOSEN,
        "title": "60-minute live session with Ana Ruiz",
        "starts_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "client_zone": "Europe/Madrid",
    }
    fields.update(changes)
    return TranscriptSource(**fields)  # type: ignore[arg-type]


async def test_the_pdf_names_both_people_and_writes_out_every_mention(
    db: Database, stage: SessionStage, a_paid_booking: Paid, a_session_under_way: FakeRoom
) -> None:
    async with db.uow() as uow:
        client = await uow.session.get(Client, a_paid_booking.world.client_id)
        assert client is not None
        client.advisor_name = CHOSEN
        await uow.commit()
    s = await the_session(db)
    stage.clock.set(s.ends_at)
    await stage.tick()
    source = await stage.service.transcript_source(s.id, CLIENT_DISCORD)
    channel = a_session_under_way.channel_id
    said = [
        (BOT_DISCORD, r.JOINED(mention=f"<@{CLIENT_DISCORD}>")),
        (BOT_DISCORD, r.JOINED(mention=f"<@!{ADVISOR_DISCORD}>")),
        (CLIENT_DISCORD, f"Hello <@{ADVISOR_DISCORD}>, I feel stuck at work."),
        (ADVISOR_DISCORD, f"Welcome <@{CLIENT_DISCORD}>. This is <#{channel}>, just us two."),
        (CLIENT_DISCORD, f"Should I ask <@&{ROLE}> or <@{STRANGER}> in <#{channel + 1}>?"),
    ]
    lines = [TranscriptLine(s.starts_at + i * MIN, uid, text) for i, (uid, text) in enumerate(said)]
    await stage.service.send_transcript(source, lines)

    [message] = await messages(db, "transcript")
    async with db.uow() as uow:
        pdf = await load_document(uow, DocumentRef(**message.payload["document"]))
    printed = lines_of(pdf)
    text = "\n".join(printed)

    assert f"{CHOSEN} has joined. Welcome!" in printed
    assert "Ana Ruiz has joined. Welcome!" in printed
    assert "Hello Ana Ruiz, I feel stuck at work." in printed
    assert f"Welcome {CHOSEN}. This is this room, just us two." in printed
    assert "Should I ask a group or someone in another channel?" in printed
    # Each entry is labelled with its author: the client by the name their advisor sees.
    labels = [line.split(" · ")[0] for line in printed if " · " in line]
    assert labels[:5] == ["Pathwise", "Pathwise", CHOSEN, "Ana Ruiz", CHOSEN]
    assert "<@" not in text and "<#" not in text and str(STRANGER) not in text
    assert str(CLIENT_DISCORD) not in text and str(ADVISOR_DISCORD) not in text
    assert BUYER not in text  # the client's own platform name stays out


def test_every_form_of_mention_code_becomes_a_name_or_a_neutral_word() -> None:
    source = a_source()
    assert readable(f"<@{CLIENT_DISCORD}> has joined", source) == f"{CHOSEN} has joined"
    assert readable(f"<@!{ADVISOR_DISCORD}>!", source) == "Ana Ruiz!"
    assert readable(f"<@{STRANGER}> has joined", source) == "someone has joined"
    assert readable(f"ask <@&{ROLE}>", source) == "ask a group"
    assert readable("see <#555> and <#556>", source) == "see this room and another channel"
    assert readable("nice <:tada:123456789012345678> <a:wave:1>", source) == "nice :tada: :wave:"
    assert readable("use </transcript:123>", source) == "use /transcript"
    # A Discord timestamp is written in the client's zone, as every time in the transcript is.
    assert readable("at <t:1795510800:F>", source) == "at Tue 24 Nov, 10:00"
    assert readable("at <t:1795510800>", source) == "at Tue 24 Nov, 10:00"
    assert readable("at <t:999999999999:R>", source) == "at a time"


def test_text_that_only_looks_like_a_code_is_left_as_written() -> None:
    source = a_source()
    for text in ("a <b> c", "<@>", "<@abc>", "1 < 2 > 0", "<#general>", "email <me@x.org>"):
        assert readable(text, source) == text


def test_an_account_not_known_as_the_advisor_is_not_given_the_advisors_name() -> None:
    source = a_source(advisor_user_id=None)
    assert readable(f"<@{ADVISOR_DISCORD}> hi", source) == "someone hi"
    assert readable(f"<@{CLIENT_DISCORD}> hi", source) == f"{CHOSEN} hi"


async def test_the_file_is_named_for_the_sessions_date_in_the_clients_zone(
    db: Database, stage: SessionStage, a_paid_booking: Paid, a_session_under_way: FakeRoom
) -> None:
    s = await the_session(db)
    async with db.uow() as uow:
        client = await uow.session.get(Client, a_paid_booking.world.client_id)
        assert client is not None
        client.timezone = "Pacific/Pago_Pago"  # UTC−11: still the day before UTC's
        await uow.commit()
    stage.clock.set(s.ends_at)
    await stage.tick()
    source = await stage.service.transcript_source(s.id, CLIENT_DISCORD)
    await stage.service.send_transcript(source, [])
    [message] = await messages(db, "transcript")
    local = s.starts_at.astimezone(ZoneInfo("Pacific/Pago_Pago")).date()
    assert local != s.starts_at.date()
    assert message.payload["document"]["filename"] == f"Pathwise-transcript-{local:%Y-%m-%d}.pdf"


async def test_a_spanish_clients_transcript_and_its_name_are_in_spanish(
    db: Database, stage: SessionStage, a_paid_booking: Paid, a_session_under_way: FakeRoom
) -> None:
    """Asked for in whatever language the press was answered in (here the default, English),
    the PDF goes to the client: it is in their language, its dates written for their locale."""
    s = await the_session(db)
    async with db.uow() as uow:
        client = await uow.session.get(Client, a_paid_booking.world.client_id)
        assert client is not None
        client.locale = "es_ES"
        await uow.commit()
    stage.clock.set(s.ends_at)
    await stage.tick()
    source = await stage.service.transcript_source(s.id, CLIENT_DISCORD)
    said = [(CLIENT_DISCORD, f"Hola <@{ADVISOR_DISCORD}>, ¿nos vemos <t:1795510800:F>?")]
    lines = [TranscriptLine(s.starts_at + MIN, uid, text) for uid, text in said]
    await stage.service.send_transcript(source, lines)

    [message] = await messages(db, "transcript")
    document = message.payload["document"]
    local = s.starts_at.astimezone(ZoneInfo("Europe/Madrid")).date()
    assert document["filename"] == f"Pathwise-transcripcion-{local:%Y-%m-%d}.pdf"
    async with db.uow() as uow:
        pdf = await load_document(uow, DocumentRef(**document))
    printed = lines_of(pdf)
    text = " ".join(printed)
    assert "Transcripción: sesión en vivo de 60 minutos con Ana Ruiz" in text
    assert "(tu hora). Generada el " in text
    assert "Hola Ana Ruiz, ¿nos vemos mar 24 de nov, 10:00?" in printed
    assert "Session of" not in text and "Tue " not in text
    assert PdfReader(io.BytesIO(pdf)).metadata.title.startswith("Transcripción: ")  # type: ignore[union-attr]
