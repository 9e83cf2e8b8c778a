"""The bundled fonts: parsed once per process, installed per document, fallbacks only
when a document's text needs them."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from core.pdf_subsets import SubsetCache, SubsetCachingPDF

FONT_DIR: Final = Path(__file__).parent.parent / "fonts"

# -- fonts --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FontFile:
    """A bundled font file and the family and style it is registered under."""

    family: str
    style: str
    filename: str
    collection_index: int = 0

    @property
    def key(self) -> str:
        """fpdf2's key for the font in ``FPDF.fonts``."""
        return f"{self.family.lower()}{self.style}"


_TEXT_FONTS: Final = (
    _FontFile("DejaVuSans", "", "DejaVuSans-Latin.ttf"),
    _FontFile("DejaVuSans", "B", "DejaVuSans-Bold-Latin.ttf"),
)
# The same faces cut to the characters nearly every receipt needs (366 glyphs instead of
# 1,133): used instead when they cover the whole document, because fpdf2's subsetting on
# output costs time in proportion to the glyphs a font has.
_BASIC_TEXT_FONTS: Final = (
    _FontFile("DejaVuSans", "", "DejaVuSans-Basic.ttf"),
    _FontFile("DejaVuSans", "B", "DejaVuSans-Bold-Basic.ttf"),
)
# Added to a document, in this order, only when its text needs them: every font embedded
# costs time to subset on output, and the CJK one holds 49,000 glyphs.
_FALLBACK_FONTS: Final = (
    _FontFile("DejaVuSansExtra", "", "DejaVuSans-Extra.ttf"),
    _FontFile("WenQuanYiMicroHei", "", "wqy-microhei.ttc"),
)
FAMILY: Final = "DejaVuSans"


# Every subset of a text font keeps printable ASCII, used or not: a receipt then embeds a few
# glyphs it does not print (about 2 KB a face), but receipts whose text differs only in ASCII
# (other digits, other plain names) share one subset, so the subset caches mostly hit.
_ALWAYS_KEPT: Final = "".join(chr(code) for code in range(0x20, 0x7F))
# Subsets kept per font file: each is a few KB.
_SUBSETS_PER_FONT: Final = 64


@dataclass(frozen=True, slots=True)
class _ParsedFont:
    """A font parsed once: fpdf2's metrics for it (never used by a document), the file, and
    the subsets of it documents embedded lately."""

    file: _FontFile
    template: TTFFont
    data: bytes
    subsets: SubsetCache

    @classmethod
    def read(cls, file: _FontFile, directory: Path) -> _ParsedFont:
        """Parse ``file`` the way ``FPDF.add_font`` does."""
        path = directory / file.filename
        scratch = FPDF()
        scratch.add_font(
            file.family, file.style, path, collection_font_number=file.collection_index
        )
        template = scratch.fonts[file.key]
        if not isinstance(template, TTFFont) or template.color_font is not None:
            raise TypeError(f"{file.filename} is not a plain TrueType font")
        template.close()
        data = path.read_bytes()
        # Copies get a fresh TTFont each; dropping the parsed tables saves ~40 MB for the CJK font.
        template.ttfont = _unparsed(data, file.collection_index)
        always = _ALWAYS_KEPT if file in (*_TEXT_FONTS, *_BASIC_TEXT_FONTS) else ""
        kept = {template.cmap[ord(char)] for char in always if ord(char) in template.cmap}
        return cls(file, template, data, SubsetCache(kept, _SUBSETS_PER_FONT))

    def install(self, pdf: FPDF) -> TTFFont:
        """Register a private copy of this font in ``pdf``, as ``add_font`` would."""
        font: TTFFont = copy.copy(self.template)
        font.i = len(pdf.fonts) + 1
        # The copy owns everything fpdf2 changes while laying out and writing the document.
        font.ttfont = _unparsed(self.data, self.file.collection_index)
        font.cw = self.template.cw.copy()  # a defaultdict: looking up a missing char adds it
        font.desc = copy.copy(self.template.desc)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[self.file.key] = font
        if isinstance(pdf, SubsetCachingPDF):
            pdf.subset_caches[font.i] = self.subsets
        return font


def _unparsed(data: bytes, collection_index: int) -> TTFont:
    """A font file opened lazily: tables are parsed when fpdf2 first reads them, on output."""
    # Subsetting leaves glyph outlines alone, so their bounding boxes need no recalculating;
    # skipping that (fontTools' default) saves about a third of a receipt's time.
    return TTFont(
        io.BytesIO(data),
        lazy=True,
        recalcBBoxes=False,
        recalcTimestamp=False,
        fontNumber=collection_index,
    )


class ReceiptFonts:
    """The bundled fonts, parsed once; build one at start-up and pass it to every render.

    Each document still gets its own copy of every font it uses, because fpdf2 subsets a
    font in place while writing the PDF. Only read-only metrics are shared, so one instance
    serves any number of documents, from several threads too.
    """

    __slots__ = ("_fonts",)

    def __init__(self, directory: Path = FONT_DIR) -> None:
        self._fonts = MappingProxyType(
            {
                file.filename: _ParsedFont.read(file, directory)
                for file in (*_BASIC_TEXT_FONTS, *_TEXT_FONTS, *_FALLBACK_FONTS)
            }
        )

    def __getitem__(self, file: _FontFile) -> _ParsedFont:
        return self._fonts[file.filename]


def _parsed(file: _FontFile, fonts: ReceiptFonts | None) -> _ParsedFont:
    """A bundled font, from the shared parsed fonts or, without them, parsed now."""
    return fonts[file] if fonts is not None else _ParsedFont.read(file, FONT_DIR)


def add_fonts(pdf: FPDF, text: str, fonts: ReceiptFonts | None) -> None:
    """The text fonts, then each fallback font that has a character of ``text`` still missing."""
    missing = {ord(char) for char in text if not char.isspace()}
    basic = [_parsed(file, fonts) for file in _BASIC_TEXT_FONTS]
    if all(missing.issubset(font.template.cmap) for font in basic):
        for font in basic:
            font.install(pdf)
        return
    for file in _TEXT_FONTS:
        missing.difference_update(_parsed(file, fonts).install(pdf).cmap)
    fallbacks: list[str] = []
    for file in _FALLBACK_FONTS:
        if not missing:
            break
        font = _parsed(file, fonts)
        if not missing.isdisjoint(font.template.cmap):
            font.install(pdf)
            fallbacks.append(file.family)
            missing.difference_update(font.template.cmap)
    if fallbacks:
        # exact_match=False lets bold text fall back to a regular face.
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
