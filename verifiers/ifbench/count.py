"""IFBench ``count:*`` checkers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import (
    IfbenchChecker,
    count_words,
    drop_punct,
    need_number,
    need_text,
    strip_punct,
    tokens,
)

CONJUNCTIONS = frozenset(("and", "but", "for", "nor", "or", "so", "yet"))
PERSON_NAMES = (
    "Emma", "Liam", "Sophia", "Jackson", "Olivia", "Noah", "Ava", "Lucas", "Isabella", "Mason", "Mia",
    "Ethan", "Charlotte", "Alexander", "Amelia", "Benjamin", "Harper", "Leo", "Zoe", "Daniel", "Chloe",
    "Samuel", "Lily", "Matthew", "Grace", "Owen", "Abigail", "Gabriel", "Ella", "Jacob", "Scarlett",
    "Nathan", "Victoria", "Elijah", "Layla", "Nicholas", "Audrey", "David", "Hannah", "Christopher",
    "Penelope", "Thomas", "Nora", "Andrew", "Aria", "Joseph", "Claire", "Ryan", "Stella", "Jonathan",
)
_NAME_PATTERNS = tuple(re.compile(rf"\b{re.escape(name)}\b") for name in PERSON_NAMES)
PRONOUNS = frozenset((
    "i me we us you he him she her it they them "
    "my mine our ours your yours his hers its their theirs "
    "myself ourselves yourself yourselves himself herself itself themselves "
    "this that these those who whom whose which what whoever whomever whatever whichever "
    "anybody anyone anything everybody everyone everything nobody nothing somebody someone "
    "something each either neither both all some any none").split())
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_DIGITS = re.compile(r"\d+")
KEYWORD_COUNTS = (1, 2, 3, 5, 7)


@register("ifbench.count:word_count_range")
@dataclass(frozen=True)
class WordCountRange(IfbenchChecker):
    """Passes when ``min_words ≤`` (number of ``\\w+`` runs) ``≤ max_words``."""

    min_words: float
    max_words: float

    def __post_init__(self) -> None:
        need_number("min_words", self.min_words)
        need_number("max_words", self.max_words)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return self.min_words <= count_words(text) <= self.max_words


@register("ifbench.count:unique_word_count")
@dataclass(frozen=True)
class UniqueWordCount(IfbenchChecker):
    """Passes when the lower-cased whitespace tokens, stripped of punctuation and spaces at both
    ends, give at least ``N`` distinct strings (the empty string counts as one)."""

    N: float

    def __post_init__(self) -> None:
        need_number("N", self.N)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return len({strip_punct(w) for w in text.lower().split()}) >= self.N


@register("ifbench.count:conjunctions")
@dataclass(frozen=True)
class Conjunctions(IfbenchChecker):
    """Passes when at least ``small_n`` distinct raw whitespace tokens are coordinating
    conjunctions once stripped of punctuation and lower-cased ("and" and "and," are two)."""

    small_n: float

    def __post_init__(self) -> None:
        need_number("small_n", self.small_n)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return len({w for w in text.split() if strip_punct(w).lower() in CONJUNCTIONS}) >= self.small_n


@register("ifbench.count:person_names")
@dataclass(frozen=True)
class PersonNames(IfbenchChecker):
    """Passes when at least ``N`` names of the fixed 50-name list occur as whole words
    (case-sensitive)."""

    N: float

    def __post_init__(self) -> None:
        need_number("N", self.N)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return sum(1 for p in _NAME_PATTERNS if p.search(text)) >= self.N


@register("ifbench.count:numbers")
@dataclass(frozen=True)
class Numbers(IfbenchChecker):
    """Passes when, with punctuation deleted, there are exactly ``N`` maximal digit runs."""

    N: float

    def __post_init__(self) -> None:
        need_number("N", self.N)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return len(_DIGITS.findall(drop_punct(text))) == self.N


@register("ifbench.count:punctuation")
@dataclass(frozen=True)
class PunctuationCover(IfbenchChecker):
    """Passes when the text has ``?!``, ``!?`` or ``‽`` and, after removing the first ``?!``
    (else the first ``!?``), still holds each of ``. , ! ? ; :``."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if "!?" not in text and "?!" not in text and "‽" not in text:
            return False
        rest = text.replace("?!", "", 1)
        if len(rest) == len(text):
            rest = text.replace("!?", "", 1)
        return set(".,!?;:") <= set(rest)


@register("ifbench.count:words_japanese")
@dataclass(frozen=True)
class NthWordJapanese(IfbenchChecker):
    """Passes when every whitespace token at a 1-based position divisible by ``N``, stripped of
    punctuation, is empty, all digits, or holds a Hiragana/Katakana/CJK character."""

    N: float

    def __post_init__(self) -> None:
        need_number("N", self.N, 1)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        for i, word in enumerate(text.split()):
            word = strip_punct(word)
            if (i + 1) % self.N == 0 and word and not word.isdigit() and not _JAPANESE.search(word):
                return False
        return True


@register("ifbench.count:pronouns")
@dataclass(frozen=True)
class Pronouns(IfbenchChecker):
    """Passes when NLTK word tokens of the lower-cased text (``/`` read as a space) include at
    least ``N`` pronouns of the fixed set."""

    N: float

    def __post_init__(self) -> None:
        need_number("N", self.N)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return sum(1 for t in tokens(text.replace("/", " ").lower()) if t in PRONOUNS) >= self.N


@register("ifbench.count:keywords_multiple")
@dataclass(frozen=True)
class KeywordsMultiple(IfbenchChecker):
    """Passes when the case-insensitive substring counts of ``keyword1``..``keyword5`` (each
    stripped) are exactly 1, 2, 3, 5 and 7."""

    keyword1: str
    keyword2: str
    keyword3: str
    keyword4: str
    keyword5: str

    def __post_init__(self) -> None:
        for name in ("keyword1", "keyword2", "keyword3", "keyword4", "keyword5"):
            need_text(name, getattr(self, name))

    def test(self, text: str) -> bool:
        """See the class docstring."""
        lower = text.lower()
        keywords = (self.keyword1, self.keyword2, self.keyword3, self.keyword4, self.keyword5)
        return all(lower.count(k.strip().lower()) == n for k, n in zip(keywords, KEYWORD_COUNTS, strict=True))

