"""Numbers and ids from buttons, deep links and typed answers: ASCII digits in a range, or None."""

from __future__ import annotations

import pytest

from core.dialogs.buttons import decode
from core.parsing import MAX_ID, parse_id, parse_int


@pytest.mark.parametrize("text", ["²", "¹⁰", "٣", "７", "-1", "+1", " 7", "7 ", "1_0", "", "1.0"])
def test_anything_but_plain_ascii_digits_is_no_number(text: str) -> None:
    assert parse_int(text, 0, 100) is None


def test_a_number_outside_its_range_is_no_number() -> None:
    assert parse_int("7", 1, 5) is None
    assert parse_int("5", 1, 5) == 5
    assert parse_int("0", 1, 5) is None


def test_ids_are_positive_and_fit_the_id_columns() -> None:
    assert parse_id("12") == 12
    assert parse_id("0") is None
    assert parse_id(str(MAX_ID + 1)) is None
    assert parse_id("9" * 20) is None, "a 20-digit id never reaches the database"


def test_a_forged_button_version_is_not_ours() -> None:
    assert decode("²:agree") is None
    assert decode("99999999999999999999:agree") is None
    assert decode("3:agree") is not None
