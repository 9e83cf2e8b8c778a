"""What the session lifecycle tells the client, the advisor and the team outside the room:
how to get in, reminders, the room's link, a no-show, the after-session words, a waiting
client, a problem report and a transcript on its way."""

from __future__ import annotations

from core.texts import Text

# -- how to get in ---------------------------------------------------------------------------

JOIN_INTRO = Text("sessions.join_intro", "One more step before your session with {advisor_name}.")
JOIN_STEPS = Text(
    "sessions.join_steps",
    "Your sessions happen on Discord, in a private room. To get in:\n"
    "1. Join the Pathwise server: {invite}\n"
    "2. There, type /link {code}\n"
    "The invite and the code work once, for the next {minutes} minutes. If they run out, "
    "we'll send fresh ones with your next reminder.",
)

# -- reminders -------------------------------------------------------------------------------

REMIND_CLIENT_DAY = Text(
    "sessions.remind_client_day",
    "Reminder: your {offer_name} with {advisor_name} is tomorrow, {when} your time. Your "
    "private room opens {opens} minutes before the start; we'll send you its link here.",
)
REMIND_CLIENT_SOON = Text(
    "sessions.remind_client_soon",
    "Reminder: your {offer_name} with {advisor_name} is in 15 minutes, {when} your time. Your "
    "private room opens {opens} minutes before the start; we'll send you its link here.",
)
REMIND_ADVISOR_DAY = Text(
    "sessions.remind_advisor_day",
    "Reminder: {offer_name} with {client_name} tomorrow, {when} your time. The private room "
    "opens {opens} minutes before.",
)
REMIND_ADVISOR_SOON = Text(
    "sessions.remind_advisor_soon",
    "Reminder: {offer_name} with {client_name} in 15 minutes, {when} your time. The private "
    "room opens {opens} minutes before.",
)

# -- the room is open ------------------------------------------------------------------------

ROOM_OPEN_CLIENT_LIVE = Text(
    "sessions.room_open_client_live",
    "Your private room for the {offer_name} with {advisor_name} is open: {url}\n"
    "The session starts {when} your time.",
)
ROOM_OPEN_CLIENT_MESSAGING = Text(
    "sessions.room_open_client_messaging",
    "Your private room for the {offer_name} with {advisor_name} is open: {url}\n"
    "Write whenever you like until {until} your time; {advisor_name} will answer there.",
)
ROOM_OPEN_ADVISOR_LIVE = Text(
    "sessions.room_open_advisor_live",
    "The room for your {offer_name} with {client_name} is open: {url}\n"
    "Please say hello there within the first 10 minutes, or the client is offered a refund.",
)
ROOM_OPEN_ADVISOR_MESSAGING = Text(
    "sessions.room_open_advisor_messaging",
    "The room for your {offer_name} with {client_name} is open: {url}",
)
ADVISOR_NOT_LINKED = Text(
    "sessions.advisor_not_linked",
    "Session {session_id}: {advisor_name} has no linked Discord account, so they are not in "
    "the room. Please help them link it.",
)

# -- the advisor did not come ----------------------------------------------------------------

NO_SHOW_CLIENT = Text(
    "sessions.no_show_client",
    "We're so sorry: {advisor_name} didn't arrive for your session at {when}. You can have a "
    "full refund of the session price ({price}) or choose a new time: open /bookings and tap "
    "this session.",
)
NO_SHOW_ADVISOR = Text(
    "sessions.no_show_advisor",
    "You didn't write in the first {minutes} minutes of your session with {client_name} "
    "({when} your time), so the room was closed and the client was offered a refund. If "
    "something went wrong, please tell the Pathwise team.",
)
NO_SHOW_ADMIN = Text(
    "sessions.no_show_admin",
    "Advisor no-show: session {session_id} (booking {booking_id}), {advisor_name}.",
)

# -- after the session -----------------------------------------------------------------------

AFTERCARE_FALLBACK = Text(
    "sessions.aftercare_fallback",
    "Your session with {advisor_name} has ended. How did it go? You can rate it, leave a tip "
    "(all of it goes to {advisor_name}), or, if it didn't help, ask for a refund of the "
    "session price within {hours} hours.",
)
CLIENT_WAITING = Text(
    "sessions.client_waiting",
    "{client_name} has been waiting for your answer since {since} (your time) in your "
    "messaging room. Please reply when you can.",
)

# -- a problem reported from the room --------------------------------------------------------

PROBLEM_BY_ADVISOR = Text(
    "sessions.problem_by_advisor",
    "Problem reported by the advisor in session {session_id} (booking {booking_id}, room "
    "{channel_id}, state {state}).",
)
PROBLEM_BY_CLIENT = Text(
    "sessions.problem_by_client",
    "Problem reported by the client in session {session_id} (booking {booking_id}, room "
    "{channel_id}, state {state}).",
)

# -- the transcript, delivered ---------------------------------------------------------------

TRANSCRIPT_DELIVERED = Text(
    "sessions.transcript_delivered",
    "Here is the transcript of your session, as you asked. We keep no copy.",
)
