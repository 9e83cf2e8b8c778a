"""What a client is told when the payment provider cannot help right now."""

from __future__ import annotations

from core.texts import Text

UNAVAILABLE = Text(
    "payments.unavailable", "Payments are busy right now. Please try again in a moment."
)
PROVIDER_ERROR = Text(
    "payments.provider_error",
    "We couldn't reach our payment provider properly. Please try again later; if it keeps "
    "happening, contact support.",
)
