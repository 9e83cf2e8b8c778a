"""The words the Pathwise team reads when it manages advisors from a chat app."""

from __future__ import annotations

from core.texts import Text

NO_SUCH_ADVISOR = Text(
    "admin.no_such_advisor",
    "No advisor has the id {slug!r}. `pathwise advisors list` shows them.",
)
ACCOUNT_TAKEN = Text(
    "admin.account_taken", "That account already belongs to someone else on Pathwise."
)
