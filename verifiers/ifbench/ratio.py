"""IFBench ``ratio:*`` checkers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import (
    IfbenchChecker,
    count_words,
    need_number,
    need_text,
    sentence_list,
)
from evalkit.verifiers.ifbench._nltk import stopwords

_WORD = re.compile(r"\w+")


def _ends(text: str, mark: str) -> int:
    return sum(1 for s in sentence_list(text) if s.endswith(mark))


def char_trigrams(text: str) -> set[str]:
    """The distinct 3-character windows of ``text`` (``set(nltk.ngrams(text, 3))``)."""
    return {text[i:i + 3] for i in range(len(text) - 2)}


@register("ifbench.ratio:stop_words")
@dataclass(frozen=True)
class StopWords(IfbenchChecker):
    """Passes when there are ``\\w+`` words and at most ``percentage``% of them are, lower-cased,
    in NLTK's English stopword list."""

    percentage: float

    def __post_init__(self) -> None:
        need_number("percentage", self.percentage)

    @classmethod
    def prepare(cls) -> None:
        """Load the stopword list."""
        stopwords()

    def test(self, text: str) -> bool:
        """See the class docstring."""
        n = count_words(text)
        if n == 0:
            return False
        stop = stopwords()
        hits = sum(1 for w in _WORD.findall(text) if w.lower() in stop)
        return hits / n * 100 <= self.percentage


@register("ifbench.ratio:sentence_type")
@dataclass(frozen=True)
class SentenceType(IfbenchChecker):
    """Passes when sentences ending in ``.`` are twice those ending in ``?`` (raw sentence ends)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return _ends(text, ".") == 2 * _ends(text, "?")


@register("ifbench.ratio:sentence_balance")
@dataclass(frozen=True)
class SentenceBalance(IfbenchChecker):
    """Passes when as many sentences end in ``.`` as in ``?`` and in ``!``."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return _ends(text, ".") == _ends(text, "?") == _ends(text, "!")


@register("ifbench.ratio:overlap")
@dataclass(frozen=True)
class Overlap(IfbenchChecker):
    """Passes when the share of the text's distinct character trigrams found in
    ``reference_text``, in percent, is within ``percentage ± 2`` (no trigram: fails)."""

    reference_text: str
    percentage: float

    def __post_init__(self) -> None:
        need_text("reference_text", self.reference_text)
        need_number("percentage", self.percentage)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        grams = char_trigrams(text)
        if not grams:
            return False
        overlap = len(grams & char_trigrams(self.reference_text)) / len(grams)
        return self.percentage - 2 <= overlap * 100 <= self.percentage + 2


@register("ifbench.ratio:sentence_words")
@dataclass(frozen=True)
class SentenceWords(IfbenchChecker):
    """Passes when there are exactly 3 sentences, all of the same stripped length (the "all
    different words" part of the instruction is not checked, as upstream)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        return len(parts) == 3 and len({len(s.strip()) for s in parts}) == 1
