"""The text catalogue: every message renders with its parameters, and mistakes fail loudly."""

from __future__ import annotations

from collections import Counter

import pytest

from core.texts import Plural, Text, all_texts


def test_every_message_renders_with_its_parameters_and_leaves_no_braces() -> None:
    for module, message in all_texts():
        params = {name: f"<{name}>" for name in message.params if name != "count"}
        if isinstance(message, Plural):
            rendered = [message(count=1, **params), message(count=2, **params)]
        else:
            rendered = [message(**params)]
        for text in rendered:
            assert text.strip(), message.id
            assert "{" not in text and "}" not in text, (module, message.id, text)
        if isinstance(message, Text):
            for value in params.values():
                assert value in rendered[0], (message.id, value)


def test_ids_are_unique_and_named_for_their_module() -> None:
    texts = list(all_texts())
    counts = Counter(message.id for _, message in texts)
    assert [i for i, n in counts.items() if n > 1] == []
    for module, message in texts:
        area, _, name = message.id.partition(".")
        assert name and module.split(".")[-1] == area, (module, message.id)


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
