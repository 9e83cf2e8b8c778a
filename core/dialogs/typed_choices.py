"""Words typed where buttons are offered: a button's label (in any case, without its
punctuation, or without its trailing amount or time) counts as tapping it, and so do a few
common synonyms; "back" taps the Back button; "cancel", "help" and "menu" work like their
commands, except on steps whose answer is the client's own words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from core.dialogs import buttons
from core.replies import Button, Message, Reply

# Words that mean the same as a command, in the languages the bot is written in.
COMMAND_WORDS = {
    "cancel": "cancel",
    "stop": "cancel",
    "quit": "cancel",
    "cancelar": "cancel",
    "help": "help",
    "ayuda": "help",
    "menu": "start",
    "main menu": "start",
    "home": "start",
    "menú": "start",
    "inicio": "start",
}
BACK_WORDS = frozenset({"back", "go back", "previous", "return", "atrás", "atras", "volver"})
SYNONYMS = {  # typed -> a label they stand for
    "no limit": ("no limit", "any budget", "unlimited", "no budget", "sin límite", "sin limite"),
    "any time": ("anytime", "whenever", "any", "cualquier momento"),
    "skip": ("no thanks", "no thank you", "not now", "later", "pass", "saltar"),
}


def normalise(text: str) -> str:
    """Lower case, accents kept, punctuation and symbols gone, spaces collapsed: "No limit!"
    and "no   limit" read the same, "$63.49" reads "6349"."""
    kept = (
        c if unicodedata.category(c)[0] in "LN" else " "
        for c in unicodedata.normalize("NFC", text.casefold())
        if unicodedata.category(c) not in ("Sc", "Po") or c in "'’"
    )
    return re.sub(r"\s+", " ", "".join(kept)).strip()


Offered = list[list[list[str]]]  # rows of [label, data] buttons, as they were shown


def offered(replies: Iterable[Reply]) -> Offered:
    """The [label, data] of every button among ``replies``, row by row."""
    return [
        [[button.label, button.data] for button in row if isinstance(button, Button)]
        for reply in replies
        if isinstance(reply, Message)
        for row in reply.buttons
        if any(isinstance(button, Button) for button in row)
    ]


def again(shown: Offered) -> tuple[tuple[Button, ...], ...]:
    """The buttons last shown, to come again with a hint that has none of its own."""
    return tuple(tuple(Button(label, data) for label, data in row) for row in shown)


def chosen(text: str, shown: Offered) -> str | None:
    """The data of the one button ``text`` names among ``shown``, or None."""
    typed = normalise(text)
    if not typed or not shown:
        return None
    labels = [(normalise(label), data) for row in shown for label, data in row]
    exact = [data for label, data in labels if label == typed]
    if len(exact) == 1:
        return exact[0]
    for meant, words in SYNONYMS.items():
        if typed in words:
            same = [data for label, data in labels if label == meant]
            if len(same) == 1:
                return same[0]
    if typed in BACK_WORDS:
        back = [data for label, data in labels if _action(data) in ("back", "menu")]
        back = back or [data for label, data in labels if label.startswith("back")]
        return back[0] if len(back) == 1 else None
    # "pay" for "Pay $63.49", "madrid" for "Madrid · 10:00": the label without its trailing
    # amount or time. Never a prefix of words: "yes" must not tap "Yes, cancel it".
    bare = [data for label, data in labels if _without_numbers(label) == typed]
    if len(bare) == 1:
        return bare[0]
    return None


def _without_numbers(label: str) -> str:
    return re.sub(r"(?:\s+\d+)+$", "", label)


def command_word(text: str) -> str | None:
    """The command a typed word stands for ("cancel", "help", "menu"), or None."""
    return COMMAND_WORDS.get(normalise(text))


def _action(data: str) -> str:
    press = buttons.decode(data)
    return press.action if press is not None else ""
