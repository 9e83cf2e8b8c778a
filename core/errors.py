"""Domain errors. Each carries a message fit to show a user; adapters map them in one place."""

from __future__ import annotations

from collections.abc import Callable

from core.texts import errors as t

# What an error says: a text rendered when it is raised, or a string as it is.
Words = Callable[[], str] | str


class PathwiseError(Exception):
    """Base of every error core raises on purpose. ``str(error)`` is safe to show a user.

    ``user_message`` is a text (``core.texts``), rendered when the error is raised, so in the
    language of the person it answers (a plain string is taken as it is)."""

    user_message: Words = t.SOMETHING_WRONG

    def __init__(self, message: str | None = None) -> None:
        default = self.user_message
        self.message = message or (default if isinstance(default, str) else default())
        super().__init__(self.message)


class ConfigurationError(PathwiseError):
    """A setting needed by the feature being started is missing or wrong."""


class DatabaseNotReady(PathwiseError):
    """The database is unreachable or not migrated to the current schema."""


class ValidationFailed(PathwiseError):
    """Input did not pass validation; the message says what to send instead."""


class NotFound(PathwiseError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    user_message: Words = t.NOT_FOUND


class NotAllowed(PathwiseError):
    """The asker may not do this."""

    user_message: Words = t.NOT_ALLOWED


class Conflict(PathwiseError):
    """The action clashes with the current state (already paid, slot taken, ...)."""

    user_message: Words = t.CONFLICT


class CurrencyMismatch(PathwiseError, ValueError):
    """Two amounts in different currencies were combined."""
