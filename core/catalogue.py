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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import UnitOfWork
from core.errors import ValidationFailed
from core.models import Advisor, Offer
from core.money import Money, minor_digits
from core.scheduling import parse_weekly, set_weekly_availability
from core.taxonomy import OfferKind, Topic

_KNOWN_LANGUAGES = frozenset(str(code) for code in Locale("en").languages if len(str(code)) == 2)
_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class OfferRow(BaseModel):
    """One offer in a catalogue row."""

    model_config = ConfigDict(extra="forbid")

    kind: OfferKind
    price: str = Field(description="price in major units, e.g. '45.00'")
    days: int | None = Field(default=None, gt=0, le=90)

    @field_validator("price", mode="before")
    @classmethod
    def _price_text(cls, value: Any) -> str:
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
        return text

    @model_validator(mode="after")
    def _days_only_for_messaging(self) -> OfferRow:
        if self.kind is OfferKind.MESSAGING and self.days is None:
            raise ValueError("a messaging offer needs 'days' (how long the package lasts)")
        if self.kind is not OfferKind.MESSAGING and self.days is not None:
            raise ValueError(f"'days' only belongs to messaging offers, not {self.kind.value}")
        return self


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
        value = value.upper()
        try:
            minor_digits(value)
            Money(0, value)
        except (ValueError, KeyError):
            raise ValueError(f"unknown currency {value!r}") from None
        return value

    @model_validator(mode="after")
    def _offers_unique_and_exact(self) -> AdvisorRow:
        seen: set[tuple[OfferKind, int | None]] = set()
        for offer in self.offers:
            key = (offer.kind, offer.days)
            if key in seen:
                raise ValueError(f"offer {offer.kind.value} is listed twice")
            seen.add(key)
            self.price_of(offer)  # raises if the price has more decimals than the currency
        return self

    def price_of(self, offer: OfferRow) -> Money:
        """The offer's price as Money in this row's currency."""
        try:
            return Money.parse(offer.price, self.currency)
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
    """Every row validated; CatalogueInvalid listing each bad row if any is bad."""
    valid: list[AdvisorRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(rows, start=1):
        slug = raw.get("slug") if isinstance(raw, dict) else None
        slug = slug if isinstance(slug, str) else None
        try:
            row = AdvisorRow.model_validate(raw)
        except ValidationError as error:
            errors.append(RowError(position, slug, _describe(error)))
            continue
        if row.slug in seen:
            errors.append(
                RowError(
                    position, row.slug, f"duplicate advisor: same slug as row {seen[row.slug]}"
                )
            )
            continue
        seen[row.slug] = position
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
