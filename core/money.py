"""Money: integer minor units plus an ISO 4217 currency. Never a float."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_precision,
    parse_decimal,
)

from core.errors import CurrencyMismatch


def minor_digits(currency: str) -> int:
    """How many minor-unit digits a currency has (USD 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency.upper()))


class AmountProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    TOO_MANY_DECIMALS = "too_many_decimals"


class InvalidAmount(ValueError):
    """What a person typed is no amount of this currency; ``problem`` says why."""

    def __init__(self, problem: AmountProblem, text: str) -> None:
        super().__init__(f"{_PROBLEM_WORDS[problem]}: {text!r}")
        self.problem = problem


# For people reading an import's errors; the chat answers with its own texts.
_PROBLEM_WORDS = {
    AmountProblem.NOT_A_NUMBER: "not an amount",
    AmountProblem.NEGATIVE: "below zero",
    AmountProblem.TOO_MANY_DECIMALS: "too many decimal places",
}


# ASCII digits with the separators people put between them (group or decimal marks, spaces);
# exponents, other scripts' digits and superscripts are not amounts.
_NUMBER = re.compile(r"[0-9]+(?:[.,' \u00a0\u202f\u2019][0-9]+)*[.,]?")
_SPACED_GROUP = re.compile(r"(?<=[0-9])[' \u00a0\u202f\u2019](?=[0-9]{3}(?![0-9]))")
_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]{1,2}")
_DECIMAL_POINT = re.compile(r"[0-9]+\.[0-9]{1,2}")


def _strip_currency(text: str, currency: str) -> str:
    """The text without currency symbols ("$", "€", "US$") or the currency's code."""
    text = "".join(c for c in text if unicodedata.category(c) != "Sc")
    text = re.sub(rf"(?i)^\s*(?:{currency}|US)\s*|\s*{currency}\s*$", "", text.strip())
    return text.strip()


def _read_decimal(body: str, locale: str) -> Decimal:
    """The number in ``body`` as the locale writes it ("1,000" and "1000" alike in en_US,
    "1.000" in de_DE); a decimal comma or point with one or two digits ("3,49", "40.50") is
    read anywhere: a Spanish speaker from Mexico writes "40.50" where Spain writes "40,50"."""
    body = _SPACED_GROUP.sub("", body)
    try:
        return Decimal(parse_decimal(body, locale=locale, strict=True))
    except NumberFormatError:
        if _DECIMAL_COMMA.fullmatch(body):
            return Decimal(body.replace(",", "."))
        if _DECIMAL_POINT.fullmatch(body):
            return Decimal(body)
        raise


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount of one currency, stored as an integer count of minor units (cents)."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError(
                f"Money amounts are integer minor units, not {type(self.amount).__name__}"
            )
        if (
            not isinstance(self.currency, str)
            or len(self.currency) != 3
            or not self.currency.isalpha()
        ):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")
        if not self.currency.isupper():
            object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str, locale: str = "en_US") -> Money:
        """Parse what a person types ("40", "1,000", "12.50", "$7", "3,49") as the locale
        writes numbers; InvalidAmount (a ValueError) says what is wrong with it."""
        cleaned = _strip_currency(text, currency)
        negative = cleaned[:1] in ("-", "\u2212")
        body = cleaned.lstrip("+-\u2212").strip()
        if not _NUMBER.fullmatch(body):
            raise InvalidAmount(AmountProblem.NOT_A_NUMBER, text)
        try:
            value = _read_decimal(body.rstrip(".,"), locale)
        except (NumberFormatError, ArithmeticError):
            raise InvalidAmount(AmountProblem.NOT_A_NUMBER, text) from None
        if negative and value != 0:
            raise InvalidAmount(AmountProblem.NEGATIVE, text)
        scaled = value.scaleb(minor_digits(currency))
        if scaled != scaled.to_integral_value():
            raise InvalidAmount(AmountProblem.TOO_MANY_DECIMALS, text)
        return cls(int(scaled), currency)

    def _check(self, other: Any) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._check(other).amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def percent(self, percent: int) -> Money:
        """``percent`` % of this amount, rounded half up to a whole minor unit."""
        if isinstance(percent, bool) or not isinstance(percent, int):
            raise TypeError("percent must be an int")
        return Money((self.amount * percent * 2 + 100) // 200, self.currency)

    @property
    def decimal(self) -> Decimal:
        """The amount in major units as an exact Decimal (for display only)."""
        return Decimal(self.amount).scaleb(-minor_digits(self.currency))

    def format(self, locale: str = "en_US") -> str:
        """Locale-aware text: ``$3.49`` in en_US, ``3,49 €`` in de_DE."""
        return str(format_currency(self.decimal, self.currency, locale=locale))

    def __str__(self) -> str:
        return self.format()


def total(amounts: list[Money], currency: str) -> Money:
    """Sum a list of Money, all in ``currency``."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result


def to_stripe_amount(money: Money) -> tuple[int, str]:
    """The one place amounts become Stripe's (unit_amount, lowercase currency)."""
    return money.amount, money.currency.lower()
