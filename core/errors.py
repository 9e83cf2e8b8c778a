"""Domain errors. Each carries a message fit to show a user; adapters map them in one place."""

from __future__ import annotations


class PathwiseError(Exception):
    """Base of every error core raises on purpose. ``str(error)`` is safe to show a user."""

    user_message = "Something went wrong. Please try again."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.user_message
        super().__init__(self.message)


class ConfigurationError(PathwiseError):
    """A setting needed by the feature being started is missing or wrong."""


class DatabaseNotReady(PathwiseError):
    """The database is unreachable or not migrated to the current schema."""


class ValidationFailed(PathwiseError):
    """Input did not pass validation; the message says what to send instead."""


class NotFound(PathwiseError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    user_message = "That could not be found."


class NotAllowed(PathwiseError):
    """The asker may not do this."""

    user_message = "Sorry, you can't do that."


class Conflict(PathwiseError):
    """The action clashes with the current state (already paid, slot taken, ...)."""

    user_message = "That has changed in the meantime. Please look again."


class CurrencyMismatch(PathwiseError, ValueError):
    """Two amounts in different currencies were combined."""
