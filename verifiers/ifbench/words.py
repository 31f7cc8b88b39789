"""IFBench ``words:*`` checkers."""

from __future__ import annotations

import string
from collections import Counter
from dataclasses import dataclass
from typing import Any

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import (
    PUNCT,
    IfbenchChecker,
    drop_punct,
    need_number,
    need_text,
    sentence_list,
    strip_punct,
    tokenize_sentence,
    tokens,
)
from evalkit.verifiers.ifbench._nltk import tagger

ALPHABET = string.ascii_lowercase
CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
PRIMES = frozenset((2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97))


def alpha_tokens(text: str) -> list[str]:
    """NLTK word tokens that hold at least one alphanumeric character."""
    return [t for t in tokens(text) if any(ch.isalnum() for ch in t)]


def first_tokens(text: str, n: int) -> list[str]:
    """The first ``n`` tokens of ``nltk.word_tokenize(text)``."""
    out: list[str] = []
    for sentence in sentence_list(text):
        out.extend(tokenize_sentence(sentence))
        if len(out) >= n:
            break
    return out[:n]


def last_tokens(text: str, n: int) -> list[str]:
    """The last ``n`` tokens of ``nltk.word_tokenize(text)`` (sentences are tokenized apart)."""
    out: list[str] = []
    for sentence in reversed(sentence_list(text)):
        out[:0] = tokenize_sentence(sentence)
        if len(out) >= n:
            break
    return out[-n:]


@register("ifbench.words:alphabet")
@dataclass(frozen=True)
class Alphabet(IfbenchChecker):
    """Passes when, punctuation deleted, the whitespace words start with consecutive letters
    (z wraps to a), case-insensitive, the first one with an ASCII letter."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        words = strip_punct(drop_punct(text)).split()
        if not words:
            return False
        letter = words[0][0].lower()
        if letter not in ALPHABET:
            return False
        for word in words[1:]:
            word = strip_punct(word).lower()
            if not word:
                continue
            letter = ALPHABET[(ALPHABET.index(letter) + 1) % 26]
            if word[0] != letter:
                return False
        return True


@register("ifbench.words:vowel")
@dataclass(frozen=True)
class Vowel(IfbenchChecker):
    """Passes when the stripped text is one line using at most 3 distinct vowels (a e i o u)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        lines = text.strip().split("\n")
        return len(lines) == 1 and len(set(lines[0].lower()) & set("aeiou")) <= 3


@register("ifbench.words:consonants")
@dataclass(frozen=True)
class Consonants(IfbenchChecker):
    """Passes when every lower-cased whitespace token has two adjacent ASCII consonants."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return all(any(a in CONSONANTS and b in CONSONANTS for a, b in zip(w, w[1:], strict=False))
                   for w in text.lower().strip().split())


@register("ifbench.words:palindrome")
@dataclass(frozen=True)
class Palindrome(IfbenchChecker):
    """Passes when at least 10 tokens (punctuation deleted, lower-cased) are palindromes of
    length ≥ 5 (repeats count)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        words = drop_punct(text).lower().split()
        return sum(1 for w in words if len(w) >= 5 and w == w[::-1]) >= 10


@register("ifbench.words:prime_lengths")
@dataclass(frozen=True)
class PrimeLengths(IfbenchChecker):
    """Passes when, punctuation deleted, every whitespace token has a prime length (≤ 97)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return all(len(w) in PRIMES for w in drop_punct(text).split())


@register("ifbench.words:start_verb")
@dataclass(frozen=True)
class StartVerb(IfbenchChecker):
    """Passes when the first NLTK word token gets a Penn tag containing ``VB`` from NLTK's
    English perceptron tagger (tagging the whole token list, as upstream)."""

    @classmethod
    def prepare(cls) -> None:
        """Load the tagger."""
        tagger()

    def test(self, text: str) -> bool:
        """See the class docstring."""
        words = first_tokens(text, 3)
        if not words:
            return False
        # the perceptron's features for token 0 look at tokens 0-2 only: tagging those three
        # gives the tag upstream gets from tagging the whole text
        return "VB" in tagger().tag(words)[0][1]


@register("ifbench.words:repeats")
@dataclass(frozen=True)
class Repeats(IfbenchChecker):
    """Passes when no token (lower-cased, punctuation deleted, whitespace split) occurs more
    than ``small_n`` times."""

    small_n: float

    def __post_init__(self) -> None:
        need_number("small_n", self.small_n)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        counts = Counter(drop_punct(text.lower()).split())
        return all(n <= self.small_n for n in counts.values())


@register("ifbench.words:odd_even_syllables")
@dataclass(frozen=True)
class OddEvenSyllables(IfbenchChecker):
    """Passes when the ``syllapy`` syllable counts of consecutive tokens (punctuation deleted,
    lower-cased) alternate in parity."""

    @classmethod
    def prepare(cls) -> None:
        """Import syllapy."""
        _syllapy()

    def test(self, text: str) -> bool:
        """See the class docstring."""
        count = _syllapy().count
        parities = [count(w) % 2 for w in drop_punct(text).lower().split() if w.strip()]
        return all(a != b for a, b in zip(parities, parities[1:], strict=False))


def _syllapy() -> Any:
    try:
        import syllapy
    except ImportError:
        raise ImportError("words:odd_even_syllables needs 'syllapy' (pip install 'evalkit-if[ifbench]')") from None
    return syllapy


@register("ifbench.words:last_first")
@dataclass(frozen=True)
class LastFirst(IfbenchChecker):
    """Passes when each sentence's last word (trailing punctuation stripped) equals, ignoring
    case, the next sentence's first word (leading punctuation stripped); an empty side fails."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        for here, there in zip(parts, parts[1:], strict=False):
            last = here.rstrip(PUNCT + " ").split()
            first = there.lstrip(PUNCT + " ").split()
            if not last or not first or last[-1].lower() != first[0].lower():
                return False
        return True


@register("ifbench.words:paragraph_last_first")
@dataclass(frozen=True)
class ParagraphLastFirst(IfbenchChecker):
    """Passes when every non-blank line, lower-cased and stripped of punctuation, starts and
    ends with the same word."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        for line in text.split("\n"):
            words = strip_punct(line.strip().lower()).split()
            if words and words[0] != words[-1]:
                return False
        return True


@register("ifbench.words:no_consecutive")
@dataclass(frozen=True)
class NoConsecutive(IfbenchChecker):
    """Passes when no two consecutive tokens (lower-cased, punctuation deleted) share their
    first character."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        words = drop_punct(text.lower()).split()
        return all(a[0] != b[0] for a, b in zip(words, words[1:], strict=False))


@register("ifbench.words:keywords_specific_position")
@dataclass(frozen=True)
class KeywordSpecificPosition(IfbenchChecker):
    """Passes when sentence ``n`` exists and its ``m``-th alphanumeric NLTK token equals
    ``keyword`` (stripped), ignoring case."""

    keyword: str
    n: int
    m: int

    def __post_init__(self) -> None:
        need_text("keyword", self.keyword)
        need_number("n", self.n, 1)
        need_number("m", self.m, 1)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        if len(parts) < self.n:
            return False
        words = alpha_tokens(parts[int(self.n) - 1])
        return len(words) >= self.m and words[int(self.m) - 1].lower() == self.keyword.strip().lower()


@register("ifbench.words:words_position")
@dataclass(frozen=True)
class WordsPosition(IfbenchChecker):
    """Passes when NLTK token 2 and the second-from-last token equal ``keyword`` (ignoring
    case); when the last token is punctuation, the third-from-last instead."""

    keyword: str

    def __post_init__(self) -> None:
        need_text("keyword", self.keyword)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        head = first_tokens(text, 4)  # fewer than 4: the whole token list
        tail = head if len(head) < 4 else last_tokens(text, 3)
        keyword = self.keyword.strip().lower()
        if len(head) < 2:
            return False
        if tail[-1] in PUNCT:
            return len(head) >= 3 and head[1].lower() == tail[-3].lower() == keyword
        return head[1].lower() == tail[-2].lower() == keyword
