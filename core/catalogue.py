"""Advisor catalogues (YAML or JSON): validate every row, then import all of them or none."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from babel import Locale
from babel.numbers import is_currency
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core import catalogue_version
from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import Advisor, Offer
from core.money import Money
from core.scheduling import parse_weekly, set_weekly_availability
from core.taxonomy import OfferKind, Topic

_KNOWN_LANGUAGES = frozenset(str(code) for code in Locale("en").languages if len(str(code)) == 2)
_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
_KINDS = frozenset(kind.value for kind in OfferKind)


# The most one offer may cost, in the currency's minor units: 10,000.00 in USD or EUR
# (¥1,000,000 in JPY). A price above it is a typo (99,999,999.00), not an offer.
PRICE_MAX_MINOR = 1_000_000


def offer_price(text: str, currency: str) -> Money:
    """``text`` as a price in ``currency``; a ValueError if it has more decimal places than the
    currency or is above PRICE_MAX_MINOR."""
    price = Money.parse(text, currency)
    if price.amount > PRICE_MAX_MINOR:
        most = Money(PRICE_MAX_MINOR, currency).format()
        raise ValueError(f"{text} is above {most}, the most an offer may cost")
    return price


def _known(currency: str) -> str | None:
    """The ISO 4217 code ``currency`` names (any case), or None if it names none."""
    code = currency.strip().upper()
    return code if is_currency(code) else None


def _context_currency(raw: Any) -> str | None:
    """The row's currency (USD if it names none) when it is a known one, so that each offer's
    price is checked against it while the row is validated; None if it is not."""
    currency = raw.get("currency", "USD") if isinstance(raw, dict) else None
    return _known(currency) if isinstance(currency, str) else None


class OfferRow(BaseModel):
    """One offer in a catalogue row."""

    model_config = ConfigDict(extra="forbid")

    kind: OfferKind
    price: str = Field(description="price in major units, e.g. '45.00'")
    # Checked even when left out, and after ``kind``, so a row's every problem shows at once.
    days: int | None = Field(default=None, gt=0, le=90, validate_default=True)

    @field_validator("price", mode="before")
    @classmethod
    def _price_text(cls, value: Any, info: ValidationInfo) -> str:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("price must be an amount like 45.00")
        # repr() of a YAML float is its shortest exact spelling ("45.5"), so no binary noise.
        text = repr(value) if isinstance(value, float) else str(value)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"price {value!r} is not an amount like 45.00") from None
        if not amount.is_finite() or amount <= 0:
            raise ValueError(f"price must be more than zero, not {value!r}")
        currency = (info.context or {}).get("currency")
        if currency is not None:  # validated within its row: decimals and the upper bound
            offer_price(text, currency)
        return text

    @field_validator("days")
    @classmethod
    def _days_only_for_messaging(cls, value: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        if kind is OfferKind.MESSAGING and value is None:
            raise ValueError("a messaging offer needs 'days' (how long the package lasts)")
        if kind is not None and kind is not OfferKind.MESSAGING and value is not None:
            raise ValueError(f"'days' only belongs to messaging offers, not {kind.value}")
        return value


class AdvisorRow(BaseModel):
    """One advisor in a catalogue."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Field(pattern=_SLUG_PATTERN)
    display_name: str = Field(min_length=1, max_length=120)
    bio: str = Field(min_length=20)
    specialties: list[str] = Field(min_length=1)
    topics: list[Topic] = Field(min_length=1)
    languages: list[str] = Field(min_length=1)
    timezone: str
    currency: str = "USD"
    photo_url: str | None = None
    approved: bool = True
    active: bool = True
    offers: list[OfferRow] = Field(min_length=1)
    # Weekly hours in the advisor's zone, e.g. {"mon": ["09:00-12:00"]}; None keeps the
    # hours already stored (an advisor may have changed them in the bot), {} clears them.
    availability: dict[str, list[str] | str] | None = None

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        codes = [code.strip().lower() for code in value]
        unknown = [code for code in codes if code not in _KNOWN_LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language code {', '.join(unknown)} (use ISO 639-1, like en)")
        return codes

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name, like Europe/Madrid)"
            ) from None
        return value

    @field_validator("availability")
    @classmethod
    def _valid_hours(
        cls, value: dict[str, list[str] | str] | None
    ) -> dict[str, list[str] | str] | None:
        if value is not None:
            parse_weekly(value)  # its ValueError names the day and the bad hours
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        known = _known(value)
        if known is None:
            raise ValueError(f"unknown currency {value!r} (use an ISO 4217 code, like USD)")
        return known

    @field_validator("offers", mode="wrap")
    @classmethod
    def _offers_once_and_priced(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> list[OfferRow]:
        """Each offer listed once (said even when another offer of the row is wrong too), and
        each price exact and within bounds in the row's currency."""
        problems = [f"offer {kind} is listed twice" for kind in _listed_twice(value)]
        try:
            offers: list[OfferRow] = handler(value)
        except ValidationError as error:
            if not problems:
                raise
            raise _adding(error, problems, value) from None
        currency = info.data.get("currency")  # absent if the currency itself is wrong
        if currency is not None:
            for offer in offers:
                try:
                    _priced(offer, currency)
                except ValueError as error:
                    problems.append(str(error))
        if problems:
            raise ValueError("; ".join(problems))
        return offers

    def price_of(self, offer: OfferRow) -> Money:
        """The offer's price as Money in this row's currency."""
        return _priced(offer, self.currency)


def _listed_twice(raw: Any) -> list[str]:
    """The kinds of offers listed more than once (same kind and days), read from the raw rows
    so that it is known even when an offer is otherwise wrong."""
    if not isinstance(raw, list):
        return []
    seen: set[tuple[str, Any]] = set()
    twice = []
    for offer in raw:
        if not isinstance(offer, dict) or offer.get("kind") not in _KINDS:
            continue  # an unknown kind has its own error
        key = (offer["kind"], offer.get("days"))
        if key in seen:
            twice.append(offer["kind"])
        seen.add(key)
    return twice


def _adding(error: ValidationError, problems: list[str], value: Any) -> ValidationError:
    """``error`` with ``problems`` about the whole list added, so the row lists them all."""
    details: list[InitErrorDetails] = []
    for item in error.errors():
        detail: InitErrorDetails = {
            "type": item["type"],
            "loc": item["loc"],
            "input": item["input"],
        }
        if "ctx" in item:
            detail["ctx"] = item["ctx"]
        details.append(detail)
    details.append(
        {"type": PydanticCustomError("offers", "; ".join(problems)), "loc": (), "input": value}
    )
    return ValidationError.from_exception_data(error.title, details)


def _priced(offer: OfferRow, currency: str) -> Money:
    try:
        return offer_price(offer.price, currency)
    except ValueError as error:
        raise ValueError(f"price {offer.price}: {error}") from None


@dataclass(frozen=True)
class RowError:
    """Why one row of a catalogue was refused; ``position`` counts from 1."""

    position: int
    slug: str | None
    reason: str

    def __str__(self) -> str:
        name = f" ({self.slug})" if self.slug else ""
        return f"row {self.position}{name}: {self.reason}"


class CatalogueInvalid(ValidationFailed):
    """A catalogue had bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        lines = "\n".join(f"  {error}" for error in errors)
        super().__init__(f"Nothing was imported; {len(errors)} row(s) need fixing:\n{lines}")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def read_catalogue(path: Path) -> list[Any]:
    """The rows of a YAML or JSON catalogue: a list, or a mapping with an ``advisors`` list."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValidationFailed(f"Cannot read {path}: {error.strerror}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ValidationFailed(
            f"{path} is not valid {path.suffix.lstrip('.').upper()}: {error}"
        ) from None
    if isinstance(data, dict):
        data = data.get("advisors")
    if not isinstance(data, list):
        raise ValidationFailed(
            f"{path} must hold a list of advisors (or a mapping with 'advisors')."
        )
    return data


def _describe(error: ValidationError) -> str:
    """Pydantic's errors in one short line: ``field: reason; field: reason``."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "row"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def validate_rows(rows: list[Any]) -> list[AdvisorRow]:
    """Every row validated in one pass; CatalogueInvalid listing each bad row with all of its
    problems (a slug already used by an earlier row among them) if any is bad."""
    valid: list[AdvisorRow] = []
    errors: list[RowError] = []
    first_with: dict[str, int] = {}
    for position, raw in enumerate(rows, start=1):
        slug = raw.get("slug") if isinstance(raw, dict) else None
        slug = slug.strip() if isinstance(slug, str) else None
        reasons = []
        if slug and slug in first_with:
            reasons.append(f"duplicate advisor: same slug as row {first_with[slug]}")
        elif slug:
            first_with[slug] = position
        try:
            row = AdvisorRow.model_validate(raw, context={"currency": _context_currency(raw)})
        except ValidationError as error:
            reasons.append(_describe(error))
        if reasons:
            errors.append(RowError(position, slug, "; ".join(reasons)))
        else:
            valid.append(row)
    if errors:
        raise CatalogueInvalid(errors)
    if not valid:
        raise ValidationFailed("The catalogue has no advisors in it.")
    return valid


async def import_catalogue(uow: UnitOfWork, rows: list[AdvisorRow], now: datetime) -> ImportResult:
    """Create or update (by slug) every advisor and their offers, in the caller's transaction."""
    session = uow.session
    existing = {
        advisor.slug: advisor
        for advisor in await session.scalars(
            select(Advisor)
            .where(Advisor.slug.in_([row.slug for row in rows]))
            .options(selectinload(Advisor.offers))
        )
    }
    created = 0
    for row in rows:
        advisor = existing.get(row.slug)
        if advisor is None:
            advisor = Advisor(slug=row.slug, created_at=now, offers=[])
            session.add(advisor)
            existing[row.slug] = advisor
            created += 1
        advisor.display_name = row.display_name
        advisor.bio = row.bio
        advisor.specialties = list(row.specialties)
        advisor.topics = [topic.value for topic in row.topics]
        advisor.languages = list(row.languages)
        advisor.timezone = row.timezone
        advisor.photo_url = row.photo_url
        advisor.approved = row.approved
        advisor.active = row.active
        _replace_offers(advisor, row)
    await session.flush()
    await catalogue_version.bump(uow, (advisor.id for advisor in existing.values()))
    for row in rows:
        if row.availability is not None:
            await set_weekly_availability(uow, existing[row.slug].id, row.availability)
    return ImportResult(created=created, updated=len(rows) - created)


def _replace_offers(advisor: Advisor, row: AdvisorRow) -> None:
    """Update offers in place (kept ids keep bookings valid); retire offers no longer listed."""
    current = {(offer.kind, offer.days): offer for offer in advisor.offers}
    listed = set()
    for offer_row in row.offers:
        key = (offer_row.kind.value, offer_row.days)
        listed.add(key)
        price = row.price_of(offer_row)
        offer = current.get(key)
        if offer is None:
            offer = Offer(kind=key[0], days=key[1])
            advisor.offers.append(offer)
        offer.price_minor = price.amount
        offer.currency = price.currency
        offer.active = True
    for key, offer in current.items():
        if key not in listed:
            offer.active = False


async def list_advisors(uow: UnitOfWork) -> list[Advisor]:
    """Every advisor with their offers, by display name."""
    result = await uow.session.scalars(
        select(Advisor).options(selectinload(Advisor.offers)).order_by(Advisor.display_name)
    )
    return list(result)
