"""Crisis screening: a held-out labelled set (tests/core/crisis_labelled.yaml) is caught with
recall >= 0.95 at a false-positive rate <= 0.05, and each client gets their country's lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.safety.resources import country_of_zone, default_book, region_of_tag
from core.safety.screening import default_screener, phrase_files, words

LABELLED = Path(__file__).parent / "crisis_labelled.yaml"


def labelled() -> tuple[list[str], list[str]]:
    data = yaml.safe_load(LABELLED.read_text("utf-8"))
    return list(data["needs_help"]), list(data["hard_negatives"])


def test_the_labelled_set_is_large_and_not_the_data_files() -> None:
    needs_help, negatives = labelled()
    assert len(needs_help) >= 150 and len(negatives) >= 150
    assert not set(needs_help) & set(negatives)
    phrases = {str(p) for _, data in phrase_files() for p in data["phrases"]}
    assert not set(needs_help) & phrases, "the test set must not copy the phrase files"


def test_recall_and_false_positive_rate_on_the_labelled_set() -> None:
    screener = default_screener()
    needs_help, negatives = labelled()
    missed = [text for text in needs_help if screener.screen(text) is None]
    flagged = [text for text in negatives if screener.screen(text) is not None]
    recall = 1 - len(missed) / len(needs_help)
    false_positive_rate = len(flagged) / len(negatives)
    assert recall >= 0.95, missed
    assert false_positive_rate <= 0.05, flagged


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I want to kill myself", "en"),
        ("I WANT TO DIEEEE", "en"),
        ("i w4nt to k1ll myslef", "en"),
        ("I'm not going to kill myself", "en"),  # negations are answered on purpose
        ("quiero suicidarme", "es"),
        ("Me quiero morír", "es"),
        ("kiero morirme", "es"),
    ],
)
def test_direct_misspelled_and_negated_phrases_are_caught_in_their_language(
    text: str, language: str
) -> None:
    detection = default_screener().screen(text)
    assert detection is not None and detection.language == language


@pytest.mark.parametrize(
    "text",
    [
        "this deadline is killing me",
        "me muero de risa",
        "my phone died",
        "my dad died last year and I miss him",
        "me quiero morir de la risa",
        "we watched Suicide Squad",
        "",
        "   ",
    ],
)
def test_everyday_words_are_left_alone(text: str) -> None:
    assert default_screener().screen(text) is None


def test_normalising_folds_case_accents_repeats_and_digits() -> None:
    assert words("DIIIIE  Tomás k1ll") == ["die", "tomas", "kil"]
    assert default_screener().normalise("wanna d1e") == ["want", "to", "die"]


@pytest.mark.parametrize(
    ("zone", "tag", "country"),
    [
        ("America/New_York", "en", "US"),
        ("Europe/Madrid", "es", "ES"),
        ("UTC", "es-MX", "MX"),
        ("UTC", "en-GB", "GB"),
        ("Europe/Dublin", None, "IE"),
        ("America/Toronto", "fr", "CA"),
        ("America/Argentina/Buenos_Aires", "es", "AR"),
        ("America/Bogota", "es", "CO"),
        ("Europe/Berlin", "de", "DE"),
        ("Europe/Paris", "fr", "FR"),
        ("Europe/Rome", "it", "IT"),
        ("Australia/Sydney", "en", "AU"),
        ("Asia/Kolkata", "hi", "IN"),
    ],
)
def test_the_country_comes_from_the_time_zone_then_the_language_tag(
    zone: str, tag: str | None, country: str
) -> None:
    found = default_book().for_client(timezone=zone, language_tag=tag, language="en")
    assert found.country is not None and found.country.code == country
    assert found.country.emergency and found.country.lines


def test_the_required_numbers_are_in_the_resources_file() -> None:
    book = default_book()
    phones = {code: [line.phone for line in c.lines] for code, c in book.countries.items()}
    assert phones["US"] == ["988"] and phones["CA"] == ["988"]
    assert phones["GB"] == ["116 123"] and phones["IE"] == ["116 123"]
    assert phones["ES"] == ["024"]
    emergency = {code: c.emergency for code, c in book.countries.items()}
    assert (emergency["US"], emergency["GB"], emergency["ES"], emergency["AU"]) == (
        "911",
        "999",
        "112",
        "000",
    )
    assert book.directory_url == "https://findahelpline.com"


def test_an_unknown_country_gets_the_lines_for_the_language_and_the_directory() -> None:
    book = default_book()
    unknown = book.for_client(timezone="UTC", language_tag="es", language="es")
    assert unknown.country is None
    assert [c.code for c in unknown.guesses] == ["ES", "MX", "AR", "CO"]
    elsewhere = book.for_client(timezone="Asia/Tokyo", language_tag="ja", language="en")
    assert elsewhere.country is None and elsewhere.guesses == ()
    assert country_of_zone("Etc/UTC") is None and region_of_tag("pt-br") == "BR"
