"""Cached font subsets: the PDFs they make draw the same glyphs fpdf2's own output draws.

A subset reused by a later document is only right if every character that document prints
still points at the glyph of that character. These tests read the embedded font, the
CIDToGIDMap and the ToUnicode map back out of the PDF and check exactly that.
"""

from __future__ import annotations

import io
import re

import fpdf
import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from core.pdf_subsets import FPDF_VERSION_COPIED, SubsetCache, SubsetCachingPDF
from core.receipts import FONT_DIR, ReceiptFonts, render_receipt
from tests.support.receipts import ISSUED, make_receipt

FONT_FILE = FONT_DIR / "DejaVuSans-Latin.ttf"
ASCII = "".join(chr(code) for code in range(0x20, 0x7F))


def _page(pdf: FPDF, text: str, cache: SubsetCache | None) -> FPDF:
    pdf.set_creation_date(ISSUED)
    pdf.add_font("DejaVuSans", "", FONT_FILE)
    if cache is not None and isinstance(pdf, SubsetCachingPDF):
        pdf.subset_caches[pdf.fonts["dejavusans"].i] = cache
    pdf.add_page()
    pdf.set_font("DejaVuSans", size=12)
    pdf.multi_cell(0, 6, text)
    return pdf


def fpdf2_own(text: str) -> bytes:
    return bytes(_page(FPDF(), text, None).output())


def cached(text: str, cache: SubsetCache) -> bytes:
    pdf = _page(SubsetCachingPDF(), text, cache)
    assert isinstance(pdf, SubsetCachingPDF)
    return pdf.output_pdf()


def _glyph_names_by_char(font_file: str | io.BytesIO) -> dict[str, str]:
    font = TTFont(font_file)
    return {chr(code): name for code, name in font.getBestCmap().items()}


def drawn_characters(pdf_bytes: bytes) -> list[dict[str, str]]:
    """Per embedded font: each character its ToUnicode map claims, and the glyph name the
    CIDToGIDMap actually sends that code to in the embedded font file."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    result = []
    for ref in fonts.values():
        composite = ref.get_object()
        cid_font = composite["/DescendantFonts"][0].get_object()
        assert isinstance(cid_font, DictionaryObject)
        embedded = TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].get_data()))
        order = embedded.getGlyphOrder()
        cid_to_gid = cid_font["/CIDToGIDMap"].get_object().get_data()
        to_unicode = composite["/ToUnicode"].get_object().get_data().decode("latin-1")
        drawn = {}
        for code, unicode in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]{4,8})>", to_unicode):
            cid = int(code, 16)
            gid = int.from_bytes(cid_to_gid[cid * 2 : cid * 2 + 2], "big")
            drawn[bytes.fromhex(unicode).decode("utf-16-be")] = order[gid]
        result.append(drawn)
    return result


def assert_every_character_draws_its_own_glyph(pdf_bytes: bytes, text: str) -> None:
    expected = _glyph_names_by_char(str(FONT_FILE))
    (drawn,) = drawn_characters(pdf_bytes)
    printed = {char for char in text if not char.isspace()}
    assert printed <= drawn.keys()
    for char, glyph in drawn.items():
        # fpdf2 maps a couple of codes without a character (U+0000, U+FFFF) to .notdef
        want = expected.get(char, ".notdef")
        assert glyph == want, f"{char!r} draws {glyph}, not {want}"


def test_the_copied_producer_matches_the_installed_fpdf2() -> None:
    """The producer copies fpdf2's internal _add_fonts: an upgrade must be checked by hand."""
    assert fpdf.FPDF_VERSION == FPDF_VERSION_COPIED


@pytest.mark.parametrize("text", ["Total $83.49 USD", "Zoë Łukasz paid €83,49 • Visa •••• 4242"])
def test_a_cache_keeping_nothing_extra_writes_fpdf2s_exact_bytes(text: str) -> None:
    cache = SubsetCache()

    first = cached(text, cache)
    again = cached(text, cache)  # from the cache this time

    assert first == fpdf2_own(text)
    assert again == first
    assert len(cache) == 1


def test_documents_differing_only_in_ascii_share_one_subset_and_draw_right() -> None:
    kept = _glyph_names_by_char(str(FONT_FILE))
    cache = SubsetCache({kept[char] for char in ASCII if char in kept})
    # The same characters met in another order get other codes in each document.
    texts = ["Receipt R-2026-000001: $83.49", "Zoë paid 94.38$ for #100002-6202-R", "xyz"]

    pdfs = [cached(text, cache) for text in texts]

    assert len(cache) == 2  # one for the ASCII-only texts, one for the text with ë
    for pdf, text in zip(pdfs, texts, strict=True):
        assert_every_character_draws_its_own_glyph(pdf, text)
        extracted = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert extracted.strip() == text


def test_the_cache_keeps_only_the_latest_subsets() -> None:
    cache = SubsetCache(size=2)

    for text in ["a", "b", "c", "a"]:
        assert_every_character_draws_its_own_glyph(cached(text, cache), text)

    assert len(cache) == 2


def test_a_cache_holds_at_least_one_subset() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SubsetCache(size=0)


def test_a_document_with_a_core_font_is_left_to_fpdf2() -> None:
    pdf = SubsetCachingPDF()
    pdf.set_creation_date(ISSUED)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Total $83.49 USD")

    out = PdfReader(io.BytesIO(pdf.output_pdf()))

    assert out.pages[0].extract_text() == "Total $83.49 USD"
    (font,) = out.pages[0]["/Resources"]["/Font"].values()
    assert font.get_object()["/BaseFont"] == "/Helvetica"


def test_receipts_for_other_people_and_amounts_reuse_one_subset_per_face() -> None:
    from core.receipts.fonts import _BASIC_TEXT_FONTS

    fonts = ReceiptFonts()
    regular = fonts[_BASIC_TEXT_FONTS[0]].subsets
    names = ["Ada Lovelace", "Grace Hopper", "Alan Turing"]

    pdfs = [
        render_receipt(make_receipt(number=f"R-2026-{i:06d}", buyer_name=name), fonts)
        for i, name in enumerate(names, start=1)
    ]
    assert len(regular) == 1
    pdfs.append(render_receipt(make_receipt(buyer_name="Zoë Łukasz"), fonts))
    assert len(regular) == 2  # ë and Ł are not in every subset

    for pdf, name in zip(pdfs, [*names, "Zoë Łukasz"], strict=True):
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert name in text
        assert "$83.49" in text
