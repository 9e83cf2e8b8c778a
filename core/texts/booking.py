"""Booking: an advisor's card, a time, the itemized summary, the receipt's name, paying, and
coming back from Stripe."""

from __future__ import annotations

from core.texts import Text

NOT_BOOKABLE = Text(
    "booking.not_bookable", "That advisor isn't taking bookings right now. Here is the menu:"
)
OFFER = Text("booking.offer", "{name} — {price}")
BACK_TO_MATCHES = Text("booking.back_to_matches", "Back to my matches")

NO_FREE_TIMES = Text(
    "booking.no_free_times",
    "There are no free times in the next {days} days. Please choose another advisor.",
)
WHEN = Text(
    "booking.when",
    "When would you like your {offer}? Times are in your time zone ({zone}).",
)
EVENINGS_FIRST = Text(
    "booking.evenings_first", "Evening times ({opens}–{closes}) come first, as you asked."
)
WEEKENDS_FIRST = Text("booking.weekends_first", "Weekend times come first, as you asked.")
NO_EVENINGS = Text(
    "booking.no_evenings",
    "No evening times ({opens}–{closes}) are free in the next {days} days, so here are the "
    "soonest.",
)
NO_WEEKENDS = Text(
    "booking.no_weekends",
    "No weekend times are free in the next {days} days, so here are the soonest.",
)

SUMMARY = Text(
    "booking.summary",
    "Here is your booking:\n\n{quote}\n\n{terms}\n\n"
    "Your advisor will see you as “{shown}”, never your Telegram account. "
    "Your receipt will be made out to “{receipt_name}”.",
)
TERM_FEE = Text(
    "booking.term_fee",
    "The handling fee is not refundable; the session price is, as set out below.",
)
TERM_LIVE = Text(
    "booking.term_live",
    "What it is: a live text chat of {minutes} minutes with {advisor}, in a private Discord "
    "room only the two of you and our bot can see. It runs {start} to {end}.",
)
TERM_MESSAGING = Text(
    "booking.term_messaging",
    "What it is: {days} days of written messages with {advisor}, in a private Discord room only "
    "the two of you and our bot can see; your advisor answers at their own pace. It starts when "
    "you pay and runs until {end}.",
)
TERM_JOIN = Text(
    "booking.term_join",
    "How to join: you need a Discord account (free). After paying, we send you an invite to the "
    "Pathwise server and a code to type there; they work for {code_minutes} minutes, and fresh "
    "ones come with your reminders.",
)
TERM_CHANGES_LIVE = Text(
    "booking.term_changes_live",
    "Changes: you can reschedule or cancel free of charge until {until}, {hours} hours before "
    "the start; cancelling in time refunds the session price.",
)
TERM_CHANGES_TOO_SOON = Text(
    "booking.term_changes_too_soon",
    "Changes: it starts within {hours} hours, so once paid it can't be moved or cancelled for "
    "free.",
)
TERM_CHANGES_MESSAGING = Text(
    "booking.term_changes_messaging",
    "Changes: a package starts when you pay, so it can't be moved or cancelled for free.",
)
TERM_GUARANTEE = Text(
    "booking.term_guarantee",
    "Money-back guarantee: if it doesn't help, ask within {hours} hours after it ends and we "
    "refund the session price.",
)
TERM_HOLD_LIVE = Text(
    "booking.term_hold_live",
    "We hold this time for you for {minutes} minutes while you pay.",
)
TERM_HOLD_MESSAGING = Text(
    "booking.term_hold_messaging",
    "This booking waits {minutes} minutes for your payment.",
)
AS_FIRST = Text("booking.as_first", "Show my first name ({name})")
AS_ALIAS = Text("booking.as_alias", "Use a pseudonym: {alias}")
PAY = Text("booking.pay", "Pay {total}")
RENAME = Text("booking.rename", "Change the name on my receipt")
CANCEL = Text("booking.cancel", "Cancel")
LET_GO = Text("booking.let_go", "Okay, I've let that time go.")
LET_GO_PACKAGE = Text("booking.let_go_package", "Okay, I've let that go.")
PAY_HINT = Text("booking.pay_hint", "Please tap Pay, or Cancel.")

RECEIPT_NAME = Text(
    "booking.receipt_name",
    "What name should your receipts carry? Type it as it should be printed, "
    "for example your full name or your company's (up to {limit} characters).",
)
KEEP_NAME = Text("booking.keep_name", "Keep “{name}”")
RECEIPT_NAME_HINT = Text(
    "booking.receipt_name_hint",
    "Please type a name of 1 to {limit} letters, as it should be printed on your receipt.",
)

CHECKOUT = Text(
    "booking.checkout",
    "Tap below to pay securely with Stripe. When you're done you'll come back here, "
    "and I'll send your receipt as soon as the payment is confirmed.",
)
PAY_WITH_STRIPE = Text("booking.pay_with_stripe", "Pay with Stripe")
NEW_LINK = Text("booking.new_link", "Get a new payment link")
USE_PAY_BUTTON = Text("booking.use_pay_button", "Please use the payment button below.")
PAID_GO_ON = Text(
    "booking.paid_go_on",
    "Your booking is paid and confirmed; you'll find it in /bookings.",
)
LINK_RAN_OUT = Text(
    "booking.link_ran_out",
    "The time we held for you has run out, so that payment link no longer works. You can book "
    "again with /find.",
)

CONFIRMING = Text(
    "booking.confirming",
    "Thank you! I'm confirming your payment with Stripe… "
    "I'll send your receipt here as soon as it's through.",
)
NOT_FOUND = Text("booking.not_found", "I couldn't find that payment among yours. Here is the menu:")
BANK_CONFIRMING = Text(
    "booking.bank_confirming",
    "Your bank is still confirming this payment. I'll message you as soon as it's through.",
)
NOT_TAKEN = Text(
    "booking.not_taken",
    "No payment was taken. Your time stays held for a little while: "
    "open /bookings to pay, or /find to look again.",
)
FAILED = Text(
    "booking.failed",
    "That payment didn't go through and nothing was charged. Please book again with /find.",
)
CONFIRMED_RECEIPT_SEPARATELY = Text(
    "booking.confirmed_receipt_separately",
    "Your payment is confirmed. Your receipt comes as its own message in this chat.",
)
