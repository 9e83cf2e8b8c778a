"""The team's goodwill refunds and payout holds: answers to the team, news to the client and
the advisor."""

from __future__ import annotations

from core.texts import Text

# -- answers to the team --------------------------------------------------------------------

# The words the team may type instead of an amount for everything that is left, separated by
# commas (English's are always understood too).
ALL_WORDS = Text("goodwill.all_words", "all, everything, full")
NOT_AN_AMOUNT = Text(
    "goodwill.not_an_amount",
    "{typed} is not an amount. Type it in digits, like 20 or 12.50, or type all for everything "
    "that is left.",
)
NOT_ZERO = Text("goodwill.not_zero", "A refund must be more than zero.")
NO_BOOKING = Text("goodwill.no_booking", "There is no booking {booking_id}.")
NO_PAID_PURCHASE = Text(
    "goodwill.no_paid_purchase", "Booking {booking_id} has no paid purchase to refund or pay out."
)
REASON_NEEDED = Text(
    "goodwill.reason_needed", "Please give a reason; it is printed on the client's credit note."
)
REASON_TOO_LONG = Text(
    "goodwill.reason_too_long", "Please keep the reason under {limit} characters."
)
DISPUTED = Text(
    "goodwill.disputed",
    "Booking {booking_id}'s payment is disputed with the card network; Stripe refuses refunds "
    "on it until the dispute is over.",
)
NOTHING_LEFT = Text(
    "goodwill.nothing_left",
    "Nothing is left to refund for booking {booking_id}: its service price ({service}) was "
    "refunded already. The {fee} handling fee is non-refundable.",
)
AT_MOST = Text(
    "goodwill.at_most",
    "At most {left} can be refunded for booking {booking_id}: the service price less what was "
    "already refunded. The {fee} handling fee is non-refundable.",
)
STILL_PENDING = Text(
    "goodwill.still_pending",
    "A goodwill refund of {amount} for booking {booking_id} is still waiting for Stripe. Run the "
    "command again with that amount to finish it first.",
)
STRIPE_REFUSED = Text(
    "goodwill.stripe_refused", "Stripe refused the refund ({status}); nothing was refunded."
)
ALREADY_PAID_OUT = Text(
    "goodwill.already_paid_out",
    "Booking {booking_id}'s payout has been made already; nothing to hold.",
)
NOTHING_DUE = Text(
    "goodwill.nothing_due", "Nothing is due to the advisor for booking {booking_id} (refunded)."
)
DISPUTE_LOST = Text(
    "goodwill.dispute_lost",
    "Booking {booking_id}'s dispute was lost; nothing is paid out for it.",
)
PAYOUT_DISPUTED = Text(
    "goodwill.payout_disputed",
    "Booking {booking_id}'s payment is disputed; its payout stays on hold until the dispute is "
    "over.",
)
REFUND_ON_ITS_WAY = Text(
    "goodwill.refund_on_its_way",
    "A refund for booking {booking_id} is still on its way; its payout waits for it.",
)

# -- to the client and the advisor ----------------------------------------------------------

CLIENT_REFUNDED = Text(
    "goodwill.client_refunded",
    "The Pathwise team has refunded {amount} of your {description}{when} ({reason}). It is on "
    "its way back to your card (usually 5–10 days). Credit note {number} is attached.{fee}",
)
ADVISOR_REFUNDED = Text(
    "goodwill.advisor_refunded",
    "The Pathwise team gave the client a goodwill refund of {amount} for {description}{when}. "
    "{share} Tips are not affected.",
)
SHARE_UNDONE = Text(
    "goodwill.share_undone",
    "The whole session price was refunded, so this booking's session share won't be paid out.",
)
SHARE_KEPT = Text(
    "goodwill.share_kept", "Pathwise bears it: your share for this booking is not affected."
)
