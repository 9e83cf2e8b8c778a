"""Billing's messages: refusals, quotes, checkout and payment notices."""

from __future__ import annotations

from core.texts import Text

# -- refusals (the errors' user messages) ---------------------------------------------------

INVALID_TIP = Text("billing.invalid_tip", "Please send a number, like 5.")
TIP_DECIMALS = Text("billing.tip_decimals", "Please send whole units or cents, like 5 or 7.50.")
TIP_TOO_SMALL = Text(
    "billing.tip_too_small", "The smallest tip is {smallest}. Please send {smallest} or more."
)
TIP_TOO_LARGE = Text(
    "billing.tip_too_large", "The largest tip is {largest}. Please send {largest} or less."
)
HOLD_EXPIRED = Text(
    "billing.hold_expired", "Your hold on this time ran out. Please pick a time again."
)
ALREADY_PAID = Text(
    "billing.already_paid", "This booking is already paid. See your receipt in this chat."
)
PAYMENT_IN_PROGRESS = Text(
    "billing.payment_in_progress",
    "Your bank is still confirming this payment. We'll message you as soon as it's through.",
)
NOT_YOUR_BOOKING = Text("billing.not_your_booking", "We couldn't find that booking among yours.")
TIP_NOT_ALLOWED = Text(
    "billing.tip_not_allowed",
    "You can leave a tip once you have a paid session with this advisor.",
)
NO_SUCH_ADVISOR = Text("billing.no_such_advisor", "No such advisor.")
RECEIPT_NOT_FOUND = Text("billing.receipt_not_found", "That receipt could not be found.")
CHECKOUT_WITHOUT_LINK = Text(
    "billing.checkout_without_link", "Stripe made a checkout without a link."
)

# -- quotes ---------------------------------------------------------------------------------

SERVICE_LINE = Text("billing.service_line", "{offer} with {advisor}")
TIP_LINE = Text("billing.tip_line", "Tip for {advisor}")
FEE_LINE = Text("billing.fee_line", "Handling fee (non-refundable)")
QUOTE_ROW = Text("billing.quote_row", "{label}: {amount}")
QUOTE_ROW_WITH_DETAIL = Text("billing.quote_row_with_detail", "{label} — {detail}: {amount}")
QUOTE_TOTAL = Text("billing.quote_total", "Total: {total}")

# -- to the client --------------------------------------------------------------------------

PAYMENT_PROCESSING = Text(
    "billing.payment_processing",
    "Thanks! Your bank is confirming the payment. We'll message you here as soon as it's through.",
)
PAYMENT_FAILED = Text(
    "billing.payment_failed", "Your bank didn't confirm the payment, so nothing was charged."
)
PAYMENT_FAILED_SLOT_FREE = Text(
    "billing.payment_failed_slot_free",
    "Your bank didn't confirm the payment, so nothing was charged. The time you picked is free "
    "again; you're welcome to book anew.",
)
PAYMENT_HELD_CLIENT = Text(
    "billing.payment_held_client",
    "We received your payment, but something about it doesn't match your order, so we haven't "
    "confirmed it yet. Our team has been told and will sort it out with you; you won't lose "
    "any money.",
)
RECEIPT_READY = Text("billing.receipt_ready", "Your receipt {number} ({total}).")
TIP_THANKS = Text(
    "billing.tip_thanks", "Thank you! Your tip of {amount} goes to {advisor} in full."
)
GUARANTEE_WITH_FEE = Text(
    "billing.guarantee_with_fee",
    "If the session doesn't help, you can ask for a refund of the session price within "
    "{hours} hours after it ends (the {fee} handling fee is non-refundable).",
)
GUARANTEE = Text(
    "billing.guarantee",
    "If the session doesn't help, you can ask for a refund within {hours} hours after it ends.",
)
BOOKED = Text(
    "billing.booked",
    "You're booked: {description}, {when}. Your private Discord room opens {minutes} minutes "
    "before the start; we'll send you the link here. {guarantee}",
)
ALL_SET = Text(
    "billing.all_set",
    "You're all set: {description}. We'll send you the link to your private Discord room here "
    "shortly. {guarantee}",
)

# -- to the advisor -------------------------------------------------------------------------

BOOKING_PAID = Text(
    "billing.booking_paid",
    "New booking paid: {offer} with {who}. You earn {share}, paid out after the {hours}-hour "
    "money-back window following the session.",
)
BOOKING_PAID_ON = Text(
    "billing.booking_paid_on",
    "New booking paid: {offer} with {who} on {when}. You earn {share}, paid out after the "
    "{hours}-hour money-back window following the session.",
)
SHARED_NOTE = Text("billing.shared_note", "\n\n{who} chose to share what they wrote:\n“{note}”")
TIP_RECEIVED = Text(
    "billing.tip_received",
    "{who} sent you a tip of {amount}. All of it is yours: {share}, paid out once the "
    "booking's {hours}-hour money-back window has passed.",
)
SET_UP_PAYOUTS = Text(
    "billing.set_up_payouts",
    " To receive payouts, set up your Stripe payout account from your advisor menu.",
)
A_CLIENT = Text("billing.a_client", "A client")
THE_CLIENT = Text("billing.the_client", "The client")
RECEIPT_BUYER = Text("billing.receipt_buyer", "Client")

# -- to the team ----------------------------------------------------------------------------

PAYMENT_HELD_ADMIN = Text(
    "billing.payment_held_admin",
    "Payment needs review: purchase #{purchase_id} ({kind}, booking #{booking_id}) received "
    "{received} (minor units) via {intent}; {why}. It was NOT confirmed. Refund or settle it "
    "by hand.",
)
RECEIVED_AMOUNT = Text("billing.received_amount", "{amount} {currency}")
RECEIVED_UNKNOWN = Text("billing.received_unknown", "an unknown amount")
NOT_A_SALE = Text(
    "billing.not_a_sale",
    "Stripe reports {what} {object_id} on {where}; please look at it in Stripe.",
)
NOT_A_SALE_PURCHASE = Text("billing.not_a_sale_purchase", "purchase #{purchase_id} ({status})")
NOT_A_SALE_UNKNOWN = Text(
    "billing.not_a_sale_unknown", "a payment Pathwise doesn't know ({intent})"
)
A_REFUND = Text("billing.a_refund", "a refund")
A_DISPUTE = Text("billing.a_dispute", "a dispute")
