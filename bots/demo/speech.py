"""The languages the demo is played in, and what its people type.

The demo's own narration is rendered in the demo's language (``core.texts.demo``); what it
taps and checks is rendered from the catalogue in the language of whoever reads it: the
client's for Telegram, the advisor's for her Discord DMs. ``pieces`` cuts a text with
parameters the demo cannot know (a name, a date) into the fixed words around them, so that a
message can be recognised in any language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import i18n
from core.money import Money
from core.texts import Text

_UNKNOWN = "\x00"
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


@dataclass(frozen=True)
class Script:
    """What the people of the demo type, in one language."""

    client_name: str
    client_username: str
    problem: str
    a_word_for_a_number: str  # where the budget belongs: a friendly retry
    budget: str
    city: str
    review: str
    hard_day: str
    hard_words: str  # a part of ``hard_day`` the advisor's heads-up must not hold
    room_client: str
    room_advisor: str
    room_phrases: tuple[str, ...]  # pieces of what was said in the room: never stored
    client_phrases: tuple[str, ...]  # pieces of what the client wrote: gone after deletion


SCRIPTS: dict[str, Script] = {
    "en": Script(
        client_name="Zoë",
        client_username="zoe",
        problem="I want to change careers, but I'm afraid of starting over at 40.",
        a_word_for_a_number="eighty dollars",
        budget="80",
        city="Madrid",
        review="Ana helped me see my first step. Thank you!",
        hard_day="Some days I feel like I can't go on anymore.",
        hard_words="go on",
        room_client="Hi Ana, thanks for making time.",
        room_advisor="Hi Zoë! Tell me what changing careers means to you.",
        room_phrases=("Hi Ana, thanks for making time.", "Tell me what changing careers means"),
        client_phrases=("afraid of starting over", "helped me see my first step"),
    ),
    "es": Script(
        client_name="Lucía",
        client_username="lucia",
        problem="Quiero cambiar de profesión, pero me da miedo empezar de cero a los 40.",
        a_word_for_a_number="ochenta dólares",
        budget="80",
        city="Madrid",
        review="Ana me ayudó a ver mi primer paso. ¡Gracias!",
        hard_day="Hay días en que siento que ya no puedo seguir.",
        hard_words="puedo seguir",
        room_client="Hola, Ana, gracias por hacerme un hueco.",
        room_advisor="¡Hola, Lucía! Cuéntame qué significa para ti cambiar de profesión.",
        room_phrases=(
            "Hola, Ana, gracias por hacerme un hueco.",
            "qué significa para ti cambiar de profesión",
        ),
        client_phrases=("me da miedo empezar de cero", "ayudó a ver mi primer paso"),
    ),
}

# Ana, the demo's advisor, reads Pathwise in English whatever the client speaks.
ADVISOR_LANGUAGE = "en"


def script(language: str) -> Script:
    """What the demo's people type in ``language``; English for a language without one."""
    return SCRIPTS.get(language, SCRIPTS["en"])


def render(language: str, text: Text, /, **params: object) -> str:
    """``text`` as a reader of ``language`` sees it."""
    with i18n.speaking(language):
        return text(**params)


def pieces(language: str, text: Text, /, **known: object) -> list[str]:
    """The fixed words of ``text`` in ``language``, with the parameters in ``known`` filled in
    and the others cut out: what any message made from it holds."""
    filled = {name: known.get(name, _UNKNOWN) for name in text.params}
    return [
        part
        for part in (plain(p).strip() for p in render(language, text, **filled).split(_UNKNOWN))
        if part
    ]


def made_from(message: str, language: str, /, *texts: Text, **known: object) -> bool:
    """Whether ``message`` holds one of ``texts`` in ``language`` (every fixed word of it)."""
    seen = plain(message)
    return any(all(p in seen for p in pieces(language, text, **known)) for text in texts)


def plain(text: str) -> str:
    """``text`` with every run of spaces (no-break ones, line breaks) as one space: a PDF read
    back or an amount written the Spanish way ("60,00\u00a0US$") compare as printed."""
    return _SPACES.sub(" ", text)


def money(minor: int, currency: str, locale: str) -> str:
    """An amount as a reader of ``locale`` sees it."""
    return Money(minor, currency).format(locale)
