"""Screening free text for a risk to life, before anything else reads it.

The phrases live in data files (``core/safety/phrases/<language>.yaml``), never in code. A text
and every phrase go through the same normalisation: lower case, accents and apostrophes
dropped, look-alike digits read as letters ("k1ll" -> "kill"), runs of a repeated letter
collapsed to one ("diiie" -> "die", and "kill" -> "kil" on both sides), the data file's common
misspellings and contractions fixed ("sucide", "wanna"), then any remaining long word within
one edit of one of the file's distinctive words ("myslef" -> "myself", with rapidfuzz).

Negations are deliberately ignored: "I'm not going to kill myself" is answered like "I'm going
to kill myself". Offering help to someone who did not need it costs a message; missing someone
who did can cost a life.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

PHRASE_LANGUAGES = ("en", "es")
MAX_GAP = 3  # how many other words "..." in a phrase lets through
FUZZY_MIN_LENGTH = 5  # shorter words are too easily another real word
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_WORD = re.compile(r"[\w@$]+")
_REPEATS = re.compile(r"(.)\1+")
_APOSTROPHES = re.compile(r"['’‘`´]")


def _fold(text: str) -> str:
    """Lower case without accents or apostrophes; look-alike digits inside words read as
    letters."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("", text)

    def unleet(match: re.Match[str]) -> str:
        word = match.group(0)
        return word.translate(_LEET) if any(c.isalpha() for c in word) else word

    text = _WORD.sub(unleet, text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of ``text`` after folding, with repeated letters collapsed."""
    return [_REPEATS.sub(r"\1", w) for w in re.findall(r"[a-z0-9]+", _fold(text))]


@dataclass(frozen=True, slots=True)
class _Token:
    """One position of a phrase: any of some words, or any word starting with a prefix."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    gap_before: bool  # "..." stood before it: up to MAX_GAP other words may come first

    def matches(self, word: str) -> bool:
        return word in self.exact or any(word.startswith(p) for p in self.prefixes)


@dataclass(frozen=True, slots=True)
class _Phrase:
    language: str
    source: str
    tokens: tuple[_Token, ...]


def _compile(source: str, language: str) -> _Phrase:
    """``want|wanna to ... die`` -> tokens; ``suicid*`` is a prefix; ``...`` allows a gap."""
    tokens: list[_Token] = []
    gap = False
    for part in source.split():
        if part == "...":
            gap = True
            continue
        exact: set[str] = set()
        prefixes: list[str] = []
        for alternative in part.split("|"):
            if alternative.endswith("*"):
                prefixes.extend(words(alternative[:-1])[:1])
            else:
                exact.update(words(alternative)[:1])
        if not exact and not prefixes:
            raise ValueError(f"empty word in phrase {source!r}")
        tokens.append(_Token(frozenset(exact), tuple(prefixes), gap and bool(tokens)))
        gap = False
    if not tokens:
        raise ValueError(f"empty phrase {source!r}")
    return _Phrase(language, source, tuple(tokens))


def _match_at(tokens: Sequence[_Token], text: Sequence[str], start: int) -> int | None:
    """The end (exclusive) of a match of ``tokens`` starting at ``start``, or None."""
    if not tokens[0].matches(text[start]):
        return None
    position = start + 1
    for token in tokens[1:]:
        reach = MAX_GAP + 1 if token.gap_before else 1
        for candidate in range(position, min(position + reach, len(text))):
            if token.matches(text[candidate]):
                position = candidate + 1
                break
        else:
            return None
    return position


@dataclass(frozen=True)
class _Index:
    """Phrases by their first word, so a text is only tried against phrases that can start
    at each of its words."""

    by_first: Mapping[str, tuple[_Phrase, ...]]
    by_prefix: tuple[tuple[str, _Phrase], ...]

    @classmethod
    def of(cls, phrases: Iterable[_Phrase]) -> _Index:
        by_first: dict[str, list[_Phrase]] = {}
        by_prefix: list[tuple[str, _Phrase]] = []
        for phrase in phrases:
            first = phrase.tokens[0]
            for word in first.exact:
                by_first.setdefault(word, []).append(phrase)
            by_prefix += [(prefix, phrase) for prefix in first.prefixes]
        return cls({w: tuple(p) for w, p in by_first.items()}, tuple(by_prefix))

    def spans(self, text: Sequence[str]) -> list[tuple[int, int, _Phrase]]:
        """Every (start, end, phrase) match in ``text``."""
        found = []
        for start, word in enumerate(text):
            candidates = list(self.by_first.get(word, ()))
            candidates += [p for prefix, p in self.by_prefix if word.startswith(prefix)]
            for phrase in dict.fromkeys(candidates):
                end = _match_at(phrase.tokens, text, start)
                if end is not None:
                    found.append((start, end, phrase))
        return found


@dataclass(frozen=True, slots=True)
class Detection:
    """A text that needs a crisis answer: the language of the phrase it matched, and which
    phrase (from the data files, never the person's words)."""

    language: str
    phrase: str


@dataclass(frozen=True)
class Screener:
    """Screens text against the phrase files; built once (see :func:`default_screener`)."""

    phrases: _Index
    exceptions: _Index
    lexicon: Mapping[str, frozenset[str]]  # every word each language's file uses
    corrections: Mapping[tuple[str, ...], tuple[str, ...]]
    vocabulary: tuple[str, ...]
    known: frozenset[str]
    keep: frozenset[str]

    @classmethod
    def from_data(cls, files: Iterable[tuple[str, Mapping[str, Any]]]) -> Screener:
        """Build from ``(language, parsed YAML)`` pairs, each with ``phrases`` and optional
        ``exceptions``, ``misspellings`` (wrong -> right, either may be several words),
        ``fuzzy`` (long words a misspelling one edit away is read as) and ``keep`` (real
        words never read as a fuzzy word)."""
        phrases: list[_Phrase] = []
        exceptions: list[_Phrase] = []
        corrections: dict[tuple[str, ...], tuple[str, ...]] = {}
        keep: set[str] = set()
        lexicon: dict[str, set[str]] = {}
        files_read = list(files)
        for language, data in files_read:
            phrases += [_compile(str(p), language) for p in data.get("phrases") or ()]
            exceptions += [_compile(str(p), language) for p in data.get("exceptions") or ()]
            for wrong, right in (data.get("misspellings") or {}).items():
                corrections[tuple(words(str(wrong)))] = tuple(words(str(right)))
            keep.update(w for k in data.get("keep") or () for w in words(str(k)))
            lexicon.setdefault(language, set()).update(
                word
                for phrase in phrases
                if phrase.language == language
                for token in phrase.tokens
                for word in token.exact
            )
        vocabulary = sorted(
            {
                word
                for _, data in files_read
                for entry in data.get("fuzzy") or ()
                for word in words(str(entry))
                if len(word) >= FUZZY_MIN_LENGTH
            }
        )
        return cls(
            _Index.of(phrases),
            _Index.of(exceptions),
            {language: frozenset(found) for language, found in lexicon.items()},
            corrections,
            tuple(vocabulary),
            frozenset(vocabulary),
            frozenset(keep),
        )

    def normalise(self, text: str) -> list[str]:
        """The words a phrase is matched against: folded, corrected."""
        raw = words(text)
        longest = max((len(k) for k in self.corrections), default=0)
        corrected: list[str] = []
        i = 0
        while i < len(raw):
            for size in range(min(longest, len(raw) - i), 0, -1):
                replacement = self.corrections.get(tuple(raw[i : i + size]))
                if replacement is not None:
                    corrected.extend(replacement)
                    i += size
                    break
            else:
                corrected.append(self._near(raw[i]))
                i += 1
        return corrected

    def _near(self, word: str) -> str:
        """A fuzzy word one edit away from a long word, or the word itself."""
        if len(word) < FUZZY_MIN_LENGTH or word in self.keep or not self.vocabulary:
            return word
        if word in self.known:
            return word
        best = process.extractOne(word, self.vocabulary, scorer=OSA.distance, score_cutoff=1)
        return str(best[0]) if best is not None else word

    def screen(self, text: str) -> Detection | None:
        """Whether ``text`` matches a phrase that no exception covers, and in which language:
        that of the longest phrase matched; between equals, the language most of the text's
        words belong to."""
        normal = self.normalise(text)
        if not normal:
            return None
        found = self.phrases.spans(normal)
        if not found:
            return None
        excepted = self.exceptions.spans(normal)
        kept = [
            (end - start, phrase)
            for start, end, phrase in found
            if not any(s < end and start < e for s, e, _ in excepted)
        ]
        if not kept:
            return None
        longest = max(size for size, _ in kept)
        best = [phrase for size, phrase in kept if size == longest]
        share = {
            language: sum(word in self.lexicon.get(language, ()) for word in normal)
            for language in self.lexicon
        }
        chosen = max(best, key=lambda phrase: share.get(phrase.language, 0))
        return Detection(chosen.language, chosen.source)


def phrase_files(languages: Sequence[str] = PHRASE_LANGUAGES) -> list[tuple[str, dict[str, Any]]]:
    """The bundled phrase files, parsed."""
    folder = resources.files("core.safety") / "phrases"
    return [
        (language, yaml.safe_load((folder / f"{language}.yaml").read_text("utf-8")) or {})
        for language in languages
    ]


@cache
def default_screener() -> Screener:
    """The screener over the bundled phrase files (read once per process)."""
    return Screener.from_data(phrase_files())
