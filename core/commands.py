"""The client's commands, defined once: their names, what they do in the client's words, and
who sees them. Rendered into /help, the dialog engine's command table, the chat platform's
command menu and a server's app commands where the same command exists there. The advisors'
commands defined here (:data:`ADVISOR_COMMANDS`) are a server's app commands only.

The chat platform's menu lists :data:`CLIENT_COMMANDS` in this order; /help lists the same
commands but /start (the platform's own) and ends with /help itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models.outbox import Audience
from core.texts import Text
from core.texts import commands as t


@dataclass(frozen=True)
class Command:
    """One command: ``/name``, its menu line and its /help line."""

    name: str
    description: Text  # the line in the platform's command menu
    help: Text | None = None  # its line in /help; None: /help leaves it out
    audience: Audience = Audience.CLIENT
    # Its description in a shared server's command list, where Pathwise is one app of many.
    server_description: Text | None = None

    @property
    def on_server_text(self) -> Text:
        """The text of its description in a shared server's command list."""
        return self.server_description or self.description

    def on_server(self) -> str:
        """Its description in a shared server's command list."""
        return self.on_server_text()

    @property
    def in_chat(self) -> bool:
        """Answered by the dialog engine (/start is the platform's own: a deep link's entry)."""
        return self.help is not None


START = Command("start", t.START)
FIND = Command("find", t.FIND, t.FIND_HELP)
BOOKINGS = Command("bookings", t.BOOKINGS, t.BOOKINGS_HELP)
CHECKIN = Command("checkin", t.CHECKIN, t.CHECKIN_HELP)
TIMEZONE = Command("timezone", t.TIMEZONE, t.TIMEZONE_HELP)
LANGUAGE = Command("language", t.LANGUAGE, t.LANGUAGE_HELP)
HELP = Command("help", t.HELP, t.HELP_HELP)
PRIVACY = Command("privacy", t.PRIVACY, t.PRIVACY_HELP)
DELETE_MY_DATA = Command(
    "deletemydata",
    t.DELETE_MY_DATA,
    t.DELETE_MY_DATA_HELP,
    server_description=t.DELETE_MY_DATA_SERVER,
)
CANCEL = Command("cancel", t.CANCEL, t.CANCEL_HELP)

CLIENT_COMMANDS = (
    START,
    FIND,
    BOOKINGS,
    CHECKIN,
    TIMEZONE,
    LANGUAGE,
    HELP,
    PRIVACY,
    DELETE_MY_DATA,
    CANCEL,
)
CHAT_COMMANDS = tuple(command for command in CLIENT_COMMANDS if command.in_chat)

# Advisors' commands, answered in the Pathwise server (never in a client's chat menu).
SHARE = Command("share", t.SHARE, audience=Audience.ADVISOR)

ADVISOR_COMMANDS = (SHARE,)


def menu() -> list[tuple[str, str]]:
    """(name, description) of every client command, in the menu's order."""
    return [(command.name, command.description()) for command in CLIENT_COMMANDS]


def help_text() -> str:
    """/help: every chat command with what it does, /help last."""
    listed = [command for command in CHAT_COMMANDS if command is not HELP] + [HELP]
    lines = [
        t.HELP_LINE(name=command.name, what=command.help())
        for command in listed
        if command.help is not None
    ]
    return "\n".join([t.HELP_INTRO(), *lines])
