"""What a description is about: the intake topics it speaks of, read through a lexicon.

``lexicon.yaml`` lists, per topic and per language (English, Spanish), the words and phrases
people use ("passed away", "mi jefe me grita"). Every entry is folded (no accents) and stemmed
with its language's Snowball stemmer, so an entry covers its inflections; a word of the
description found in no entry is read as the nearest lexicon word when it is a likely typo
("funerl", "falleio"). ``read`` gives each topic a share and the words it rests on, the same
for a description and its translation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.matching.words import LANGUAGES, Language, fold, is_stopword, spans_of, stem, words_of
from core.taxonomy import Topic

_FILE = Path(__file__).with_name("lexicon.yaml")
HINT_WEIGHT = 0.5  # a hint (a person, a place) counts this much of a word
# A word read as a typo of a lexicon word is at least this long (shorter ones have too many
# neighbours that mean something else), starts with the same letter, and is one edit away
# (a letter missing, extra, wrong, or two swapped), two from eight letters on.
_TYPO_LENGTH = 5
_TYPO_LONG = 8


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: a topic, its words' stems in one language, and its weight."""

    topic: Topic
    language: Language
    stems: tuple[str, ...]
    weight: float


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Entries filed by (language, first stem), and every folded word they are written with."""

    entries: MappingProxyType[tuple[Language, str], tuple[Entry, ...]]
    known: frozenset[tuple[Language, str]]  # every stem of every entry
    terms: frozenset[tuple[Topic, tuple[str, ...]]]  # every entry's topic and stems
    vocabulary: MappingProxyType[str, tuple[str, ...]]  # folded lexicon words by first letter
    not_typos: frozenset[str]  # real words one edit from a lexicon word ("morning")


@dataclass(frozen=True, slots=True)
class Reading:
    """What a description speaks of: per topic its share (summing to 1) and its evidence."""

    shares: MappingProxyType[Topic, float]
    evidence: MappingProxyType[Topic, tuple[str, ...]]  # the client's words, as written
    strength: float  # the summed weights of what was found: 0 when nothing was

    def topics(self) -> list[Topic]:
        """The topics spoken of, most first (ties in the taxonomy's order)."""
        order = list(Topic)
        return sorted(self.shares, key=lambda topic: (-self.shares[topic], order.index(topic)))


def _parse(raw: dict[str, Any]) -> Lexicon:
    """The lexicon of a parsed ``lexicon.yaml``."""
    # One weight per entry: when a word and a hint share a stem ("padres", "padre"), the hint's.
    weights: dict[tuple[Topic, Language, tuple[str, ...]], float] = {}
    vocabulary: set[str] = set()
    for topic_name, languages in raw["topics"].items():
        topic = Topic(topic_name)
        for language in LANGUAGES:
            lists = languages.get(language, {})
            for kind, weight in (("words", 1.0), ("hints", HINT_WEIGHT)):
                for phrase in lists.get(kind) or ():
                    words = [fold(word) for word in words_of(str(phrase))]
                    if not words:
                        continue
                    key = (topic, language, tuple(stem(word, language) for word in words))
                    weights[key] = min(weight, weights.get(key, weight))
                    vocabulary.update(w for w in words if len(w) >= _TYPO_LENGTH)
    filed: defaultdict[tuple[Language, str], list[Entry]] = defaultdict(list)
    for (topic, language, stems), weight in weights.items():
        filed[(language, stems[0])].append(Entry(topic, language, stems, weight))
    known = {(e.language, s) for entries in filed.values() for e in entries for s in e.stems}
    return Lexicon(
        entries=MappingProxyType({key: tuple(found) for key, found in filed.items()}),
        known=frozenset(known),
        terms=frozenset((topic, stems) for topic, _, stems in weights),
        vocabulary=MappingProxyType(
            {
                first: tuple(sorted(w for w in vocabulary if w[0] == first))
                for first in {w[0] for w in vocabulary}
            }
        ),
        not_typos=frozenset(fold(word) for word in raw.get("not_typos") or ()),
    )


@cache
def lexicon() -> Lexicon:
    """The maintained lexicon, read once."""
    return _parse(yaml.safe_load(_FILE.read_text("utf-8")))


@lru_cache(maxsize=1 << 14)
def _spelt(word: str) -> str:
    """A folded word as the lexicon spells it: itself when known, or the nearest lexicon
    word when it is a likely typo of one, else itself."""
    lex = lexicon()
    if len(word) < _TYPO_LENGTH or is_stopword(word) or word in lex.not_typos:
        return word
    if any((language, stem(word, language)) in lex.known for language in LANGUAGES):
        return word
    edits = 2 if len(word) >= _TYPO_LONG else 1
    near = lex.vocabulary.get(word[0], ())
    found = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=edits)
    return word if found is None else str(found[0])


def is_term(phrase: str, topic: Topic) -> bool:
    """Whether ``phrase`` as a whole is a lexicon entry of ``topic``, in either language."""
    words = [fold(word) for word in words_of(phrase)]
    terms = lexicon().terms
    return any((topic, tuple(stem(w, language) for w in words)) in terms for language in LANGUAGES)


def read(text: str) -> Reading:
    """The topics ``text`` speaks of, in English or Spanish (or both mixed)."""
    lex = lexicon()
    spans = spans_of(text)
    spelt = [_spelt(fold(text[start:end])) for start, end in spans]
    weights: defaultdict[Topic, float] = defaultdict(float)
    evidence: defaultdict[Topic, list[str]] = defaultdict(list)
    taken: set[tuple[Topic, int]] = set()  # a word counts once per topic, in either language
    for language in LANGUAGES:
        stems = [stem(word, language) for word in spelt]
        for start, first in enumerate(stems):
            for entry in lex.entries.get((language, first), ()):
                end = start + len(entry.stems)
                if tuple(stems[start:end]) != entry.stems:
                    continue
                if any((entry.topic, at) in taken for at in range(start, end)):
                    continue
                taken.update((entry.topic, at) for at in range(start, end))
                weights[entry.topic] += entry.weight
                evidence[entry.topic].append(text[spans[start][0] : spans[end - 1][1]])
    total = sum(weights.values())
    return Reading(
        shares=MappingProxyType({topic: w / total for topic, w in weights.items()}),
        evidence=MappingProxyType({topic: tuple(found) for topic, found in evidence.items()}),
        strength=total,
    )
