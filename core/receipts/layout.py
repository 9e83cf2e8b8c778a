"""The layout: a fresh FPDF per document, its header and footer, tables and notes."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Final

from fpdf import FPDF
from fpdf.enums import CellBordersLayout
from fpdf.fonts import FontFace
from fpdf.table import Table

from core.pdf_subsets import SubsetCachingPDF
from core.receipts.content import (
    Document,
    Section,
    credit_note_document,
    receipt_document,
)
from core.receipts.data import CreditNoteData, ReceiptData
from core.receipts.fonts import FAMILY, ReceiptFonts, add_fonts

# Layout: the page margin in millimetres; text and rule colours as RGB.
_MARGIN: Final = 18.0
GREY: Final = (100, 100, 100)  # labels, headings and small print
RULE: Final = (190, 190, 190)  # the lines between rows

# -- layout -------------------------------------------------------------------------------


class _DocumentPDF(SubsetCachingPDF):
    """An A4 page with the platform's letterhead on top and the number and page at the foot."""

    def __init__(self, document: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)

    def header(self) -> None:
        """Platform name and address on the left, the document's title and number on the right."""
        doc = self.document
        top = self.get_y()
        half = self.epw / 2
        self.set_font(FAMILY, "B", 16)
        self.cell(half, 8, doc.platform_name)
        self.cell(half, 8, doc.title, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FAMILY, "", 9)
        self.set_text_color(*GREY)
        letterhead = "\n".join([doc.platform_address, *doc.platform_numbers])
        self.multi_cell(half * 1.2, 4.5, letterhead, align="L", new_x="LMARGIN")
        below_address = self.get_y()
        self.set_xy(self.l_margin + half, top + 8)
        self.cell(half, 4.5, doc.number, align="R")
        self.set_text_color(0)
        self.set_draw_color(*RULE)
        y = max(below_address, top + 13) + 3
        self.line(self.l_margin, y, self.l_margin + self.epw, y)
        self.set_y(y + 6)

    def footer(self) -> None:
        """The number and the page, so a printed page can be matched to its document."""
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        self.cell(
            0, 5, self.document.footer(str(self.page_no()), self.str_alias_nb_pages), align="C"
        )
        self.set_text_color(0)


def _render(document: Document, fonts: ReceiptFonts | None) -> bytes:
    """Lay out a document on a fresh FPDF and return the PDF's bytes."""
    pdf = _DocumentPDF(document)
    add_fonts(pdf, document.text(), fonts)
    # Same data, same bytes: the creation date is the issue date, never "now".
    pdf.set_creation_date(document.issued_at)
    pdf.set_title(f"{document.title} {document.number}")
    pdf.set_author(document.platform_name)
    pdf.set_lang(document.language)
    pdf.add_page()
    _facts(pdf, document.facts)
    for section in document.sections:
        _section_table(pdf, section, document.headings)
    _notes(pdf, document.notes)
    return pdf.output_pdf()


def _facts(pdf: FPDF, facts: tuple[tuple[str, str], ...]) -> None:
    """Number, date, buyer, advisor...: labels in grey, values beside them."""
    pdf.set_font(FAMILY, "", 10)
    label_width = 42.0
    for label, value in facts:
        pdf.set_text_color(*GREY)
        pdf.cell(label_width, 5.5, label)
        pdf.set_text_color(0)
        # A long value (a reason, an odd name) wraps within its column.
        pdf.multi_cell(pdf.epw - label_width, 5.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def ruled_table(
    pdf: FPDF, col_widths: tuple[float, ...], text_align: tuple[str, ...]
) -> AbstractContextManager[Table]:
    """A table as the documents draw them: the page's width, a rule above each row, grey bold
    headings, text from the top of each cell (receipts, credit notes and statements)."""
    pdf.set_draw_color(*RULE)
    return pdf.table(
        col_widths=col_widths,
        width=pdf.epw,
        text_align=text_align,
        borders_layout="SINGLE_TOP_LINE",
        headings_style=FontFace(emphasis="BOLD", color=GREY, size_pt=9),
        line_height=5.5,
        padding=(1.5, 1),
        v_align="TOP",
    )


def _section_table(pdf: FPDF, section: Section, headings: tuple[str, str]) -> None:
    """A heading, then the rows with their amounts right-aligned, then the total in bold."""
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    detail_style = FontFace(color=GREY, size_pt=8.5)
    with ruled_table(pdf, (134, 40), ("LEFT", "RIGHT")) as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for item in section.rows:
            row = table.row()
            row.cell(item.label)
            row.cell(item.amount)
            if item.detail:
                # The detail sits close under its line, small and grey.
                detail = table.row()
                detail.cell(item.detail, style=detail_style, padding=(0, 1, 1.5, 1))
                detail.cell("", padding=(0, 1, 1.5, 1))
        if section.total is not None:
            total_style = FontFace(emphasis="BOLD", size_pt=11)
            row = table.row()
            for text in (section.total.label, section.total.amount):
                row.cell(
                    text, style=total_style, padding=(2.5, 1, 1.5, 1), border=CellBordersLayout.TOP
                )
            if section.total.detail:
                detail = table.row()
                detail.cell(section.total.detail, style=detail_style, padding=(0, 1, 1.5, 1))
                detail.cell("", padding=(0, 1, 1.5, 1))
    pdf.ln(6)


def _notes(pdf: FPDF, notes: tuple[str, ...]) -> None:
    """Short print under the tables: the guarantee, where a refund goes."""
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*GREY)
    for note in notes:
        pdf.multi_cell(0, 4.5, note, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_text_color(0)


# -- the public renderers -----------------------------------------------------------------


def render_receipt(data: ReceiptData, fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF receipt of one purchase."""
    return _render(receipt_document(data), fonts)


def render_credit_note(data: CreditNoteData, fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF credit note of one refund."""
    return _render(credit_note_document(data), fonts)
