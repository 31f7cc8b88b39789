"""IFBench ``sentence:*`` checkers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import (
    PUNCT,
    IfbenchChecker,
    drop_punct,
    need_number,
    need_text,
    sentence_list,
)


def alliteration_score(sentence: str) -> int:
    """Sum over runs of consecutive words (lower-cased, leading punctuation stripped) sharing
    their first character: a run of k words scores k."""
    words = [w for w in (w.lstrip(PUNCT + " ") for w in sentence.lower().split()) if w]
    score, in_run = 0, False
    for a, b in zip(words, words[1:], strict=False):
        if a[0] == b[0]:
            score += 1 if in_run else 2
            in_run = True
        else:
            in_run = False
    return score


@register("ifbench.sentence:alliteration_increment")
@dataclass(frozen=True)
class AlliterationIncrement(IfbenchChecker):
    """Passes when each sentence's alliteration score is strictly greater than the previous
    sentence's (see :func:`alliteration_score`)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        previous = -1
        for sentence in sentence_list(text):
            score = alliteration_score(sentence)
            if score <= previous:
                return False
            previous = score
        return True


@register("ifbench.sentence:keyword")
@dataclass(frozen=True)
class SentenceKeyword(IfbenchChecker):
    """Passes when there are at least ``N`` sentences and sentence ``N`` contains ``word`` as a
    whole word, ignoring case."""

    word: str
    N: float

    def __post_init__(self) -> None:
        need_text("word", self.word)
        need_number("N", self.N, 1)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        if len(parts) < self.N:
            return False
        return re.search(rf"\b{re.escape(self.word)}\b", parts[int(self.N - 1)], re.IGNORECASE) is not None


@register("ifbench.sentence:increment")
@dataclass(frozen=True)
class Increment(IfbenchChecker):
    """Passes when, punctuation deleted, each sentence has exactly ``small_n`` more whitespace
    words than the one before (upstream raises on a text with no sentence: not followed)."""

    small_n: float

    def __post_init__(self) -> None:
        need_number("small_n", self.small_n)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        counts = [len(drop_punct(s).split()) for s in sentence_list(text)]
        if not counts:
            raise IndexError("list index out of range")
        return all(b == a + self.small_n for a, b in zip(counts, counts[1:], strict=False))
