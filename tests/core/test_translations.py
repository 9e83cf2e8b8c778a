"""Issue #18: the gettext catalogues of ``core/texts`` are complete, current and used.

- the template in the repo is what Babel extracts from ``core/texts`` now (a text added or
  changed without ``python -m devtools.catalogues extract`` fails here);
- every language's catalogue has every message, translated, none fuzzy or obsolete, with the
  English's placeholders;
- the compiled ``.mo`` the bot reads says what its ``.po`` says (installing compiles it);
- texts render in the language current when they are called, plurals by that language's rules.
"""

from __future__ import annotations

import gettext
import re
import shutil
import string
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from core import i18n
from core.clock import ManualClock
from core.config import Settings
from core.db import Database
from core.dialogs import CommandInput
from core.models import Client
from core.texts import all_texts
from core.texts import commands as tc
from core.texts import matching as tm
from core.texts import menu as t
from devtools import catalogues
from tests.support.chat import Chat, make_engine


def test_the_template_is_what_babel_extracts_from_the_texts_now() -> None:
    fresh = catalogues.template_text(catalogues.extracted())
    assert catalogues.TEMPLATE.read_bytes() == fresh, (
        "core/locale/messages.pot is out of date: run python -m devtools.catalogues extract "
        "and update"
    )
    extracted = {m.context for m in catalogues.extracted() if m.id}
    assert extracted == {text.id for _, text in all_texts()}


def test_spanish_is_a_language_and_every_catalogue_is_complete() -> None:
    assert i18n.languages() == ("en", "es")
    template = catalogues.extracted()
    for po in catalogues.po_files():
        assert list(catalogues.problems(template, po)) == [], po


def test_the_checker_finds_a_missing_an_empty_a_fuzzy_and_a_wrong_placeholder(
    tmp_path: pytest.TempPathFactory,
) -> None:
    source = catalogues.po_files()[0].read_text("utf-8")
    broken = source.replace(
        'msgstr "Entiendo y acepto"', 'msgstr ""'
    )  # menu.agree left untranslated
    broken = re.sub(
        r'(msgctxt "menu.all_set"\n)', r"#, fuzzy\n\1", broken
    )  # menu.all_set marked fuzzy
    broken = broken.replace("Ahora: {language}", "Ahora: {idioma}")  # profile.ask_language
    broken = re.sub(r'msgctxt "menu.home"\nmsgid "[^"]*"\nmsgstr "[^"]*"\n', "", broken)
    po = tmp_path / "es" / "LC_MESSAGES" / "messages.po"  # type: ignore[operator]
    po.parent.mkdir(parents=True)
    po.write_text(broken, "utf-8")
    found = list(catalogues.problems(catalogues.extracted(), po))
    assert "es: menu.agree: not translated" in found
    assert "es: menu.all_set: fuzzy" in found
    assert "es: menu.home: missing" in found
    assert any(p.startswith("es: profile.ask_language: placeholders ['idioma']") for p in found)


def test_the_compiled_catalogue_says_what_its_source_says() -> None:
    for po in catalogues.po_files():
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} missing: pip install -e . compiles it"
        with po.open("rb") as handle:
            source = read_po(handle)
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        for message in source:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                for n, form in ((1, 0), (2, 2), (1_000_000, 1)):
                    got = compiled.npgettext(message.context, *message.id, n)
                    assert got == message.string[form], (message.context, n)
            else:
                assert compiled.pgettext(message.context, message.id) == message.string


def test_texts_follow_the_language_of_the_moment_and_come_back_to_english() -> None:
    assert t.AGREE() == "I understand and agree"
    with i18n.speaking("es-MX"):
        assert i18n.current() == "es"
        assert t.AGREE() == "Entiendo y acepto"
        with i18n.speaking("fr"):  # a language Pathwise does not speak: English
            assert t.AGREE() == "I understand and agree"
        assert tc.FIND() == "Buscar un asesor y reservar una sesión"
    assert t.AGREE() == "I understand and agree"


def test_spanish_plurals_follow_spanish_rules() -> None:
    with i18n.speaking("es"):
        one = tm.FEWER_FIT(count=1, language="español")
        two = tm.FEWER_FIT(count=2, language="español")
    assert one == "el único asesor que habla español y encaja con tus respuestas"
    assert two == "uno de solo 2 asesores que hablan español y encajan con tus respuestas"


def test_every_spanish_text_renders_with_the_english_parameters() -> None:
    """Each message, given the parameters its English takes, renders in Spanish: no
    translation asks for one the code does not give (``str.format`` would raise)."""
    with i18n.speaking("es"):
        for _, text in all_texts():
            params = {name: "x" for name in text.params if name != "count"}
            if hasattr(text, "one"):
                rendered = text(count=3, **params)  # type: ignore[call-arg]
            else:
                rendered = text(**params)
            assert isinstance(rendered, str)


@pytest.mark.parametrize(
    ("tag", "language", "locale"),
    [
        ("es", "es", "es"),
        ("es-MX", "es", "es_MX"),
        ("en", "en", "en"),
        ("pt-br", "en", "pt_BR"),
        (None, "en", "en_US"),
        ("??", "en", "en_US"),
    ],
)
def test_a_platform_language_tag_names_our_language_and_a_locale(
    tag: str | None, language: str, locale: str
) -> None:
    assert i18n.supported(tag) == language
    assert i18n.locale_for(tag) == locale


def test_placeholders_are_only_named_fields() -> None:
    """A translation may reorder placeholders but never add positional ones."""
    for po in catalogues.po_files():
        with po.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    for _, name, _, _ in string.Formatter().parse(text):
                        assert name != "", (message.context, text)


@pytest.fixture
def portuguese(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A third language added as docs/TRANSLATING.md says: its catalogue and nothing else
    (here a copy of the Spanish with two messages in Portuguese), compiled."""
    locale_dir = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale_dir)
    po = locale_dir / "pt" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    source = (locale_dir / "es" / "LC_MESSAGES" / "messages.po").read_text("utf-8")
    source = source.replace('msgstr "Entiendo y acepto"', 'msgstr "Entendo e aceito"')
    source = source.replace('msgstr "¿Qué te gustaría hacer?"', 'msgstr "O que você quer fazer?"')
    source = source.replace("Language: es", "Language: pt")
    po.write_text(source, "utf-8")
    catalogues.compile_all(locale_dir)
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale_dir)
    i18n.languages.cache_clear()
    i18n.translations.cache_clear()
    yield
    i18n.languages.cache_clear()
    i18n.translations.cache_clear()


@pytest.mark.usefixtures("portuguese")
async def test_a_third_language_needs_only_its_catalogue(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    assert i18n.languages() == ("en", "es", "pt")
    assert i18n.supported("pt-BR") == "pt"
    with i18n.speaking("pt-BR"):
        assert t.AGREE() == "Entendo e aceito"
    # /language offers it, named in itself, and a client who picks it reads it at once.
    chat = Chat(db, make_engine(settings), clock)
    await chat.start()
    await chat.send(CommandInput("language"))
    assert chat.labels() == ["English", "Español", "Português"]
    await chat.press("Português")
    assert chat.texts()[-1] == "O que você quer fazer?"  # the menu, already in Portuguese
    async with db.uow() as uow:
        client = await uow.session.scalar(select(Client))
        assert client is not None and i18n.supported(client.locale) == "pt"
