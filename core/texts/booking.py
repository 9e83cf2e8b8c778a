"""Booking: an advisor's card, a time, the itemized summary, the receipt's name, paying, and
coming back from Stripe."""

from __future__ import annotations

from core.texts import Plural, Text

NOT_BOOKABLE = Text(
    "booking.not_bookable", "That advisor isn't taking bookings right now. Here is the menu:"
)
NEW_ADVISOR = Text("booking.new_advisor", "New on Pathwise")
RATING = Plural(
    "booking.rating", "{average}★ from {count} review", "{average}★ from {count} reviews"
)
OFFER = Text("booking.offer", "{name} — {price}")
CARD = Text(
    "booking.card",
    "{name}\n{rating} · speaks {languages}\nSpecialises in {specialties}\n\n{bio}\n\n"
    "Choose what you'd like to book:",
)
BACK_TO_MATCHES = Text("booking.back_to_matches", "Back to my matches")

NO_FREE_TIMES = Text(
    "booking.no_free_times",
    "There are no free times in the next {days} days. Please choose another advisor.",
)
WHEN = Text(
    "booking.when",
    "When would you like your {offer}? Times are in your time zone ({zone}).",
)

SUMMARY = Text(
    "booking.summary",
    "Here is your booking:\n\n{quote}\n\n"
    "The handling fee is not refundable; the session price is covered by our "
    "money-back guarantee for {guarantee_hours} hours after your "
    "session. We hold this time for you for {hold_minutes} minutes while you pay.\n\n"
    "Your advisor will see you as “{shown}”, never your Telegram account. "
    "Your receipt will be made out to “{receipt_name}”.",
)
AS_FIRST = Text("booking.as_first", "Show my first name ({name})")
AS_ALIAS = Text("booking.as_alias", "Use a pseudonym: {alias}")
PAY = Text("booking.pay", "Pay {total}")
RENAME = Text("booking.rename", "Change the name on my receipt")
CANCEL = Text("booking.cancel", "Cancel")
LET_GO = Text("booking.let_go", "Okay, I've let that time go.")
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
USE_PAY_BUTTON = Text("booking.use_pay_button", "Please use the payment button above.")

CONFIRMING = Text(
    "booking.confirming",
    "Thank you! I'm confirming your payment with Stripe… "
    "I'll send your receipt here as soon as it's through.",
)
NOT_FOUND = Text(
    "booking.not_found", "I couldn't find that payment among yours. Here is the menu:"
)
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
