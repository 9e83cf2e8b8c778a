"""What a document prints, as JSON-ready values stored until (and after) it is rendered."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.money import Money
from core.receipts.data import CreditNoteData, PaymentMethod, ReceiptData, ReceiptLine
from core.receipts.fonts import ReceiptFonts
from core.receipts.layout import render_credit_note, render_receipt
from core.receipts.tax import Tax

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


def _tax_payload(tax: Tax | None) -> dict[str, Any] | None:
    # Prices include the tax; a receipt of prices without it would say so here.
    return None if tax is None else {"name": tax.name, "basis_points": tax.basis_points}


def _tax_of(payload: Mapping[str, Any] | None) -> Tax | None:
    if not payload:
        return None
    return Tax(str(payload["name"]), int(payload["basis_points"]))


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


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
        "registration_number": data.registration_number,
        "tax_id": data.tax_id,
        "tax": _tax_payload(data.tax),
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
            "terms_version": data.terms_version,
            "terms_accepted_at": (
                data.terms_accepted_at.isoformat() if data.terms_accepted_at else None
            ),
        }
    return {
        "kind": "credit_note",
        **common,
        "original_receipt_number": data.original_receipt_number,
        "refunded": [_line_payload(line) for line in data.refunded],
        "kept": [_line_payload(line) for line in data.kept],
        "reason": data.reason,
        "session_at": data.session_at.isoformat() if data.session_at else None,
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
    # Documents stored before these were printed have none of them.
    common["registration_number"] = str(payload.get("registration_number", ""))
    common["tax_id"] = str(payload.get("tax_id", ""))
    common["tax"] = _tax_of(payload.get("tax"))
    if payload["kind"] == "receipt":
        method = payload.get("payment_method") or {}
        return ReceiptData(
            **common,
            lines=[_line_of(line) for line in payload["lines"]],
            payment_method=PaymentMethod(method.get("brand"), method.get("last4")),
            guarantee_hours=int(payload["guarantee_hours"]),
            terms_version=str(payload.get("terms_version", "")),
            terms_accepted_at=_moment(payload.get("terms_accepted_at")),
        )
    return CreditNoteData(
        **common,
        original_receipt_number=payload["original_receipt_number"],
        refunded=[_line_of(line) for line in payload["refunded"]],
        kept=[_line_of(line) for line in payload["kept"]],
        reason=str(payload.get("reason", "")),
        session_at=_moment(payload.get("session_at")),
    )


def render_payload(payload: Mapping[str, Any], fonts: ReceiptFonts | None = None) -> bytes:
    """The PDF of a stored document: the same bytes as rendering its data at once."""
    data = document_of(payload)
    if isinstance(data, ReceiptData):
        return render_receipt(data, fonts)
    return render_credit_note(data, fonts)
