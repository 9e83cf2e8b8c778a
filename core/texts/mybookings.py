"""My bookings: the list, one booking's card, reschedule, cancel and the money-back refund;
and what the advisor is told of a change."""

from __future__ import annotations

from core.texts import Text

BACK_TO_LIST = Text("mybookings.back_to_list", "Back to my bookings")
PACKAGE_NOT_CANCELLABLE = Text(
    "mybookings.package_not_cancellable",
    "A messaging package starts as soon as it's paid, so it can't be cancelled free of charge. "
    "If it doesn't help, you can ask for a refund after its last day.",
)

WAITING = Text("mybookings.waiting", "waiting for payment")
DONE = Text("mybookings.done", "done")
ACTIVE = Text("mybookings.active", "active")
ON_NOW = Text("mybookings.on_now", "on now")
BOOKED = Text("mybookings.booked", "booked")
CANCELLED = Text("mybookings.cancelled", "cancelled")
REFUNDED = Text("mybookings.refunded", "refunded")
EXPIRED = Text("mybookings.expired", "expired")
FROM_DAY = Text("mybookings.from_day", "from {day} to {end}")
WHAT = Text("mybookings.what", "{offer} with {advisor}")
ADVISOR_TIME_UTC = Text("mybookings.advisor_time_utc", "{time} UTC")

NONE_YET = Text("mybookings.none_yet", "You have no bookings yet. Shall we find you an advisor?")
LIST_INTRO = Text("mybookings.list_intro", "Your bookings (times in your time zone, {zone}):")
UPCOMING = Text("mybookings.upcoming", "Upcoming:\n{lines}")
RECENT = Text("mybookings.recent", "Recent:\n{lines}")
LIST_LINE = Text("mybookings.list_line", "• {when} — {what} ({status})")
LIST_END = Text("mybookings.list_end", "{groups}\n\nTap a booking to see it or change it.")
OPEN = Text("mybookings.open", "{when} · {advisor}")
TAP_A_BOOKING = Text("mybookings.tap_a_booking", "Please tap one of your bookings below.")

CARD_WHEN = Text("mybookings.card_when", "{when} (your time, {zone})")
CARD_STATUS = Text("mybookings.card_status", "Status: {status}")
HOLDING = Text("mybookings.holding", "We're holding this time for you while you pay.")
NEW_TIMES_KEEP_THE_RULE = Text(
    "mybookings.new_times_keep_the_rule",
    "Only times at least {hours} hours away, so you can still change it for free.",
)
BOOK_AGAIN = Text("mybookings.book_again", "Book again with {advisor}")
PAY_NOW = Text("mybookings.pay_now", "Pay now")
HOLD_GONE = Text(
    "mybookings.hold_gone",
    "The time we held for you has run out, so it can't be paid any more. Please book a time "
    "again with /find.",
)
GUARANTEE_OPENS = Text(
    "mybookings.guarantee_opens",
    "If it doesn't help, our money-back guarantee lets you ask for the session price back "
    "from {opens} until {closes}.",
)
GUARANTEE_ENDED = Text(
    "mybookings.guarantee_ended", "The money-back guarantee for this one ended on {closes}."
)
CANCEL_BOOKING = Text("mybookings.cancel_booking", "Cancel booking")
FREE_UNTIL = Text(
    "mybookings.free_until", "You can reschedule or cancel free of charge until {until}."
)
FREE_ENDED = Text(
    "mybookings.free_ended",
    "Free changes ended {hours} hours before the start. "
    "If the session doesn't help, you can ask for your money back after it.",
)
RESCHEDULE = Text("mybookings.reschedule", "Reschedule")
ADVISOR_MISSED = Text(
    "mybookings.advisor_missed",
    "We're sorry your advisor didn't arrive. You can have the session price back "
    "in full, or choose a new time.",
)
NEW_TIME = Text("mybookings.new_time", "Choose a new time")
ASK_REFUND = Text("mybookings.ask_refund", "Ask for a refund")
GUARANTEE = Text(
    "mybookings.guarantee",
    "Not happy with it? Our money-back guarantee lets you ask for the session "
    "price back within {hours} hours after it ended.",
)
WAS_REFUNDED = Text("mybookings.was_refunded", "The session price was refunded to your card.")
REFUND_PENDING = Text(
    "mybookings.refund_pending",
    "Your refund hasn't gone through yet. Tap “Get my refund” to try again.",
)
GET_REFUND = Text("mybookings.get_refund", "Get my refund")
RATE = Text("mybookings.rate", "Rate this session")
ON_ITS_WAY = Text("mybookings.on_its_way", "Done: {amount} is on its way back to your card.")

NO_OTHER_TIMES = Text(
    "mybookings.no_other_times",
    "{advisor} has no other free times in the next two weeks. Your booking stays as it is.",
)
PICK_NEW_TIME = Text(
    "mybookings.pick_new_time",
    "Pick a new time for your {what} (now {when}). Times are in your time zone ({zone}).",
)
MOVED = Text(
    "mybookings.moved",
    "Done. Your session with {advisor} is now {when} (your time). The old time is free again.",
)
ADVISOR_MOVED = Text(
    "mybookings.advisor_moved",
    "Your {offer} on {before} has moved to {after} (your time). The client rescheduled "
    "within the free-change period.",
)

CANCEL_PAID = Text(
    "mybookings.cancel_paid",
    "Cancel your {what} on {when}? The session price, {price}, comes back to your card. "
    "The handling fee is not refundable.",
)
CANCEL_UNPAID = Text(
    "mybookings.cancel_unpaid",
    "Cancel your {what} on {when}? Nothing has been paid, and I'll let the time go.",
)
YES_CANCEL = Text("mybookings.yes_cancel", "Yes, cancel it")
KEEP_IT = Text("mybookings.keep_it", "Keep it")
CANCEL_HINT = Text("mybookings.cancel_hint", "Please tap “Yes, cancel it” or “Keep it”.")
LET_GO = Text("mybookings.let_go", "Okay, I've cancelled it and let the time go.")
ADVISOR_CANCELLED = Text(
    "mybookings.advisor_cancelled",
    "The client cancelled their {offer} on {when} (your time), within the "
    "free-cancellation period. That time is free again.",
)
REFUND_NOT_YET = Text(
    "mybookings.refund_not_yet",
    "Your booking is cancelled, but the refund didn't go through yet: "
    "{error} Tap “Get my refund” to try again.",
)
CANCELLED_REFUNDED = Text(
    "mybookings.cancelled_refunded",
    "Done: your {what} on {when} is cancelled. {amount} is on its way back to your card, "
    "and your credit note will follow in this chat.",
)

REFUND_PREVIEW = Text(
    "mybookings.refund_preview",
    "Here is what our money-back guarantee gives you:\n\n{preview}\n\nShall I go ahead?",
)
YES_REFUND = Text("mybookings.yes_refund", "Yes, refund {amount}")
REFUND_HINT = Text("mybookings.refund_hint", "Please tap “Yes, refund” or “Back”.")
REFUNDED_DONE = Text(
    "mybookings.refunded_done",
    "Done: {amount} is on its way back to your card (usually 5–10 days). "
    "Your credit note will follow in this chat.",
)
