"""What a refusal says when the error that caused it has no words of its own."""

from __future__ import annotations

from core.texts import Text

SOMETHING_WRONG = Text("errors.something_wrong", "Something went wrong. Please try again.")
NOT_FOUND = Text("errors.not_found", "That could not be found.")
NOT_ALLOWED = Text("errors.not_allowed", "Sorry, you can't do that.")
CONFLICT = Text("errors.conflict", "That has changed in the meantime. Please look again.")
