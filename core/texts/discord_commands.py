"""The Pathwise server's command menu: what each slash command and its options are for, as
Discord lists them (at most 100 characters each). Shown in Spanish to people whose Discord
is in Spanish (``bots.discord.translator``)."""

from __future__ import annotations

from core.texts import Text

# The team's /admin commands.
ADMIN = Text("discord_commands.admin", "Pathwise team tools.")
APPROVE = Text("discord_commands.approve", "List an advisor and let clients book them.")
SUSPEND = Text("discord_commands.suspend", "Hide an advisor from clients at once.")
ADVISOR_ID = Text("discord_commands.advisor_id", "The advisor's id, like ana-ruiz")
LINK_ADVISOR = Text("discord_commands.link_advisor", "Connect an advisor's Discord account.")
MEMBER = Text("discord_commands.member", "Their account")
REFUND = Text(
    "discord_commands.refund",
    "Goodwill refund: all or part of a booking's service price, at any time.",
)
BOOKING_NUMBER = Text("discord_commands.booking_number", "The booking number")
REFUND_AMOUNT = Text(
    "discord_commands.refund_amount",
    "How much, like 20 or 12.50, or all (the handling fee is never refunded)",
)
REFUND_REASON = Text("discord_commands.refund_reason", "Why (printed on the client's credit note)")
PAYOUT = Text("discord_commands.payout", "Hold or release an advisor's payout.")
PAYOUT_HOLD = Text("discord_commands.payout_hold", "Keep a booking's payout from being released.")
PAYOUT_RELEASE = Text("discord_commands.payout_release", "Let a held payout go on its normal date.")
STATS = Text("discord_commands.stats", "The numbers, without names.")

# Advisors' commands.
PROFILE = Text("discord_commands.profile", "Your advisor profile and prices.")
PROFILE_SHOW = Text("discord_commands.profile_show", "See your profile as clients see it.")
PROFILE_EDIT = Text("discord_commands.profile_edit", "Change your bio, specialties or languages.")
BIO = Text("discord_commands.bio", "A few sentences about how you help")
SPECIALTIES = Text(
    "discord_commands.specialties", "Separated by commas, e.g. career change, burnout"
)
LANGUAGES = Text("discord_commands.languages", "Two-letter codes separated by commas, e.g. en, es")
PROFILE_PRICE = Text("discord_commands.profile_price", "Set the price of one of your offers.")
OFFER = Text("discord_commands.offer", "Which offer")
PRICE = Text("discord_commands.price", "The price, e.g. 45 or 45.50")
DAYS = Text("discord_commands.days", "Messaging packages only")
PROFILE_LANGUAGE = Text(
    "discord_commands.profile_language", "Choose the language Pathwise writes to you in."
)
LANGUAGE = Text("discord_commands.language", "The language for Pathwise's messages to you")
AVAILABILITY = Text(
    "discord_commands.availability", "See or set your weekly hours, in your own time zone."
)
HOURS = Text(
    "discord_commands.hours",
    "e.g. mon 09:00-12:00 14:00-18:00; tue 10:00-16:00 (or 'none'). Leave empty to see.",
)
BOOKINGS = Text("discord_commands.bookings", "Your upcoming paid sessions.")
EARNINGS = Text("discord_commands.earnings", "Money held, ready and paid out.")
PAYOUTS = Text("discord_commands.payouts", "Set up or update how you get paid.")
ONLINE = Text("discord_commands.online", "Tell clients you're free to talk now.")
AVAILABLE = Text("discord_commands.available", "On or off; leave empty to switch")
TIMEOFF = Text("discord_commands.timeoff", "Days or hours off, when clients can't book you.")
TIMEOFF_ADD = Text("discord_commands.timeoff_add", "Take a day, a few days or some hours off.")
TIMEOFF_LIST = Text("discord_commands.timeoff_list", "See your upcoming time off.")
TIMEOFF_REMOVE = Text(
    "discord_commands.timeoff_remove", "Remove time off, so clients can book you again."
)
TIMEOFF_FROM = Text(
    "discord_commands.timeoff_from", "The first day, in your time zone, like 24/12 or 2026-12-24"
)
TIMEOFF_TO = Text("discord_commands.timeoff_to", "The last day, for more than one day")
TIMEOFF_HOURS = Text(
    "discord_commands.timeoff_hours", "Only these hours each day, like 13:00-15:00"
)
TIMEOFF_DATE = Text("discord_commands.timeoff_date", "The day, like 24/12 or 2026-12-24")
REVIEWS = Text("discord_commands.reviews", "Your rating and what clients wrote about you.")
STATEMENTS = Text(
    "discord_commands.statements", "Your payouts, each with its statement; a month's PDF."
)
STATEMENTS_MONTH = Text(
    "discord_commands.statements_month", "A month for its PDF statement, like 2026-11"
)
STATEMENTS_PAGE = Text("discord_commands.statements_page", "Which page of payouts, newest first")

# Clients' commands.
LINK = Text("discord_commands.link", "Connect this Discord account to your Pathwise bookings.")
CODE = Text(
    "discord_commands.code", "The code from your Telegram chat with Pathwise, like ABCD-2345"
)

# An advisor's private calendar feed (bots/discord/cogs/calendar_feed.py).
CALENDAR = Text("discord_commands.calendar", "Your bookings and time off in your calendar app.")
CALENDAR_LINK = Text(
    "discord_commands.calendar_link", "Get a private feed link for your calendar app."
)
CALENDAR_RESET = Text("discord_commands.calendar_reset", "Stop your feed link and get a new one.")
CALENDAR_STOP = Text("discord_commands.calendar_stop", "Stop your calendar feed link.")
