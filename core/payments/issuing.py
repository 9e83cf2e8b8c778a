"""Receipts and credit notes issued: numbered and stored inside the money's transaction.

Their PDFs are rendered when first read (:mod:`core.documents`), never while Stripe waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core import i18n
from core.config import Settings
from core.db import UnitOfWork, insert_for
from core.documents import receipt_pdf
from core.errors import NotFound
from core.models.accounts import Advisor, Client
from core.models.billing import Purchase, Receipt, ReceiptCounter, Refund, RefundKind
from core.models.bookings import Booking
from core.models.dialogs import Consent
from core.names import receipt_name
from core.payments.deps import BillingDeps, client_locale
from core.payments.locks import people_of
from core.payments.notices import (
    REASON_CANCELLED,
    REASON_EXTERNAL,
    REASON_GUARANTEE,
    REASON_NO_SHOW,
)
from core.payments.pricing import LineKind, QuoteLine, purchase_lines
from core.payments.times import zone
from core.receipts import (
    CreditNoteData,
    PaymentMethod,
    ReceiptData,
    ReceiptLine,
    Tax,
    document_payload,
    format_receipt_number,
    format_when,
    receipt_filename,
)
from core.texts import billing as t
from core.texts import receipts as tr
from core.texts import refunds as rt

# A refund's reason as stored (its messages' wording follows it), as a credit note prints it.
_REASONS = {
    REASON_GUARANTEE: tr.REASON_GUARANTEE,
    REASON_CANCELLED: tr.REASON_CANCELLED,
    REASON_NO_SHOW: tr.REASON_NO_SHOW,
    REASON_EXTERNAL: tr.REASON_EXTERNAL,
}


@dataclass(frozen=True, slots=True)
class ReceiptFile:
    """A stored receipt or credit note, ready to send."""

    id: int
    number: str
    filename: str
    pdf: bytes


async def allocate_number(uow: UnitOfWork, kind: str, year: int) -> int:
    """The next receipt or credit-note number of ``year``, inside the caller's transaction.

    One upsert bumps the (kind, year) counter and returns it; the counter row stays locked
    until the transaction ends, and a rollback gives the number back, so numbers have no
    gaps and are never given twice.
    """
    insert = insert_for(uow)
    statement = (
        insert(ReceiptCounter)
        .values(kind=kind, year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=["kind", "year"],
            set_={"last_sequence": ReceiptCounter.last_sequence + 1},
        )
        .returning(ReceiptCounter.last_sequence)
    )
    return int((await uow.session.execute(statement)).scalar_one())


def receipt_lines(lines: list[QuoteLine]) -> list[ReceiptLine]:
    return [
        ReceiptLine(
            description=line.label,
            amount=line.amount,
            kind=line.kind.value,
            refundable=line.refundable,
            detail=line.detail,
        )
        for line in lines
    ]


def _stored(
    settings: Settings,
    kind: str,
    number: str,
    year: int,
    sequence: int,
    purchase: Purchase,
    refund: Refund | None,
    content: dict[str, Any],
    now: datetime,
    locale: str,
) -> Receipt:
    return Receipt(
        number=number,
        kind=kind,
        year=year,
        sequence=sequence,
        purchase_id=purchase.id,
        refund_id=refund.id if refund is not None else None,
        filename=receipt_filename(number, settings.platform_name, locale),  # the buyer's
        pdf=None,
        content=content,
        issued_at=now,
    )


def settings_tax(settings: Settings) -> Tax | None:
    """The tax today's prices include, as receipts print it; None when no rate is set."""
    points = settings.tax_basis_points
    return None if points is None else Tax(settings.tax_name.strip(), points)


async def accepted_terms(
    uow: UnitOfWork, client: Client | None, now: datetime
) -> tuple[str, datetime | None]:
    """The version of the terms the client last accepted by ``now``, and when."""
    if client is None:
        return "", None
    consent = await uow.session.scalar(
        select(Consent)
        .where(Consent.client_id == client.id, Consent.accepted_at <= now)
        .order_by(Consent.accepted_at.desc(), Consent.id.desc())
        .limit(1)
    )
    return ("", None) if consent is None else (consent.terms_version, consent.accepted_at)


async def issue_receipt(
    settings: Settings,
    uow: UnitOfWork,
    purchase: Purchase,
    booking: Booking | None,
    people: tuple[Client | None, Advisor],
    now: datetime,
) -> Receipt:
    """Number the purchase's receipt and store what it prints, in the buyer's language and
    locale, inside the payment's transaction; its PDF is rendered when it is first read
    (:mod:`core.documents`)."""
    client, advisor = people
    year = now.astimezone(UTC).year
    sequence = await allocate_number(uow, "receipt", year)
    number = format_receipt_number("receipt", year, sequence)
    timezone = zone(client.timezone if client is not None else "UTC").key
    locale = client_locale(client, settings)
    detail = (
        format_when(booking.starts_at, timezone, locale) if booking and booking.starts_at else ""
    )
    terms_version, terms_accepted_at = await accepted_terms(uow, client, now)
    with i18n.speaking(locale):  # its lines, and a buyer without a name, in their language
        buyer = receipt_name(client) if client is not None else t.RECEIPT_BUYER()
        lines = receipt_lines(purchase_lines(purchase, detail))
    data = ReceiptData(
        number=number,
        issued_at=now,
        platform_name=settings.platform_name,
        platform_address=settings.platform_address,
        buyer_name=buyer,
        advisor_name=advisor.display_name,
        lines=lines,
        currency=purchase.currency,
        payment_method=PaymentMethod(
            brand=purchase.payment_method_brand, last4=purchase.payment_method_last4
        ),
        stripe_reference=purchase.payment_intent_id or purchase.checkout_session_id or "-",
        guarantee_hours=settings.guarantee_window_hours,
        locale=locale,
        timezone=timezone,
        registration_number=settings.company_registration_number or "",
        tax_id=settings.tax_id or "",
        tax=settings_tax(settings),
        terms_version=terms_version,
        terms_accepted_at=terms_accepted_at,
    )
    content = document_payload(data)
    receipt = _stored(
        settings, "receipt", number, year, sequence, purchase, None, content, now, locale
    )
    uow.session.add(receipt)
    await uow.session.flush()
    return receipt


def _credited_lines(purchase: Purchase, refund: Refund) -> tuple[list[QuoteLine], list[QuoteLine]]:
    """(refunded, kept) lines of a credit note."""
    if refund.kind == RefundKind.EXTERNAL:
        # Made at Stripe, of any amount: it says what was returned, and nothing of the fee.
        label = rt.CREDIT_LINE_EXTERNAL(description=purchase.description)
        return [QuoteLine(LineKind.SERVICE, label, refund.amount, True)], []
    lines = purchase_lines(purchase)
    refunded = [
        QuoteLine(LineKind.SERVICE, line.label, refund.amount, True)
        for line in lines
        if line.kind is LineKind.SERVICE
    ]
    return refunded, [line for line in lines if line.kind is not LineKind.SERVICE]


async def issue_credit_note(
    settings: Settings, uow: UnitOfWork, purchase: Purchase, refund: Refund, now: datetime
) -> Receipt:
    """Number the refund's credit note and store what it prints, in the refund's transaction."""
    client, advisor = await people_of(uow, purchase)
    original = await uow.session.scalar(
        select(Receipt).where(Receipt.purchase_id == purchase.id).where(Receipt.kind == "receipt")
    )
    if original is None:
        raise RuntimeError(f"purchase {purchase.id} has no receipt to credit")
    # The refund holds the tax share the receipt printed, whatever the rate is today.
    tax = (original.content or {}).get("tax")
    booking = await uow.session.get(Booking, purchase.booking_id) if purchase.booking_id else None
    year = now.astimezone(UTC).year
    sequence = await allocate_number(uow, "credit_note", year)
    number = format_receipt_number("credit_note", year, sequence)
    timezone = client.timezone if client is not None else "UTC"
    locale = client_locale(client, settings)
    with i18n.speaking(locale):  # its lines, reason and buyer in the buyer's language
        refunded, kept = _credited_lines(purchase, refund)
        buyer = receipt_name(client) if client is not None else t.RECEIPT_BUYER()
        reason = _REASONS[refund.reason]() if refund.reason in _REASONS else refund.reason
    data = CreditNoteData(
        number=number,
        original_receipt_number=original.number,
        issued_at=now,
        platform_name=settings.platform_name,
        platform_address=settings.platform_address,
        buyer_name=buyer,
        advisor_name=advisor.display_name,
        refunded=receipt_lines(refunded),
        kept=receipt_lines(kept),
        currency=purchase.currency,
        stripe_reference=refund.stripe_refund_id or purchase.payment_intent_id or "-",
        reason=reason,
        locale=locale,
        timezone=zone(timezone).key,
        registration_number=settings.company_registration_number or "",
        tax_id=settings.tax_id or "",
        tax=Tax(str(tax["name"]), int(tax["basis_points"])) if tax else None,
        session_at=booking.starts_at if booking is not None else None,
    )
    content = document_payload(data)
    receipt = _stored(
        settings, "credit_note", number, year, sequence, purchase, refund, content, now, locale
    )
    uow.session.add(receipt)
    await uow.session.flush()
    return receipt


async def receipt_file(
    deps: BillingDeps, receipt_id: int, *, client_id: int | None, advisor_id: int | None
) -> ReceiptFile:
    """A stored receipt or credit note, only to its buyer (or the advisor paid by it)."""
    async with deps.db.uow() as uow:
        pair = (
            await uow.session.execute(
                select(Receipt, Purchase)
                .join(Purchase, Purchase.id == Receipt.purchase_id)
                .where(Receipt.id == receipt_id)
            )
        ).first()
        if pair is None:
            raise NotFound(t.RECEIPT_NOT_FOUND())
        receipt, purchase = pair
        allowed = (client_id is not None and purchase.client_id == client_id) or (
            advisor_id is not None and purchase.advisor_id == advisor_id
        )
        if not allowed:
            raise NotFound(t.RECEIPT_NOT_FOUND())
        pdf = await receipt_pdf(uow, receipt, deps.fonts)
        await uow.commit()
        return ReceiptFile(receipt.id, receipt.number, receipt.filename, pdf)
