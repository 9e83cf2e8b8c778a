"""The calendar file (.ics) sent after a live session is paid: what a calendar app shows."""

from __future__ import annotations

from core.texts import Text

# The calendar file's name, in the client's language; {date} like 2026-11-25. Keep it ASCII
# (letters, digits, hyphens) so every calendar app and file system keeps it as it is.
FILENAME = Text("calendar.filename", "Pathwise-session-{date}.ics")
EVENT_TITLE = Text("calendar.event_title", "{offer} with {advisor} (Pathwise)")
EVENT_LOCATION = Text("calendar.event_location", "Private Discord room (link sent in Telegram)")
EVENT_WHAT = Text(
    "calendar.event_what",
    "A live text chat with {advisor} in a private Discord room only the two of you and our "
    "bot can see.",
)
EVENT_JOIN = Text(
    "calendar.event_join",
    "How to join: you need a Discord account. Pathwise sends you the room's link in Telegram "
    "{opens} minutes before the start.",
)
EVENT_CHANGES = Text(
    "calendar.event_changes",
    "Changes: free until {until} (your time, {zone}), in /bookings at {bot}. After that the "
    "money-back guarantee applies: if the session doesn't help, ask within {hours} hours after "
    "it ends.",
)
EVENT_CHANGES_PASSED = Text(
    "calendar.event_changes_passed",
    "Changes: this session can no longer be moved or cancelled for free. The money-back "
    "guarantee applies: if it doesn't help, ask within {hours} hours after it ends.",
)
READY = Text(
    "calendar.ready",
    "Here it is for your calendar: open the file to add the session, with how to join and the "
    "change rule.",
)
