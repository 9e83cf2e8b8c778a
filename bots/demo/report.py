"""What the demo shows and proves: the conversation as readable lines, and its invariants.

``Transcript`` prints each line as it happens (shortened for the terminal) and keeps the full
text for ``transcript.md``. ``Checks`` records each invariant; the first one that fails stops
the demo with its name."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from devtools.telegram_recorder import ApiCall

TERMINAL_WIDTH = 100
TERMINAL_LINES = 3  # lines of a long message shown in the terminal; the file has them all


class InvariantBroken(Exception):
    """An invariant the demo checks did not hold."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name, self.detail = name, detail


class StepFailed(Exception):
    """The journey could not go on (a message or a button it expected was not there)."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step, self.detail = step, detail


@dataclass
class Line:
    who: str
    text: str
    buttons: list[str] = field(default_factory=list)
    attachment: str | None = None


@dataclass
class Stage:
    number: int
    title: str
    lines: list[Line] = field(default_factory=list)


class Transcript:
    """The conversation, stage by stage. ``echo`` prints one terminal line."""

    SPEAKERS: ClassVar[dict[str, str]] = {
        "client": "Zoë (client)",
        "bot": "Pathwise",
        "advisor": "Ana (advisor)",
        "admin": "Max (Pathwise team)",
        "stripe": "Stripe",
        "discord": "Discord",
        "check": "✓ check",
    }

    def __init__(self, echo: Callable[[str], None], total: int) -> None:
        self.echo, self.total = echo, total
        self.stages: list[Stage] = []

    def stage(self, title: str) -> None:
        self.stages.append(Stage(len(self.stages) + 1, title))
        self.echo("")
        self.echo(f"[{len(self.stages)}/{self.total}] {title}")

    def say(
        self, who: str, text: str, buttons: list[str] | None = None, attachment: str | None = None
    ) -> None:
        line = Line(who, text.strip(), list(buttons or []), attachment)
        self.stages[-1].lines.append(line)
        self.echo(self._terminal(line))

    def bot_calls(self, calls: list[ApiCall], who: str = "bot") -> None:
        """What the Telegram bot sent, one line per message (callback answers left out)."""
        for call in calls:
            if call.method == "answerCallbackQuery":
                continue
            attachment = next((f[0] for f in call.files.values()), None)
            if call.method == "sendPhoto":
                attachment = f"photo: {call.params.get('photo')}"
            self.say(who, call.text or "", call.button_labels(), attachment)

    def _terminal(self, line: Line) -> str:
        label = self.SPEAKERS.get(line.who, line.who)
        rows = line.text.splitlines() or [""]
        shown = [textwrap.shorten(r, TERMINAL_WIDTH, placeholder=" …") for r in rows if r.strip()]
        if len(shown) > TERMINAL_LINES:
            shown = [*shown[:TERMINAL_LINES], "…"]
        if line.attachment:
            shown.append(f"[{line.attachment}]")
        if line.buttons:
            shown.append("buttons: " + " | ".join(line.buttons))
        head, *rest = shown or [""]
        pad = " " * 22
        return "\n".join([f"  {label:<19} {head}", *(pad + r for r in rest)])

    def markdown(self, title: str, summary: list[str]) -> str:
        out = [f"# {title}", ""]
        out += summary
        for stage in self.stages:
            out += ["", f"## {stage.number}. {stage.title}", ""]
            for line in stage.lines:
                label = self.SPEAKERS.get(line.who, line.who)
                body = line.text.replace("\n", "  \n> ") if line.text else "_(no text)_"
                out.append(f"**{label}:**  \n> {body}")
                if line.attachment:
                    out.append(f">  \n> 📎 `{line.attachment}`")
                if line.buttons:
                    out.append(">  \n> " + " ".join(f"`[{b}]`" for b in line.buttons))
                out.append("")
        return "\n".join(out).rstrip() + "\n"


@dataclass
class Checks:
    """Invariants checked as the demo goes; the first broken one stops it."""

    transcript: Transcript
    held: list[str] = field(default_factory=list)

    def require(self, name: str, ok: bool, detail: str) -> None:
        """Record ``name`` as held, or stop the demo naming it and what was seen."""
        if not ok:
            raise InvariantBroken(name, detail)
        self.held.append(name)
        self.transcript.say("check", f"{name}: {detail}")
