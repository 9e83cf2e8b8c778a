"""Advisors' statements (Discord /statements): every payout with its statement, and the
monthly PDF statement's words."""

from __future__ import annotations

from core.texts import Plural, Text

# /statements: the payouts, newest first, a page at a time; each one is the statement the
# advisor was sent when it was paid (core.texts.payouts).
NO_PAYOUTS = Text(
    "statements.no_payouts",
    "No payouts yet. Your earnings are paid out once each session's money-back window has "
    "passed; /earnings shows what is held and ready. /statements month:YYYY-MM gives a month's "
    "PDF statement.",
)
PAYOUTS_HEADER = Plural(
    "statements.payouts_header",
    "{count} payout so far, {total} in all. Page {page} of {pages}, newest first:",
    "{count} payouts so far, {total} in all. Page {page} of {pages}, newest first:",
)
PAYOUTS_FOOTER = Text(
    "statements.payouts_footer",
    "Older payouts: /statements page:{next_page}. A month's PDF statement: "
    "/statements month:YYYY-MM.",
)
PAYOUTS_FOOTER_LAST = Text(
    "statements.payouts_footer_last", "A month's PDF statement: /statements month:YYYY-MM."
)
NO_SUCH_PAGE = Plural(
    "statements.no_such_page",
    "There is no page {page}: your payouts fit on {count} page.",
    "There is no page {page}: your payouts fill {count} pages.",
)

# /statements month:…
BAD_MONTH = Text(
    "statements.bad_month",
    "Write the month as year and month number, like {example}.",
)
FUTURE_MONTH = Text(
    "statements.future_month",
    "{month} hasn't started yet, so it has no statement. Try this month or an earlier one.",
)
EMPTY_MONTH = Text(
    "statements.empty_month",
    "Nothing to show for {month}: no session of yours was paid for that month.",
)
MONTH_READY = Plural(
    "statements.month_ready",
    "Your statement for {month} is attached: {count} booking, gross {gross}, refunded "
    "{refunded}, commission {commission}, net {net}.",
    "Your statement for {month} is attached: {count} bookings, gross {gross}, refunded "
    "{refunded}, commission {commission}, net {net}.",
)
# The month as a title: "November 2026"; babel's skeleton for a month and year.
MONTH_FORMAT = Text("statements.month_format", "MMMM y")
FILENAME = Text("statements.filename", "pathwise-statement-{month}.pdf")

# -- the PDF ------------------------------------------------------------------------------

PDF_TITLE = Text("statements.pdf_title", "Statement")
PDF_ADVISOR = Text("statements.pdf_advisor", "Advisor")
PDF_PERIOD = Text("statements.pdf_period", "Period")
PDF_ISSUED = Text("statements.pdf_issued", "Issued")
PDF_BOOKINGS = Text("statements.pdf_bookings", "Bookings paid in {month}")
COL_BOOKING = Text("statements.col_booking", "Booking")
COL_DATE = Text("statements.col_date", "Paid on")
COL_GROSS = Text("statements.col_gross", "Gross")
COL_REFUNDED = Text("statements.col_refunded", "Refunded")
COL_COMMISSION = Text("statements.col_commission", "Commission")
COL_NET = Text("statements.col_net", "Net")
ROW_BOOKING = Text("statements.row_booking", "#{booking_id} {description}")
TOTALS = Text("statements.totals", "Totals")
PDF_NOTE = Text(
    "statements.pdf_note",
    "Gross is what clients paid for your sessions and tips (the handling fee is the "
    "platform's and is not shown). Refunded is what went back to clients; commission is the "
    "platform's share of what was kept; net is yours. Amounts as of the issue date; a booking "
    "is listed in the month its payment was made, in your time zone ({timezone}).",
)
PDF_FOOTER = Text("statements.pdf_footer", "{title} {month} · page {page} of {pages}")
