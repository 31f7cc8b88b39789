"""IFEval ``length_constraints:*`` checkers (sentences, words, ``***`` and ``\\n\\n`` paragraphs)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker, compare, require_relation
from evalkit.verifiers.ifeval._text import count_sentences, count_words

_DIVIDER = re.compile(r"\s?\*\*\*\s?")
_FIRST_WORD_STOP = frozenset(".,?!'\"")


@register("ifeval.length_constraints:number_sentences")
@dataclass(frozen=True)
class NumberSentences(IfevalChecker):
    """Passes when the English Punkt sentence count is ``relation`` ``num_sentences``."""

    num_sentences: int
    relation: str

    def __post_init__(self) -> None:
        require_relation("relation", self.relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_sentences(text)
        return compare(n, self.relation, self.num_sentences), f"{n} sentences, need {self.relation} {self.num_sentences}"


@register("ifeval.length_constraints:number_words")
@dataclass(frozen=True)
class NumberWords(IfevalChecker):
    """Passes when the number of ``\\w+`` tokens is ``relation`` ``num_words``."""

    num_words: int
    relation: str

    def __post_init__(self) -> None:
        require_relation("relation", self.relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_words(text)
        return compare(n, self.relation, self.num_words), f"{n} words, need {self.relation} {self.num_words}"


@register("ifeval.length_constraints:number_paragraphs")
@dataclass(frozen=True)
class NumberParagraphs(IfevalChecker):
    """Passes when splitting on ``\\s?***\\s?`` gives exactly ``num_paragraphs`` non-blank pieces;
    a blank first or last piece is dropped, a blank piece in between fails."""

    num_paragraphs: int

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        pieces = _DIVIDER.split(text)
        n = len(pieces)
        for index, piece in enumerate(pieces):
            if not piece.strip():
                if 0 < index < len(pieces) - 1:
                    return False, f"empty paragraph #{index + 1} between dividers"
                n -= 1
        return n == self.num_paragraphs, f"{n} paragraphs, need {self.num_paragraphs}"


@register("ifeval.length_constraints:nth_paragraph_first_word")
@dataclass(frozen=True)
class NthParagraphFirstWord(IfevalChecker):
    """Passes when the text has exactly ``num_paragraphs`` non-blank ``\\n\\n``-separated
    paragraphs and paragraph ``nth_paragraph`` starts with ``first_word``.

    As upstream: the nth piece is taken from the raw split (blank pieces included) and must be
    non-blank; its first word is lowercased after dropping leading ``'`` then ``"`` and is cut at
    the first of ``. , ? ! ' "``.
    """

    num_paragraphs: int
    nth_paragraph: int
    first_word: str

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        pieces = text.split("\n\n")
        n = sum(1 for p in pieces if p.strip())
        if self.nth_paragraph > n:
            return False, f"{n} paragraphs, no paragraph {self.nth_paragraph}"
        paragraph = pieces[self.nth_paragraph - 1].strip()
        if not paragraph:
            return False, f"paragraph {self.nth_paragraph} is empty"
        word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
        first = ""
        for char in word:
            if char in _FIRST_WORD_STOP:
                break
            first += char.lower()
        want = self.first_word.lower()
        ok = n == self.num_paragraphs and first == want
        return ok, f"{n} paragraphs (need {self.num_paragraphs}); paragraph {self.nth_paragraph} starts with {first!r}, need {want!r}"
