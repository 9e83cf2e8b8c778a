"""What the Discord bot itself says: its apology for an unexpected error, a refused command,
payments not set up, and the private channel that stands in for closed direct messages."""

from __future__ import annotations

from core.texts import Text

APOLOGY = Text(
    "discord_bot.apology",
    "Sorry, something went wrong on our side. Please try again in a moment.",
)
NOT_HERE = Text("discord_bot.not_here", "Sorry, you can't use this command here.")
PAYMENTS_OFF = Text("discord_bot.payments_off", "Payments are not set up on this Pathwise yet.")
INBOX_TOPIC = Text(
    "discord_bot.inbox_topic",
    "Your Pathwise notifications, because direct messages from the bot are closed.",
)
INBOX_INTRO = Text(
    "discord_bot.inbox_intro",
    "We couldn't send you a direct message, so your Pathwise notifications will come here; "
    "only you and the Pathwise bot can see this channel. To get them as direct messages, "
    "allow direct messages from server members in your privacy settings.",
)
TEAM_TOPIC = Text("discord_bot.team_topic", "Notices for the Pathwise team.")
