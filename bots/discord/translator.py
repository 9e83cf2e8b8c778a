"""The command menu in the language of each person's Discord: discord.py's ``Translator``
over ``core.texts``.

Every description a cog gives Discord is ``described(SOME_TEXT)``: a ``locale_str`` whose
default is the English template and which carries the text's id. When the bot syncs its
commands, :class:`TextsTranslator` gives each Discord locale that names a language Pathwise
speaks (``es-ES`` and ``es-419`` are Spanish) that text's translation from the catalogue;
Discord shows the English to everyone else.
"""

from __future__ import annotations

from functools import cache

import discord
from discord import app_commands

from core import i18n
from core.texts import Text, all_texts

__all__ = ["TextsTranslator", "described", "language_of_locale"]


def described(text: Text) -> app_commands.locale_str:
    """A command's or option's description, from the catalogue."""
    return app_commands.locale_str(text.en, id=text.id)


@cache
def _texts() -> dict[str, Text]:
    return {text.id: text for _, text in all_texts() if isinstance(text, Text)}


def language_of_locale(locale: discord.Locale) -> str | None:
    """Pathwise's language for a Discord locale, None when it speaks none of it (or when it is
    the language the texts are written in, which Discord shows by default)."""
    language = i18n.supported(locale.value, fallback="")
    return language if language and language != i18n.SOURCE else None


class TextsTranslator(app_commands.Translator):
    """Translations of ``described`` strings; None (Discord's default, the English) for the
    rest."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = language_of_locale(locale)
        text = _texts().get(str(string.extras.get("id", "")))
        if language is None or text is None or text.params:
            return None
        with i18n.speaking(language):
            translated = text()
        return translated if translated != text.en else None
