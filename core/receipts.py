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
font it embeds (see :meth:`_ParsedFont.install`), made without ``FPDF.add_font`` so that the
parsing can be shared.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import CellBordersLayout
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from core.errors import CurrencyMismatch, ValidationFailed
from core.money import Money
from core.money import total as sum_money
from core.pdf_subsets import SubsetCache, SubsetCachingPDF

FONT_DIR: Final = Path(__file__).parent / "fonts"

DocumentKind = Literal["receipt", "credit_note"]
LineKind = Literal["service", "fee", "tip"]

_PREFIX: Final[Mapping[DocumentKind, str]] = MappingProxyType({"receipt": "R", "credit_note": "CN"})
_KIND_BY_PREFIX: Final[Mapping[str, DocumentKind]] = MappingProxyType(
    {prefix: kind for kind, prefix in _PREFIX.items()}
)
_NUMBER_RE: Final = re.compile(r"(R|CN)-(\d{4})-(\d{6,})")
_FILENAME_WORD: Final[Mapping[DocumentKind, str]] = MappingProxyType(
    {"receipt": "receipt", "credit_note": "credit-note"}
)

# Stripe's card.brand values, as people write them.
_CARD_BRANDS: Final = MappingProxyType(
    {
        "amex": "American Express",
        "cartes_bancaires": "Cartes Bancaires",
        "diners": "Diners Club",
        "discover": "Discover",
        "eftpos_au": "eftpos",
        "jcb": "JCB",
        "mastercard": "Mastercard",
        "unionpay": "UnionPay",
        "visa": "Visa",
    }
)

# Layout: the page margin in millimetres; text and rule colours as RGB.
_MARGIN: Final = 18.0
_GREY: Final = (100, 100, 100)
_RULE: Final = (190, 190, 190)


# -- numbers and file names ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """A parsed receipt or credit-note number such as ``R-2026-000001``."""

    kind: DocumentKind
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_receipt_number(self.kind, self.year, self.sequence)


def format_receipt_number(kind: DocumentKind, year: int, sequence: int) -> str:
    """``R-2026-000001`` for a receipt, ``CN-2026-000001`` for a credit note."""
    if kind not in _PREFIX:
        raise ValueError(f"unknown document kind: {kind!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, not {year}")
    if sequence < 1:
        raise ValueError(f"sequence numbers start at 1, not {sequence}")
    return f"{_PREFIX[kind]}-{year}-{sequence:06d}"


def parse_receipt_number(text: str) -> DocumentNumber:
    """The kind, year and sequence in a number a person typed; ValidationFailed if it is none."""
    cleaned = text.strip().upper()
    match = _NUMBER_RE.fullmatch(cleaned)
    if match is not None:
        number = DocumentNumber(_KIND_BY_PREFIX[match[1]], int(match[2]), int(match[3]))
        # Only the canonical spelling counts, so a number names exactly one document.
        if number.sequence >= 1 and number.year >= 1000 and str(number) == cleaned:
            return number
    raise ValidationFailed(
        "That is not a receipt number. They look like R-2026-000001 (receipt) "
        "or CN-2026-000001 (credit note)."
    )


def receipt_filename(number: str, platform_name: str = "Pathwise") -> str:
    """The download name of a document: ``Pathwise-receipt-R-2026-000001.pdf``."""
    parsed = _parse_own_number(number, None)
    brand = re.sub(r"[^A-Za-z0-9]+", "-", platform_name).strip("-") or "receipt"
    return f"{brand}-{_FILENAME_WORD[parsed.kind]}-{parsed}.pdf"


def _parse_own_number(number: str, kind: DocumentKind | None) -> DocumentNumber:
    """Parse a number billing produced; a bad one is a programming error, so ValueError."""
    try:
        parsed = parse_receipt_number(number)
    except ValidationFailed as exc:
        raise ValueError(f"not a document number: {number!r}") from exc
    if str(parsed) != number:
        raise ValueError(f"write document numbers as {parsed}, not {number!r}")
    if kind is not None and parsed.kind != kind:
        raise ValueError(f"{number} is not a {kind.replace('_', ' ')} number")
    return parsed


# -- the data billing hands in ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    """One priced line: a session, the handling fee or a tip."""

    description: str
    amount: Money
    kind: LineKind
    refundable: bool
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in get_args(LineKind):
            raise ValueError(f"unknown line kind: {self.kind!r}")
        if not self.description.strip():
            raise ValueError("a receipt line needs a description")
        if self.amount.amount < 0:
            raise ValueError(f"a receipt line cannot be negative: {self.description}")
        if self.kind == "fee" and self.refundable:
            raise ValueError("the handling fee is never refundable")


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """How the buyer paid, as far as Stripe told us."""

    brand: str | None = None
    last4: str | None = None

    def __post_init__(self) -> None:
        if self.last4 is not None and not (len(self.last4) == 4 and self.last4.isdigit()):
            raise ValueError(f"last4 must be four digits, not {self.last4!r}")

    @property
    def label(self) -> str:
        """``Visa •••• 4242``; as much of it as is known."""
        brand = _brand_name(self.brand)
        if self.last4 is None:
            return brand or "Online payment"
        return f"{brand or 'Card'} •••• {self.last4}"


def _brand_name(brand: str | None) -> str:
    """A Stripe card brand as people write it (``amex`` -> ``American Express``)."""
    if brand is None or not brand.strip() or brand.strip().lower() == "unknown":
        return ""
    key = brand.strip().lower()
    return _CARD_BRANDS.get(key, key.replace("_", " ").title())


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Everything printed on a purchase receipt."""

    number: str
    issued_at: datetime
    platform_name: str
    platform_address: str
    buyer_name: str
    advisor_name: str
    lines: list[ReceiptLine]
    currency: str
    payment_method: PaymentMethod
    stripe_reference: str
    guarantee_hours: int
    locale: str = "en_US"
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        _parse_own_number(self.number, "receipt")
        object.__setattr__(self, "currency", _currency(self.currency))
        object.__setattr__(self, "lines", list(self.lines))
        _check_common(self, self.lines, "a receipt needs at least one line")
        if self.guarantee_hours < 0:
            raise ValueError("guarantee_hours cannot be negative")
        kinds = {line.kind for line in self.lines}
        # DESIGN.md: every purchase except a tip carries the fee, so a fee needs a session.
        if "fee" in kinds and "service" not in kinds:
            raise ValueError("a tip-only receipt has no handling fee line")

    @property
    def total(self) -> Money:
        """The amount charged: every line added up."""
        return sum_money([line.amount for line in self.lines], self.currency)


@dataclass(frozen=True, slots=True)
class CreditNoteData:
    """Everything printed on a refund's credit note."""

    number: str
    original_receipt_number: str
    issued_at: datetime
    platform_name: str
    platform_address: str
    buyer_name: str
    advisor_name: str
    refunded: list[ReceiptLine]
    kept: list[ReceiptLine]
    currency: str
    stripe_reference: str
    reason: str = ""
    locale: str = "en_US"
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        _parse_own_number(self.number, "credit_note")
        _parse_own_number(self.original_receipt_number, "receipt")
        object.__setattr__(self, "currency", _currency(self.currency))
        object.__setattr__(self, "refunded", list(self.refunded))
        object.__setattr__(self, "kept", list(self.kept))
        _check_common(self, self.refunded, "a credit note needs at least one refunded line")
        _check_currency(self.kept, self.currency)
        for line in self.refunded:
            if not line.refundable:
                raise ValueError(f"a refund never returns a non-refundable line: {line!r}")

    @property
    def total(self) -> Money:
        """The amount refunded."""
        return sum_money([line.amount for line in self.refunded], self.currency)

    @property
    def kept_total(self) -> Money:
        """What the refund did not return (the handling fee, usually)."""
        return sum_money([line.amount for line in self.kept], self.currency)


def _currency(code: str) -> str:
    """An ISO 4217 code, upper case; ValueError if it is none."""
    return Money.zero(code).currency


def _check_common(data: ReceiptData | CreditNoteData, lines: list[ReceiptLine], empty: str) -> None:
    """The checks a receipt and a credit note share."""
    if not lines:
        raise ValueError(empty)
    _check_currency(lines, data.currency)
    if data.issued_at.tzinfo is None or data.issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware (UTC)")
    for name in ("platform_name", "buyer_name", "advisor_name", "stripe_reference"):
        if not str(getattr(data, name)).strip():
            raise ValueError(f"{name} must not be blank")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {data.timezone!r}") from exc
    try:
        Locale.parse(data.locale)
    except (UnknownLocaleError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown locale: {data.locale!r}") from exc


def _check_currency(lines: list[ReceiptLine], currency: str) -> None:
    """Every amount on a document is in the document's currency."""
    for line in lines:
        if line.amount.currency != currency:
            raise CurrencyMismatch(
                f"{line.description!r} is in {line.amount.currency}, the document in {currency}"
            )


# -- fonts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FontFile:
    """A bundled font file and the family and style it is registered under."""

    family: str
    style: str
    filename: str
    collection_index: int = 0

    @property
    def key(self) -> str:
        """fpdf2's key for the font in ``FPDF.fonts``."""
        return f"{self.family.lower()}{self.style}"


_TEXT_FONTS: Final = (
    _FontFile("DejaVuSans", "", "DejaVuSans-Latin.ttf"),
    _FontFile("DejaVuSans", "B", "DejaVuSans-Bold-Latin.ttf"),
)
# The same faces cut to the characters nearly every receipt needs (366 glyphs instead of
# 1,133): used instead when they cover the whole document, because fpdf2's subsetting on
# output costs time in proportion to the glyphs a font has.
_BASIC_TEXT_FONTS: Final = (
    _FontFile("DejaVuSans", "", "DejaVuSans-Basic.ttf"),
    _FontFile("DejaVuSans", "B", "DejaVuSans-Bold-Basic.ttf"),
)
# Added to a document, in this order, only when its text needs them: every font embedded
# costs time to subset on output, and the CJK one holds 49,000 glyphs.
_FALLBACK_FONTS: Final = (
    _FontFile("DejaVuSansExtra", "", "DejaVuSans-Extra.ttf"),
    _FontFile("WenQuanYiMicroHei", "", "wqy-microhei.ttc"),
)
_FAMILY: Final = "DejaVuSans"


# Every subset of a text font keeps printable ASCII, used or not: a receipt then embeds a few
# glyphs it does not print (about 2 KB a face), but receipts whose text differs only in ASCII
# (other digits, other plain names) share one subset, so the subset caches mostly hit.
_ALWAYS_KEPT: Final = "".join(chr(code) for code in range(0x20, 0x7F))
# Subsets kept per font file: each is a few KB.
_SUBSETS_PER_FONT: Final = 64


@dataclass(frozen=True, slots=True)
class _ParsedFont:
    """A font parsed once: fpdf2's metrics for it (never used by a document), the file, and
    the subsets of it documents embedded lately."""

    file: _FontFile
    template: TTFFont
    data: bytes
    subsets: SubsetCache

    @classmethod
    def read(cls, file: _FontFile, directory: Path) -> _ParsedFont:
        """Parse ``file`` the way ``FPDF.add_font`` does."""
        path = directory / file.filename
        scratch = FPDF()
        scratch.add_font(
            file.family, file.style, path, collection_font_number=file.collection_index
        )
        template = scratch.fonts[file.key]
        if not isinstance(template, TTFFont) or template.color_font is not None:
            raise TypeError(f"{file.filename} is not a plain TrueType font")
        template.close()
        data = path.read_bytes()
        # Copies get a fresh TTFont each; dropping the parsed tables saves ~40 MB for the CJK font.
        template.ttfont = _unparsed(data, file.collection_index)
        always = _ALWAYS_KEPT if file in (*_TEXT_FONTS, *_BASIC_TEXT_FONTS) else ""
        kept = {template.cmap[ord(char)] for char in always if ord(char) in template.cmap}
        return cls(file, template, data, SubsetCache(kept, _SUBSETS_PER_FONT))

    def install(self, pdf: FPDF) -> TTFFont:
        """Register a private copy of this font in ``pdf``, as ``add_font`` would."""
        font: TTFFont = copy.copy(self.template)
        font.i = len(pdf.fonts) + 1
        # The copy owns everything fpdf2 changes while laying out and writing the document.
        font.ttfont = _unparsed(self.data, self.file.collection_index)
        font.cw = self.template.cw.copy()  # a defaultdict: looking up a missing char adds it
        font.desc = copy.copy(self.template.desc)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[self.file.key] = font
        if isinstance(pdf, SubsetCachingPDF):
            pdf.subset_caches[font.i] = self.subsets
        return font


def _unparsed(data: bytes, collection_index: int) -> TTFont:
    """A font file opened lazily: tables are parsed when fpdf2 first reads them, on output."""
    # Subsetting leaves glyph outlines alone, so their bounding boxes need no recalculating;
    # skipping that (fontTools' default) saves about a third of a receipt's time.
    return TTFont(
        io.BytesIO(data),
        lazy=True,
        recalcBBoxes=False,
        recalcTimestamp=False,
        fontNumber=collection_index,
    )


class ReceiptFonts:
    """The bundled fonts, parsed once; build one at start-up and pass it to every render.

    Each document still gets its own copy of every font it uses, because fpdf2 subsets a
    font in place while writing the PDF. Only read-only metrics are shared, so one instance
    serves any number of documents, from several threads too.
    """

    __slots__ = ("_fonts",)

    def __init__(self, directory: Path = FONT_DIR) -> None:
        self._fonts = MappingProxyType(
            {
                file.filename: _ParsedFont.read(file, directory)
                for file in (*_BASIC_TEXT_FONTS, *_TEXT_FONTS, *_FALLBACK_FONTS)
            }
        )

    def __getitem__(self, file: _FontFile) -> _ParsedFont:
        return self._fonts[file.filename]


def _parsed(file: _FontFile, fonts: ReceiptFonts | None) -> _ParsedFont:
    """A bundled font, from the shared parsed fonts or, without them, parsed now."""
    return fonts[file] if fonts is not None else _ParsedFont.read(file, FONT_DIR)


def add_fonts(pdf: FPDF, text: str, fonts: ReceiptFonts | None) -> None:
    """The text fonts, then each fallback font that has a character of ``text`` still missing."""
    missing = {ord(char) for char in text if not char.isspace()}
    basic = [_parsed(file, fonts) for file in _BASIC_TEXT_FONTS]
    if all(missing.issubset(font.template.cmap) for font in basic):
        for font in basic:
            font.install(pdf)
        return
    for file in _TEXT_FONTS:
        missing.difference_update(_parsed(file, fonts).install(pdf).cmap)
    fallbacks: list[str] = []
    for file in _FALLBACK_FONTS:
        if not missing:
            break
        font = _parsed(file, fonts)
        if not missing.isdisjoint(font.template.cmap):
            font.install(pdf)
            fallbacks.append(file.family)
            missing.difference_update(font.template.cmap)
    if fallbacks:
        # exact_match=False lets bold text fall back to a regular face.
        pdf.set_fallback_fonts(fallbacks, exact_match=False)


# -- what a document says -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """One table row: a label (with an optional detail line) and an amount."""

    label: str
    amount: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class _Section:
    """A titled table of rows, with an optional bold total row."""

    heading: str
    rows: tuple[_Row, ...]
    total: _Row | None = None


@dataclass(frozen=True, slots=True)
class _Document:
    """A receipt or credit note as the strings it prints, before any layout."""

    title: str
    number: str
    platform_name: str
    platform_address: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[_Section, ...]
    notes: tuple[str, ...]
    issued_at: datetime
    language: str

    def text(self) -> str:
        """Every string the document prints, to choose its fonts."""
        parts = [self.title, self.number, self.platform_name, self.platform_address]
        parts += [*_TABLE_HEADINGS, *(part for fact in self.facts for part in fact)]
        for section in self.sections:
            rows = (*section.rows, *([section.total] if section.total else []))
            parts += [section.heading] + [f"{r.label}{r.amount}{r.detail}" for r in rows]
        return "".join([*parts, *self.notes, self.footer("0123456789", "")])

    def footer(self, page: str, pages: str) -> str:
        """The line at the foot of each page."""
        return f"{self.title} {self.number} · Page {page}/{pages}"


_TABLE_HEADINGS: Final = ("Description", "Amount")


def _receipt_document(data: ReceiptData) -> _Document:
    """What a receipt says."""
    locale = data.locale
    facts = (
        ("Receipt number", data.number),
        ("Date", _format_when(data.issued_at, data.timezone, data.locale)),
        ("Billed to", data.buyer_name),
        ("Advisor", data.advisor_name),
        ("Payment method", data.payment_method.label),
        ("Stripe reference", data.stripe_reference),
    )
    items = _Section(
        "Items",
        tuple(
            _Row(_line_label(line), line.amount.format(locale), line.detail) for line in data.lines
        ),
        _Row("Total", _with_code(data.total.format(locale), data.currency)),
    )
    return _Document(
        "Receipt",
        data.number,
        data.platform_name,
        data.platform_address,
        facts,
        (items,),
        _receipt_notes(data),
        data.issued_at,
        _language(data.locale),
    )


def _receipt_notes(data: ReceiptData) -> tuple[str, ...]:
    """The money-back guarantee, when the receipt has a session it covers."""
    kinds = {line.kind for line in data.lines}
    if "service" not in kinds or data.guarantee_hours == 0:
        return ()
    hours = "1 hour" if data.guarantee_hours == 1 else f"{data.guarantee_hours} hours"
    note = f"Money-back guarantee: ask for a refund within {hours} after your session ends."
    if "fee" in kinds:
        note += " The handling fee is non-refundable."
    return (note,)


def _credit_note_document(data: CreditNoteData) -> _Document:
    """What a credit note says."""
    locale = data.locale
    facts = [
        ("Credit note number", data.number),
        ("Date", _format_when(data.issued_at, data.timezone, data.locale)),
        ("Original receipt", data.original_receipt_number),
        ("Billed to", data.buyer_name),
        ("Advisor", data.advisor_name),
        ("Stripe reference", data.stripe_reference),
    ]
    if data.reason.strip():
        facts.append(("Reason", data.reason.strip()))
    sections = [
        _Section(
            "Refunded",
            tuple(
                _Row(line.description, line.amount.format(locale), line.detail)
                for line in data.refunded
            ),
            _Row("Refunded total", _with_code(data.total.format(locale), data.currency)),
        )
    ]
    if data.kept:
        sections.append(
            _Section(
                "Not refunded",
                tuple(_Row(_kept_label(line), line.amount.format(locale)) for line in data.kept),
            )
        )
    note = (
        "The refunded total goes back to the payment method used for receipt "
        f"{data.original_receipt_number}."
    )
    return _Document(
        "Credit note",
        data.number,
        data.platform_name,
        data.platform_address,
        tuple(facts),
        tuple(sections),
        (note,),
        data.issued_at,
        _language(data.locale),
    )


def _line_label(line: ReceiptLine) -> str:
    """A line's description, marked when the line cannot be refunded."""
    if line.refundable or "non-refundable" in line.description.lower():
        return line.description
    return f"{line.description} (non-refundable)"


def _kept_label(line: ReceiptLine) -> str:
    """Why a line of the purchase was not refunded, said once."""
    if line.refundable:
        return f"{line.description} — not refunded"
    if "non-refundable" in line.description.lower():
        return f"{line.description} — kept"
    return f"{line.description} — non-refundable, kept"


def _with_code(formatted: str, currency: str) -> str:
    """``$83.49 USD``: totals name the currency, unless the format already does."""
    return formatted if currency in formatted else f"{formatted} {currency}"


def _format_when(moment: datetime, timezone: str, locale: str) -> str:
    """``March 3, 2026, 9:05 AM EST``: the date and time in the reader's zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    zone = local.tzname() or timezone
    if zone[:1] in "+-":
        zone = f"UTC{zone}"
    date_text = format_date(local, "long", locale=locale)
    time_text = format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
    return f"{date_text}, {time_text} {zone}"


def _language(locale: str) -> str:
    """The document language for the PDF's metadata (``en`` for ``en_US``)."""
    return str(Locale.parse(locale).language)


# -- layout -------------------------------------------------------------------------------


class _DocumentPDF(SubsetCachingPDF):
    """An A4 page with the platform's letterhead on top and the number and page at the foot."""

    def __init__(self, document: _Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN)

    def header(self) -> None:
        """Platform name and address on the left, the document's title and number on the right."""
        doc = self.document
        top = self.get_y()
        half = self.epw / 2
        self.set_font(_FAMILY, "B", 16)
        self.cell(half, 8, doc.platform_name)
        self.cell(half, 8, doc.title, align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_font(_FAMILY, "", 9)
        self.set_text_color(*_GREY)
        self.multi_cell(half * 1.2, 4.5, doc.platform_address, align="L", new_x="LMARGIN")
        below_address = self.get_y()
        self.set_xy(self.l_margin + half, top + 8)
        self.cell(half, 4.5, doc.number, align="R")
        self.set_text_color(0)
        self.set_draw_color(*_RULE)
        y = max(below_address, top + 13) + 3
        self.line(self.l_margin, y, self.l_margin + self.epw, y)
        self.set_y(y + 6)

    def footer(self) -> None:
        """The number and the page, so a printed page can be matched to its document."""
        self.set_y(-12)
        self.set_font(_FAMILY, "", 8)
        self.set_text_color(*_GREY)
        self.cell(
            0, 5, self.document.footer(str(self.page_no()), self.str_alias_nb_pages), align="C"
        )
        self.set_text_color(0)


def _render(document: _Document, fonts: ReceiptFonts | None) -> bytes:
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
        _section_table(pdf, section)
    _notes(pdf, document.notes)
    return pdf.output_pdf()


def _facts(pdf: FPDF, facts: tuple[tuple[str, str], ...]) -> None:
    """Number, date, buyer, advisor...: labels in grey, values beside them."""
    pdf.set_font(_FAMILY, "", 10)
    label_width = 42.0
    for label, value in facts:
        pdf.set_text_color(*_GREY)
        pdf.cell(label_width, 5.5, label)
        pdf.set_text_color(0)
        # A long value (a reason, an odd name) wraps within its column.
        pdf.multi_cell(pdf.epw - label_width, 5.5, value, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)


def _section_table(pdf: FPDF, section: _Section) -> None:
    """A heading, then the rows with their amounts right-aligned, then the total in bold."""
    pdf.set_font(_FAMILY, "B", 11)
    pdf.cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, "", 10)
    pdf.set_draw_color(*_RULE)
    detail_style = FontFace(color=_GREY, size_pt=8.5)
    with pdf.table(
        col_widths=(134, 40),
        width=pdf.epw,
        text_align=("LEFT", "RIGHT"),
        borders_layout="SINGLE_TOP_LINE",
        headings_style=FontFace(emphasis="BOLD", color=_GREY, size_pt=9),
        line_height=5.5,
        padding=(1.5, 1),
        v_align="TOP",
    ) as table:
        heading = table.row()
        for text in _TABLE_HEADINGS:
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
    pdf.ln(6)


def _notes(pdf: FPDF, notes: tuple[str, ...]) -> None:
    """Short print under the tables: the guarantee, where a refund goes."""
    pdf.set_font(_FAMILY, "", 9)
    pdf.set_text_color(*_GREY)
    for note in notes:
        pdf.multi_cell(0, 4.5, note, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.set_text_color(0)


# -- the public renderers -----------------------------------------------------------------


def render_receipt(data: ReceiptData, fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF receipt of one purchase."""
    return _render(_receipt_document(data), fonts)


def render_credit_note(data: CreditNoteData, fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF credit note of one refund."""
    return _render(_credit_note_document(data), fonts)


# -- what a document prints, stored until (and after) it is rendered ----------------------
#
# Billing numbers a document and stores these inputs in the payment's transaction, then
# renders the PDF after the commit (so the number counter is never locked while fpdf2 works);
# whoever finds a document still unrendered (a crash in between) renders it from them.


def _line_payload(line: ReceiptLine) -> dict[str, Any]:
    return {
        "description": line.description,
        "amount_minor": line.amount.amount,
        "currency": line.amount.currency,
        "kind": line.kind,
        "refundable": line.refundable,
        "detail": line.detail,
    }


def _line_of(payload: Mapping[str, Any]) -> ReceiptLine:
    return ReceiptLine(
        description=str(payload["description"]),
        amount=Money(int(payload["amount_minor"]), str(payload["currency"])),
        kind=payload["kind"],
        refundable=bool(payload["refundable"]),
        detail=str(payload.get("detail", "")),
    )


def document_payload(data: ReceiptData | CreditNoteData) -> dict[str, Any]:
    """Everything ``data`` prints, as JSON-ready values; :func:`render_payload` renders it."""
    common = {
        "number": data.number,
        "issued_at": data.issued_at.isoformat(),
        "platform_name": data.platform_name,
        "platform_address": data.platform_address,
        "buyer_name": data.buyer_name,
        "advisor_name": data.advisor_name,
        "currency": data.currency,
        "stripe_reference": data.stripe_reference,
        "locale": data.locale,
        "timezone": data.timezone,
    }
    if isinstance(data, ReceiptData):
        return {
            "kind": "receipt",
            **common,
            "lines": [_line_payload(line) for line in data.lines],
            "payment_method": {
                "brand": data.payment_method.brand,
                "last4": data.payment_method.last4,
            },
            "guarantee_hours": data.guarantee_hours,
        }
    return {
        "kind": "credit_note",
        **common,
        "original_receipt_number": data.original_receipt_number,
        "refunded": [_line_payload(line) for line in data.refunded],
        "kept": [_line_payload(line) for line in data.kept],
        "reason": data.reason,
    }


def document_of(payload: Mapping[str, Any]) -> ReceiptData | CreditNoteData:
    """The data :func:`document_payload` stored."""
    common: dict[str, Any] = {
        name: payload[name]
        for name in (
            "number",
            "platform_name",
            "platform_address",
            "buyer_name",
            "advisor_name",
            "currency",
            "stripe_reference",
            "locale",
            "timezone",
        )
    }
    common["issued_at"] = datetime.fromisoformat(payload["issued_at"])
    if payload["kind"] == "receipt":
        method = payload.get("payment_method") or {}
        return ReceiptData(
            **common,
            lines=[_line_of(line) for line in payload["lines"]],
            payment_method=PaymentMethod(method.get("brand"), method.get("last4")),
            guarantee_hours=int(payload["guarantee_hours"]),
        )
    return CreditNoteData(
        **common,
        original_receipt_number=payload["original_receipt_number"],
        refunded=[_line_of(line) for line in payload["refunded"]],
        kept=[_line_of(line) for line in payload["kept"]],
        reason=str(payload.get("reason", "")),
    )


def render_payload(payload: Mapping[str, Any], fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF of a stored document: the same bytes as rendering its data at once."""
    data = document_of(payload)
    if isinstance(data, ReceiptData):
        return render_receipt(data, fonts)
    return render_credit_note(data, fonts)
