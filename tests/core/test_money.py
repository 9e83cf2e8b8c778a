"""Money is exact: integer minor units with a currency, never a float."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import CurrencyMismatch
from core.money import AmountProblem, InvalidAmount, Money, to_stripe_amount, total

amounts = st.integers(min_value=-(10**12), max_value=10**12)
currencies = st.sampled_from(["USD", "EUR", "JPY", "GBP", "KWD"])


@given(amounts, amounts, currencies)
def test_addition_is_exact_and_commutative(a: int, b: int, currency: str) -> None:
    assert Money(a, currency) + Money(b, currency) == Money(a + b, currency)
    assert Money(a, currency) + Money(b, currency) == Money(b, currency) + Money(a, currency)


@given(amounts, amounts, amounts, currencies)
def test_sum_then_subtract_returns_the_start(a: int, b: int, c: int, currency: str) -> None:
    start = Money(a, currency)
    assert (
        start + Money(b, currency) + Money(c, currency) - Money(c, currency) - Money(b, currency)
        == start
    )


@given(amounts, currencies, currencies)
def test_different_currencies_never_combine(a: int, first: str, second: str) -> None:
    if first == second:
        return
    with pytest.raises(CurrencyMismatch):
        Money(a, first) + Money(a, second)
    with pytest.raises(CurrencyMismatch):
        _ = Money(a, first) < Money(a, second)


@pytest.mark.parametrize("bad", [3.49, 1.0, True, "349", None])
def test_floats_and_other_non_integers_are_refused(bad: object) -> None:
    with pytest.raises(TypeError):
        Money(bad, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["US", "usdx", "12$", ""])
def test_currency_must_be_an_iso_code(bad: str) -> None:
    with pytest.raises(ValueError):
        Money(1, bad)


def test_currency_is_normalised_to_upper_case() -> None:
    assert Money(5, "usd") == Money(5, "USD")


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(349, "USD"), "en_US", "$3.49"),
        (Money(349, "EUR"), "de_DE", "3,49\xa0€"),
        (Money(8349, "USD"), "en_US", "$83.49"),
        (Money(1500, "JPY"), "ja_JP", "￥1,500"),
        (Money(-100, "USD"), "en_US", "-$1.00"),
        (Money(1234567, "GBP"), "en_GB", "£12,345.67"),
    ],
)
def test_formatting_follows_the_locale(money: Money, locale: str, expected: str) -> None:
    assert money.format(locale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("40", 4000), ("12.50", 1250), ("$7", 700), ("3,49", 349), (" 0.99 ", 99)],
)
def test_parse_reads_what_people_type(text: str, expected: int) -> None:
    assert Money.parse(text, "USD") == Money(expected, "USD")


@pytest.mark.parametrize("text", ["abc", "", "1.234", "nan", "inf", "4O"])
def test_parse_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        Money.parse(text, "USD")


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=100))
def test_percent_rounds_half_up_and_never_exceeds_the_whole(amount: int, percent: int) -> None:
    share = Money(amount, "USD").percent(percent)
    assert 0 <= share.amount <= amount
    assert abs(share.amount * 100 - amount * percent) <= 50


def test_total_and_stripe_conversion() -> None:
    assert total([Money(8000, "USD"), Money(349, "USD")], "USD") == Money(8349, "USD")
    assert to_stripe_amount(Money(8349, "USD")) == (8349, "usd")


@pytest.mark.parametrize(
    ("text", "currency", "locale", "expected"),
    [
        ("1,000", "USD", "en_US", 100_000),
        ("1000", "USD", "en_US", 100_000),
        ("1 000", "USD", "en_US", 100_000),
        ("US$ 12", "USD", "en_US", 1200),
        ("12 USD", "USD", "en_US", 1200),
        ("1.000", "EUR", "de_DE", 100_000),
        ("1.000,50", "EUR", "de_DE", 100_050),
        ("12,50 €", "EUR", "de_DE", 1250),
        ("1500", "JPY", "ja_JP", 1500),
        # Spanish: Spain writes a decimal comma, Mexico a decimal point; both are read.
        ("40,50", "USD", "es", 4050),
        ("40.50", "USD", "es", 4050),
        ("7,5", "USD", "es", 750),
        ("1.000", "USD", "es", 100_000),
        ("40.50", "USD", "es_MX", 4050),
    ],
)
def test_parse_follows_the_locale_and_its_group_marks(
    text: str, currency: str, locale: str, expected: int
) -> None:
    assert Money.parse(text, currency, locale) == Money(expected, currency)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("-5", AmountProblem.NEGATIVE),
        ("−5", AmountProblem.NEGATIVE),
        ("40.555", AmountProblem.TOO_MANY_DECIMALS),
        ("1e9", AmountProblem.NOT_A_NUMBER),
        ("²", AmountProblem.NOT_A_NUMBER),
        ("٣", AmountProblem.NOT_A_NUMBER),
        ("1,0,0", AmountProblem.NOT_A_NUMBER),
    ],
)
def test_parse_says_what_is_wrong(text: str, problem: AmountProblem) -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money.parse(text, "USD")
    assert caught.value.problem is problem
