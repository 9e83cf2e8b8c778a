"""PDF receipts and refund credit notes, made with fpdf2: data in, bytes out.

Billing allocates the numbers, gathers the data and stores the bytes; nothing here touches a
database, Stripe or a chat platform. Each document gets a fresh ``FPDF``.

Text is set in DejaVu Sans, cut down to the Latin scripts (``core/fonts/README.md``). A document
whose text needs more gets fallback fonts, and only then: the rest of DejaVu Sans (Greek,
Cyrillic, Armenian, Georgian), then WenQuanYi Micro Hei (Chinese, Japanese, Korean). fpdf2
embeds only the glyphs a document uses, but subsetting each embedded font costs time, so
fonts a document does not need stay out of it.

A long-lived process builds one :class:`ReceiptFonts` at start-up and passes it to every
render, which saves parsing the fonts for each document; without one, each render parses
what it uses. Both give the same bytes. Either way each document gets its own copy of each
font it embeds (see ``core.receipts.fonts``), made without ``FPDF.add_font`` so that the
parsing can be shared.

The package's modules: ``numbers`` (document numbers and file names), ``data`` (what billing
hands in), ``fonts`` (the bundled fonts), ``content`` (what a document says), ``layout``
(the PDF), ``payload`` (what a document prints, stored until it is rendered), ``tax`` (the tax
within each line).
"""

from __future__ import annotations

from core.receipts.content import format_when
from core.receipts.data import CreditNoteData, PaymentMethod, ReceiptData, ReceiptLine
from core.receipts.fonts import FONT_DIR, ReceiptFonts, add_fonts
from core.receipts.layout import render_credit_note, render_receipt
from core.receipts.numbers import (
    DocumentNumber,
    format_receipt_number,
    parse_receipt_number,
    receipt_filename,
)
from core.receipts.payload import document_payload, render_payload
from core.receipts.tax import Tax

__all__ = [
    "FONT_DIR",
    "CreditNoteData",
    "DocumentNumber",
    "PaymentMethod",
    "ReceiptData",
    "ReceiptFonts",
    "ReceiptLine",
    "Tax",
    "add_fonts",
    "document_payload",
    "format_receipt_number",
    "format_when",
    "parse_receipt_number",
    "receipt_filename",
    "render_credit_note",
    "render_payload",
    "render_receipt",
]
