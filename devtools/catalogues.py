"""The gettext catalogues of ``core/texts``: extract, update, compile and check them.

    python -m devtools.catalogues extract   # core/texts -> core/locale/messages.pot
    python -m devtools.catalogues update    # the .pot's new and changed messages into every .po
    python -m devtools.catalogues compile   # every .po -> .mo (installing does this too)
    python -m devtools.catalogues check     # every message translated, none fuzzy; exits 1

Extraction is Babel's Python extractor with ``Text("id", "template")`` read as (context,
message) and ``Plural("id", "one", "other")`` as (context, singular, plural). ``setup.py``
compiles at install time with ``compile_all``; the tests run ``check`` and compare the
``.pot`` with a fresh extraction.
"""

from __future__ import annotations

import io
import string
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "core" / "texts"
LOCALE_DIR = ROOT / "core" / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
KEYWORDS = {"Text": ((1, "c"), 2), "Plural": ((1, "c"), 2, 3)}
WIDTH = 100


def extracted() -> Catalog:
    """A fresh template of every message in ``core/texts``."""
    catalog = Catalog(project="Pathwise", fuzzy=False)
    found = extract_from_dir(
        str(TEXTS),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,  # type: ignore[arg-type]
        comment_tags=("",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        where = (f"core/texts/{filename}", lineno)
        catalog.add(message, None, [where], auto_comments=comments, context=context)
    return catalog


def template_text(catalog: Catalog) -> bytes:
    """The template as written to disk (no dates, so a fresh one compares equal)."""
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, omit_header=True, sort_output=False)
    return out.getvalue()


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``.po`` under ``locale_dir`` compiled to its ``.mo``; the paths written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def problems(template: Catalog, po: Path) -> Iterator[str]:
    """What keeps ``po`` from being complete for ``template``: messages missing, untranslated,
    fuzzy or obsolete, and placeholders that differ from the English."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    language = po.parent.parent.name
    for message in template:
        if not message.id:
            continue
        found: Message | None = catalog.get(message.id, message.context)
        where = f"{language}: {message.context}"
        if found is None:
            yield f"{where}: missing"
            continue
        if found.fuzzy:
            yield f"{where}: fuzzy"
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if not all(s and s.strip() for s in strings):
            yield f"{where}: not translated"
            continue
        wanted = set().union(*(_fields(i) for i in ids))
        for text in strings:
            try:
                got = _fields(text)
            except ValueError as exc:
                yield f"{where}: unreadable braces ({exc})"
                continue
            if got - wanted or (wanted - {"count"}) - got:
                yield f"{where}: placeholders {sorted(got)}, the English has {sorted(wanted)}"
    for message in catalog.obsolete.values():
        yield f"{language}: {message.context}: obsolete (run update)"


def main(argv: Sequence[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "extract":
        TEMPLATE.write_bytes(template_text(extracted()))
        print(f"wrote {TEMPLATE.relative_to(ROOT)}")
    elif command == "update":
        template = extracted()
        for po in po_files():
            with po.open("rb") as handle:
                catalog = read_po(handle)
            catalog.update(template, update_header_comment=False)
            catalog.obsolete.clear()
            with po.open("wb") as handle:
                write_po(handle, catalog, width=WIDTH, omit_header=False, sort_output=False)
            print(f"updated {po.relative_to(ROOT)}")
    elif command == "compile":
        for mo in compile_all():
            print(f"wrote {mo.relative_to(ROOT)}")
    elif command == "check":
        template = extracted()
        found = [problem for po in po_files() for problem in problems(template, po)]
        for problem in found:
            print(problem)
        print(f"{len(found)} problem(s) in {len(po_files())} catalogue(s)")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
