"""Crisis resources for a client's country, from ``core/safety/resources.yaml``.

The country is the one of the client's time zone (IANA's zone.tab, shipped with tzdata) when
they have told us one; else the region of the language tag their chat app reports ("es-MX"); else
unknown, and the client gets the lines of the countries where their language is spoken plus
an international directory (findahelpline.com).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

UNKNOWN_ZONES = frozenset({"", "UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu"})


@dataclass(frozen=True, slots=True)
class Line:
    """One crisis line."""

    name: str
    phone: str
    hours: str
    sms: str | None = None
    notes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    names: Mapping[str, str]
    languages: tuple[str, ...]
    emergency: str
    lines: tuple[Line, ...]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


@dataclass(frozen=True, slots=True)
class Resources:
    """What a client is shown: their country's lines (``country`` set), or, when we don't
    know where they are, the lines of ``guesses`` (countries speaking their language). The
    directory is always shown."""

    country: Country | None
    guesses: tuple[Country, ...]
    directory_name: str
    directory_url: str


@dataclass(frozen=True)
class ResourceBook:
    """Every country's resources, read once from the data file."""

    countries: Mapping[str, Country]
    unknown_country: Mapping[str, tuple[str, ...]]
    directory_name: str
    directory_url: str

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ResourceBook:
        countries = {}
        for code, entry in (data.get("countries") or {}).items():
            lines = tuple(
                Line(
                    name=str(line["name"]),
                    phone=str(line["phone"]),
                    hours=str(line.get("hours", "")),
                    sms=str(line["sms"]) if line.get("sms") else None,
                    notes=MappingProxyType(
                        {str(k): str(v) for k, v in (line.get("note") or {}).items()}
                    ),
                )
                for line in entry.get("lines") or ()
            )
            countries[str(code).upper()] = Country(
                code=str(code).upper(),
                names=MappingProxyType({str(k): str(v) for k, v in entry["name"].items()}),
                languages=tuple(str(x) for x in entry.get("languages") or ()),
                emergency=str(entry["emergency"]),
                lines=lines,
            )
        directory = data.get("directory") or {}
        return cls(
            MappingProxyType(countries),
            MappingProxyType(
                {
                    str(k): tuple(str(c) for c in v)
                    for k, v in (data.get("unknown_country") or {}).items()
                }
            ),
            str(directory.get("name", "Find A Helpline")),
            str(directory.get("url", "https://findahelpline.com")),
        )

    def for_client(
        self, *, timezone: str | None, language_tag: str | None, language: str
    ) -> Resources:
        """The resources to show a client: see the module's docstring for the order."""
        code = country_of_zone(timezone or "") or region_of_tag(language_tag)
        if code is not None:
            return Resources(self.countries.get(code), (), self.directory_name, self.directory_url)
        guesses = tuple(
            self.countries[c] for c in self.unknown_country.get(language, ()) if c in self.countries
        )
        return Resources(None, guesses, self.directory_name, self.directory_url)


def region_of_tag(tag: str | None) -> str | None:
    """The country of an IETF language tag: "es-MX" -> "MX", "pt_br" -> "BR"; "es" -> None."""
    if not tag:
        return None
    parts = tag.replace("_", "-").split("-")
    for part in parts[1:]:
        if len(part) == 2 and part.isascii() and part.isalpha():
            return part.upper()
    return None


def language_of_tag(tag: str | None) -> str | None:
    """The language of an IETF tag: "es-MX" -> "es"."""
    if not tag:
        return None
    first = tag.replace("_", "-").split("-")[0].lower()
    return first if first.isascii() and first.isalpha() else None


@cache
def _zone_countries() -> Mapping[str, str]:
    """zone -> country code, from tzdata's zone.tab."""
    table = resources.files("tzdata") / "zoneinfo" / "zone.tab"
    countries: dict[str, str] = {}
    for row in table.read_text("utf-8").splitlines():
        if row.startswith("#") or not row.strip():
            continue
        fields = row.split("\t")
        if len(fields) >= 3:
            countries[fields[2]] = fields[0]
    return MappingProxyType(countries)


def country_of_zone(zone: str) -> str | None:
    """The country of an IANA time zone ("Europe/Madrid" -> "ES"), None for UTC or unknown."""
    if zone in UNKNOWN_ZONES:
        return None
    return _zone_countries().get(zone)


def resources_file() -> dict[str, Any]:
    """The bundled resources file, parsed."""
    text = (resources.files("core.safety") / "resources.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    assert isinstance(data, dict)
    return data


@cache
def default_book() -> ResourceBook:
    """The bundled resources (read once per process)."""
    return ResourceBook.from_data(resources_file())


def shown_countries(resources_: Resources) -> Sequence[Country]:
    """The countries whose lines are listed."""
    return (resources_.country,) if resources_.country is not None else resources_.guesses
