"""Dispute messages: what the team, the client and the advisor are told."""

from __future__ import annotations

from core.texts import Text

# -- a dispute opened -----------------------------------------------------------------------

PAYOUT_ON_HOLD = Text("disputes.payout_on_hold", "The advisor's payout for it is on hold.")
PAYOUT_ALREADY_MADE = Text(
    "disputes.payout_already_made",
    "The advisor was already paid (payout #{payout_id}); if the dispute is lost, the transfer "
    "is reversed.",
)
PAYOUT_STATE = Text("disputes.payout_state", "Advisor payout state: {state}.")
OPENED_ADMIN = Text(
    "disputes.opened_admin",
    "Dispute {dispute_id} opened on purchase #{purchase_id} (booking #{booking_id}, {total}), "
    "reason {reason}. {payout_note}",
)
OPENED_CLIENT = Text(
    "disputes.opened_client",
    "Your bank told us you disputed the payment of {amount} for {description}{when}. Your bank "
    "now decides; our team may reply to it with the booking's details. Nothing more is charged "
    "meanwhile.",
)
OPENED_ADVISOR = Text(
    "disputes.opened_advisor",
    "The client's bank disputed the payment of {amount} for {description}{when}. Your share of "
    "it is on hold until the bank decides; we'll tell you the outcome.",
)

# -- a dispute closed -----------------------------------------------------------------------

WON_ADMIN = Text(
    "disputes.won_admin",
    "Dispute {dispute_id} on purchase #{purchase_id} was won: {amount} is back. The advisor's "
    "payout goes out on its normal date.",
)
WON_ADVISOR = Text(
    "disputes.won_advisor",
    "The bank decided the dispute of {amount} for {description}{when} in your favour. Your "
    "share is paid out on its normal date.",
)
LOST_ADMIN = Text(
    "disputes.lost_admin",
    "Dispute {dispute_id} on purchase #{purchase_id} (booking #{booking_id}) was lost: {amount} "
    "is gone, recorded as a loss. The advisor's share is not paid.",
)
LOST_ADMIN_REVERSING = Text(
    "disputes.lost_admin_reversing",
    "Dispute {dispute_id} on purchase #{purchase_id} (booking #{booking_id}) was lost: {amount} "
    "is gone, recorded as a loss. The advisor's share is not paid. The transfer already made "
    "is being reversed.",
)
LOST_ADVISOR = Text(
    "disputes.lost_advisor",
    "The bank decided the dispute of {amount} for {description}{when} for the client, so this "
    "booking's share won't be paid to you.",
)
LOST_ADVISOR_REVERSING = Text(
    "disputes.lost_advisor_reversing",
    "The bank decided the dispute of {amount} for {description}{when} for the client, so this "
    "booking's share won't be paid to you. The payout already made for it is taken back.",
)
