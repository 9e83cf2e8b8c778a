"""Every user-facing text, as named messages with parameters.

Services and dialogs never build a sentence inline: they pick a message from one of this
package's catalogue modules (``core.texts.billing``, ``core.texts.sessions``, ...) and fill in
its parameters::

    from core.texts import billing as t

    text = t.RECEIPT_READY(number=receipt.number, total=total)

A :class:`Text` is one message: a stable id that starts with its module's last name
(``"billing.receipt_ready"`` in ``core.texts.billing``) and its English
template with ``{named}`` parameters. A :class:`Plural` chooses between a singular and a plural
template by a count. Templates are whole sentences, so that a translation can reorder them;
pieces that are glued together are separate messages named for what they are.

Ids are unique across the package (a test checks), and every parameter a template names
must be given (a missing one raises ``KeyError``; an unknown one
``TypeError``), so a typo fails in the tests rather than in front of a client.

A message renders in the language current when it is called (``core.i18n.speaking``): its
translation is looked up in that language's gettext catalogue with the id as the context
and the English template as the message id (``pybabel extract`` reads them from here, see
``docs/TRANSLATING.md``); the English template when there is none.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from collections.abc import Iterator
from dataclasses import dataclass, field

from core import i18n

__all__ = ["Plural", "Text", "all_texts"]


def _fields(template: str) -> frozenset[str]:
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(template) if name is not None
    )


def _format(
    message_id: str, template: str, expected: frozenset[str], params: dict[str, object]
) -> str:
    unknown = set(params) - expected
    if unknown:
        raise TypeError(f"{message_id}: unknown parameter(s) {sorted(unknown)}")
    return template.format(**params)


@dataclass(frozen=True, slots=True)
class Text:
    """One message: ``Text("area.name", "English template with {param}")``."""

    id: str
    en: str
    params: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _fields(self.en))

    def __call__(self, **params: object) -> str:
        language = i18n.current()
        template = (
            self.en
            if language == i18n.SOURCE
            else i18n.translations(language).pgettext(self.id, self.en)
        )
        return _format(self.id, template, self.params, params)


@dataclass(frozen=True, slots=True)
class Plural:
    """A message whose wording depends on a count: ``one`` for 1, ``other`` otherwise.

    The count is passed as ``count=`` and may be used in the templates as ``{count}``.
    """

    id: str
    one: str
    other: str
    params: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _fields(self.one) | _fields(self.other) | {"count"})

    def __call__(self, *, count: int, **params: object) -> str:
        language = i18n.current()
        if language == i18n.SOURCE:
            template = self.one if count == 1 else self.other
        else:
            found = i18n.translations(language)
            template = found.npgettext(self.id, self.one, self.other, count)
        return _format(self.id, template, self.params, {"count": count, **params})


def all_texts() -> Iterator[tuple[str, Text | Plural]]:
    """Every message of every catalogue module, with the module's name."""
    for info in pkgutil.walk_packages(__path__, f"{__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, (Text, Plural)):
                yield info.name, value
