"""Platform-neutral conversation flows: inputs and saved state in, replies and new state out."""

from __future__ import annotations

from core.dialogs.engine import Context, DialogEngine, Step, Transition
from core.dialogs.flows import build_engine
from core.dialogs.services import DialogServices
from core.dialogs.steps import StepName
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
    "DialogServices",
    "Document",
    "Image",
    "Input",
    "LinkButton",
    "Message",
    "Reply",
    "StartInput",
    "Step",
    "StepName",
    "TextInput",
    "Transition",
    "build_engine",
]
