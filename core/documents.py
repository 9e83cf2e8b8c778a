"""Documents that notifications refer to (receipts, credit notes, transcripts), loaded at
delivery time; and receipts' PDFs.

A receipt is numbered, and what it prints stored, in the payment's transaction; its PDF is
rendered when it is first read: by the outbox delivery sending it, by the client asking for
it, or by the sessions tick, whichever comes first, always with the same bytes. So neither
Stripe's webhook nor the receipt-number counter ever waits on fpdf2, and a process that stops
in between loses nothing. Rendering runs in a worker thread, so a bot's event loop keeps
answering people meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from core.calendar_invite import session_invite
from core.config import Settings
from core.db import Database, UnitOfWork
from core.errors import NotFound
from core.models import Booking
from core.models.billing import Receipt
from core.models.sessions import TranscriptFile
from core.outbox import DocumentRef
from core.receipts import ReceiptFonts, render_payload
from core.texts.rooms import TRANSCRIPT_GONE

log = logging.getLogger(__name__)

RENDER_BATCH = 50  # documents rendered per call of render_missing_receipts


async def load_document(
    uow: UnitOfWork,
    ref: DocumentRef,
    fonts: ReceiptFonts | None = None,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> bytes:
    """The bytes of the document ``ref`` names; a receipt's PDF is rendered (and written in
    ``uow``, if its caller commits) if nobody has yet."""
    if ref.kind == "transcript":
        # Kept only until delivered; the sessions tick deletes it afterwards.
        transcript = await uow.session.get(TranscriptFile, ref.id)
        if transcript is None:
            raise NotFound(TRANSCRIPT_GONE())
        return transcript.pdf
    if ref.kind == "calendar":
        if settings is None or now is None:
            raise NotFound("a calendar file is made with the settings and the time")
        return await _calendar_file(uow, ref.id, settings, now)
    if ref.kind != "receipt":
        raise NotFound(f"unknown document kind {ref.kind!r}")
    receipt = await uow.session.get(Receipt, ref.id)
    if receipt is None:
        raise NotFound(f"no receipt {ref.id}")
    return await receipt_pdf(uow, receipt, fonts)


async def _calendar_file(
    uow: UnitOfWork, booking_id: int, settings: Settings, now: datetime
) -> bytes:
    """A live session's calendar file, made from the booking as it stands now."""
    booking = await uow.session.get(
        Booking,
        booking_id,
        options=[
            selectinload(Booking.offer),
            selectinload(Booking.advisor),
            selectinload(Booking.client),
        ],
    )
    if booking is None or booking.starts_at is None:
        raise NotFound(f"no live booking {booking_id}")
    return session_invite(booking, settings, now)


async def _render(content: dict[str, Any], fonts: ReceiptFonts | None) -> bytes:
    """fpdf2's work, in a worker thread (shared fonts are safe across threads)."""
    return await asyncio.to_thread(render_payload, content, fonts)


async def receipt_pdf(
    uow: UnitOfWork, receipt: Receipt, fonts: ReceiptFonts | None = None
) -> bytes:
    """A receipt's PDF; rendered now (and written in ``uow``, if its caller commits) if this
    is its first reader."""
    if receipt.pdf is not None:
        return receipt.pdf
    if receipt.content is None:
        raise NotFound(f"receipt {receipt.number} has neither a PDF nor its content")
    pdf = await _render(receipt.content, fonts)
    await uow.session.execute(
        update(Receipt)
        .where(Receipt.id == receipt.id, Receipt.pdf.is_(None))
        .values(pdf=pdf)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(receipt, "pdf", pdf)
    return pdf


async def render_receipt_pdf(db: Database, receipt_id: int, fonts: ReceiptFonts | None) -> bool:
    """Render one stored document whose PDF is missing, outside any transaction, and store it
    in a short one. False if it was rendered already (by another worker, say)."""
    async with db.uow() as uow:
        content = await uow.session.scalar(
            select(Receipt.content).where(Receipt.id == receipt_id, Receipt.pdf.is_(None))
        )
    if content is None:
        return False
    pdf = await _render(content, fonts)
    async with db.uow() as uow:
        result = await uow.session.execute(
            update(Receipt)
            .where(Receipt.id == receipt_id, Receipt.pdf.is_(None))
            .values(pdf=pdf)
            .execution_options(synchronize_session=False)
        )
        await uow.commit()
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def render_receipts(
    db: Database, receipt_ids: Iterable[int], fonts: ReceiptFonts | None
) -> list[int]:
    """Render these documents' PDFs; the ids rendered. A failure is logged and left for the
    next tick or the first reader: the payment stands."""
    done = []
    for receipt_id in receipt_ids:
        try:
            if await render_receipt_pdf(db, receipt_id, fonts):
                done.append(receipt_id)
        except Exception:
            log.exception("receipt %s: rendering failed; retried by the tick", receipt_id)
    return done


async def render_missing_receipts(
    db: Database, fonts: ReceiptFonts | None, limit: int = RENDER_BATCH
) -> list[int]:
    """Documents numbered but not yet read by anyone: render them, oldest first."""
    async with db.uow() as uow:
        ids = list(
            await uow.session.scalars(
                select(Receipt.id).where(Receipt.pdf.is_(None)).order_by(Receipt.id).limit(limit)
            )
        )
    return await render_receipts(db, ids, fonts)
