"""The client's commands: each one's line in a platform's command menu and in /help."""

from __future__ import annotations

from core.texts import Text

HELP_INTRO = Text("commands.help_intro", "Here is what I can do:")
HELP_LINE = Text("commands.help_line", "/{name} - {what}")

START = Text("commands.start", "Start, or come back to the beginning")
FIND = Text("commands.find", "Find an advisor and book a session")
FIND_HELP = Text("commands.find_help", "find an advisor and book a session")
BOOKINGS = Text("commands.bookings", "Your bookings: reschedule, cancel or ask for a refund")
BOOKINGS_HELP = Text(
    "commands.bookings_help", "see, reschedule or cancel your bookings, or ask for a refund"
)
CHECKIN = Text("commands.checkin", "How are you feeling? A quick check-in")
CHECKIN_HELP = Text("commands.checkin_help", "tell us how you're feeling and see your progress")
TIMEZONE = Text("commands.timezone", "Set your time zone")
TIMEZONE_HELP = Text("commands.timezone_help", "change your time zone")
LANGUAGE = Text("commands.language", "Choose the language I write to you in")
LANGUAGE_HELP = Text("commands.language_help", "choose the language I write to you in")
HELP = Text("commands.help", "What this bot can do")
HELP_HELP = Text("commands.help_help", "this message")
PRIVACY = Text("commands.privacy", "What we keep about you and for how long; download it")
PRIVACY_HELP = Text("commands.privacy_help", "what we keep about you and for how long; download it")
DELETE_MY_DATA = Text(
    "commands.deletemydata", "Delete your data (payment records stay, anonymised)"
)
DELETE_MY_DATA_HELP = Text(
    "commands.deletemydata_help", "delete your data (payment records stay, anonymised)"
)
DELETE_MY_DATA_SERVER = Text(
    "commands.deletemydata_server",
    "Delete your Pathwise data (payment records stay, anonymised).",
)
CANCEL = Text("commands.cancel", "Stop what we are doing")
CANCEL_HELP = Text("commands.cancel_help", "stop what we are doing and go back to the start")

# Advisors' commands, in the Pathwise server's command list.
SHARE = Text("commands.share", "Get the link that opens your profile for clients")
