"""What the demo shows and proves: the conversation as readable lines, and its invariants.

``Transcript`` prints each line as it happens (shortened for the terminal) and keeps the full
text for ``transcript.md``. ``Checks`` records each invariant; the first one that fails stops
the demo with its name."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from bots.demo.speech import render
from core.texts import Text
from core.texts import demo as t
from devtools.telegram_recorder import ApiCall

TERMINAL_WIDTH = 100
TERMINAL_LINES = 3  # lines of a long message shown in the terminal; the file has them all


class InvariantBroken(Exception):
    """An invariant the demo checks did not hold: ``name`` in the demo's language, ``key``
    its English name (what ``DemoResult.held`` lists)."""

    def __init__(self, name: str, detail: str, key: str | None = None) -> None:
        super().__init__(f"{name}: {detail}")
        self.name, self.detail, self.key = name, detail, key or name


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
    """The conversation, stage by stage, told in ``language``. ``echo`` prints one terminal
    line."""

    def __init__(
        self,
        echo: Callable[[str], None],
        total: int,
        language: str = "en",
        client: str = "Zoë",
        advisor: str = "Ana",
        team: str = "Max",
    ) -> None:
        self.echo, self.total, self.language = echo, total, language
        self.stages: list[Stage] = []
        self.speakers = {
            "client": render(language, t.CLIENT, name=client),
            "bot": "Pathwise",
            "advisor": render(language, t.ADVISOR, name=advisor),
            "admin": render(language, t.TEAM, name=team),
            "stripe": "Stripe",
            "discord": "Discord",
            "check": render(language, t.CHECK),
        }

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
        label = self.speakers.get(line.who, line.who)
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
                label = self.speakers.get(line.who, line.who)
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
    held: list[str] = field(default_factory=list)  # their English names, the stable keys
    names: dict[str, Text] = field(default_factory=dict)  # key -> the invariant's name

    def require(self, name: Text, ok: bool, detail: str) -> None:
        """Record ``name`` as held, or stop the demo naming it (in the transcript's language)
        and what was seen."""
        shown = render(self.transcript.language, name)
        if not ok:
            raise InvariantBroken(shown, detail, name.en)
        self.held.append(name.en)
        self.names[name.en] = name
        self.transcript.say("check", f"{shown}: {detail}")

    def shown(self) -> list[str]:
        """The invariants that held, once each, in the transcript's language."""
        return [render(self.transcript.language, self.names[k]) for k in dict.fromkeys(self.held)]
