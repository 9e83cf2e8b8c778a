"""An advisor's time off (/timeoff in Discord): the dates and hours they type, refused with a
reason when unusable; time off added, or not while paid sessions are in the way; the list;
time off removed. Days are day headings (``scheduling.day_format``) in the advisor's locale."""

from __future__ import annotations

from core.texts import Plural, Text

# What was typed for a date, quoted.
NOT_A_DATE = Text(
    "timeoff.not_a_date",
    "{text!r} isn't a date I can read. Write it like 24/12, 24/12/2026 or 2026-12-24 (day first).",
)
NO_SUCH_DAY = Text(
    "timeoff.no_such_day", "{text!r} isn't a day of the calendar. Check the day and the month."
)
PAST = Text(
    "timeoff.past",
    "{day} has already passed (today is {today} in your time zone). Time off starts today or "
    "later.",
)
END_BEFORE_START = Text(
    "timeoff.end_before_start",
    "The last day ({last}) is before the first ({first}). Put the first day first.",
)
TOO_LONG = Text(
    "timeoff.too_long",
    "That's more than {days} days at once. Add longer time off in parts of up to {days} days.",
)
TOO_FAR = Text(
    "timeoff.too_far", "{day} is more than a year away. Add time off up to a year ahead."
)
# ``error`` is one of the scheduling.hours_* explanations.
HOURS_UNUSABLE = Text("timeoff.hours_unusable", "Those hours can't be used: {error}.")

ADDED_DAY = Text(
    "timeoff.added_day", "Done: you're off on {first}. Clients can't book you that day."
)
ADDED_DAY_HOURS = Text(
    "timeoff.added_day_hours",
    "Done: you're off on {first}, {hours} (your time). Clients can't book you then.",
)
ADDED_RANGE = Text(
    "timeoff.added_range",
    "Done: you're off from {first} to {last} ({days} days). Clients can't book you then.",
)
ADDED_RANGE_HOURS = Text(
    "timeoff.added_range_hours",
    "Done: you're off from {first} to {last}, {hours} (your time) each day. Clients can't "
    "book you then.",
)
# Nothing was added: ``sessions`` are IN_THE_WAY_LINE lines, one per paid session.
IN_THE_WAY = Plural(
    "timeoff.in_the_way",
    "Your time off is not added yet: a paid session is booked then.\n{sessions}\n"
    "Move or cancel it first, then add the time off again.",
    "Your time off is not added yet: {count} paid sessions are booked then.\n{sessions}\n"
    "Move or cancel them first, then add the time off again.",
)
IN_THE_WAY_LINE = Text(
    "timeoff.in_the_way_line",
    "• {when} (your time): {what} with {client_name} (booking {booking_id})",
)

LIST = Text("timeoff.list", "Your upcoming time off:\n{lines}")
LIST_EMPTY = Text(
    "timeoff.list_empty", "You have no upcoming time off. Add some with /timeoff add."
)
LIST_DAY = Text("timeoff.list_day", "• {first}: all day")
LIST_DAY_HOURS = Text("timeoff.list_day_hours", "• {first}: {hours}")
LIST_RANGE = Text("timeoff.list_range", "• {first} to {last}: all day")
LIST_RANGE_HOURS = Text("timeoff.list_range_hours", "• {first} to {last}: {hours} each day")
LIST_MORE = Plural("timeoff.list_more", "…and {count} more.", "…and {count} more.")

REMOVED_DAY = Text(
    "timeoff.removed_day",
    "Removed your time off on {first}: clients can book you then again, within your weekly hours.",
)
REMOVED_RANGE = Text(
    "timeoff.removed_range",
    "Removed your time off from {first} to {last}: clients can book you then again, within "
    "your weekly hours.",
)
NOTHING_TO_REMOVE_DAY = Text("timeoff.nothing_to_remove_day", "You have no time off on {first}.")
NOTHING_TO_REMOVE_RANGE = Text(
    "timeoff.nothing_to_remove_range", "You have no time off from {first} to {last}."
)
