"""Decode Stripe's bracket form encoding (``a[b][0][c]=v``) into nested dicts and lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_KEY = re.compile(r"([^\[\]]*)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")

# Keys whose children are free-form names, never list indexes (``metadata[0]=x`` stays a dict).
_FREE_FORM = frozenset({"metadata"})


def split_key(key: str) -> list[str]:
    """Split ``a[b][0][]`` into ``["a", "b", "0", ""]``."""
    match = _KEY.match(key)
    if match is None or not match.group(1):
        return [key]
    return [match.group(1), *_PART.findall(match.group(2))]


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Turn decoded form pairs into the nested params Stripe would see."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        _insert(root, split_key(key), value)
    decoded: dict[str, Any] = _listify(root, parent=None)
    return decoded


def _insert(node: dict[str, Any], parts: list[str], value: str) -> None:
    """Place ``value`` at the path ``parts``; an empty part means "append"."""
    head, rest = parts[0], parts[1:]
    if head == "":
        head = str(sum(1 for k in node if k.isdigit()))
    if not rest:
        node[head] = value
        return
    child = node.get(head)
    if not isinstance(child, dict):
        child = {}
        node[head] = child
    _insert(child, rest, value)


def _listify(node: Any, parent: str | None) -> Any:
    """Turn dicts keyed 0..n into lists, except under free-form keys such as metadata."""
    if not isinstance(node, dict):
        return node
    converted = {key: _listify(value, key) for key, value in node.items()}
    if parent in _FREE_FORM or not converted:
        return converted
    if all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
