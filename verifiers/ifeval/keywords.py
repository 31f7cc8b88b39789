"""IFEval ``keywords:*`` checkers. Keywords are used as regular expressions, as upstream does
(``re.search(keyword, …)`` without escaping), matched case-insensitively."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker, compare, require_relation


@register("ifeval.keywords:existence")
@dataclass(frozen=True)
class KeywordsExistence(IfevalChecker):
    """Passes when every keyword matches somewhere in the text (case-insensitive regex search)."""

    keywords: list[str]

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        missing = [k for k in sorted(self.keywords) if not re.search(k, text, flags=re.IGNORECASE)]
        return not missing, f"missing {missing}" if missing else "all keywords present"


@register("ifeval.keywords:frequency")
@dataclass(frozen=True)
class KeywordFrequency(IfevalChecker):
    """Passes when the number of case-insensitive regex matches of ``keyword`` (stripped) is
    ``relation`` (``less than`` / ``at least``) ``frequency``."""

    keyword: str
    frequency: int
    relation: str

    def __post_init__(self) -> None:
        require_relation("relation", self.relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = len(re.findall(self.keyword.strip(), text, flags=re.IGNORECASE))
        return compare(n, self.relation, self.frequency), f"{self.keyword.strip()!r} appears {n} times, need {self.relation} {self.frequency}"


@register("ifeval.keywords:forbidden_words")
@dataclass(frozen=True)
class ForbiddenWords(IfevalChecker):
    """Passes when no forbidden word matches ``\\bword\\b`` case-insensitively."""

    forbidden_words: list[str]

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        for word in sorted(set(self.forbidden_words)):
            if re.search(r"\b" + word + r"\b", text, flags=re.IGNORECASE):
                return False, f"contains forbidden word {word!r}"
        return True, "no forbidden word"


@register("ifeval.keywords:letter_frequency")
@dataclass(frozen=True)
class LetterFrequency(IfevalChecker):
    """Passes when the lowercased text holds ``let_relation`` ``let_frequency`` occurrences of
    ``letter`` (stripped, lowercased).

    Upstream quirk: a ``letter`` that is not one ASCII letter (the data has ``#`` and ``!``) is
    replaced upstream by an unseeded random letter; evalkit counts the given character instead.
    """

    letter: str
    let_frequency: int
    let_relation: str

    def __post_init__(self) -> None:
        require_relation("let_relation", self.let_relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        letter = self.letter.strip().lower()
        n = text.lower().count(letter) if len(letter) == 1 else 0  # upstream: Counter(chars)[letter]
        return compare(n, self.let_relation, self.let_frequency), f"{letter!r} appears {n} times, need {self.let_relation} {self.let_frequency}"
