"""The words scheduling shows clients and advisors: times that can't be had, bookings that can't
change, hours that can't be read."""

from __future__ import annotations

from core.texts import Text

# Babel date patterns (CLDR syntax, not sentences): a start time, e.g. "Tue 24 Nov, 18:00",
# and a day heading, e.g. "Tue 24 Nov".
SLOT_FORMAT = Text("scheduling.slot_format", "EEE d MMM, HH:mm")
DAY_FORMAT = Text("scheduling.day_format", "EEE d MMM")
# A moment with its year, as payment and refund notices read it (the zone follows it).
MOMENT_FORMAT = Text("scheduling.moment_format", "EEE dd MMM yyyy, HH:mm")
# A date with its year, as a payout statement reads it.
DATE_FORMAT = Text("scheduling.date_format", "dd MMM yyyy")

# A time that can't be had: a lead, then the next free times (or that there are none).
NO_LONGER_AVAILABLE = Text("scheduling.no_longer_available", "That time is no longer available.")
JUST_TAKEN = Text("scheduling.just_taken", "That time was just taken.")
# ``times`` are the start times, each as SLOT_FORMAT reads, joined by "; ".
NEXT_FREE = Text("scheduling.next_free", "Here are the next free times: {times}.")
NO_OTHER_FREE = Text(
    "scheduling.no_other_free", "There are no other free times in the next {horizon_days} days."
)
NO_LONGER_OFFERED = Text(
    "scheduling.no_longer_offered", "That time is no longer offered. Please pick another."
)
ADVISOR_OFFLINE = Text(
    "scheduling.advisor_offline", "{advisor} is not online any more. Please book a time instead."
)
PACKAGE_NEEDS_NO_SLOT = Text(
    "scheduling.package_needs_no_slot",
    "Messaging packages need no time slot: they start once paid.",
)
SESSION_NEEDS_TIME = Text(
    "scheduling.session_needs_time", "A live session needs a time: please pick one first."
)
NEW_TIME_TOO_SOON = Text(
    "scheduling.new_time_too_soon",
    "A new time needs to be at least {hours} hours away, so you can still change it for free. "
    "Please pick a later time.",
)
CLIENT_CLASH = Text(
    "scheduling.client_clash",
    "That time overlaps your {offer} with {advisor} on {when} (your time). Please choose "
    "another time, or change that booking in /bookings.",
)
HOLD_LIMIT = Text(
    "scheduling.hold_limit",
    "You already have {limit} bookings waiting for payment. "
    "Pay for one or cancel it before choosing another time.",
)

# Lookups that find nothing.
BOOKING_NOT_FOUND = Text(
    "scheduling.booking_not_found",
    "We couldn't find that booking among yours. Please open your bookings and try again.",
)
ADVISOR_NOT_FOUND = Text("scheduling.advisor_not_found", "That advisor could not be found.")
OFFER_GONE = Text(
    "scheduling.offer_gone",
    "That offer is no longer available. Please look at the advisor again.",
)
ACCOUNT_NOT_FOUND = Text(
    "scheduling.account_not_found",
    "We couldn't find your account. Please start again from the menu.",
)

# Bookings that can't change. ``status`` is the booking's status as stored ("cancelled").
CANNOT_CONFIRM = Text(
    "scheduling.cannot_confirm", "This booking is {status} and can't be confirmed."
)
HOLD_EXPIRED = Text(
    "scheduling.hold_expired", "This booking's hold has expired. Please choose a time again."
)
CANNOT_CHANGE = Text(
    "scheduling.cannot_change", "This booking is {status}, so it can't be changed any more."
)
PACKAGE_NO_TIME = Text("scheduling.package_no_time", "A messaging package has no time to move.")
PACKAGE_TOO_LATE = Text(
    "scheduling.package_too_late",
    "A messaging package starts as soon as it's paid, so it can't be cancelled free of "
    "charge. The money-back guarantee rules apply instead.",
)
# ``starts`` as SLOT_FORMAT reads in the client's zone.
TOO_LATE = Text(
    "scheduling.too_late",
    "Free rescheduling and cancellation end {hours} hours before the session, and this "
    "one starts {starts}. The money-back guarantee rules apply now: if the session "
    "doesn't help, you can ask for a refund after it.",
)

# Zones and hours an advisor (or client) typed.
UNKNOWN_ZONE = Text(
    "scheduling.unknown_zone", "Unknown time zone {name!r}. Please use a name like Europe/Madrid."
)
# ``error`` is one of the HOURS_* explanations below.
HOURS_UNUSABLE = Text("scheduling.hours_unusable", "Those hours can't be used: {error}.")
# ``text`` is what was typed, quoted.
HOURS_EXAMPLE = Text("scheduling.hours_example", "{text!r}: write hours like 09:00-12:30")
HOURS_END_BEFORE_START = Text(
    "scheduling.hours_end_before_start",
    "{text!r}: the end must be after the start (split hours past midnight)",
)
HOURS_NOT_A_TIME = Text("scheduling.hours_not_a_time", "{text!r}: {part} is not a time of day")
HOURS_QUARTERS = Text(
    "scheduling.hours_quarters",
    "{text!r}: use quarter hours, like 09:00, 09:15, 09:30 or 09:45",
)
HOURS_UNKNOWN_DAY = Text(
    "scheduling.hours_unknown_day",
    "unknown day {day!r} (use mon, tue, wed, thu, fri, sat, sun)",
)
HOURS_OVERLAP = Text(
    "scheduling.hours_overlap", "{day}: hours overlap; list each stretch of time once"
)
HOURS_TWICE = Text("scheduling.hours_twice", "{day} is listed twice")
