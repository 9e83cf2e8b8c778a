"""The words of a text that can tell advisors apart: tokenise, Snowball stems, stopwords.

English and Spanish words are stemmed with the Snowball stemmers (``snowballstemmer``).
``tokenise`` (what the index and every question's BM25 go through, the index through a
``StemCache``) uses the English stemmer, as bios and specialties are written in English;
``stems`` gives a word's stem in either language for the lexicon (``core.matching.lexicon``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

import snowballstemmer  # type: ignore[import-untyped]

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")

_WORD = re.compile(r"[^\W\d_]+")
_STEMMERS = {"en": snowballstemmer.stemmer("english"), "es": snowballstemmer.stemmer("spanish")}

# Common English words plus words every description uses ("help", "feel") that say nothing
# about which advisor fits.
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

# Spanish words that say nothing about which advisor fits (accents folded away).
SPANISH_STOPWORDS = frozenset(
    """
    a al algo alguien algun alguna algunas alguno algunos ante antes asi aun aunque bien cada
    como con contra cual cuando de del desde donde dos el ella ellas ellos en entre era eran
    eres es esa esas ese eso esos esta estaba estan estar estas este esto estos estoy fue fueron
    ha hace hacer han has hasta hay he la las le les lo los mas me mi mis mucho muy nada ni no
    nos nosotros o otra otro para pero poco por porque que quien se sea ser si sin sobre solo
    son soy su sus tambien tan te tengo tener ti tiene tienen todo todos tu tus un una uno unos
    unas y ya yo hola ayuda necesito quiero puedo siento hablar
    """.split()
)


def fold(word: str) -> str:
    """``word`` lower-cased and without accents ("Murió" -> "murio"): people type both."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The words of ``text`` as written (no digits or punctuation), in order."""
    return _WORD.findall(text)


def spans_of(text: str) -> list[tuple[int, int]]:
    """Where each word of ``text`` starts and ends, in order."""
    return [match.span() for match in _WORD.finditer(text)]


@lru_cache(maxsize=1 << 16)
def stem(word: str, language: Language) -> str:
    """The Snowball stem of a folded word in ``language``."""
    stemmed: str = _STEMMERS[language].stemWord(word)
    if language == "en" and stemmed.endswith("i"):
        # Porter2 writes a final y as i ("worry" -> "worri"); put it back so stems read
        # as words. Both sides of every comparison go through here, so matching is unchanged.
        stemmed = stemmed[:-1] + "y"
    return stemmed


def is_stopword(word: str) -> bool:
    """Whether a folded word says nothing about which advisor fits, in English or Spanish."""
    return word in _STOPWORDS or word in SPANISH_STOPWORDS


def tokenise(text: str) -> list[str]:
    """The words of ``text`` that can tell advisors apart: lower-cased, stemmed, no stopwords."""
    return [s for s in map(_useful_stem, _WORD.findall(text.casefold())) if s]


def _useful_stem(word: str) -> str:
    """The stem of ``word``, or "" if the word or its stem says nothing ("thinking")."""
    if len(word) < 2 or word in _STOPWORDS:
        return ""
    stemmed = stem(word, "en")
    return "" if stemmed in _STOPWORDS else stemmed


class StemCache(dict[str, str]):
    """Word -> stem ("" for a stopword), remembered over one index build: catalogues repeat."""

    def __missing__(self, word: str) -> str:
        stemmed = self[word] = _useful_stem(word)
        return stemmed

    def tokenise(self, text: str) -> list[str]:
        """Same as ``tokenise``, faster on text full of words seen before."""
        return [s for s in map(self.__getitem__, _WORD.findall(text.casefold())) if s]
