"""The words an advisor reads when managing their profile, prices and hours from a chat app."""

from __future__ import annotations

from core.texts import Text

NOT_AN_ADVISOR = Text(
    "advisors.not_an_advisor",
    "These commands are for Pathwise advisors. If you are one, ask the Pathwise team to "
    "link this Discord account to your profile.",
)
ADVISOR_NOT_FOUND = Text("advisors.advisor_not_found", "That advisor could not be found.")
BIO_LENGTH = Text(
    "advisors.bio_length",
    "Please write a bio of {low} to {high} characters (this one has {length}).",
)
SPECIALTIES = Text(
    "advisors.specialties",
    "List 1 to {most} specialties, separated by commas, each short "
    "(for example: career change, burnout).",
)
LANGUAGES = Text(
    "advisors.languages",
    "List the languages you advise in as two-letter codes separated by commas, like en, es.",
)
# ``unknown`` are the codes that are not languages, joined by ", ".
LANGUAGES_UNKNOWN = Text(
    "advisors.languages_unknown",
    "List the languages you advise in as two-letter codes separated by commas, "
    "like en, es ({unknown} is not one).",
)
CHOOSE_KIND = Text("advisors.choose_kind", "Choose live30, live60 or messaging.")
PACKAGE_LENGTH = Text(
    "advisors.package_length", "A messaging package needs its length: 1 to 90 days."
)
NOT_A_PRICE = Text("advisors.not_a_price", "{text!r} is not a price; write it like 45 or 45.50.")
PRICE_ABOVE_ZERO = Text("advisors.price_above_zero", "A price must be more than zero.")
UNREADABLE_HOURS = Text(
    "advisors.unreadable_hours",
    "I couldn't read {chunk!r}. Write each day with its hours, separated "
    "by semicolons, like: mon 09:00-12:00 14:00-18:00; tue 10:00-16:00",
)
NO_DAY = Text("advisors.no_day", "Please give at least one day, like: mon 09:00-17:00")
NO_HOURS = Text("advisors.no_hours", "No weekly hours set.")
# The words an advisor may type instead of hours to clear them all, separated by commas
# (English's are always understood too). Day names are Babel's, in the advisor's language.
CLEAR_HOURS_WORDS = Text("advisors.clear_hours_words", "none, off, clear")
# One line of the weekly hours: "Mon: 09:00-12:00, 14:00-18:00".
HOURS_LINE = Text("advisors.hours_line", "{day}: {hours}")
# An upcoming package has no start time.
OPEN_START = Text("advisors.open_start", "open")
# /profile language with a language Pathwise does not speak; ``languages`` like
# "English (en), Español (es)".
UI_LANGUAGE_UNKNOWN = Text(
    "advisors.ui_language_unknown",
    "Pathwise can write to you in {languages}: please choose one of them.",
)
