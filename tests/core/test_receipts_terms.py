"""What receipts and credit notes owe their reader besides the prices: the terms the client
accepted, the platform's registration and tax numbers, the tax within each line, and the
session a credit note refunds. Real PDFs, read back with pypdf line by line."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from pypdf import PdfReader
from sqlalchemy import select

from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs.flows import TERMS_VERSION
from core.models import Booking
from core.models.billing import Receipt
from core.models.dialogs import Consent
from core.money import Money
from core.receipts import (
    CreditNoteData,
    ReceiptData,
    ReceiptFonts,
    ReceiptLine,
    Tax,
    document_payload,
    render_credit_note,
    render_payload,
    render_receipt,
)
from tests.support.billing import checkout_of, receipt_text, seed
from tests.support.receipts import make_credit_note, make_receipt
from tests.support.stripe_stand_in import stripe_stand_in

ISSUED = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)
SESSION_AT = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 3:00 PM in New York (EDT)
SESSION = ReceiptLine(
    "60-minute live session with Ana Ruiz",
    Money(6000, "USD"),
    "service",
    refundable=True,
    detail="March 10, 2026, 3:00 PM EDT",
)
FEE = ReceiptLine("Handling fee", Money(349, "USD"), "fee", refundable=False)
VAT = Tax("VAT", 2100)


@pytest.fixture(scope="module")
def fonts() -> ReceiptFonts:
    return ReceiptFonts()


def lines_of(pdf: bytes) -> list[str]:
    """The PDF's text lines, as a reader sees them."""
    return as_read("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def as_read(text: str) -> list[str]:
    """Lines with their spaces (babel's narrow no-break ones too) as plain single spaces."""
    return [" ".join(line.split()) for line in text.splitlines()]


def a_receipt(**changes: object) -> ReceiptData:
    """The toolkit's receipt, for this file's session with Ana Ruiz."""
    return make_receipt(**{"advisor_name": "Ana Ruiz", "lines": [SESSION, FEE], **changes})


def a_credit_note(**changes: object) -> CreditNoteData:
    """The toolkit's credit note: this file's session refunded, its fee kept."""
    fields = {
        "advisor_name": "Ana Ruiz",
        "issued_at": datetime(2026, 3, 12, 14, 5, tzinfo=UTC),
        "refunded": [SESSION],
        "kept": [FEE],
        "stripe_reference": "re_3PqXyZ2eZvKYlo2C0abc",
        "timezone": "America/New_York",
        "reason": "",
    }
    return make_credit_note(**{**fields, **changes})


# -- the terms accepted ----------------------------------------------------------------------


def test_a_receipt_names_the_version_of_the_terms_the_client_accepted_and_when(
    fonts: ReceiptFonts,
) -> None:
    accepted = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    pdf = render_receipt(a_receipt(terms_version="2026-11", terms_accepted_at=accepted), fonts)
    assert "Terms accepted Version 2026-11, accepted March 1, 2026, 10:00 AM EST" in lines_of(pdf)


def test_a_receipt_without_a_known_acceptance_prints_no_terms_line(fonts: ReceiptFonts) -> None:
    text = " ".join(lines_of(render_receipt(a_receipt(), fonts)))
    assert "Terms accepted" not in text
    with pytest.raises(ValueError, match="version"):
        a_receipt(terms_accepted_at=ISSUED)


# -- the platform's numbers ------------------------------------------------------------------


def test_the_registration_and_tax_numbers_are_printed_under_the_address(
    fonts: ReceiptFonts,
) -> None:
    numbers = {"registration_number": "HRB 123456", "tax_id": "DE 123 456 789"}
    for pdf in (
        render_receipt(a_receipt(**numbers), fonts),
        render_credit_note(a_credit_note(**numbers), fonts),
    ):
        lines = lines_of(pdf)
        address = lines.index("Pathwise Advice Ltd, 1 Example Street, Springfield")
        assert lines[address + 1 : address + 3] == [
            "Company registration number: HRB 123456",
            "Tax ID: DE 123 456 789",
        ]


def test_unset_numbers_are_not_printed_at_all(fonts: ReceiptFonts) -> None:
    for pdf in (
        render_receipt(a_receipt(tax_id="GB123456789"), fonts),
        render_credit_note(a_credit_note(tax_id="GB123456789"), fonts),
    ):
        text = " ".join(lines_of(pdf))
        assert "Tax ID: GB123456789" in text and "registration" not in text.lower()
    text = " ".join(lines_of(render_receipt(a_receipt(), fonts)))
    assert "Tax ID" not in text and "registration" not in text.lower()


# -- the tax within each line ----------------------------------------------------------------


def test_each_line_and_the_total_show_the_tax_they_contain(fonts: ReceiptFonts) -> None:
    lines = lines_of(render_receipt(a_receipt(tax=VAT), fonts))
    session = lines.index("60-minute live session with Ana Ruiz $60.00")
    assert lines[session + 1 : session + 3] == [
        "March 10, 2026, 3:00 PM EDT",
        "incl. VAT 21%: $10.41",
    ]
    fee = lines.index("Handling fee (non-refundable) $3.49")
    assert lines[fee + 1] == "incl. VAT 21%: $0.61"
    total = lines.index("Total $63.49 USD")
    assert lines[total + 1] == "incl. VAT 21%: $11.02"


def test_the_tax_is_rounded_per_line_and_the_lines_add_up_to_the_total(
    fonts: ReceiptFonts,
) -> None:
    # Each $1.00 holds 17.36 cents of 21 % VAT: 17 cents each, so 34 in all (not 35 of $2.00).
    one = Money(100, "USD")
    session = replace(SESSION, amount=one, detail="")
    fee = replace(FEE, amount=one)
    lines = lines_of(render_receipt(a_receipt(lines=[session, fee], tax=VAT), fonts))
    assert lines.count("incl. VAT 21%: $0.17") == 2
    assert lines[lines.index("Total $2.00 USD") + 1] == "incl. VAT 21%: $0.34"


def test_a_half_cent_of_tax_rounds_up() -> None:
    tax = Tax("VAT", 16)  # 0.16 %: $3.13 holds exactly half a cent, $9.39 one and a half
    assert tax.contained_in(Money(313, "USD")) == Money(1, "USD")
    assert tax.contained_in(Money(939, "USD")) == Money(2, "USD")
    assert tax.contained_in(Money(312, "USD")) == Money(0, "USD")


@given(
    amount=st.integers(min_value=0, max_value=10**10),
    points=st.integers(min_value=0, max_value=9_999),
)
def test_the_tax_within_an_amount_is_the_exact_share_rounded_half_up(
    amount: int, points: int
) -> None:
    exact = Decimal(amount) * points / (10_000 + points)
    expected = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert Tax("VAT", points).contained_in(Money(amount, "USD")) == Money(expected, "USD")


def test_rates_with_decimals_are_written_as_the_locale_writes_them(fonts: ReceiptFonts) -> None:
    lines = lines_of(render_receipt(a_receipt(tax=Tax("GST", 750)), fonts))
    assert "incl. GST 7.5%: $4.19" in lines  # 6000 × 750 / 10750 = 418.6 cents
    de = render_receipt(a_receipt(tax=Tax("MwSt.", 1900), locale="de_DE"), fonts)
    assert "inkl." not in " ".join(lines_of(de))  # the words are English; the numbers German
    assert "incl. MwSt. 19 %: 9,58 $" in lines_of(de)


def test_a_credit_note_returns_the_tax_within_what_it_refunds(fonts: ReceiptFonts) -> None:
    lines = lines_of(render_credit_note(a_credit_note(tax=VAT), fonts))
    refunded = lines.index("60-minute live session with Ana Ruiz $60.00")
    assert lines[refunded + 2] == "incl. VAT 21%: $10.41"
    assert lines[lines.index("Refunded total $60.00 USD") + 1] == "incl. VAT 21%: $10.41"


def test_no_tax_rate_means_no_tax_lines(fonts: ReceiptFonts) -> None:
    for pdf in (
        render_receipt(a_receipt(), fonts),
        render_credit_note(a_credit_note(), fonts),
    ):
        assert "incl." not in " ".join(lines_of(pdf))


# -- the session a credit note refunds -------------------------------------------------------


def test_a_credit_note_shows_the_date_and_time_of_the_session_it_refunds(
    fonts: ReceiptFonts,
) -> None:
    lines = lines_of(render_credit_note(a_credit_note(session_at=SESSION_AT), fonts))
    assert "Session March 10, 2026, 3:00 PM EDT" in lines
    # In the same format as the document's own date.
    assert "Date March 12, 2026, 10:05 AM EDT" in lines


def test_documents_stored_before_these_fields_existed_render_as_they_did(
    fonts: ReceiptFonts,
) -> None:
    for data in (a_receipt(), a_credit_note()):
        payload = document_payload(data)
        for new in (
            "registration_number",
            "tax_id",
            "tax",
            "terms_version",
            "terms_accepted_at",
            "session_at",
        ):
            payload.pop(new, None)
        render = render_receipt if isinstance(data, ReceiptData) else render_credit_note
        assert render_payload(payload, fonts) == render(data, fonts)  # type: ignore[arg-type]


def test_what_a_document_prints_is_stored_and_renders_the_same_bytes(fonts: ReceiptFonts) -> None:
    receipt = a_receipt(
        tax=VAT,
        registration_number="HRB 1",
        tax_id="DE1",
        terms_version="2026-11",
        terms_accepted_at=ISSUED - timedelta(days=2),
    )
    note = a_credit_note(tax=VAT, tax_id="DE1", session_at=SESSION_AT)
    assert render_payload(document_payload(receipt), fonts) == render_receipt(receipt, fonts)
    assert render_payload(document_payload(note), fonts) == render_credit_note(note, fonts)


# -- the settings ----------------------------------------------------------------------------


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_tax_rate_is_an_exact_percentage_kept_in_basis_points() -> None:
    assert settings().tax_basis_points is None
    assert settings(tax_rate_percent="").tax_basis_points is None
    assert settings(tax_rate_percent="21").tax_basis_points == 2100
    assert settings(tax_rate_percent="7.5").tax_basis_points == 750
    assert settings(tax_rate_percent="0.16").tax_basis_points == 16
    assert settings(tax_rate_percent="20%").tax_rate_percent == "20"


@pytest.mark.parametrize("bad", ["7.125", "100", "-5", "1e1", "twenty", "21,5"])
def test_a_tax_rate_that_is_not_an_exact_percentage_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="tax_rate_percent"):
        settings(tax_rate_percent=bad)


def test_a_blank_tax_name_is_refused_before_any_receipt_needs_it() -> None:
    with pytest.raises(ValidationError, match="tax_name"):
        settings(tax_name="  ")


def test_tax_added_on_top_of_prices_is_refused_while_stripe_charges_the_prices_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATHWISE_TAX_RATE_PERCENT", "21")
    monkeypatch.setenv("PATHWISE_PRICES_INCLUDE_TAX", "false")
    with pytest.raises(ValidationError, match="prices_include_tax") as error:
        settings()
    assert "PATHWISE_TAX_RATE_PERCENT" in str(error.value)
    monkeypatch.delenv("PATHWISE_TAX_RATE_PERCENT")
    assert settings().prices_include_tax is False  # no rate, nothing to add


# -- through billing and the real Stripe SDK -------------------------------------------------


async def test_a_paid_and_refunded_session_carries_terms_numbers_tax_and_its_date(
    db: Database, database_url: str, clock: ManualClock
) -> None:
    world = await seed(db, clock.now())
    accepted = clock.now() - timedelta(hours=1)
    async with db.uow() as uow:
        uow.session.add(
            Consent(
                client_id=world.client_id,
                terms_version="2026-01",
                accepted_at=accepted - timedelta(days=90),
            )
        )
        uow.session.add(
            Consent(client_id=world.client_id, terms_version=TERMS_VERSION, accepted_at=accepted)
        )
        booking = await uow.session.get(Booking, world.booking_id)
        assert booking is not None and booking.ends_at is not None
        ends = booking.ends_at
        await uow.commit()
    numbers = {
        "company_registration_number": "HRB 123456",
        "tax_id": "ES B12345678",
        "tax_rate_percent": "21",
    }
    async with stripe_stand_in(db, database_url, clock, **numbers) as stand:
        billing, sandbox = stand.billing, stand.sandbox
        checkout = await billing.start_checkout(world.booking_id, world.client_id)
        [created] = [r for r in sandbox.requests if r.path == "/v1/checkout/sessions"]
        charged = sum(
            int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
            for item in created.params["line_items"]
        )
        purchase = await checkout_of(db, checkout.purchase_id)
        await sandbox.pay(purchase.checkout_session_id or "")
        async with db.uow() as uow:
            receipt = await uow.session.scalar(select(Receipt).where(Receipt.kind == "receipt"))
        assert receipt is not None
        lines = as_read(await receipt_text(db, receipt))

        # Prices include the tax: Stripe is asked for what the receipt totals, tax and all.
        assert charged == 6349 and "Total $63.49 USD" in lines
        # The clock says 09:00 UTC on November 23; the client lives in Madrid (CET), and
        # every moment is written the receipts' one way.
        assert (
            f"Terms accepted Version {TERMS_VERSION}, accepted November 23, 2026, 9:00 AM CET"
            in lines
        )
        assert "Company registration number: HRB 123456" in lines
        assert "Tax ID: ES B12345678" in lines
        service = lines.index("60-minute live session with Ana Ruiz $60.00")
        assert lines[service + 1 : service + 3] == [
            "November 24, 2026, 10:00 AM CET",
            "incl. VAT 21%: $10.41",
        ]
        assert (
            lines[lines.index("Handling fee (non-refundable) $3.49") + 1] == "incl. VAT 21%: $0.61"
        )
        assert lines[lines.index("Total $63.49 USD") + 1] == "incl. VAT 21%: $11.02"

        clock.set(ends + timedelta(hours=1))
        await billing.request_refund(world.booking_id, world.client_id)
        await sandbox.flush()
        async with db.uow() as uow:
            note = await uow.session.scalar(select(Receipt).where(Receipt.kind == "credit_note"))
        assert note is not None
        note_lines = as_read(await receipt_text(db, note))
    assert "Session November 24, 2026, 10:00 AM CET" in note_lines
    assert "Tax ID: ES B12345678" in note_lines
    assert "Refunded total $60.00 USD" in note_lines
    assert note_lines[note_lines.index("Refunded total $60.00 USD") + 1] == "incl. VAT 21%: $10.41"
