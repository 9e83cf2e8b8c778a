"""The words of a text that can tell advisors apart: tokenise, a small suffix stripper, stopwords.

A later lexicon (synonyms, other languages) belongs here: the index and every question go
through ``tokenise`` (the index through a ``StemCache``).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+")

# Common English words plus words every description uses ("help", "feel") that say nothing
# about which advisor fits. Other languages still match word for word, just without this list.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are around as at be because been
    before being below between both but by can could did do does doing don done down during
    each either else even ever every few for from further get gets getting go going got had
    has have having he her here hers herself him himself his how however i if in into is isn
    it its itself just know let like ll lot lots m make many may me might mine more most much
    must my myself need needs neither no nor not now of off often on once one only or other our
    ours ourselves out over own please quite rather re really s said same say see she should
    since so some something still such t than that the their theirs them themselves then there
    these they thing things think this those though through to too under until up upon us ve
    very want wants was way we well were what when where whether which while who whom why will
    with within without would yet you your yours yourself yourselves help helps feel feeling
    feelings lately recently someone anyone talk talking advice advise maybe perhaps keep bit
    sure kind sort
    """.split()
)


def _stem(word: str) -> str:
    """Strip a few English suffixes so "worries"/"worried" and "changes"/"changing" meet."""
    if len(word) <= 4:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


def tokenise(text: str) -> list[str]:
    """The words of ``text`` that can tell advisors apart: lower-cased, stemmed, no stopwords."""
    return [stem for stem in map(_useful_stem, _WORD.findall(text.casefold())) if stem]


def _useful_stem(word: str) -> str:
    """The stem of ``word``, or "" if the word or its stem says nothing ("thinking")."""
    if len(word) < 2 or word in _STOPWORDS:
        return ""
    stem = _stem(word)
    return "" if stem in _STOPWORDS else stem


class StemCache(dict[str, str]):
    """Word -> stem ("" for a stopword), remembered over one index build: catalogues repeat."""

    def __missing__(self, word: str) -> str:
        stem = self[word] = _useful_stem(word)
        return stem

    def tokenise(self, text: str) -> list[str]:
        """Same as ``tokenise``, faster on text full of words seen before."""
        return [stem for stem in map(self.__getitem__, _WORD.findall(text.casefold())) if stem]
