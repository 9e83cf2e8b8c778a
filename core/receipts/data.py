"""The data billing hands in for a receipt or a credit note, checked when made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Final, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from core.errors import CurrencyMismatch
from core.money import Money
from core.money import total as sum_money
from core.receipts.numbers import LineKind, parse_own_number
from core.receipts.tax import Tax
from core.texts import receipts as t

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
            return brand or t.ONLINE_PAYMENT()
        return t.CARD_ENDING(brand=brand or t.CARD(), last4=self.last4)


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
    # The platform's numbers (printed under its address when set) and the tax its prices hold.
    registration_number: str = ""
    tax_id: str = ""
    tax: Tax | None = None
    # The terms the buyer accepted (their latest consent before paying), when known.
    terms_version: str = ""
    terms_accepted_at: datetime | None = None

    def __post_init__(self) -> None:
        parse_own_number(self.number, "receipt")
        if self.terms_accepted_at is not None:
            _check_aware(self.terms_accepted_at, "terms_accepted_at")
            if not self.terms_version.strip():
                raise ValueError("an acceptance of terms needs the terms' version")
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
    registration_number: str = ""
    tax_id: str = ""
    tax: Tax | None = None  # the original receipt's, so the refund holds the same share
    # When the refunded booking's session was (or was to be) held.
    session_at: datetime | None = None

    def __post_init__(self) -> None:
        parse_own_number(self.number, "credit_note")
        if self.session_at is not None:
            _check_aware(self.session_at, "session_at")
        parse_own_number(self.original_receipt_number, "receipt")
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
    _check_aware(data.issued_at, "issued_at")
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


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
