"""IFEval ``change_case:*`` checkers (all-capitals, all-lowercase, capitalised word counts)."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker, compare, require_relation
from evalkit.verifiers.ifeval._text import count_upper_words, detect_language


def _english(text: str) -> tuple[bool, str]:
    found = detect_language(text)
    if found is None:
        return True, "language undetectable (counted as followed, as upstream)"
    return found == "en", f"detected {found!r}"


@register("ifeval.change_case:english_capital")
@dataclass(frozen=True)
class EnglishCapital(IfevalChecker):
    """Passes when ``text.isupper()`` and langdetect (seed 0) says English; a langdetect error
    counts as followed, as upstream (only reached when the text is upper case)."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        if not text.isupper():
            return False, "not all upper case"
        return _english(text)


@register("ifeval.change_case:english_lowercase")
@dataclass(frozen=True)
class EnglishLowercase(IfevalChecker):
    """Passes when ``text.islower()`` and langdetect (seed 0) says English; a langdetect error
    counts as followed, as upstream (only reached when the text is lower case)."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        if not text.islower():
            return False, "not all lower case"
        return _english(text)


@register("ifeval.change_case:capital_word_frequency")
@dataclass(frozen=True)
class CapitalWordFrequency(IfevalChecker):
    """Passes when the number of ``nltk.word_tokenize`` tokens with ``str.isupper()`` is
    ``capital_relation`` (``less than`` / ``at least``) ``capital_frequency``."""

    capital_frequency: int
    capital_relation: str

    def __post_init__(self) -> None:
        require_relation("capital_relation", self.capital_relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_upper_words(text)
        return (compare(n, self.capital_relation, self.capital_frequency),
                f"{n} all-capital words, need {self.capital_relation} {self.capital_frequency}")
