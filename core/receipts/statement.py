"""An advisor's monthly statement as a PDF: per booking its gross, refunds, commission and
net, then the totals; words in the advisor's language, amounts and dates in their locale.

The fonts are the receipts' (``core.receipts.fonts``), fallbacks only when a name needs them;
the page is A4 landscape, so six columns read at a normal size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from fpdf.enums import CellBordersLayout
from fpdf.fonts import FontFace

from core import i18n
from core.money import Money
from core.pdf_subsets import SubsetCachingPDF
from core.receipts.fonts import FAMILY, ReceiptFonts, add_fonts
from core.receipts.layout import GREY, RULE, ruled_table
from core.texts import statements as t

_MARGIN: Final = 15.0
_COLUMNS: Final = (89.0, 38.0, 35.0, 35.0, 35.0, 35.0)  # booking, date, then the 4 amounts


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One booking: what its client paid (service and tips), what went back, the platform's
    commission and what is the advisor's, in minor units of ``currency``."""

    booking_id: int
    description: str
    paid_on: str  # the day its payment was made, formatted in the advisor's locale
    currency: str
    gross_minor: int
    refunded_minor: int
    commission_minor: int
    net_minor: int


@dataclass(frozen=True, slots=True)
class StatementTotals:
    currency: str
    gross_minor: int
    refunded_minor: int
    commission_minor: int
    net_minor: int


@dataclass(frozen=True, slots=True)
class StatementData:
    """What a monthly statement prints."""

    platform_name: str
    advisor_name: str
    month: str  # "November 2026", in the advisor's language
    month_key: str  # "2026-11"
    issued_on: str
    issued_at: datetime
    timezone: str
    locale: str
    rows: tuple[StatementRow, ...]
    totals: tuple[StatementTotals, ...]  # one per currency

    def amounts(self, row: StatementRow | StatementTotals) -> tuple[str, str, str, str]:
        def fmt(minor: int) -> str:
            return Money(minor, row.currency).format(self.locale)

        return (
            fmt(row.gross_minor),
            fmt(row.refunded_minor),
            fmt(row.commission_minor),
            fmt(row.net_minor),
        )


class _StatementPDF(SubsetCachingPDF):
    def __init__(self, data: StatementData) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.data = data
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN + 5)

    def header(self) -> None:
        self.set_font(FAMILY, "B", 16)
        half = self.epw / 2
        self.cell(half, 8, self.data.platform_name)
        self.cell(half, 8, f"{t.PDF_TITLE()} {self.data.month}", align="R")
        self.ln(10)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*GREY)
        words = t.PDF_FOOTER(
            title=t.PDF_TITLE(),
            month=self.data.month,
            page=str(self.page_no()),
            pages=self.str_alias_nb_pages,
        )
        self.cell(0, 5, words, align="C")
        self.set_text_color(0)


def _headings() -> tuple[str, ...]:
    return (
        t.COL_BOOKING(),
        t.COL_DATE(),
        t.COL_GROSS(),
        t.COL_REFUNDED(),
        t.COL_COMMISSION(),
        t.COL_NET(),
    )


def _words(data: StatementData) -> list[str]:
    """Everything the document prints, to choose its fonts."""
    words = [data.platform_name, data.advisor_name, data.month, data.issued_on, data.timezone]
    words += [*_headings(), t.PDF_TITLE(), t.TOTALS(), t.PDF_NOTE(timezone=data.timezone)]
    words += [t.PDF_ADVISOR(), t.PDF_PERIOD(), t.PDF_ISSUED(), t.PDF_BOOKINGS(month=data.month)]
    for row in data.rows:
        words += [row.description, row.paid_on, *data.amounts(row)]
    for totals in data.totals:
        words += [totals.currency, *data.amounts(totals)]
    words.append(t.PDF_FOOTER(title="", month=data.month, page="0123456789", pages=""))
    return words


def render_statement(data: StatementData, fonts: ReceiptFonts | None = None) -> bytes:
    """The monthly statement's PDF, in the advisor's language (``data.locale``)."""
    with i18n.speaking(data.locale):
        return _render(data, fonts)


def _render(data: StatementData, fonts: ReceiptFonts | None) -> bytes:
    pdf = _StatementPDF(data)
    add_fonts(pdf, "".join(_words(data)), fonts)
    pdf.set_creation_date(data.issued_at)
    pdf.set_title(f"{t.PDF_TITLE()} {data.month}")
    pdf.set_author(data.platform_name)
    pdf.set_lang(i18n.supported(data.locale))
    pdf.add_page()
    pdf.set_font(FAMILY, "", 10)
    for label, value in (
        (t.PDF_ADVISOR(), data.advisor_name),
        (t.PDF_PERIOD(), data.month),
        (t.PDF_ISSUED(), data.issued_on),
    ):
        pdf.set_text_color(*GREY)
        pdf.cell(40, 5.5, label)
        pdf.set_text_color(0)
        pdf.cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    pdf.set_font(FAMILY, "B", 11)
    pdf.cell(0, 7, t.PDF_BOOKINGS(month=data.month), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9.5)
    with ruled_table(pdf, _COLUMNS, ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")) as table:
        heading = table.row()
        for text in _headings():
            heading.cell(text)
        for row in data.rows:
            line = table.row()
            line.cell(t.ROW_BOOKING(booking_id=row.booking_id, description=row.description))
            line.cell(row.paid_on)
            for amount in data.amounts(row):
                line.cell(amount)
        bold = FontFace(emphasis="BOLD", size_pt=10.5)
        for totals in data.totals:
            line = table.row()
            label = t.TOTALS() if len(data.totals) == 1 else f"{t.TOTALS()} ({totals.currency})"
            for text in (label, "", *data.amounts(totals)):
                line.cell(text, style=bold, padding=(2.5, 1, 1.5, 1), border=CellBordersLayout.TOP)
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4.5, t.PDF_NOTE(timezone=data.timezone), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    return pdf.output_pdf()
