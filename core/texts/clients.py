"""The words that stand in for a client: a name when none was given, and what replaces a
contact detail taken out of what they share with their advisor."""

from __future__ import annotations

from core.texts import Text

# On receipts and in advisor-facing texts, when the client gave no name at all.
NAMELESS = Text("clients.nameless", "Client")
REMOVED = Text("clients.removed", "[removed]")
