"""Structured logs: one line per event, as JSON or logfmt, with ids and never contents.

Pathwise's own log calls name an event and pass ids as ``extra``::

    log.info("telegram.update", extra={"update_id": 5, "input": "text", "client_id": 7})

Everything goes through the standard library's ``logging`` because python-telegram-bot,
discord.py and aiohttp log there too, so one handler and one formatter cover every line.
Two guards keep secrets and contents out:

- library loggers are held at levels where they print no payloads (their DEBUG lines carry
  whole updates and messages) and no URLs (httpx's INFO lines carry the Telegram token);
- every configured secret (tokens, keys, signing secrets, the database password) that still
  reaches a line is replaced with ``[redacted]``;
- a traceback keeps its frames (file, line, function, source line) and each exception's type,
  but never its message: a parser's ``ValueError`` quotes the text it could not read, and a
  driver's error the row it could not write.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy.engine import make_url

from core.config import Settings

REDACTED = "[redacted]"
OWN_LOGGERS = ("bots", "core", "devtools", "bench")
# Library loggers and the most they may say. Lifecycle lines (connected, started) are INFO;
# DEBUG in these libraries prints raw updates, gateway events and request bodies.
LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "discord": logging.INFO,
    "aiohttp": logging.INFO,
    "aiohttp.access": logging.WARNING,  # one line per request, health probes included
    "httpx": logging.WARNING,  # INFO lines show each URL, which holds the Telegram token
    "httpcore": logging.WARNING,
    "stripe": logging.WARNING,  # INFO/DEBUG lines show request paths and bodies
    "sqlalchemy": logging.WARNING,
    "alembic": logging.WARNING,
}
_RECORD_FIELDS = frozenset(
    [*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime", "taskName"]
)
_MIN_SECRET = 6  # shorter values would redact ordinary words


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in the settings, and the database password."""
    found = [
        value.get_secret_value()
        for value in (getattr(settings, name) for name in type(settings).model_fields)
        if isinstance(value, SecretStr)
    ]
    try:
        password = make_url(settings.database_url).password
    except Exception:  # a bad URL is reported elsewhere; it has nothing to hide here
        password = None
    if password:
        found.append(str(password))
    return [s for s in found if len(s) >= _MIN_SECRET]


class _NoVoiceNotice(logging.Filter):
    """discord.py warns at every start that its voice libraries are missing; Pathwise has no
    voice, so the warning is only noise (in ``pathwise doctor``'s output too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "discord.client" and "voice will NOT be supported" in str(record.msg)
        )


class StructuredFormatter(logging.Formatter):
    """A record as one line: ``json`` (an object per line) or ``text`` (logfmt)."""

    def __init__(self, style: str = "text", secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.style = style
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line's fields in order: time, level, logger, event, the ids given, the error."""
        fields: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                fields[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            fields["error"] = record.exc_info[0].__name__
            fields["traceback"] = self.formatException(record.exc_info)
        elif record.stack_info:
            fields["traceback"] = record.stack_info
        return {key: self.redact(v) if isinstance(v, str) else v for key, v in fields.items()}

    def formatException(self, ei: Any) -> str:
        """The traceback without exception messages (see the module's docstring)."""
        return "".join(_frames_only(traceback.TracebackException(*ei))).rstrip("\n")

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        fields = self.fields(record)
        if self.style == "json":
            return json.dumps(fields, ensure_ascii=False, default=str)
        return " ".join(f"{key}={_logfmt(value)}" for key, value in fields.items())


def _frames_only(exc: traceback.TracebackException) -> list[str]:
    """``TracebackException.format()`` with every message withheld, causes first."""
    lines: list[str] = []
    if exc.__cause__ is not None:
        lines += _frames_only(exc.__cause__)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif exc.__context__ is not None and not exc.__suppress_context__:
        lines += _frames_only(exc.__context__)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.stack:
        lines.append("Traceback (most recent call last):\n")
        lines.extend(exc.stack.format())
    name = exc.exc_type.__qualname__ if exc.exc_type is not None else "Exception"
    lines.append(f"{name} (message withheld)\n")
    return lines


def _logfmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    if text and not any(c in text for c in ' ="\\\n\t'):
        return text
    return json.dumps(text, ensure_ascii=False)  # quoted, with newlines escaped: one line


def configure_logging(settings: Settings, level: str | None = None) -> logging.Handler:
    """One handler on the root logger (stderr), formatted per ``PATHWISE_LOG_FORMAT``, at
    ``level`` (default ``PATHWISE_LOG_LEVEL``) for Pathwise and never below each library's
    floor. Replaces any handler an earlier call installed; returns the new one."""
    chosen = logging.getLevelName(level or settings.log_level)
    handler = logging.StreamHandler()
    handler.setFormatter(StructuredFormatter(settings.log_format, secrets_of(settings)))
    handler.addFilter(_NoVoiceNotice())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_pathwise", False):
            root.removeHandler(old)
    handler._pathwise = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(max(chosen, logging.WARNING))  # anything else: warnings and errors only
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(chosen)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(chosen, floor))
    return handler
