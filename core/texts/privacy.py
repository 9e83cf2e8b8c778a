"""A client's data rights: the erasure plan shown before they confirm, what others are told
when it cancels a booking, and the answers around ``/deletemydata``."""

from __future__ import annotations

from core.texts import Text

# -- the plan ---------------------------------------------------------------------------------

PLAN_DELETES = Text("privacy.plan_deletes", "This deletes, for good:")
PLAN_ACCOUNTS = Text(
    "privacy.plan_accounts", "your name and your Telegram and Discord accounts as we know them"
)
PLAN_CONVERSATIONS = Text(
    "privacy.plan_conversations",
    "where you are in our conversations, including anything you typed to find an advisor",
)
PLAN_WELLBEING = Text(
    "privacy.plan_wellbeing",
    "your mood check-ins, the words of your reviews (the star rating stays, without your "
    "name) and your consent record",
)
PLAN_LINKS = Text(
    "privacy.plan_links",
    "Discord link codes, and your access to any session room that still exists",
)
PLAN_KEEPS = Text(
    "privacy.plan_keeps",
    "We keep, because the law requires payment records: your bookings, payments, receipts "
    "and credit notes, with the buyer shown as “Deleted client”. Card details stay with "
    "Stripe.",
)
PLAN_CANCELS = Text("privacy.plan_cancels", "Your upcoming bookings will be cancelled:")
BOOKING_WHAT = Text("privacy.booking_what", "{offer_name} with {advisor_name}")
BOOKING_AT = Text("privacy.booking_at", "{what}, {when}")
CANCEL_REFUND = Text(
    "privacy.cancel_refund",
    "{booking}: {amount} back to your card (the handling fee is not refundable)",
)
CANCEL_NO_REFUND = Text(
    "privacy.cancel_no_refund", "{booking}: no refund: the free-cancellation period is over"
)
CANCEL_UNPAID = Text("privacy.cancel_unpaid", "{booking}: not paid, nothing to refund")
PLAN_FINAL = Text("privacy.plan_final", "This cannot be undone.")

# -- what others are told -------------------------------------------------------------------

ADVISOR_CANCELLED = Text(
    "privacy.advisor_cancelled",
    "A client cancelled their {offer_name} on {when} (your time). That time is free again.",
)
REFUND_FAILED = Text(
    "privacy.refund_failed",
    "Booking #{booking_id} was cancelled when its client deleted their data, but the refund "
    "of its session price did not go through. Please refund it by hand.",
)

# -- answers ----------------------------------------------------------------------------------

ALREADY_ERASED = Text(
    "privacy.already_erased", "Your data has already been deleted. There is nothing more to do."
)
CONFIRM = Text("privacy.confirm", "Delete your data?")
CONFIRM_BUTTON = Text("privacy.confirm_button", "Yes, delete my data")
NOT_YOUR_BUTTON = Text(
    "privacy.not_your_button", "This button belongs to the person who asked to delete their data."
)
NOTHING_LINKED = Text(
    "privacy.nothing_linked",
    "This Discord account isn't linked to any Pathwise data, so there is nothing to delete "
    "here. In Telegram, send /deletemydata to the Pathwise bot.",
)
