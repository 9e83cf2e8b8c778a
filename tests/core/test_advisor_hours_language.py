"""Weekly hours typed in the advisor's language: day names in full or abbreviated, with or
without accents, and the words that clear them; English is always understood too."""

from __future__ import annotations

import pytest

from core import i18n
from core.advisors import format_weekly, parse_weekly_text
from core.errors import ValidationFailed


def test_spanish_day_names_are_read_in_full_abbreviated_and_without_accents() -> None:
    with i18n.speaking("es"):
        weekly = parse_weekly_text(
            "lunes 09:00-12:00 14:00-18:00; Mié. 10:00-16:00; miercoles 17:00-18:00;"
            " sábado 10:00-12:00; dom 11:00-13:00; Martes 09:00-10:00"
        )
    assert weekly == {
        "mon": ["09:00-12:00", "14:00-18:00"],
        "wed": ["10:00-16:00", "17:00-18:00"],
        "sat": ["10:00-12:00"],
        "sun": ["11:00-13:00"],
        "tue": ["09:00-10:00"],
    }


def test_english_days_and_words_still_work_whatever_the_language() -> None:
    for language in i18n.languages():
        with i18n.speaking(language):
            assert parse_weekly_text("mon 09:00-12:00; Thursday 10:00-11:00") == {
                "mon": ["09:00-12:00"],
                "thu": ["10:00-11:00"],
            }
            assert parse_weekly_text("none") == {}
            assert parse_weekly_text("Clear") == {}


def test_the_spanish_words_clear_the_hours_and_unknown_days_are_refused_in_spanish() -> None:
    with i18n.speaking("es"):
        assert parse_weekly_text("ninguno") == {}
        assert parse_weekly_text("Nada") == {}
        with pytest.raises(ValidationFailed) as refused:
            parse_weekly_text("lunes 09:00-10:00; feriado 10:00-11:00")
    assert str(refused.value) == (
        "No pude entender 'feriado 10:00-11:00'. Escribe cada día con su horario, separando "
        "los días con punto y coma, así: lun 09:00-12:00 14:00-18:00; mar 10:00-16:00"
    )
    # In English, a Spanish day name is not a day (nor is "nada" a clearing word).
    with pytest.raises(ValidationFailed, match="couldn't read 'lunes 09:00-10:00'"):
        parse_weekly_text("lunes 09:00-10:00")
    with pytest.raises(ValidationFailed):
        parse_weekly_text("nada")


def test_the_hours_are_shown_with_the_readers_day_names() -> None:
    weekly = {"mon": ["09:00-12:00"], "wed": ["10:00-16:00"]}
    assert format_weekly(weekly) == "Mon: 09:00-12:00\nWed: 10:00-16:00"
    with i18n.speaking("es"):
        assert format_weekly(weekly) == "Lun: 09:00-12:00\nMié: 10:00-16:00"
