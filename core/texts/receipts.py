"""What receipts and credit notes print: titles, labels, headings and notes."""

from __future__ import annotations

from core.texts import Plural, Text

RECEIPT = Text("receipts.receipt", "Receipt")
CREDIT_NOTE = Text("receipts.credit_note", "Credit note")
# The word for the document in its file name ("Pathwise-receipt-R-2026-000001.pdf"), in the
# buyer's language: letters and hyphens (accents are dropped, anything else becomes "-").
FILENAME_RECEIPT = Text("receipts.filename_receipt", "receipt")
FILENAME_CREDIT_NOTE = Text("receipts.filename_credit_note", "credit-note")
FOOTER = Text("receipts.footer", "{title} {number} · Page {page}/{pages}")

# -- the facts at the top -------------------------------------------------------------------

RECEIPT_NUMBER = Text("receipts.receipt_number", "Receipt number")
CREDIT_NOTE_NUMBER = Text("receipts.credit_note_number", "Credit note number")
DATE = Text("receipts.date", "Date")
BILLED_TO = Text("receipts.billed_to", "Billed to")
ADVISOR = Text("receipts.advisor", "Advisor")
PAYMENT_METHOD = Text("receipts.payment_method", "Payment method")
STRIPE_REFERENCE = Text("receipts.stripe_reference", "Stripe reference")
ORIGINAL_RECEIPT = Text("receipts.original_receipt", "Original receipt")
REASON = Text("receipts.reason", "Reason")
# A refund's reason, as a credit note prints it (one typed by the team is printed as typed).
REASON_GUARANTEE = Text("receipts.reason_guarantee", "Money-back guarantee")
REASON_CANCELLED = Text("receipts.reason_cancelled", "Booking cancelled")
REASON_NO_SHOW = Text("receipts.reason_no_show", "Advisor did not attend")
REASON_EXTERNAL = Text("receipts.reason_external", "refunded outside Pathwise")
SESSION = Text("receipts.session", "Session")
TERMS = Text("receipts.terms", "Terms accepted")
TERMS_VERSION = Text("receipts.terms_version", "Version {version}")
TERMS_VERSION_ACCEPTED = Text(
    "receipts.terms_version_accepted", "Version {version}, accepted {when}"
)

# -- the platform's numbers, under its address ----------------------------------------------

REGISTRATION_NUMBER = Text("receipts.registration_number", "Company registration number: {number}")
TAX_ID = Text("receipts.tax_id", "Tax ID: {number}")

# -- the tables -----------------------------------------------------------------------------

DESCRIPTION = Text("receipts.description", "Description")
AMOUNT = Text("receipts.amount", "Amount")
ITEMS = Text("receipts.items", "Items")
TOTAL = Text("receipts.total", "Total")
REFUNDED = Text("receipts.refunded", "Refunded")
REFUNDED_TOTAL = Text("receipts.refunded_total", "Refunded total")
NOT_REFUNDED = Text("receipts.not_refunded", "Not refunded")
LINE_NON_REFUNDABLE = Text("receipts.line_non_refundable", "{description} (non-refundable)")
# The words a line's own description uses to say it cannot be refunded (the handling fee's
# line does): such a line is not marked a second time.
NON_REFUNDABLE_MARK = Text("receipts.non_refundable_mark", "non-refundable")
KEPT_REFUNDABLE = Text("receipts.kept_refundable", "{description} — not refunded")
KEPT_MARKED = Text("receipts.kept_marked", "{description} — kept")
KEPT_NON_REFUNDABLE = Text("receipts.kept_non_refundable", "{description} — non-refundable, kept")
# Under a line (and its total) when prices include a tax: "incl. VAT 21%: $10.41".
TAX_INCLUDED = Text("receipts.tax_included", "incl. {name} {rate}: {amount}")

# -- the notes ------------------------------------------------------------------------------

GUARANTEE_NOTE = Plural(
    "receipts.guarantee_note",
    "Money-back guarantee: ask for a refund within {count} hour after your session ends.",
    "Money-back guarantee: ask for a refund within {count} hours after your session ends.",
)
GUARANTEE_NOTE_WITH_FEE = Plural(
    "receipts.guarantee_note_with_fee",
    "Money-back guarantee: ask for a refund within {count} hour after your session ends. The "
    "handling fee is non-refundable.",
    "Money-back guarantee: ask for a refund within {count} hours after your session ends. The "
    "handling fee is non-refundable.",
)
REFUND_GOES_BACK = Text(
    "receipts.refund_goes_back",
    "The refunded total goes back to the payment method used for receipt {number}.",
)

# -- the payment method ---------------------------------------------------------------------

ONLINE_PAYMENT = Text("receipts.online_payment", "Online payment")
CARD = Text("receipts.card", "Card")
CARD_ENDING = Text("receipts.card_ending", "{brand} •••• {last4}")
