"""Issue 18: what Pathwise sends on its own (a Stripe webhook, the sessions tick) reads in its
reader's language, not the language of whatever queued it: a Spanish-speaking client gets
Spanish messages, receipts, credit notes and calendar files, with Spanish dates and amounts;
the English advisor of the same booking gets English; the team reads its team_language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core import i18n
from core.billing import Billing
from core.clock import ManualClock
from core.db import Database
from core.documents import load_document
from core.models import Advisor, Client
from core.models.billing import Receipt
from core.outbox import DocumentRef
from core.receipts import render_payload
from tests.support.billing import (
    BUYER,
    World,
    billing_settings,
    booking_of,
    fonts,
    make_billing,
    outbox_rows,
    pay,
    receipt_text,
    seed,
)
from tests.support.sessions import MIN, SessionStage, messages, the_session

# The seeded booking: Tue 24 Nov 2026 09:00 UTC, 10:00 in Madrid where both people live.
SPANISH_WHEN = "mar 24 de nov de 2026, 10:00 (Europe/Madrid)"
ENGLISH_WHEN = "Tue 24 Nov 2026, 10:00 (Europe/Madrid)"
NBSP = "\u00a0"  # Spanish amounts keep the figure and the currency together: "63,49 US$"


async def _speaks(db: Database, client_id: int, locale: str) -> None:
    """The client's locale, as Telegram's language_code (or /language) set it."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(Client).where(Client.id == client_id).values(locale=locale)
        )
        await uow.commit()


async def _checkout_in_spanish(db: Database, billing: Billing, world: World) -> int:
    """A Spanish-speaking client's checkout, started from their own (Spanish) dialog: the
    purchase's id, not paid yet."""
    await _speaks(db, world.client_id, "es")
    with i18n.speaking("es"):
        checkout = await billing.start_checkout(world.booking_id, world.client_id)
    return checkout.purchase_id


async def _receipts(db: Database) -> list[Receipt]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(Receipt).order_by(Receipt.id)))


async def _text(db: Database, kind: str, **where: object) -> str:
    [row] = await outbox_rows(db, kind=kind, **where)
    return str(row.payload["text"])


async def test_a_spanish_client_paying_through_the_webhook_reads_spanish_and_the_advisor_english(
    db: Database, world: World, billing: Billing
) -> None:
    purchase_id = await _checkout_in_spanish(db, billing, world)

    result = await pay(billing, db, purchase_id)  # Stripe's webhook: no language of its own

    assert result.status == 200
    assert await _text(db, "receipt") == f"Aquí tienes tu recibo R-2026-000001 (63,49{NBSP}US$)."
    booked = await _text(db, "next_steps")
    assert booked.startswith(
        "Tu reserva está confirmada: sesión en vivo de 60 minutos con Ana Ruiz, "
        f"{SPANISH_WHEN}. Tu sala privada de Discord se abre 10 minutos antes del inicio"
    )
    assert f"(la comisión de gestión de 3,49{NBSP}US$ no es reembolsable)" in booked
    assert "You're booked" not in booked
    # The advisor (Advisor.locale en_US) reads the same payment in English, the offer too.
    to_advisor = await _text(db, "payment_received")
    assert to_advisor.startswith(
        f"New booking paid: 60-minute live session with {BUYER} on {ENGLISH_WHEN}. You earn $60.00"
    )


async def test_an_english_client_still_reads_english(
    db: Database, world: World, billing: Billing
) -> None:
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await pay(billing, db, checkout.purchase_id)

    assert await _text(db, "receipt") == "Your receipt R-2026-000001 ($63.49)."
    assert (await _text(db, "next_steps")).startswith(
        f"You're booked: 60-minute live session with Ana Ruiz, {ENGLISH_WHEN}."
    )


async def test_an_advisor_who_reads_spanish_gets_the_payment_in_spanish(
    db: Database, world: World, billing: Billing
) -> None:
    async with db.uow() as uow:
        await uow.session.execute(
            update(Advisor).where(Advisor.id == world.advisor_id).values(locale="es_ES")
        )
        await uow.commit()
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await pay(billing, db, checkout.purchase_id)

    to_advisor = await _text(db, "payment_received")
    assert to_advisor.startswith(
        f"Nueva reserva pagada: sesión en vivo de 60 minutos con {BUYER} el "
        f"{SPANISH_WHEN}. Recibirás 60,00{NBSP}US$"
    )
    # ... while the English client's own messages stay English.
    assert (await _text(db, "receipt")).startswith("Your receipt")


async def test_a_spanish_receipt_prints_spanish_labels_dates_and_amounts_the_same_every_time(
    db: Database, world: World, billing: Billing
) -> None:
    await pay(billing, db, await _checkout_in_spanish(db, billing, world))
    [receipt] = await _receipts(db)
    assert receipt.pdf is None  # not rendered yet: rendered from what was stored

    text = await receipt_text(db, receipt)

    for words in (
        "Recibo",
        "R-2026-000001",
        "Fecha",
        "23 de noviembre de 2026",  # issued Mon 23 Nov 2026, 09:00 UTC
        "Facturado a",
        BUYER,
        "Asesor",
        "Conceptos",
        "Descripción",
        "sesión en vivo de 60 minutos con Ana Ruiz",
        "24 de noviembre de 2026",  # the session's time under its line
        "60,00 US$",
        "Comisión de gestión (no reembolsable)",
        "3,49 US$",
        "63,49 US$",
    ):
        assert words in text, words
    for english in ("Receipt number", "Billed to", "Handling fee", "November", "$63.49"):
        assert english not in text, english
    # The same bytes from its stored content, in whatever language the renderer speaks.
    stored = (await _receipts(db))[0]
    assert stored.pdf is not None and stored.content is not None
    for ambient in ("en", "es"):
        with i18n.speaking(ambient):
            assert render_payload(stored.content, fonts()) == stored.pdf


async def test_a_spanish_guarantee_refund_is_told_and_credited_in_spanish(
    db: Database, clock: ManualClock, world: World, billing: Billing
) -> None:
    await pay(billing, db, await _checkout_in_spanish(db, billing, world))
    booking = await booking_of(db, world.booking_id)
    assert booking.ends_at is not None
    clock.set(booking.ends_at + timedelta(hours=1))

    await billing.request_refund(world.booking_id, world.client_id)

    to_client = await _text(db, "credit_note")
    assert to_client.startswith(
        "Hemos aplicado la garantía de devolución del dinero a tu sesión del "
        f"{SPANISH_WHEN}: tu reembolso de 60,00{NBSP}US$ está en camino a tu tarjeta"
    )
    assert to_client.endswith(f" La comisión de gestión de 3,49{NBSP}US$ no es reembolsable.")
    to_advisor = await _text(db, "refund_notice")
    assert "used the money-back guarantee" in to_advisor and "$60.00 was refunded" in to_advisor
    credit_note = next(r for r in await _receipts(db) if r.kind == "credit_note")
    text = await receipt_text(db, credit_note)
    for words in (
        "Nota de crédito",
        "Recibo original",
        "Motivo",
        "Garantía de devolución del dinero",
        "Reembolsado",
        "60,00 US$",
        "No reembolsado",
        "Comisión de gestión (no reembolsable)",
    ):
        assert words in text, words
    assert "Money-back guarantee" not in text and "Credit note" not in text
    # The files are named in Spanish too (ASCII, so every platform keeps the name as it is).
    receipt = next(r for r in await _receipts(db) if r.kind == "receipt")
    assert receipt.filename == "Pathwise-recibo-R-2026-000001.pdf"
    assert credit_note.filename == "Pathwise-nota-de-credito-CN-2026-000001.pdf"
    [note] = await outbox_rows(db, kind="credit_note")
    assert note.payload["document"]["filename"] == credit_note.filename


async def test_the_team_reads_its_own_language_and_the_client_theirs(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    world = await seed(db, clock.now())
    billing, _ = make_billing(db, billing_settings(database_url, team_language="es"), clock)
    await _speaks(db, world.client_id, "en_US")
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await pay(billing, db, checkout.purchase_id, amount_total=100)  # not what was asked

    to_team = await _text(db, "payment_problem", audience="admin")
    assert to_team.startswith(
        f"Pago pendiente de revisión: la compra #{checkout.purchase_id} (booking, reserva "
    )
    assert "NO se ha confirmado" in to_team
    to_client = await _text(db, "payment_problem", audience="client")
    assert to_client.startswith("We received your payment, but something about it")


async def test_the_team_reads_english_by_default(
    db: Database, world: World, billing: Billing
) -> None:
    checkout = await billing.start_checkout(world.booking_id, world.client_id)

    await pay(billing, db, checkout.purchase_id, amount_total=100)

    to_team = await _text(db, "payment_problem", audience="admin")
    assert to_team.startswith(f"Payment needs review: purchase #{checkout.purchase_id}")


async def test_the_calendar_file_is_in_the_clients_language(
    db: Database, world: World, billing: Billing
) -> None:
    await pay(billing, db, await _checkout_in_spanish(db, billing, world))
    [row] = await outbox_rows(db, kind="calendar")
    assert row.payload["text"].startswith("Aquí tienes la sesión para tu calendario")
    ref = row.payload["document"]

    async with db.uow() as uow:
        ics = await load_document(
            uow,
            DocumentRef(ref["kind"], ref["id"], ref["filename"]),
            settings=billing.settings,
            now=billing.clock.now(),
        )

    text = ics.decode().replace("\r\n ", "")  # unfolded
    assert "SUMMARY;LANGUAGE=es:sesión en vivo de 60 minutos con Ana Ruiz (Pathwise)" in text
    assert "LOCATION;LANGUAGE=es:Sala privada de Discord (enlace enviado por Telegram)" in text
    assert "with Ana Ruiz" not in text
    assert ref["filename"] == "Pathwise-sesion-2026-11-24.ics"


async def test_a_reminder_from_the_sessions_tick_is_in_the_clients_language(
    db: Database, clock: ManualClock, stage: SessionStage
) -> None:
    paid = await stage.book(starts_in=timedelta(days=3))
    await _speaks(db, paid.world.client_id, "es")
    s = await the_session(db)

    clock.set(s.starts_at - timedelta(hours=24) + MIN)
    assert (await stage.tick()).reminded == [s.id]

    [to_client] = await messages(db, "session_reminder", audience="client")
    [to_advisor] = await messages(db, "session_reminder", audience="advisor")
    # Thu 26 Nov 09:00 UTC is 10:00 in Madrid, where both live.
    assert to_client.payload["text"].startswith(
        "Recordatorio: tu sesión en vivo de 60 minutos con Ana Ruiz es mañana, el jue 26 de "
        "nov, 10:00 (tu hora)."
    )
    assert to_advisor.payload["text"].startswith(
        "Reminder: 60-minute live session with Zoë Łukasz 李雷 tomorrow, Thu 26 Nov, 10:00 "
        "your time."
    )
