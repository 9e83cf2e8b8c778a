"""Documents that notifications refer to (receipts, credit notes, transcripts), loaded at
delivery time."""

from __future__ import annotations

from core.db import UnitOfWork
from core.errors import NotFound
from core.models.billing import Receipt
from core.outbox import DocumentRef


async def load_document(uow: UnitOfWork, ref: DocumentRef) -> bytes:
    """The bytes of the document ``ref`` names."""
    if ref.kind == "transcript":
        # Kept only until delivered; core.sessions' tick deletes it afterwards.
        from core.sessions import load_transcript

        return await load_transcript(uow, ref.id)
    if ref.kind != "receipt":
        raise NotFound(f"unknown document kind {ref.kind!r}")
    receipt = await uow.session.get(Receipt, ref.id)
    if receipt is None:
        raise NotFound(f"no receipt {ref.id}")
    return receipt.pdf
