"""The client's own settings: their time zone and the language Pathwise speaks to them in."""

from __future__ import annotations

from core.texts import Text

ZONE_BUTTON = Text("profile.zone_button", "{city} · {time}")
NOW = Text("profile.now", " (now: {zone})")
ASK = Text(
    "profile.ask",
    "Which time zone are you in{current}? Tap one, or send the name of your city, "
    "like Madrid or New York. I'll show every time in your time.",
)
TAP_HINT = Text(
    "profile.tap_hint", "Please tap one of the time zones below, or send the name of your city."
)
HINT = Text(
    "profile.hint",
    "I couldn't find a time zone for “{text}”. Please send the name of a big city near you, "
    "like Madrid or New York, or a time zone name like Europe/Madrid.",
)
WHICH_ONE = Text(
    "profile.which_one",
    "“{text}” fits more than one place. Which of these is yours? Or send the name of your city.",
)
SAVED = Text("profile.saved", "Got it: {zone}. It's {time} there now.")

# /language and the welcome card's button: the languages, each named in itself.
ASK_LANGUAGE = Text(
    "profile.ask_language", "Which language would you like me to use? (Now: {language}.)"
)
LANGUAGE_TAP_HINT = Text("profile.language_tap_hint", "Please tap one of the languages below.")
LANGUAGE_SAVED = Text("profile.language_saved", "Done: I'll write to you in English from now on.")
