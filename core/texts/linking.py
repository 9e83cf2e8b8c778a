"""Joining a client's Discord account with a one-time code: the code's refusals and the
answer to ``/link``."""

from __future__ import annotations

from core.texts import Text

CODE_UNKNOWN = Text(
    "linking.code_unknown",
    "That code doesn't match any we sent. Please check it in your Telegram chat with "
    "Pathwise and try again.",
)
CODE_MALFORMED = Text(
    "linking.code_malformed",
    "A code has {length} letters and digits, like {example}. Please copy it from your "
    "Telegram chat with Pathwise.",
)
CODE_EXPIRED = Text(
    "linking.code_expired",
    "That code has expired: codes work for a short time only. We send a fresh one with each "
    "reminder in your Telegram chat with Pathwise.",
)
CODE_USED = Text(
    "linking.code_used",
    "That code has already been used. Each code works once; if it wasn't you who used it, "
    "please write to us in Telegram.",
)
TOO_MANY_TRIES = Text(
    "linking.too_many_tries", "Too many tries in a row. Please wait a minute, then try again."
)
ACCOUNT_TAKEN = Text(
    "linking.account_taken",
    "This Discord account is already linked to another Pathwise account. Please use the "
    "Discord account you linked before, or write to us in Telegram.",
)
LINKED = Text(
    "linking.linked",
    "You're all set. Your private session rooms will appear in this server under Sessions; "
    "we'll send you their links in Telegram.",
)
LINKED_AGAIN = Text(
    "linking.linked_again",
    "You're all set (this account was already linked). Your private session rooms will "
    "appear in this server under Sessions; we'll send you their links in Telegram.",
)
