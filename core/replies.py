"""What a flow receives (inputs) and what it answers (replies), independent of any platform."""

from __future__ import annotations

from dataclasses import dataclass, field

# --- inputs -------------------------------------------------------------------


@dataclass(frozen=True)
class TextInput:
    """Free text the client typed."""

    text: str


@dataclass(frozen=True)
class ButtonPress:
    """A press on a button we sent earlier; ``data`` is the button's encoded id."""

    data: str


@dataclass(frozen=True)
class CommandInput:
    """A command such as /find; ``args`` is the rest of the line."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class StartInput:
    """/start, possibly with a deep-link payload (``paid_12``, ``advisor_ana-ruiz``)."""

    payload: str = ""


Input = TextInput | ButtonPress | CommandInput | StartInput


# --- replies --------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """A button that comes back to us as a ButtonPress with ``data``."""

    label: str
    data: str


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a URL (e.g. Stripe Checkout)."""

    label: str
    url: str


AnyButton = Button | LinkButton


@dataclass(frozen=True)
class Message:
    """Text, plain (adapters escape it), with optional rows of buttons.

    ``replace`` asks the adapter to edit the message the client just pressed a button on,
    instead of sending a new one, where the platform allows it.
    """

    text: str
    buttons: tuple[tuple[AnyButton, ...], ...] = ()
    replace: bool = False


@dataclass(frozen=True)
class Document:
    """A file to send, such as a receipt PDF."""

    content: bytes = field(repr=False)
    filename: str
    caption: str = ""
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class Image:
    """A picture by URL, such as an advisor's photo."""

    url: str
    caption: str = ""


Reply = Message | Document | Image
