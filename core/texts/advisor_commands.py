"""What advisors' commands answer (in Discord): their profile card, prices, weekly hours,
bookings, earnings, payouts, "available now", their share link and their reviews."""

from __future__ import annotations

from core.texts import Plural, Text

CARD = Text(
    "advisor_commands.card",
    "**{name}** ({standing})\n{bio}\n\nSpecialties: {specialties}\nLanguages: {languages}\n"
    "Time zone: {timezone}\nPrices:\n{prices}",
)
APPROVED = Text("advisor_commands.approved", "approved")
APPROVED_ONLINE = Text("advisor_commands.approved_online", "approved, online now")
WAITING = Text("advisor_commands.waiting", "waiting for approval")
WAITING_ONLINE = Text("advisor_commands.waiting_online", "waiting for approval, online now")
PRICE_LINE = Text("advisor_commands.price_line", "• {offer_name}: {price}")
PRICE_LINE_PAUSED = Text("advisor_commands.price_line_paused", "• {offer_name}: {price} (paused)")
NONE = Text("advisor_commands.none", "—")

PROFILE_SAVED = Text("advisor_commands.profile_saved", "Saved. Here is your profile now:\n\n{card}")
PRICE_SET = Text(
    "advisor_commands.price_set",
    "{offer_name}: now {price}. Bookings already made keep their price.",
)
HOURS = Text("advisor_commands.hours", "Your weekly hours ({timezone}):\n{hours}")
HOURS_SAVED = Text(
    "advisor_commands.hours_saved", "Saved. Your weekly hours ({timezone}):\n{hours}"
)
BOOKING_LINE = Text(
    "advisor_commands.booking_line", "• {when} (your time): {what} with {client_name}"
)
NO_BOOKINGS = Text("advisor_commands.no_bookings", "No upcoming sessions yet.")
EARNINGS = Text(
    "advisor_commands.earnings",
    "Held (money-back window of {hours} hours still open): {held}\n"
    "Ready to pay out: {ready}\n"
    "Paid out: {paid_out}",
)
EARNINGS_NO_PAYOUTS = Text(
    "advisor_commands.earnings_no_payouts",
    "Held (money-back window of {hours} hours still open): {held}\n"
    "Ready to pay out: {ready}\n"
    "Paid out: {paid_out}\n"
    "Set up payouts with /payouts to receive what is ready.",
)
OPEN_STRIPE = Text("advisor_commands.open_stripe", "Open Stripe")
PAYOUT_LINK = Text(
    "advisor_commands.payout_link",
    "Stripe handles payouts. This private link sets up (or updates) your payout account; if "
    "it expires, run /payouts again.",
)
ONLINE_ON = Text(
    "advisor_commands.online_on",
    "You're shown as available now: clients can book you for a session starting soon.",
)
ONLINE_OFF = Text("advisor_commands.online_off", "You're no longer shown as available now.")
SHARE_LINK = Text(
    "advisor_commands.share_link",
    "Your link: {url}\nAnyone who opens it sees your profile in the Pathwise bot on Telegram and "
    "can book you there.",
)
SHARE_LINK_UNLISTED = Text(
    "advisor_commands.share_link_unlisted",
    "Your link: {url}\nClients can't book you right now, so for now it says you aren't taking "
    "bookings; it opens your profile as soon as the Pathwise team lists you.",
)
# /earnings' chart (a PNG attached) and the line under the totals that says so.
EARNINGS_CHART = Text(
    "advisor_commands.earnings_chart",
    "The chart attached shows your net earnings in each of the last 12 weeks.",
)
CHART_TITLE = Text(
    "advisor_commands.chart_title", "Your net earnings, last {weeks} weeks ({currency})"
)
CHART_WEEK_OF = Text("advisor_commands.chart_week_of", "Week starting")
# babel's pattern for each week's Monday under its bar: "23 Nov".
CHART_DAY_FORMAT = Text("advisor_commands.chart_day_format", "d MMM")
# Under the share link; the QR code's PNG is attached.
SHARE_QR = Text(
    "advisor_commands.share_qr",
    "The QR code attached opens the same link: print it or show it on a screen, and a phone's "
    "camera takes clients straight to your profile.",
)
# /profile language: said in the language just chosen.
LANGUAGE_SAVED = Text(
    "advisor_commands.language_saved", "Done: Pathwise writes to you in English from now on."
)
# Under the card in /profile show; ``language`` named in itself ("English", "Español").
CARD_LANGUAGE = Text(
    "advisor_commands.card_language",
    "Pathwise writes to you in: {language}. Change it with /profile language.",
)

# /reviews: ``average`` is the mean rating with one decimal in the advisor's locale, "4.5".
REVIEWS_SUMMARY = Plural(
    "advisor_commands.reviews_summary",
    "Your rating: {average} ★ from {count} rating.",
    "Your rating: {average} ★ from {count} ratings.",
)
NO_REVIEWS = Text(
    "advisor_commands.no_reviews",
    "No ratings yet. Clients are asked to rate each session when it ends.",
)
REVIEWS_LATEST = Text("advisor_commands.reviews_latest", "Latest reviews, newest first:\n{reviews}")
# ``stars`` like ★★★★☆, ``day`` when it was written, ``text`` the words, shortened.
REVIEW_LINE = Text("advisor_commands.review_line", "• {stars} {day}: “{text}”")
REVIEW_LINE_NO_WORDS = Text("advisor_commands.review_line_no_words", "• {stars} {day} (no words)")
