"""The words matching shows a client: why an advisor was suggested, and intake mistakes."""

from __future__ import annotations

from core.texts import Plural, Text

# Reasons, shown as a list under each suggested advisor.
SPEAKS = Text("matching.speaks", "speaks {language}")
# Fewer advisors speak the client's language and fit their answers than a full list holds.
FEWER_FIT = Plural(
    "matching.fewer_fit",
    "the only advisor who speaks {language} and fits your answers",
    "one of only {count} advisors who speak {language} and fit your answers",
)
# Only what the advisor lists: a specialty, or a topic (``topic`` is its label). ``words``
# are the client's own words the reason rests on, each quoted, joined by QUOTE_JOIN.
SPECIALISES = Text("matching.specialises", "specialises in {specialty}")
SPECIALISES_FOR = Text(
    "matching.specialises_for", 'specialises in {specialty} — you wrote "{words}"'
)
COVERS = Text("matching.covers", "covers {topic}")
COVERS_FOR = Text("matching.covers_for", 'covers {topic} — you wrote "{words}"')
QUOTE_JOIN = Text("matching.quote_join", '", "')
FREE_NOW = Text("matching.free_now", "free now")
# ``day`` is TODAY, TOMORROW, a weekday name or a date; ``time`` the local "18:00".
FREE_AT = Text("matching.free_at", "free {day} {time} your time")
TODAY = Text("matching.today", "today")
TOMORROW = Text("matching.tomorrow", "tomorrow")
NEW_ADVISOR = Text("matching.new_advisor", "new on Pathwise")
# ``rating`` is the average with one decimal, "4.8".
RATING = Plural(
    "matching.rating", "{rating}★ from {count} review", "{rating}★ from {count} reviews"
)
WITHIN_BUDGET = Text("matching.within_budget", "within your budget: {price}")

# The intake's answers that cannot be used.
CHOOSE_LANGUAGE = Text("matching.choose_language", "Please choose a language from the list.")
NEGATIVE_BUDGET = Text("matching.negative_budget", "A budget cannot be negative.")
UNKNOWN_ZONE = Text(
    "matching.unknown_zone", "Unknown time zone {zone!r}; use a name like Europe/Madrid."
)
