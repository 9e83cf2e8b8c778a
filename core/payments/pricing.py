"""Fee rules and quotes (pure): the handling fee, the commission, tips, a purchase's lines."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.config import Settings
from core.errors import ConfigurationError
from core.models.billing import Purchase
from core.money import AmountProblem, InvalidAmount, Money
from core.payments.errors import InvalidTip
from core.texts import billing as t

# The fee line's label in English (the source language); a quote or a receipt renders
# t.FEE_LINE() in the language of the moment instead.
FEE_LABEL = t.FEE_LINE.en


class LineKind(StrEnum):
    SERVICE = "service"
    FEE = "fee"
    TIP = "tip"


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line of a quote, a checkout, a receipt."""

    kind: LineKind
    label: str
    amount: Money
    refundable: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """An itemized price, shown before paying: the lines and their total."""

    lines: tuple[QuoteLine, ...]
    currency: str

    def _sum(self, kind: LineKind | None = None) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            if kind is None or line.kind is kind:
                total = total + line.amount
        return total

    @property
    def total(self) -> Money:
        return self._sum()

    @property
    def service(self) -> Money:
        return self._sum(LineKind.SERVICE)

    @property
    def fee(self) -> Money:
        return self._sum(LineKind.FEE)

    @property
    def tip(self) -> Money:
        return self._sum(LineKind.TIP)

    def describe(self, locale: str = "en_US") -> str:
        """The quote in plain words, one line each, then the total."""
        rows = []
        for line in self.lines:
            amount = line.amount.format(locale)
            if line.detail:
                rows.append(
                    t.QUOTE_ROW_WITH_DETAIL(label=line.label, detail=line.detail, amount=amount)
                )
            else:
                rows.append(t.QUOTE_ROW(label=line.label, amount=amount))
        rows.append(t.QUOTE_TOTAL(total=self.total.format(locale)))
        return "\n".join(rows)


def handling_fee(settings: Settings) -> Money:
    """The flat fee on every purchase except a tip."""
    return Money(settings.handling_fee_minor, settings.currency)


def commission_on(service: Money, settings: Settings) -> Money:
    """The platform's commission: a share of the service price only (never of fee or tip)."""
    return service.percent(settings.commission_percent)


def advisor_share(service: Money, commission: Money, tips: Money) -> Money:
    """What an advisor earns: service price − commission + tips."""
    return service - commission + tips


def _check_currency(amount: Money, settings: Settings) -> None:
    if amount.currency != settings.currency:
        raise ConfigurationError(
            f"Prices must be in {settings.currency} (PATHWISE_CURRENCY); got {amount.currency}."
        )


def quote_service(
    *, offer_name: str, advisor_name: str, price: Money, settings: Settings, detail: str = ""
) -> Quote:
    """A session's quote: the service line, the handling-fee line, the total."""
    _check_currency(price, settings)
    label = t.SERVICE_LINE(offer=offer_name, advisor=advisor_name)
    lines = [QuoteLine(LineKind.SERVICE, label, price, True, detail)]
    fee = handling_fee(settings)
    if fee:
        lines.append(QuoteLine(LineKind.FEE, t.FEE_LINE(), fee, False))
    return Quote(tuple(lines), price.currency)


def quote_tip(*, advisor_name: str, amount: Money, settings: Settings) -> Quote:
    """A tip's quote: the tip line alone. No fee, and all of it goes to the advisor."""
    _check_tip_range(amount, settings)
    line = QuoteLine(LineKind.TIP, t.TIP_LINE(advisor=advisor_name), amount, False)
    return Quote((line,), amount.currency)


def tip_presets(settings: Settings) -> list[Money]:
    """The tip amounts offered as buttons."""
    return [
        Money(minor, settings.currency)
        for minor in settings.tip_presets_minor
        if settings.tip_min_minor <= minor <= settings.tip_max_minor
    ]


def parse_tip(text: str, settings: Settings) -> Money:
    """A tip amount a client typed ("5", "7.50", "$10"); InvalidTip says what to send instead."""
    try:
        amount = Money.parse(text, settings.currency, settings.locale)
    except InvalidAmount as error:
        if error.problem is AmountProblem.NEGATIVE:
            amount = Money(-1, settings.currency)  # below the smallest tip: say what it is
        elif error.problem is AmountProblem.TOO_MANY_DECIMALS:
            raise InvalidTip(t.TIP_DECIMALS()) from None
        else:
            raise InvalidTip() from None
    _check_tip_range(amount, settings)
    return amount


def _check_tip_range(amount: Money, settings: Settings) -> None:
    _check_currency(amount, settings)
    smallest = Money(settings.tip_min_minor, settings.currency)
    largest = Money(settings.tip_max_minor, settings.currency)
    locale = settings.locale
    if amount < smallest:
        raise InvalidTip(t.TIP_TOO_SMALL(smallest=smallest.format(locale)))
    if amount > largest:
        raise InvalidTip(t.TIP_TOO_LARGE(largest=largest.format(locale)))


def purchase_lines(purchase: Purchase, detail: str = "") -> list[QuoteLine]:
    """A purchase's lines, from the amounts frozen on it when it was quoted."""
    lines = []
    if purchase.service_minor:
        lines.append(
            QuoteLine(LineKind.SERVICE, purchase.description, purchase.service, True, detail)
        )
    if purchase.fee_minor:
        lines.append(QuoteLine(LineKind.FEE, t.FEE_LINE(), purchase.fee, False))
    if purchase.tip_minor:
        lines.append(QuoteLine(LineKind.TIP, purchase.description, purchase.tip, False))
    return lines
