"""The text catalogue: every message renders with its parameters, and mistakes fail loudly."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import core.texts
from core.texts import Plural, Text, all_texts


def _load_catalogues() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(core.texts.__path__, "core.texts.")]
    for name in names:
        importlib.import_module(name)
    return names


def test_every_message_renders_with_its_parameters_and_leaves_no_braces() -> None:
    _load_catalogues()
    messages = list(all_texts())
    for message in messages:
        params = {name: f"<{name}>" for name in message.params if name != "count"}
        if isinstance(message, Plural):
            rendered = [message(count=1, **params), message(count=2, **params)]
        else:
            rendered = [message(**params)]
        for text in rendered:
            assert text.strip(), message.id
            assert "{" not in text and "}" not in text, (message.id, text)
            for value in params.values():
                assert value in text or isinstance(message, Plural), (message.id, value)


def test_ids_are_namespaced_by_their_module() -> None:
    _load_catalogues()
    for message in all_texts():
        area, _, name = message.id.partition(".")
        assert area and name, message.id


def test_a_missing_or_unknown_parameter_fails() -> None:
    greeting = Text("test.greeting", "Hello {name}, your total is {total}.")
    assert greeting(name="Zoë", total="$63.49") == "Hello Zoë, your total is $63.49."
    with pytest.raises(KeyError):
        greeting(name="Zoë")
    with pytest.raises(TypeError):
        greeting(name="Zoë", total="$1.00", extra="x")


def test_plural_chooses_by_count() -> None:
    days = Plural("test.days", "{count} day left", "{count} days left")
    assert days(count=1) == "1 day left"
    assert days(count=3) == "3 days left"


def test_an_id_defined_twice_with_other_words_is_refused() -> None:
    Text("test.twice", "One wording.")
    Text("test.twice", "One wording.")  # the same message again (a re-import) is fine
    with pytest.raises(ValueError, match="defined twice"):
        Text("test.twice", "Another wording.")
