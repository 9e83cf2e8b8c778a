"""What a document says: its facts, its tables of lines and its notes, in its language.

A document is written in its buyer's locale (``data.locale``, stored with what it prints), so
a receipt rendered later, by whichever process, reads the same: its labels in the locale's
language (``i18n.speaking``), its dates and amounts formatted by the locale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from core import i18n
from core.money import Money
from core.money import total as sum_money
from core.receipts.data import CreditNoteData, ReceiptData, ReceiptLine
from core.receipts.tax import Tax
from core.texts import receipts as t

# -- what a document says -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a label (with an optional detail line) and an amount."""

    label: str
    amount: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled table of rows, with an optional bold total row."""

    heading: str
    rows: tuple[Row, ...]
    total: Row | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A receipt or credit note as the strings it prints, before any layout."""

    title: str
    number: str
    platform_name: str
    platform_address: str
    platform_numbers: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    notes: tuple[str, ...]
    issued_at: datetime
    language: str
    headings: tuple[str, str]  # the tables' columns

    def text(self) -> str:
        """Every string the document prints, to choose its fonts."""
        parts = [self.title, self.number, self.platform_name, self.platform_address]
        parts += self.platform_numbers
        parts += [*self.headings, *(part for fact in self.facts for part in fact)]
        for section in self.sections:
            rows = (*section.rows, *([section.total] if section.total else []))
            parts += [section.heading] + [f"{r.label}{r.amount}{r.detail}" for r in rows]
        return "".join([*parts, *self.notes, self.footer("0123456789", "")])

    def footer(self, page: str, pages: str) -> str:
        """The line at the foot of each page, in the document's language."""
        with i18n.speaking(self.language):
            return t.FOOTER(title=self.title, number=self.number, page=page, pages=pages)


def receipt_document(data: ReceiptData) -> Document:
    """What a receipt says, in its buyer's language."""
    with i18n.speaking(data.locale):
        return _receipt_document(data)


def _receipt_document(data: ReceiptData) -> Document:
    locale = data.locale
    facts = [
        (t.RECEIPT_NUMBER(), data.number),
        (t.DATE(), format_when(data.issued_at, data.timezone, data.locale)),
        (t.BILLED_TO(), data.buyer_name),
        (t.ADVISOR(), data.advisor_name),
        (t.PAYMENT_METHOD(), data.payment_method.label),
        (t.STRIPE_REFERENCE(), data.stripe_reference),
    ]
    if data.terms_version.strip():
        facts.append((t.TERMS(), _terms(data)))
    items = Section(
        t.ITEMS(),
        tuple(
            Row(_line_label(line), line.amount.format(locale), _detail(line, data.tax, locale))
            for line in data.lines
        ),
        Row(
            t.TOTAL(),
            _with_code(data.total.format(locale), data.currency),
            _tax_text(data.tax, data.lines, data.currency, locale),
        ),
    )
    return Document(
        t.RECEIPT(),
        data.number,
        data.platform_name,
        data.platform_address,
        _platform_numbers(data),
        tuple(facts),
        (items,),
        _receipt_notes(data),
        data.issued_at,
        _language(data.locale),
        (t.DESCRIPTION(), t.AMOUNT()),
    )


def _receipt_notes(data: ReceiptData) -> tuple[str, ...]:
    """The money-back guarantee, when the receipt has a session it covers."""
    kinds = {line.kind for line in data.lines}
    if "service" not in kinds or data.guarantee_hours == 0:
        return ()
    note = t.GUARANTEE_NOTE_WITH_FEE if "fee" in kinds else t.GUARANTEE_NOTE
    return (note(count=data.guarantee_hours),)


def credit_note_document(data: CreditNoteData) -> Document:
    """What a credit note says, in its buyer's language."""
    with i18n.speaking(data.locale):
        return _credit_note_document(data)


def _credit_note_document(data: CreditNoteData) -> Document:
    locale = data.locale
    facts = [
        (t.CREDIT_NOTE_NUMBER(), data.number),
        (t.DATE(), format_when(data.issued_at, data.timezone, data.locale)),
        (t.ORIGINAL_RECEIPT(), data.original_receipt_number),
        (t.BILLED_TO(), data.buyer_name),
        (t.ADVISOR(), data.advisor_name),
        (t.STRIPE_REFERENCE(), data.stripe_reference),
    ]
    if data.session_at is not None:
        facts.insert(3, (t.SESSION(), format_when(data.session_at, data.timezone, data.locale)))
    if data.reason.strip():
        facts.append((t.REASON(), data.reason.strip()))
    sections = [
        Section(
            t.REFUNDED(),
            tuple(
                Row(line.description, line.amount.format(locale), _detail(line, data.tax, locale))
                for line in data.refunded
            ),
            Row(
                t.REFUNDED_TOTAL(),
                _with_code(data.total.format(locale), data.currency),
                _tax_text(data.tax, data.refunded, data.currency, locale),
            ),
        )
    ]
    if data.kept:
        sections.append(
            Section(
                t.NOT_REFUNDED(),
                tuple(Row(_kept_label(line), line.amount.format(locale)) for line in data.kept),
            )
        )
    note = t.REFUND_GOES_BACK(number=data.original_receipt_number)
    return Document(
        t.CREDIT_NOTE(),
        data.number,
        data.platform_name,
        data.platform_address,
        _platform_numbers(data),
        tuple(facts),
        tuple(sections),
        (note,),
        data.issued_at,
        _language(data.locale),
        (t.DESCRIPTION(), t.AMOUNT()),
    )


def _platform_numbers(data: ReceiptData | CreditNoteData) -> tuple[str, ...]:
    """The platform's registration and tax numbers, those that are set."""
    numbers = []
    if data.registration_number.strip():
        numbers.append(t.REGISTRATION_NUMBER(number=data.registration_number.strip()))
    if data.tax_id.strip():
        numbers.append(t.TAX_ID(number=data.tax_id.strip()))
    return tuple(numbers)


def _terms(data: ReceiptData) -> str:
    """``Version 2026-11, accepted March 3, 2026, 9:05 AM EST``."""
    version = data.terms_version.strip()
    if data.terms_accepted_at is None:
        return t.TERMS_VERSION(version=version)
    when = format_when(data.terms_accepted_at, data.timezone, data.locale)
    return t.TERMS_VERSION_ACCEPTED(version=version, when=when)


def _detail(line: ReceiptLine, tax: Tax | None, locale: str) -> str:
    """A line's detail (its session time, say), then the tax it contains."""
    parts = [line.detail, _tax_text(tax, [line], line.amount.currency, locale)]
    return "\n".join(part for part in parts if part)


def _tax_text(tax: Tax | None, lines: list[ReceiptLine], currency: str, locale: str) -> str:
    """``incl. VAT 21%: $10.41``: the tax within these lines, each rounded, then added up."""
    if tax is None:
        return ""
    contained: Money = sum_money([tax.contained_in(line.amount) for line in lines], currency)
    return t.TAX_INCLUDED(
        name=tax.name, rate=tax.rate_text(locale), amount=contained.format(locale)
    )


def _line_label(line: ReceiptLine) -> str:
    """A line's description, marked when the line cannot be refunded."""
    if line.refundable or _marked(line):
        return line.description
    return t.LINE_NON_REFUNDABLE(description=line.description)


def _marked(line: ReceiptLine) -> bool:
    """Whether the line's own description already says it cannot be refunded."""
    return t.NON_REFUNDABLE_MARK().lower() in line.description.lower()


def _kept_label(line: ReceiptLine) -> str:
    """Why a line of the purchase was not refunded, said once."""
    if line.refundable:
        return t.KEPT_REFUNDABLE(description=line.description)
    if _marked(line):
        return t.KEPT_MARKED(description=line.description)
    return t.KEPT_NON_REFUNDABLE(description=line.description)


def _with_code(formatted: str, currency: str) -> str:
    """``$83.49 USD``: totals name the currency, unless the format already does."""
    return formatted if currency in formatted else f"{formatted} {currency}"


def format_when(moment: datetime, timezone: str, locale: str) -> str:
    """``March 3, 2026, 9:05 AM EST``: the date and time in the reader's zone. Every moment a
    receipt or credit note prints (issue, session, terms accepted) is written this way."""
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
