"""Every step name is a registered step, and every transition names a step by StepName.

The flows are read as source: a ``goto=`` is either ``StepName.X`` (checked to be a member)
or an expression (a helper's result, typed ``StepName`` and checked by mypy); never a string.
"""

from __future__ import annotations

import ast
from pathlib import Path

import core.dialogs
from core import commands
from core.config import Settings
from core.dialogs import StepName, build_engine

DIALOGS = Path(core.dialogs.__file__).parent


def _engine_settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_step_name_has_a_step_and_every_step_a_name() -> None:
    engine = build_engine(_engine_settings())
    assert set(engine.steps) == set(StepName)
    assert all(isinstance(name, StepName) for name in engine.steps)
    assert engine.first_step in engine.steps and engine.home_step in engine.steps


def _gotos() -> list[tuple[str, int, ast.expr]]:
    found = []
    for path in sorted(DIALOGS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.keyword) and node.arg == "goto":
                found.append((path.name, node.value.lineno, node.value))
    return found


def test_every_transition_target_is_a_registered_step() -> None:
    gotos = _gotos()
    assert len(gotos) > 50  # the walk found the flows
    members = set(StepName.__members__)
    for module, line, value in gotos:
        where = f"{module}:{line}"
        assert not isinstance(value, ast.Constant), f"{where}: a string step name"
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
            if value.value.id == "StepName":
                assert value.attr in members, where


def test_the_engine_answers_exactly_the_chat_commands() -> None:
    engine = build_engine(_engine_settings())
    assert set(engine.commands) == {c.name for c in commands.CHAT_COMMANDS}
    assert all(f"/{c.name} - " in commands.help_text() for c in commands.CHAT_COMMANDS)
