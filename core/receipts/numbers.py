"""Receipt and credit-note numbers (R-2026-000001, CN-2026-000001) and file names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from core import i18n
from core.errors import ValidationFailed
from core.texts import Text
from core.texts import receipts as tr

DocumentKind = Literal["receipt", "credit_note"]
LineKind = Literal["service", "fee", "tip"]
_PREFIX: Final[Mapping[DocumentKind, str]] = MappingProxyType({"receipt": "R", "credit_note": "CN"})
_KIND_BY_PREFIX: Final[Mapping[str, DocumentKind]] = MappingProxyType(
    {prefix: kind for kind, prefix in _PREFIX.items()}
)
_NUMBER_RE: Final = re.compile(r"(R|CN)-(\d{4})-(\d{6,})")
_FILENAME_WORD: Final[Mapping[DocumentKind, Text]] = MappingProxyType(
    {"receipt": tr.FILENAME_RECEIPT, "credit_note": tr.FILENAME_CREDIT_NOTE}
)

# -- numbers and file names ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentNumber:
    """A parsed receipt or credit-note number such as ``R-2026-000001``."""

    kind: DocumentKind
    year: int
    sequence: int

    def __str__(self) -> str:
        return format_receipt_number(self.kind, self.year, self.sequence)


def format_receipt_number(kind: DocumentKind, year: int, sequence: int) -> str:
    """``R-2026-000001`` for a receipt, ``CN-2026-000001`` for a credit note."""
    if kind not in _PREFIX:
        raise ValueError(f"unknown document kind: {kind!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, not {year}")
    if sequence < 1:
        raise ValueError(f"sequence numbers start at 1, not {sequence}")
    return f"{_PREFIX[kind]}-{year}-{sequence:06d}"


def parse_receipt_number(text: str) -> DocumentNumber:
    """The kind, year and sequence in a number a person typed; ValidationFailed if it is none."""
    cleaned = text.strip().upper()
    match = _NUMBER_RE.fullmatch(cleaned)
    if match is not None:
        number = DocumentNumber(_KIND_BY_PREFIX[match[1]], int(match[2]), int(match[3]))
        # Only the canonical spelling counts, so a number names exactly one document.
        if number.sequence >= 1 and number.year >= 1000 and str(number) == cleaned:
            return number
    raise ValidationFailed(
        "That is not a receipt number. They look like R-2026-000001 (receipt) "
        "or CN-2026-000001 (credit note)."
    )


def receipt_filename(
    number: str, platform_name: str = "Pathwise", language: str | None = None
) -> str:
    """The download name of a document: ``Pathwise-receipt-R-2026-000001.pdf``, its word in
    ``language`` (by default the language of the moment): ``Pathwise-recibo-R-…`` in
    Spanish. ASCII only, so every platform and file system keeps it as it is."""
    parsed = parse_own_number(number, None)
    brand = _ascii_words(platform_name) or "receipt"
    word = _FILENAME_WORD[parsed.kind]
    with i18n.speaking(language or i18n.current()):
        translated = _ascii_words(word())
    return f"{brand}-{translated or _ascii_words(word.en)}-{parsed}.pdf"


def _ascii_words(text: str) -> str:
    """``text`` as ASCII letters and digits joined by hyphens: "Nota de crédito" ->
    "Nota-de-credito"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", folded).strip("-")


def parse_own_number(number: str, kind: DocumentKind | None) -> DocumentNumber:
    """Parse a number billing produced; a bad one is a programming error, so ValueError."""
    try:
        parsed = parse_receipt_number(number)
    except ValidationFailed as exc:
        raise ValueError(f"not a document number: {number!r}") from exc
    if str(parsed) != number:
        raise ValueError(f"write document numbers as {parsed}, not {number!r}")
    if kind is not None and parsed.kind != kind:
        raise ValueError(f"{number} is not a {kind.replace('_', ' ')} number")
    return parsed
