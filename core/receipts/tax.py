"""The tax contained in a price: a rate in basis points, and its share of each line.

Prices are tax-inclusive: the amount charged already holds the tax, so a receipt only says how
much of each line is tax (``incl. VAT 21%: $10.41`` under a $60.00 line). The share of one
line is ``amount × rate / (100 % + rate)``, in integer minor units, rounded half up; a
document's tax is the sum of its lines' rounded shares, so the lines always add up to the
total printed under them. No float is ever involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_percent

from core.money import Money

WHOLE = 10_000  # basis points in 100 %


@dataclass(frozen=True, slots=True)
class Tax:
    """A tax rate that prices include: its name (``VAT``) and rate in basis points (2100)."""

    name: str
    basis_points: int

    def __post_init__(self) -> None:
        if isinstance(self.basis_points, bool) or not isinstance(self.basis_points, int):
            raise TypeError("a tax rate is an int of basis points")
        if not 0 <= self.basis_points < WHOLE:
            raise ValueError(f"a tax rate is from 0 up to 100 %, not {self.basis_points} bp")
        if not self.name.strip():
            raise ValueError("a tax needs a name, like VAT")

    def rate_text(self, locale: str = "en_US") -> str:
        """``21%``, ``7.5%``, as ``locale`` writes a percentage."""
        rate = Decimal(self.basis_points).scaleb(-4)
        return str(format_percent(rate, locale=locale, decimal_quantization=False))

    def contained_in(self, amount: Money) -> Money:
        """The tax within a tax-inclusive ``amount``, rounded half up to a minor unit."""
        if amount.amount < 0:
            raise ValueError("tax is worked out on amounts of zero or more")
        numerator = amount.amount * self.basis_points
        denominator = WHOLE + self.basis_points
        return Money((2 * numerator + denominator) // (2 * denominator), amount.currency)
