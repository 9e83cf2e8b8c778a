"""Platform-neutral conversation flows: inputs and saved state in, replies and new state out."""

from __future__ import annotations

from core.dialogs.engine import Context, DialogEngine, Step, Transition
from core.dialogs.flows import build_engine
from core.replies import (
    Button,
    ButtonPress,
    CommandInput,
    Document,
    Image,
    Input,
    LinkButton,
    Message,
    Reply,
    StartInput,
    TextInput,
)

__all__ = [
    "Button",
    "ButtonPress",
    "CommandInput",
    "Context",
    "DialogEngine",
    "Document",
    "Image",
    "Input",
    "LinkButton",
    "Message",
    "Reply",
    "StartInput",
    "Step",
    "TextInput",
    "Transition",
    "build_engine",
]
