"""The language texts are shown in: gettext catalogues, one per language, and the language of
the moment.

Every text of ``core.texts`` is looked up in the catalogue of the language current when it
is rendered (``speaking``), by its id (the gettext context) and English template (the
message id). The sources are ``core/locale/<language>/LC_MESSAGES/messages.po``, extracted
with Babel from ``core/texts`` into ``core/locale/messages.pot``; installing the package
compiles them to ``.mo`` files beside them (``setup.py``), which is what is read here. A
language is offered when its catalogue is there: adding one is adding its ``.po`` file
(``docs/TRANSLATING.md``).

The current language is a context variable: each Telegram update, Discord interaction and
delivery sets it for what it renders, and an asyncio task started inside inherits it.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError

__all__ = [
    "SOURCE",
    "babel_locale",
    "current",
    "language_name",
    "languages",
    "locale_for",
    "locale_switched",
    "speaking",
    "supported",
    "translations",
    "use",
]

log = logging.getLogger(__name__)

SOURCE = "en"  # the language the templates in core/texts are written in
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_current: ContextVar[str] = ContextVar("pathwise_language", default=SOURCE)


@cache
def languages() -> tuple[str, ...]:
    """Every language texts can be shown in: the source, then each catalogue's, by code."""
    found = sorted(
        path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )
    return (SOURCE, *(code for code in found if code != SOURCE))


def supported(tag: str | None, fallback: str = SOURCE) -> str:
    """The language of ours that a platform's language tag (Telegram's ``language_code``,
    "es", "es-MX", "pt-br") or a locale ("es_ES") names; ``fallback`` if none."""
    if not tag:
        return fallback
    try:
        language = Locale.parse(tag.replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        language = tag.replace("-", "_").split("_")[0].lower()
    return language if language in languages() else fallback


def locale_for(tag: str | None, fallback: str = "en_US") -> str:
    """A locale to store for a person from their platform's language tag ("es-MX" gives
    "es_MX", "es" gives "es"): amounts and dates follow it. ``fallback`` when the tag names
    no locale Babel knows."""
    if not tag:
        return fallback
    try:
        return str(Locale.parse(tag.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return fallback


def babel_locale(name: str | None) -> Locale:
    """A Babel locale for formatting from a stored locale or a platform tag ("en_US",
    "pt-BR"); English (en_US) when it names none Babel knows."""
    try:
        return Locale.parse((name or "en_US").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en_US")


def current() -> str:
    """The language texts are rendered in now."""
    return _current.get()


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Render texts in ``language`` (a code, a tag or a locale; ours or the source) inside
    the block."""
    chosen = supported(language)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; for the source language, or one whose ``.mo``
    is missing (the package was not installed, see ``setup.py``), none: texts stay in
    English, and the missing file is logged once."""
    if language == SOURCE:
        return gettext.NullTranslations()
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.exists():
        log.error(
            "i18n.catalogue_missing",
            extra={"language": language, "fix": "pip install -e . compiles the catalogues"},
        )
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def use(language: str) -> None:
    """Render in ``language`` from now on, until the enclosing ``speaking`` block ends (a
    client who has just changed their language reads the rest of the answer in it)."""
    _current.set(supported(language))


def language_name(code: str) -> str:
    """A language named in itself, as its speakers look for it: "English", "Español"."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def locale_switched(locale: str, language: str) -> str:
    """A person's locale in another language, keeping their country where Babel knows the
    pair ("en_US" to Spanish gives "es_US"), else the language alone ("es")."""
    try:
        territory = Locale.parse(locale).territory
    except (ValueError, UnknownLocaleError):
        territory = None
    if territory:
        try:
            return str(Locale.parse(f"{language}_{territory}"))
        except (ValueError, UnknownLocaleError):
            pass
    return language
