"""An advisor's private calendar feed (/calendar): the answers in Discord, and what their
calendar app shows for each booking and time off."""

from __future__ import annotations

from core.texts import Text

CREATED = Text(
    "calendar_feed.created",
    "Your private calendar feed:\n{url}\n\nAdd it to your calendar app as a subscription "
    "(Google Calendar: Other calendars, From URL; Apple Calendar: File, New Calendar "
    "Subscription; Outlook: Add calendar, Subscribe from web). It lists your paid sessions and "
    "time off in your time zone and updates by itself.\n\nThis is the only time Pathwise shows "
    "this link: keep it private, anyone with it can see your bookings. /calendar reset gives a "
    "new one and stops this one; /calendar stop stops it.",
)
ALREADY = Text(
    "calendar_feed.already",
    "Your calendar feed is on. Pathwise showed its link once, when it was made, and keeps no "
    "copy it could show again. Lost it? /calendar reset stops it and gives you a new one.",
)
RESET = Text(
    "calendar_feed.reset",
    "Your old calendar feed link no longer works. Your new one:\n{url}\n\nReplace the "
    "subscription in your calendar app with it. This is the only time Pathwise shows this link: "
    "keep it private.",
)
STOPPED = Text(
    "calendar_feed.stopped",
    "Your calendar feed is stopped: its link no longer works, and your calendar app will stop "
    "updating it (remove the subscription there too). /calendar link makes a new one.",
)
NOTHING_TO_STOP = Text(
    "calendar_feed.nothing_to_stop",
    "You have no calendar feed to stop. /calendar link makes one.",
)
NO_PUBLIC_URL = Text(
    "calendar_feed.no_public_url",
    "Calendar feeds are not available yet: Pathwise has no public web address. Please tell the "
    "team.",
)
CALENDAR_NAME = Text("calendar_feed.calendar_name", "Pathwise sessions")
SESSION_TITLE = Text("calendar_feed.session_title", "{offer} with {client} (Pathwise)")
SESSION_DETAILS = Text(
    "calendar_feed.session_details",
    "Booking {booking_id}: {offer} with {client}. The private Discord room opens {opens} minutes "
    "before the start; /bookings in Discord lists your sessions.",
)
TIME_OFF_TITLE = Text("calendar_feed.time_off_title", "Time off (Pathwise)")
TIME_OFF_DETAILS = Text(
    "calendar_feed.time_off_details",
    "Clients can't book you then. /timeoff list in Discord shows your time off.",
)
