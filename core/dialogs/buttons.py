"""Button ids: short, namespaced, versioned, parsed in one place.

An id is ``<version>:<action>[:<arg>]``, e.g. ``7:slot:1234``. The version is the
conversation's step counter when the button was sent, so a press on an old message is
recognised as stale instead of acting on a step the client has already left. Core
re-checks ownership and validity of whatever the arg names; the id carries no trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.parsing import MAX_ID, parse_int

# Telegram allows 64 bytes of callback data; Discord allows 100 characters of custom_id.
MAX_BYTES = 64
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_ARG = re.compile(r"^[A-Za-z0-9_.+-]{0,40}$")


@dataclass(frozen=True)
class Press:
    """A decoded button id."""

    version: int
    action: str
    arg: str = ""


def encode(version: int, action: str, arg: str | int = "") -> str:
    """The id for a button; ValueError if it would not fit or has odd characters."""
    arg = str(arg)
    if not _ACTION.match(action) or not _ARG.match(arg):
        raise ValueError(f"bad button action/arg: {action!r} {arg!r}")
    data = f"{version}:{action}:{arg}" if arg else f"{version}:{action}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("button id too long")
    return data


def decode(data: str) -> Press | None:
    """The Press in a button id, or None if the id is not one of ours (forged or garbled)."""
    if len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split(":", 2)
    version = parse_int(parts[0], 0, MAX_ID)
    if len(parts) < 2 or version is None:
        return None
    action, arg = parts[1], parts[2] if len(parts) == 3 else ""
    if not _ACTION.fullmatch(action) or not _ARG.fullmatch(arg):
        return None
    return Press(version, action, arg)
