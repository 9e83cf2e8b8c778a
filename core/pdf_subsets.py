"""Font subsets for fpdf2 PDFs, made once and reused: the one place that reaches into fpdf2.

fpdf2 embeds a TrueType font by subsetting it with fontTools and saving the subset, on every
``FPDF.output()``; for a receipt that is over half its time. The subset depends only on the
font file and the set of glyphs kept, so :class:`SubsetCache` keeps the last few per font
file, and :class:`SubsetCachingProducer` (passed to ``FPDF.output(output_producer_class=...)``,
a documented fpdf2 parameter) embeds fonts from it.

fpdf2 has no hook for the subsetting alone, so the producer overrides the internal
``OutputProducer._add_fonts`` with a copy of its TrueType branch (fpdf2 2.8.9) that differs
only in where the subset comes from and in building the CIDToGIDMap with a bytearray. It
writes the same PDF objects, so the same bytes: ``tests/core/test_pdf_subsets.py`` checks that
against fpdf2's own producer and pins the fpdf2 version, so an fpdf2 upgrade fails loudly
until this copy is checked against the new ``_add_fonts``. Documents with anything else
(core, colour or CFF fonts, PDF/A-1, a font without a cache) get fpdf2's own code.

A cache may also be told glyphs to keep in every subset (``always``): a document then embeds
a few glyphs it does not print, but documents whose text differs only within that set share
one subset, so a cache of a few entries serves most documents.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    PDFFontStream,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream

# The version whose ``OutputProducer._add_fonts`` the producer below copies.
FPDF_VERSION_COPIED: Final = "2.8.9"

# fpdf2's logger, so a missing glyph is reported exactly as fpdf2 reports it.
_FPDF_LOGGER: Final = logging.getLogger("fpdf.output")

# The tables fpdf2 drops when it subsets (fpdf/output.py, OutputProducer._add_fonts).
_DROP_TABLES: Final = (
    "FFTM",
    "GDEF",
    "GPOS",
    "GSUB",
    "MATH",
    "hdmx",
    "meta",
    "sbix",
    "CBDT",
    "CBLC",
    "EBDT",
    "EBLC",
    "EBSC",
    "SVG ",
    "CPAL",
    "COLR",
)


@dataclass(frozen=True, slots=True)
class FontSubset:
    """A subset font file and the glyph ids its glyphs got."""

    data: bytes
    glyph_ids: Mapping[str, int]


def make_subset(ttfont: TTFont, glyph_names: Iterable[str]) -> FontSubset:
    """Subset ``ttfont`` in place exactly as fpdf2 does on output, and save it."""
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += list(_DROP_TABLES)
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=list(glyph_names))
    subsetter.subset(ttfont)
    output = io.BytesIO()
    ttfont.save(output)
    order = ttfont.getGlyphOrder()
    return FontSubset(output.getvalue(), MappingProxyType({n: i for i, n in enumerate(order)}))


class SubsetCache:
    """The subsets of one font file made lately, by the glyphs they keep.

    Thread-safe; holds at most ``size`` subsets, dropping the least recently used. Two threads
    missing the same key both subset, and get the same bytes.
    """

    __slots__ = ("_always", "_entries", "_lock", "_size")

    def __init__(self, always: Iterable[str] = (), size: int = 64) -> None:
        if size < 1:
            raise ValueError("a subset cache holds at least one subset")
        self._always = frozenset(always)
        self._size = size
        self._entries: OrderedDict[frozenset[str], FontSubset] = OrderedDict()
        self._lock = threading.Lock()

    def subset(self, ttfont: TTFont, glyph_names: Iterable[str]) -> FontSubset:
        """The subset keeping ``glyph_names`` (and ``always``); made from ``ttfont`` if new.

        ``ttfont`` must be a fresh copy of this cache's font file: on a miss it is subset in
        place.
        """
        key = frozenset(glyph_names) | self._always
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        made = make_subset(ttfont, sorted(key))
        with self._lock:
            self._entries[key] = made
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return made

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class SubsetCachingPDF(FPDF):
    """An FPDF whose TrueType fonts may each name the :class:`SubsetCache` of their file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # font.i -> the cache of the font file it was read from
        self.subset_caches: dict[int, SubsetCache] = {}

    def output_pdf(self) -> bytes:
        """The PDF's bytes, with fonts embedded through their caches."""
        return bytes(self.output(output_producer_class=SubsetCachingProducer))


class SubsetCachingProducer(OutputProducer):
    """fpdf2's producer, embedding TrueType fonts from their :class:`SubsetCache`."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, Any],
        gfxstate_objs_per_name: dict[str, Any],
        pattern_objs_per_name: dict[str, Any],
    ) -> dict[int, Any]:
        caches: Mapping[int, SubsetCache] = getattr(self.fpdf, "subset_caches", {})
        fonts = [
            font
            for font in sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
            if isinstance(font, TTFFont) and _plain_truetype(font) and font.i in caches
        ]
        if self.fpdf._compliance or len(fonts) != len(self.fpdf.fonts):
            return super()._add_fonts(
                image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name
            )
        return {font.i: self._add_truetype(font, caches[font.i]) for font in fonts}

    def _add_truetype(self, font: TTFFont, cache: SubsetCache) -> PDFFont:
        """fpdf2 2.8.9's ``_add_fonts`` for a TrueType font, with the subset from ``cache``."""
        fontname = f"MPDFAA+{font.name}"
        glyph_names = font.subset.get_all_glyph_names()
        _warn_missing(font, fontname)

        subset = cache.subset(font.ttfont, glyph_names)  # the one change: a cached subset
        code_to_glyph: dict[int, int] = {
            char_id: subset.glyph_ids[glyph.glyph_name]
            for glyph, char_id in font.subset.items()
            if glyph is not None
        }

        composite_font_obj = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite_font_obj, "fonts")
        cid_font_obj = PDFFont(
            subtype="CIDFontType2",
            base_font=fontname,
            d_w=font.desc.missing_width,
            w=_tt_font_widths(font),
        )
        self._add_pdf_obj(cid_font_obj, "fonts")
        composite_font_obj.descendant_fonts = PDFArray([cid_font_obj])

        to_unicode_obj = _to_unicode(font)
        self._add_pdf_obj(to_unicode_obj, "fonts")
        composite_font_obj.to_unicode = to_unicode_obj

        cid_system_info_obj = CIDSystemInfo()
        self._add_pdf_obj(cid_system_info_obj, "fonts")
        cid_font_obj.c_i_d_system_info = cid_system_info_obj

        font_descriptor_obj = font.desc
        font_descriptor_obj.font_name = Name(fontname)
        self._add_pdf_obj(font_descriptor_obj, "fonts")
        cid_font_obj.font_descriptor = font_descriptor_obj

        cid_to_gid_map_obj = PDFContentStream(contents=_cid_to_gid(code_to_glyph), compress=True)
        self._add_pdf_obj(cid_to_gid_map_obj, "fonts")
        cid_font_obj.c_i_d_to_g_i_d_map = cid_to_gid_map_obj

        font_file_cs_obj = PDFFontStream(contents=subset.data)
        self._add_pdf_obj(font_file_cs_obj, "fonts")
        font_descriptor_obj.font_file2 = font_file_cs_obj  # type: ignore[attr-defined]  # as fpdf2

        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite_font_obj


def _warn_missing(font: TTFFont, fontname: str) -> None:
    """Log the glyphs the font lacks, as fpdf2 does."""
    if len(font.missing_glyphs) > 0:
        msg = ", ".join(
            f"'{chr(x)}' ({chr(x).encode('unicode-escape').decode()})"
            for x in font.missing_glyphs[:10]
        )
        if len(font.missing_glyphs) > 10:
            msg += f", ... (and {len(font.missing_glyphs) - 10} others)"
        _FPDF_LOGGER.warning("Font %s is missing the following glyphs: %s", fontname, msg)


def _to_unicode(font: TTFFont) -> PDFContentStream:
    """The font's ToUnicode CMap, as fpdf2 writes it."""
    bf_char = [
        f"<{code_mapped:04X}> <{''.join(_format_code(code) for code in glyph.unicode)}>\n"
        for glyph, code_mapped in font.subset.items()
        if glyph is not None and isinstance(glyph.unicode, tuple) and len(glyph.unicode) > 0
    ]
    return PDFContentStream(
        (
            "/CIDInit /ProcSet findresource begin\n"
            "12 dict begin\n"
            "begincmap\n"
            "/CIDSystemInfo\n"
            "<</Registry (Adobe)\n"
            "/Ordering (UCS)\n"
            "/Supplement 0\n"
            ">> def\n"
            "/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n"
            "1 begincodespacerange\n"
            "<0000> <FFFF>\n"
            "endcodespacerange\n"
            f"{_build_cmap_blocks(bf_char, 'bfchar')}"
            "endcmap\n"
            "CMapName currentdict /CMap defineresource pop\n"
            "end\n"
            "end"
        ).encode("latin-1")
    )


def _cid_to_gid(code_to_glyph: dict[int, int]) -> bytes:
    """The CIDToGIDMap: two bytes per code, big-endian (fpdf2 builds a 131,072-item list)."""
    cid_to_gid = bytearray(256 * 256 * 2)
    for code, glyph_id in code_to_glyph.items():
        cid_to_gid[code * 2] = glyph_id >> 8
        cid_to_gid[code * 2 + 1] = glyph_id & 0xFF
    return bytes(cid_to_gid)


def _plain_truetype(font: TTFFont) -> bool:
    """A TrueType font fpdf2 embeds as a CIDFontType2: no colour glyphs, no CFF outlines."""
    return not font.color_font and not font.is_cff


def _format_code(unicode: int) -> str:
    """A code point in UTF-16BE hex, as fpdf2 writes it in the ToUnicode map."""
    if unicode > 0xFFFF:
        code_high = 0xD800 | (unicode - 0x10000) >> 10
        code_low = 0xDC00 | (unicode & 0x3FF)
        return f"{code_high:04X}{code_low:04X}"
    return f"{unicode:04X}"
