"""Receipt and credit-note data for the documents' tests: a session bought by card with the
handling fee, its refund, and the lines they are made of. No database, no billing."""

from __future__ import annotations

from datetime import UTC, datetime

from core.money import Money
from core.receipts import CreditNoteData, PaymentMethod, ReceiptData, ReceiptLine

ISSUED = datetime(2026, 3, 3, 14, 5, tzinfo=UTC)
SESSION = ReceiptLine(
    "60-minute live session with Dr. Ana Ruiz",
    Money(8000, "USD"),
    "service",
    refundable=True,
    detail="Tuesday, March 10, 2026, 3:00 PM EST",
)
FEE = ReceiptLine("Handling fee", Money(349, "USD"), "fee", refundable=False)
TIP = ReceiptLine("Tip for Dr. Ana Ruiz", Money(500, "USD"), "tip", refundable=False)


def make_receipt(**changes: object) -> ReceiptData:
    """A session bought by card, with the handling fee; ``changes`` override fields."""
    fields: dict[str, object] = {
        "number": "R-2026-000001",
        "issued_at": ISSUED,
        "platform_name": "Pathwise",
        "platform_address": "Pathwise Advice Ltd, 1 Example Street, Springfield",
        "buyer_name": "Zoë Łukasz",
        "advisor_name": "Dr. Ana Ruiz",
        "lines": [SESSION, FEE],
        "currency": "USD",
        "payment_method": PaymentMethod("visa", "4242"),
        "stripe_reference": "pi_3PqXyZ2eZvKYlo2C1a2b3c4d",
        "guarantee_hours": 72,
        "locale": "en_US",
        "timezone": "America/New_York",
    }
    fields.update(changes)
    return ReceiptData(**fields)  # type: ignore[arg-type]


def make_credit_note(**changes: object) -> CreditNoteData:
    """The refund of :func:`make_receipt`'s session; the fee is kept."""
    fields: dict[str, object] = {
        "number": "CN-2026-000001",
        "original_receipt_number": "R-2026-000001",
        "issued_at": datetime(2026, 3, 11, 9, 0, tzinfo=UTC),
        "platform_name": "Pathwise",
        "platform_address": "Pathwise Advice Ltd, 1 Example Street, Springfield",
        "buyer_name": "Zoë Łukasz",
        "advisor_name": "Dr. Ana Ruiz",
        "refunded": [SESSION],
        "kept": [FEE],
        "currency": "USD",
        "stripe_reference": "re_3PqXyZ2eZvKYlo2C0abc",
        "reason": "Money-back guarantee",
    }
    fields.update(changes)
    return CreditNoteData(**fields)  # type: ignore[arg-type]
