"""What the chat itself says, whatever the flow: stale buttons, unknown commands, groups and
failures."""

from __future__ import annotations

from core.texts import Text

STALE_BUTTON = Text("chat.stale_button", "That option has expired. Here is where we are now:")
NOT_AVAILABLE = Text("chat.not_available", "Sorry, that isn't available yet. Here is the menu:")
UNKNOWN_COMMAND = Text(
    "chat.unknown_command", "I don't know that command. Here is where we are now:"
)
GROUP_REPLY = Text(
    "chat.group_reply",
    "Hi! I only talk in private, to keep what you share confidential. "
    "Please message me directly to find an advisor.",
)
APOLOGY = Text(
    "chat.apology",
    "Sorry, something went wrong on our side. Please try again in a moment, "
    "or send /start to begin again.",
)
OPTION_EXPIRED = Text("chat.option_expired", "That option has expired.")
TAP_AN_OPTION = Text("chat.tap_an_option", "Please tap one of the options below.")
BACK = Text("chat.back", "Back")
BACK_TO_MENU = Text("chat.back_to_menu", "Back to the menu")
LATER_TIMES = Text("chat.later_times", "Later times")
TAP_A_TIME = Text("chat.tap_a_time", "Please tap one of the times below.")
SKIP = Text("chat.skip", "Skip")
NO_THANKS = Text("chat.no_thanks", "No thanks")
FIND_AN_ADVISOR = Text("chat.find_an_advisor", "Find an advisor")
TEXT_ONLY = Text(
    "chat.text_only", "I can read text only — please type your message or use the buttons."
)
