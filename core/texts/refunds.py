"""Refund messages: refusals, the preview, what the client, the advisor and the team are told."""

from __future__ import annotations

from core.texts import Text

# -- refusals -------------------------------------------------------------------------------

REFUSED = Text("refunds.refused", "This booking can't be refunded.")
ALREADY_REFUNDED = Text("refunds.already_refunded", "This booking has already been refunded.")
NOT_YET = Text("refunds.not_yet", "You can ask for a refund once your session has ended.")
WINDOW_CLOSED = Text("refunds.window_closed", "The money-back window for this session has closed.")
WINDOW_CLOSED_ON = Text(
    "refunds.window_closed_on", "The money-back window for this session closed on {when}."
)
NOTHING_TO_REFUND = Text(
    "refunds.nothing_to_refund", "This booking wasn't paid, so there is nothing to refund."
)
NOT_CANCELLED = Text("refunds.not_cancelled", "This booking isn't cancelled.")
COMES_WITH_CANCELLATION = Text(
    "refunds.comes_with_cancellation",
    "This booking was cancelled; its refund comes with the cancellation.",
)
UNDER_REVIEW = Text(
    "refunds.under_review",
    "This payment is under review with your bank, so it can't be refunded here. Our team will "
    "be in touch.",
)
NO_STRIPE_REFERENCE = Text(
    "refunds.no_stripe_reference", "This payment has no Stripe reference to refund."
)
STRIPE_REFUSED = Text(
    "refunds.stripe_refused",
    "Stripe couldn't make the refund. Our team has been told and will sort it out.",
)

# -- the preview ----------------------------------------------------------------------------

PREVIEW_BACK = Text("refunds.preview_back", "You get back:")
PREVIEW_LINE = Text("refunds.preview_line", "  {label}: {amount}")
PREVIEW_TOTAL = Text("refunds.preview_total", "  Total refund: {amount}")
PREVIEW_KEPT = Text("refunds.preview_kept", "Not refunded:")
PREVIEW_TIPS = Text("refunds.preview_tips", "Your tips are not affected:")
PREVIEW_UNTIL = Text("refunds.preview_until", "You can ask until {when}.")

# -- the credit note ------------------------------------------------------------------------

CREDIT_LINE_EXTERNAL = Text("refunds.credit_line_external", "Refund: {description}")

# -- to the client --------------------------------------------------------------------------

CLIENT_CANCELLED = Text(
    "refunds.client_cancelled",
    "You cancelled your booking{when} in time: your refund of {amount} is on its way back to "
    "your card (usually 5–10 days). Credit note {number} is attached.",
)
CLIENT_NO_SHOW = Text(
    "refunds.client_no_show",
    "Your advisor didn't attend your session{when}, so the session price comes back to you: "
    "your refund of {amount} is on its way back to your card (usually 5–10 days). Credit note "
    "{number} is attached.",
)
CLIENT_GUARANTEE = Text(
    "refunds.client_guarantee",
    "Money-back guarantee for your session{when}: your refund of {amount} is on its way back "
    "to your card (usually 5–10 days). Credit note {number} is attached.",
)
CLIENT_EXTERNAL = Text(
    "refunds.client_external",
    "A refund of {amount} for your booking{when} is on its way back to your card (usually "
    "5–10 days). Credit note {number} is attached.",
)
CLIENT_OTHER = Text(
    "refunds.client_other",
    "Your refund of {amount} for your booking{when} is on its way back to your card (usually "
    "5–10 days). Credit note {number} is attached.",
)
FEE_KEPT = Text("refunds.fee_kept", " The {fee} handling fee is non-refundable.")
ON_DATE = Text("refunds.on_date", " on {when}")

# -- to the advisor -------------------------------------------------------------------------

ADVISOR_CANCELLED = Text(
    "refunds.advisor_cancelled",
    "{who} cancelled {description}{when} in time, and the session price ({amount}) was "
    "refunded to them, so this booking's session share won't be paid out. Tips are not "
    "affected.",
)
ADVISOR_NO_SHOW = Text(
    "refunds.advisor_no_show",
    "You didn't attend {description}{when}, so the client's session price ({amount}) was "
    "refunded, so this booking's session share won't be paid out. Tips are not affected.",
)
ADVISOR_GUARANTEE = Text(
    "refunds.advisor_guarantee",
    "{who} used the money-back guarantee for {description}{when}: {amount} was refunded, so "
    "this booking's session share won't be paid out. Tips are not affected.",
)
ADVISOR_EXTERNAL = Text(
    "refunds.advisor_external",
    "A refund of {amount} was made for {description}{when}. The Pathwise team will tell you "
    "how it affects your payout; tips are not affected.",
)
ADVISOR_OTHER = Text(
    "refunds.advisor_other",
    "A refund of {amount} was made for {description}{when} ({reason}), so this booking's "
    "session share won't be paid out. Tips are not affected.",
)

# -- to the team ----------------------------------------------------------------------------

FAILED = Text("refunds.failed", "Stripe refund {stripe_id} for purchase #{purchase_id} {status}.")
FAILED_LATE = Text(
    "refunds.failed_late",
    "Stripe refund {stripe_id} for purchase #{purchase_id} {status} after it had succeeded; the "
    "money is back in the balance. Settle it by hand.",
)
EXTERNAL_ADMIN = Text(
    "refunds.external_admin",
    "A refund of {amount} for purchase #{purchase_id} (booking #{booking_id}) was made outside "
    "Pathwise ({stripe_id}). The advisor's payout for it is {payout_state}; decide who bears it.",
)
