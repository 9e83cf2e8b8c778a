"""Payout messages: the advisor's statement and payout account, the team's alerts."""

from __future__ import annotations

from core.texts import Text

PAYOUTS_ENABLED = Text(
    "payouts.enabled",
    "Your payout account is ready. Your earnings are paid to it once each session's money-back "
    "window has passed, including anything already waiting.",
)
PAYOUT_FAILED = Text(
    "payouts.failed",
    "Stripe refused payout #{payout_id} of {amount} to advisor #{advisor_id} ({code}). Its "
    "purchases are on hold.",
)
NO_CODE = Text("payouts.no_code", "no code")
REVERSED = Text(
    "payouts.reversed",
    "Transfer {transfer_id} reversed by {amount} ({reversal_id}) for purchase #{purchase_id}, "
    "whose dispute was lost.",
)

# -- the statement, one line each -----------------------------------------------------------

STATEMENT_TITLE = Text("payouts.statement_title", "Payout statement — {date}")
STATEMENT_LINE = Text("payouts.statement_line", "  {description}: {amount}")
STATEMENT_GROSS = Text("payouts.statement_gross", "Gross: {amount}")
STATEMENT_COMMISSION = Text("payouts.statement_commission", "Commission: {amount}")
STATEMENT_NET = Text("payouts.statement_net", "Net paid to you: {amount}")
STATEMENT_DATE = Text("payouts.statement_date", "Date: {date}")
STATEMENT_TRANSFER = Text("payouts.statement_transfer", "Stripe transfer: {transfer_id}")
