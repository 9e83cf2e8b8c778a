"""Numbers and ids typed or carried by buttons and deep links, parsed in one place.

Only plain ASCII digits count: ``str.isdigit()`` and ``int()`` also accept "²", "¹⁰",
Arabic-Indic and full-width digits, signs and surrounding spaces, and a 20-digit id would
overflow SQLite's 64-bit integers (and PostgreSQL's 32-bit ``integer`` id columns).
Everything else is None, which each step answers with its usual "please choose a number".
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32-bit signed on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(text: object, lo: int, hi: int) -> int | None:
    """``text`` as an int in ``lo..hi`` (both included) if it is 1-19 ASCII digits, else None."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    text = str(text)
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def parse_id(text: object) -> int | None:
    """A database id (1 to the largest INTEGER PostgreSQL stores), else None."""
    return parse_int(text, 1, MAX_ID)
