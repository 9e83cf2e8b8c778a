"""Reconciliation's report to the team: each difference in a line, and the daily alert."""

from __future__ import annotations

from core.texts import Text

NO_STRIPE_ID = Text("reconcile.no_stripe_id", "(no Stripe id)")
OBJECT = Text("reconcile.object", "{kind} {stripe_id}")
OBJECT_WITH_WHAT = Text("reconcile.object_with_what", "{kind} {stripe_id} ({what})")
MISSING_IN_PATHWISE = Text(
    "reconcile.missing_in_pathwise", "Stripe has {theirs}, the ledger has nothing"
)
MISSING_AT_STRIPE = Text("reconcile.missing_at_stripe", "the ledger has {ours}, Stripe has nothing")
AMOUNTS_DIFFER = Text("reconcile.amounts_differ", "the ledger has {ours}, Stripe has {theirs}")
DIFFERENCE = Text("reconcile.difference", "{name}: {problem}: {detail}")

ALERT_TITLE = Text(
    "reconcile.alert_title", "Reconciliation with Stripe found {differences} difference(s):"
)
ALERT_LINE = Text("reconcile.alert_line", "- {difference}")
ALERT_MORE = Text("reconcile.alert_more", "... and {more} more.")
ALERT_FULL_LIST = Text("reconcile.alert_full_list", "Run `pathwise reconcile` for the full list.")
