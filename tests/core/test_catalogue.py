"""A catalogue imports whole or not at all, and every bad row is named with its reason."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from core import catalogue, scheduling
from core.catalogue import CatalogueInvalid
from core.db import Database
from core.errors import ValidationFailed
from core.models import Advisor, Offer
from core.taxonomy import OfferKind

SAMPLE = Path(catalogue.__file__).parent / "data" / "advisors.yaml"
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def good_row(slug: str = "ana-ruiz") -> dict[str, Any]:
    return {
        "slug": slug,
        "display_name": "Ana Ruiz",
        "bio": "Former HR director who helps with career change and burnout.",
        "specialties": ["career change"],
        "topics": ["career"],
        "languages": ["en", "es"],
        "timezone": "Europe/Madrid",
        "offers": [
            {"kind": "live60", "price": "60.00"},
            {"kind": "messaging", "days": 7, "price": 90},
        ],
    }


async def _import(db: Database, rows: list[Any]) -> catalogue.ImportResult:
    valid = catalogue.validate_rows(rows)
    async with db.uow() as uow:
        result = await catalogue.import_catalogue(uow, valid, NOW)
        await uow.commit()
    return result


async def _count(db: Database, model: type[Any]) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_sample_catalogue_is_realistic_and_imports(db: Database) -> None:
    rows = catalogue.read_catalogue(SAMPLE)
    assert len(rows) >= 12
    valid = catalogue.validate_rows(rows)
    assert len({lang for row in valid for lang in row.languages}) >= 8
    assert len({row.timezone for row in valid}) >= 10
    assert len({topic for row in valid for topic in row.topics}) == 7
    prices = {row.price_of(offer).amount for row in valid for offer in row.offers}
    assert min(prices) < 3000 < 7000 < max(prices)

    result = await _import(db, rows)
    assert (result.created, result.updated) == (len(rows), 0)
    assert await _count(db, Advisor) == len(rows)

    async with db.uow() as uow:
        ana = (await catalogue.list_advisors(uow))[1]
        assert ana.slug == "ana-ruiz"
        assert [(o.name, o.price.format()) for o in ana.offers] == [
            ("30-minute live session", "$35.00"),
            ("60-minute live session", "$60.00"),
            ("7-day messaging package", "$90.00"),
        ]


async def test_reimporting_updates_in_place(db: Database) -> None:
    await _import(db, [good_row()])
    changed = good_row()
    changed["offers"] = [{"kind": "live60", "price": "65.00"}]
    result = await _import(db, [changed])
    assert (result.created, result.updated) == (0, 1)
    async with db.uow() as uow:
        offers = (await catalogue.list_advisors(uow))[0].offers
    assert [(o.kind, o.price_minor, o.active) for o in offers] == [
        ("live60", 6500, True),
        ("messaging", 9000, False),
    ]


def _with(**changes: Any) -> dict[str, Any]:
    row = good_row()
    row.update(changes)
    return row


def _without(field: str) -> dict[str, Any]:
    row = good_row()
    del row[field]
    return row


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (_without("bio"), "bio: Field required"),
        (_with(languages=["en", "xx"]), "unknown language code xx"),
        (_with(offers=[{"kind": "live30", "price": "-5"}]), "price must be more than zero"),
        (_with(offers=[{"kind": "live30", "price": "abc"}]), "is not an amount like 45.00"),
        (_with(offers=[{"kind": "live30", "price": "10.005"}]), "too many decimal places"),
        (_with(timezone="Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (_with(topics=["astrology"]), "topics.0: Input should be"),
        (_with(offers=[{"kind": "messaging", "price": "10"}]), "needs 'days'"),
        (
            _with(offers=[{"kind": "live30", "price": "1"}, {"kind": "live30", "price": "2"}]),
            "listed twice",
        ),
        (_with(slug="Ana Ruiz!"), "slug: String should match pattern"),
        (_with(favourite_colour="blue"), "favourite_colour: Extra inputs are not permitted"),
        (_with(availability={"funday": ["09:00-12:00"]}), "availability: unknown day 'funday'"),
        (_with(availability={"mon": ["9am-noon"]}), "write hours like 09:00-12:30"),
        (_with(availability={"mon": ["09:10-12:00"]}), "use quarter hours"),
        (_with(availability={"mon": ["22:00-02:00"]}), "split hours past midnight"),
        (
            _with(availability={"mon": ["09:00-12:00", "11:00-13:00"]}),
            "mon: hours overlap",
        ),
    ],
)
async def test_a_bad_row_is_named_and_nothing_is_imported(
    db: Database, bad_row: dict[str, Any], reason: str
) -> None:
    rows = [good_row("first-one"), bad_row]
    with pytest.raises(CatalogueInvalid) as caught:
        await _import(db, rows)
    assert len(caught.value.errors) == 1
    error = caught.value.errors[0]
    assert error.position == 2
    assert reason in error.reason
    assert "row 2" in str(caught.value) and "Nothing was imported" in str(caught.value)
    assert await _count(db, Advisor) == 0
    assert await _count(db, Offer) == 0


async def test_every_bad_row_is_listed_including_duplicates(db: Database) -> None:
    rows = [good_row(), copy.deepcopy(good_row()), _without("timezone"), "not a mapping"]
    with pytest.raises(CatalogueInvalid) as caught:
        await _import(db, rows)
    assert [str(e) for e in caught.value.errors] == [
        "row 2 (ana-ruiz): duplicate advisor: same slug as row 1",
        "row 3 (ana-ruiz): duplicate advisor: same slug as row 1; timezone: Field required",
        "row 4: row: Input should be a valid dictionary or instance of AdvisorRow",
    ]
    assert await _count(db, Advisor) == 0


def test_json_and_yaml_files_are_both_read(tmp_path: Path) -> None:
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps([good_row()]))
    as_yaml = tmp_path / "c.yaml"
    as_yaml.write_text(yaml.safe_dump({"advisors": [good_row()]}))
    assert catalogue.read_catalogue(as_json) == catalogue.read_catalogue(as_yaml) == [good_row()]


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not valid JSON"), ('{"advisors": 3}', "must hold a list of advisors")],
)
def test_a_broken_file_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(ValidationFailed, match=message):
        catalogue.read_catalogue(path)


def test_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match=r"Cannot read .*nope.yaml: No such file"):
        catalogue.read_catalogue(tmp_path / "nope.yaml")


async def test_weekly_hours_import_and_a_reimport_without_them_keeps_them(db: Database) -> None:
    hours = {"mon": ["09:00-12:00", "17:00-20:00"], "sat": ["10:00-13:00"]}
    await _import(db, [_with(availability=hours)])
    async with db.uow() as uow:
        ana = (await catalogue.list_advisors(uow))[0]
        assert await scheduling.weekly_availability(uow, ana.id) == hours
    await _import(db, [good_row()])  # no availability: the stored hours stay
    async with db.uow() as uow:
        assert await scheduling.weekly_availability(uow, ana.id) == hours
    await _import(db, [_with(availability={"tue": "18:00-00:00"})])
    async with db.uow() as uow:
        assert await scheduling.weekly_availability(uow, ana.id) == {"tue": ["18:00-00:00"]}
    await _import(db, [_with(availability={})])
    async with db.uow() as uow:
        assert await scheduling.weekly_availability(uow, ana.id) == {}


async def test_every_sample_advisor_has_bookable_hours(db: Database) -> None:
    await _import(db, catalogue.read_catalogue(SAMPLE))
    async with db.uow() as uow:
        ids = [advisor.id for advisor in await catalogue.list_advisors(uow)]
        soonest = await scheduling.next_free_slots(uow, ids, OfferKind.LIVE60, NOW)
    assert len(soonest) == 14 and all(soonest.values())
