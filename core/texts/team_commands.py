"""What the Pathwise team's commands answer (in Discord): approving and suspending advisors,
linking an advisor's account, goodwill refunds, payout holds and the numbers."""

from __future__ import annotations

from core.texts import Text

TEAM_ONLY = Text("team_commands.team_only", "Only the Pathwise team can use this command.")
APPROVED = Text("team_commands.approved", "{advisor_name} is approved and listed.")
SUSPENDED = Text(
    "team_commands.suspended",
    "{advisor_name} is suspended: hidden and offline. Paid sessions still happen.",
)
ADVISOR_LINKED = Text(
    "team_commands.advisor_linked", "{mention} is now {advisor_name} on Pathwise."
)

# -- goodwill refunds: what happened, who bears it, what is left ------------------------------

REFUNDED = Text(
    "team_commands.refunded",
    "Refunded {amount} for booking {booking_id} as a goodwill refund; credit note "
    "{credit_note} sent to the client.",
)
REFUND_PROCESSING = Text(
    "team_commands.refund_processing",
    "Stripe is still processing the goodwill refund of {amount} for booking {booking_id}.",
)
SHARE_UNDONE = Text("team_commands.share_undone", "The advisor's session share won't be paid out.")
SHARE_KEPT = Text(
    "team_commands.share_kept", "Pathwise bears it; the advisor's share is unchanged."
)
STILL_REFUNDABLE = Text(
    "team_commands.still_refundable",
    "Still refundable: {amount} (the {fee} handling fee is never refunded).",
)

# -- payouts ------------------------------------------------------------------------------------

PAYOUT_ITS_DATE = Text("team_commands.payout_its_date", "its date")
PAYOUT_ON_HOLD = Text(
    "team_commands.payout_on_hold",
    "Booking {booking_id}'s payout is on hold; it won't be paid until released.",
)
PAYOUT_PAID = Text(
    "team_commands.payout_paid",
    "Booking {booking_id}'s payout was released and paid to the advisor now.",
)
PAYOUT_STATE = Text("team_commands.payout_state", "Booking {booking_id}'s payout state: {state}.")
PAYOUT_RELEASED_DUE = Text(
    "team_commands.payout_released_due",
    "Booking {booking_id}'s payout is released; its date ({when}) has passed, so it is paid "
    "as soon as the advisor's payout account can receive it.",
)
PAYOUT_RELEASED = Text(
    "team_commands.payout_released",
    "Booking {booking_id}'s payout is released: it will be paid on its normal date, {when}, "
    "once the advisor can receive payouts.",
)

# -- the numbers --------------------------------------------------------------------------------

STATS = Text(
    "team_commands.stats",
    "Clients: {clients}\n"
    "Advisors approved: {approved} ({online} online)\n"
    "Upcoming bookings: {upcoming}\n"
    "Sessions: {sessions}\n"
    "Paid in the last 7 days: {paid}",
)
STATS_STATE = Text("team_commands.stats_state", "{state} {number}")
NO_SESSIONS = Text("team_commands.no_sessions", "none yet")
NOTHING_PAID = Text("team_commands.nothing_paid", "nothing")
