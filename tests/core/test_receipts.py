"""Receipts and credit notes: real PDFs, parsed back with pypdf and read like a person would."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from core import i18n
from core.errors import CurrencyMismatch, ValidationFailed
from core.money import Money
from core.receipts import (
    FONT_DIR,
    DocumentNumber,
    PaymentMethod,
    ReceiptFonts,
    ReceiptLine,
    format_receipt_number,
    parse_receipt_number,
    receipt_filename,
    render_credit_note,
    render_receipt,
)
from tests.support.receipts import (
    FEE,
    ISSUED,
    SESSION,
    TIP,
    make_credit_note,
    make_receipt,
)

MAX_BYTES = 30 * 1024


@pytest.fixture(scope="module")
def fonts() -> ReceiptFonts:
    """Parsed once for the module, as the composition root does for the process."""
    return ReceiptFonts()


def text_of(pdf: bytes) -> str:
    """All text of all pages, whitespace collapsed to single spaces (as a reader sees it)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def embedded_fonts(pdf: bytes) -> list[str]:
    """The names of the fonts embedded for the first page, without the subset tag."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return sorted(str(font.get_object()["/BaseFont"]).split("+", 1)[1] for font in fonts.values())


# -- numbers and file names ---------------------------------------------------------------


def test_numbers_are_prefixed_by_kind_with_year_and_six_digit_sequence() -> None:
    assert format_receipt_number("receipt", 2026, 1) == "R-2026-000001"
    assert format_receipt_number("credit_note", 2026, 1) == "CN-2026-000001"
    assert format_receipt_number("receipt", 2027, 1234567) == "R-2027-1234567"


@given(
    st.sampled_from(["receipt", "credit_note"]),
    st.integers(1000, 9999),
    st.integers(1, 10**9),
)
def test_a_number_parses_back_to_what_made_it(kind: str, year: int, sequence: int) -> None:
    text = format_receipt_number(kind, year, sequence)  # type: ignore[arg-type]
    assert parse_receipt_number(text) == DocumentNumber(kind, year, sequence)  # type: ignore[arg-type]
    assert str(parse_receipt_number(text)) == text


def test_a_number_typed_loosely_is_still_understood() -> None:
    assert parse_receipt_number("  r-2026-000042 ") == DocumentNumber("receipt", 2026, 42)


@pytest.mark.parametrize(
    "text",
    ["", "R-2026-1", "R-26-000001", "X-2026-000001", "R-2026-000000", "R-2026-0000001", "R 2026"],
)
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValidationFailed, match="R-2026-000001"):
        parse_receipt_number(text)


@pytest.mark.parametrize(
    ("kind", "year", "sequence"),
    [("receipt", 2026, 0), ("receipt", 999, 1), ("invoice", 2026, 1)],
)
def test_numbers_are_never_made_from_bad_parts(kind: str, year: int, sequence: int) -> None:
    with pytest.raises(ValueError):
        format_receipt_number(kind, year, sequence)  # type: ignore[arg-type]


def test_file_names_say_what_the_document_is() -> None:
    assert receipt_filename("R-2026-000001") == "Pathwise-receipt-R-2026-000001.pdf"
    assert receipt_filename("CN-2026-000001") == "Pathwise-credit-note-CN-2026-000001.pdf"
    assert receipt_filename("R-2026-000001", "Life Path & Co.") == (
        "Life-Path-Co-receipt-R-2026-000001.pdf"
    )


def test_file_names_are_in_the_buyers_language_and_ascii() -> None:
    assert receipt_filename("R-2026-000001", language="es") == "Pathwise-recibo-R-2026-000001.pdf"
    assert receipt_filename("CN-2026-000001", "Camino Ñandú", "es_MX") == (
        "Camino-Nandu-nota-de-credito-CN-2026-000001.pdf"
    )
    with i18n.speaking("es"):  # the language of the moment, unless one is given
        assert receipt_filename("R-2026-000001").startswith("Pathwise-recibo-")
        assert receipt_filename("R-2026-000001", language="en").startswith("Pathwise-receipt-")


# -- what a receipt says --------------------------------------------------------------------


# What the default receipt says, promise by promise.
A_RECEIPT = {
    "itemizes the purchase and its total": (
        "60-minute live session with Dr. Ana Ruiz $80.00",
        "Tuesday, March 10, 2026, 3:00 PM EST",
        "Handling fee (non-refundable) $3.49",
        "Total $83.49 USD",
    ),
    "names who, when and how": (
        "Receipt number R-2026-000001",
        "Date March 3, 2026, 9:05 AM EST",  # 14:05 UTC, shown in New York time
        "Pathwise Advice Ltd, 1 Example Street, Springfield",
        "Billed to Zoë Łukasz",
        "Advisor Dr. Ana Ruiz",
        "Payment method Visa •••• 4242",
        "Stripe reference pi_3PqXyZ2eZvKYlo2C1a2b3c4d",
    ),
    "states the money-back guarantee": (
        "Money-back guarantee: ask for a refund within 72 hours after your session ends. "
        "The handling fee is non-refundable.",
    ),
}


@pytest.mark.parametrize("says", A_RECEIPT.values(), ids=A_RECEIPT.keys())
def test_a_receipt(fonts: ReceiptFonts, says: tuple[str, ...]) -> None:
    text = text_of(render_receipt(make_receipt(), fonts))

    for line in says:
        assert line in text, line


def test_the_guarantee_window_comes_from_the_data(fonts: ReceiptFonts) -> None:
    text = text_of(render_receipt(make_receipt(guarantee_hours=1), fonts))

    assert "within 1 hour after your session ends" in text


def test_a_tip_only_receipt_has_no_fee_line_and_no_guarantee(fonts: ReceiptFonts) -> None:
    data = make_receipt(lines=[TIP])
    text = text_of(render_receipt(data, fonts))

    assert "Tip for Dr. Ana Ruiz (non-refundable) $5.00" in text
    assert "Total $5.00 USD" in text
    assert "Handling fee" not in text
    assert "Money-back guarantee" not in text


def test_a_tip_only_receipt_cannot_carry_a_handling_fee() -> None:
    with pytest.raises(ValueError, match="tip-only"):
        make_receipt(lines=[TIP, FEE])


def test_a_tip_with_a_session_gets_its_own_line(fonts: ReceiptFonts) -> None:
    data = make_receipt(lines=[SESSION, FEE, TIP])
    text = text_of(render_receipt(data, fonts))

    assert "Tip for Dr. Ana Ruiz (non-refundable) $5.00" in text
    assert "Total $88.49 USD" in text
    assert data.total == Money(8849, "USD")


@pytest.mark.parametrize(
    ("method", "label"),
    [
        (PaymentMethod("visa", "4242"), "Visa •••• 4242"),
        (PaymentMethod("amex", None), "American Express"),
        (PaymentMethod(None, "0005"), "Card •••• 0005"),
        (PaymentMethod("cartes_bancaires", "1001"), "Cartes Bancaires •••• 1001"),
        (PaymentMethod("some_new_brand", "1234"), "Some New Brand •••• 1234"),
        (PaymentMethod("unknown", None), "Online payment"),
        (PaymentMethod(None, None), "Online payment"),
    ],
)
def test_the_payment_method_shows_what_stripe_told_us(method: PaymentMethod, label: str) -> None:
    assert method.label == label


def test_last4_is_four_digits() -> None:
    with pytest.raises(ValueError):
        PaymentMethod("visa", "42")


def test_amounts_and_dates_follow_the_readers_locale(fonts: ReceiptFonts) -> None:
    lines = [replace(SESSION, amount=Money(8000, "EUR")), replace(FEE, amount=Money(349, "EUR"))]
    data = make_receipt(lines=lines, currency="EUR", locale="de_DE", timezone="Europe/Berlin")
    text = text_of(render_receipt(data, fonts))

    assert "Handling fee (non-refundable) 3,49 €" in text
    assert "Total 83,49 € EUR" in text
    assert "3. März 2026, 15:05 CET" in text


def test_a_long_receipt_runs_onto_more_pages_with_its_letterhead(fonts: ReceiptFonts) -> None:
    sessions = [replace(SESSION, description=f"Session {n}", detail="") for n in range(1, 61)]
    pdf = render_receipt(make_receipt(lines=[*sessions, FEE]), fonts)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]

    assert len(pages) > 1
    assert all(page.startswith("Pathwise Receipt") for page in pages)
    assert all("Description Amount" in page for page in pages)  # headings repeat
    assert f"Receipt R-2026-000001 · Page {len(pages)}/{len(pages)}" in pages[-1]
    assert "Total $4,803.49 USD" in pages[-1]


# -- names in any script --------------------------------------------------------------------


def test_latin_polish_and_chinese_names_all_print(fonts: ReceiptFonts) -> None:
    pdf = render_receipt(make_receipt(buyer_name="Zoë Łukasz 李雷"), fonts)

    assert "Billed to Zoë Łukasz 李雷" in text_of(pdf)
    assert "WenQuanYiMicroHei" in embedded_fonts(pdf)


def test_korean_and_cyrillic_names_print(fonts: ReceiptFonts) -> None:
    pdf = render_receipt(make_receipt(buyer_name="김민준 Анна Ἀθηνᾶ"), fonts)

    assert "Billed to 김민준 Анна Ἀθηνᾶ" in text_of(pdf)


def test_fonts_a_document_does_not_need_stay_out(fonts: ReceiptFonts) -> None:
    latin = render_receipt(make_receipt(), fonts)
    cyrillic = render_receipt(make_receipt(buyer_name="Анна Петрова"), fonts)

    assert embedded_fonts(latin) == ["DejaVuSansBold", "DejaVuSansBook"]
    # The Cyrillic letters come from the second DejaVu file, and only they need it.
    assert embedded_fonts(cyrillic) == ["DejaVuSansBold", "DejaVuSansBook", "DejaVuSansBook"]


names = st.text(
    alphabet=st.sampled_from("abcxyzABCXYZéëñßøåçłśźżąęőűşğ ÀÉÖÜЖжщЯяαβγΩ'-."),
    min_size=1,
    max_size=40,
).filter(lambda name: name.strip() != "")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=names)
def test_any_european_name_prints_as_given(fonts: ReceiptFonts, name: str) -> None:
    text = text_of(render_receipt(make_receipt(buyer_name=name), fonts))

    assert f"Billed to {' '.join(name.split())} Advisor" in text


# -- credit notes ---------------------------------------------------------------------------


def test_a_credit_note_shows_what_was_refunded_and_what_was_kept(fonts: ReceiptFonts) -> None:
    text = text_of(render_credit_note(make_credit_note(), fonts))

    assert "Credit note number CN-2026-000001" in text
    assert "Original receipt R-2026-000001" in text
    assert "Refunded 60-minute live session with Dr. Ana Ruiz $80.00" in text.replace(
        "Description Amount ", ""
    )
    assert "Refunded total $80.00 USD" in text
    assert "Handling fee — non-refundable, kept $3.49" in text
    assert "Reason Money-back guarantee" in text
    assert "goes back to the payment method used for receipt R-2026-000001" in text


def test_a_fee_already_labelled_non_refundable_is_not_labelled_twice(
    fonts: ReceiptFonts,
) -> None:
    fee = replace(FEE, description="Handling fee (non-refundable)")
    receipt = text_of(render_receipt(make_receipt(lines=[SESSION, fee]), fonts))
    note = text_of(render_credit_note(make_credit_note(kept=[fee]), fonts))

    assert "Handling fee (non-refundable) $3.49" in receipt
    assert "Handling fee (non-refundable) — kept $3.49" in note


def test_a_credit_note_totals() -> None:
    note = make_credit_note()

    assert note.total == Money(8000, "USD")
    assert note.kept_total == Money(349, "USD")


def test_a_refund_never_returns_the_handling_fee() -> None:
    with pytest.raises(ValueError, match="never returns"):
        make_credit_note(refunded=[SESSION, FEE], kept=[])


def test_a_credit_note_points_at_a_receipt() -> None:
    with pytest.raises(ValueError):
        make_credit_note(original_receipt_number="CN-2026-000001")
    with pytest.raises(ValueError):
        make_credit_note(number="R-2026-000002")


# -- bad data is refused before anything is drawn -------------------------------------------


def test_every_amount_is_in_the_documents_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        make_receipt(lines=[SESSION, replace(FEE, amount=Money(349, "EUR"))])
    with pytest.raises(CurrencyMismatch):
        make_credit_note(kept=[replace(FEE, amount=Money(349, "EUR"))])


def test_a_line_is_never_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(SESSION, amount=Money(-1, "USD"))


def test_the_handling_fee_line_cannot_be_marked_refundable() -> None:
    with pytest.raises(ValueError, match="never refundable"):
        ReceiptLine("Handling fee", Money(349, "USD"), "fee", refundable=True)


@pytest.mark.parametrize(
    "changes",
    [
        {"issued_at": datetime(2026, 3, 3, 14, 5)},  # naive: which zone?
        {"timezone": "Mars/Olympus_Mons"},
        {"locale": "xx_YY"},
        {"number": "CN-2026-000001"},
        {"lines": []},
        {"buyer_name": "  "},
        {"guarantee_hours": -1},
    ],
    ids=["naive", "zone", "locale", "kind", "empty", "buyer", "hours"],
)
def test_bad_receipt_data_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_receipt(**changes)


# -- the bytes ------------------------------------------------------------------------------


def test_the_same_data_gives_the_same_bytes(fonts: ReceiptFonts) -> None:
    data = make_receipt(buyer_name="Zoë Łukasz 李雷")

    assert render_receipt(data, fonts) == render_receipt(data, fonts)
    assert render_credit_note(make_credit_note(), fonts) == render_credit_note(
        make_credit_note(), fonts
    )


def test_another_process_makes_the_same_bytes(fonts: ReceiptFonts) -> None:
    """No hash order or clock leaks in: a re-rendered receipt matches the stored one."""
    script = (
        "import hashlib\n"
        "from core.receipts import render_receipt\n"
        "from tests.support.receipts import make_receipt\n"
        "pdf = render_receipt(make_receipt(buyer_name='Zoë Łukasz 李雷 Анна'))\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=Path(__file__).parents[2],  # the repository, so that ``core`` and ``tests`` import
        capture_output=True,
        text=True,
        check=True,
    )
    here = render_receipt(make_receipt(buyer_name="Zoë Łukasz 李雷 Анна"), fonts)

    assert result.stdout.strip() == hashlib.sha256(here).hexdigest()


def test_shared_fonts_give_the_same_bytes_as_fonts_parsed_per_document(
    fonts: ReceiptFonts,
) -> None:
    data = make_receipt(buyer_name="Zoë Łukasz 李雷")

    assert render_receipt(data) == render_receipt(data, fonts)


def test_the_pdf_is_dated_when_the_document_was_issued(fonts: ReceiptFonts) -> None:
    meta = PdfReader(io.BytesIO(render_receipt(make_receipt(), fonts))).metadata

    assert meta is not None
    assert meta.creation_date == ISSUED
    assert meta.title == "Receipt R-2026-000001"


@pytest.mark.parametrize("buyer_name", ["Zoë Łukasz", "Zoë Łukasz 李雷 김민준 Анна"])
def test_documents_stay_small(fonts: ReceiptFonts, buyer_name: str) -> None:
    receipt = render_receipt(make_receipt(buyer_name=buyer_name, lines=[SESSION, FEE, TIP]), fonts)
    note = render_credit_note(make_credit_note(buyer_name=buyer_name), fonts)

    assert len(receipt) <= MAX_BYTES
    assert len(note) <= MAX_BYTES


def test_a_shared_font_copy_draws_exactly_what_add_font_draws(fonts: ReceiptFonts) -> None:
    """Guards the font copying against fpdf2 internals changing under it."""
    from core.receipts.fonts import _TEXT_FONTS

    def page(use_copy: bool) -> PdfReader:
        pdf = FPDF()
        pdf.set_creation_date(ISSUED)
        file = _TEXT_FONTS[0]
        if use_copy:
            fonts[file].install(pdf)
        else:
            pdf.add_font(file.family, file.style, FONT_DIR / file.filename)
        pdf.add_page()
        pdf.set_font(file.family, size=12)
        pdf.multi_cell(0, 6, "Zoë Łukasz paid $83.49 • Visa •••• 4242")
        return PdfReader(io.BytesIO(bytes(pdf.output())))

    def parts(reader: PdfReader) -> tuple[bytes, object, bytes]:
        first = reader.pages[0]
        font = next(iter(first["/Resources"]["/Font"].values())).get_object()
        widths = font["/DescendantFonts"][0].get_object()["/W"]
        return first.get_contents().get_data(), widths, font["/ToUnicode"].get_object().get_data()

    copied, added = page(use_copy=True), page(use_copy=False)
    assert parts(copied) == parts(added)
    assert copied.pages[0].extract_text() == added.pages[0].extract_text()
