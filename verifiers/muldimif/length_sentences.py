"""MulDimIF ``Length_Sentences``: sentence-count bounds parsed from the constraint text.

A *sentence* is, upstream, every match of ``[^.!?]*[.!?]`` that is non-empty after stripping;
since each match ends in its terminator and is therefore never blank, the count equals the
number of ``.``, ``!`` and ``?`` characters in the response ("Wait..." is three sentences).
It is computed as a character count, which avoids the quadratic regex scan.

The constraint is lower-cased and matched against an ordered rule table (English phrasings and
``至少/最多/N到M`` + ``句``); the first rule that matches decides the bounds.  A constraint
matching no rule passes: upstream's "nothing parsed" guard never fires (default ``True``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

# Order is kept as upstream builds its alternation (it only matters for the regex text).
_NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "fifty": 50, "hundred": 100, "thousand": 1000,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2,
}

_N = "(\\d+|" + "|".join(_NUMBER_WORDS) + ")"
_S = " sentences?"
_ZH = "(?:个句子|句话|句|個句子)"

# (pattern, kind): "exact"/"min"/"max" take one number, "range" two, "single" none.
# Order matters: the first hit wins.
_RULE_SOURCES: tuple[tuple[str, str], ...] = (
    (f"exactly(?:[:])? {_N} (?:topic )?sentences?", "exact"),
    (f"(?:should|must) contain {_N}{_S}", "exact"),
    (f"must be exactly {_N}{_S}", "exact"),
    ("(?:must|should)? be a single sentence", "single"),
    ("consisting of (?:only )?one sentence", "single"),
    ("(?:the response|the text|the answer) must be a single sentence", "single"),
    ("in a single sentence", "single"),
    (f"at least(?:[:])? {_N}{_S}", "min"),
    (f"a minimum of {_N}{_S}", "min"),
    (f"no fewer than {_N}{_S}", "min"),
    (f"(?:包含)?(?:至少|最少)(?:包含)?{_N}{_ZH}", "min"),
    (f"(?:must )?contain at most {_N}{_S}", "max"),
    (f"at most(?:[:])? {_N}{_S}", "max"),
    (f"not exceeding {_N}{_S}", "max"),
    (f"no (?:more|longer) than {_N}{_S}", "max"),
    (f"limited to {_N}{_S}", "max"),
    (f"(?:must|should)? not exceed {_N}{_S}", "max"),
    (f"a maximum (?:length )?of {_N}{_S}", "max"),
    (f"not to exceed {_N}{_S}", "max"),
    (f"not surpass(?: a total of)? {_N}{_S}", "max"),
    (f"(?:至多|最多)(?:包含)?{_N}{_ZH}", "max"),
    (f"range(?:[:])? {_N}-{_N}{_S}", "range"),
    (f"between {_N} and {_N}{_S}", "range"),
    (f"between {_N} to {_N}{_S}", "range"),
    (f"into {_N} to {_N}{_S}", "range"),
    (f"a range of {_N} to {_N}{_S}", "range"),
    (f"be composed of {_N} to {_N}{_S}", "range"),
    (f"consists? of {_N} to {_N}{_S}", "range"),
    (f"consisting of {_N} to {_N}{_S}", "range"),
    (f"{_N}到{_N}{_ZH}", "range"),
    (f"organized into at least {_N}{_S}", "min"),
    (f"structured into at most {_N}{_S}", "max"),
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (compile_later(src), kind) for src, kind in _RULE_SOURCES
)


@dataclass(frozen=True)
class SentenceBounds:
    """Inclusive sentence-count bounds; ``None`` means unbounded on that side."""

    low: int | None
    high: int | None


def _number(token: str) -> int:
    """A digit string or a number word from the table (unknown words count as 0)."""
    if token.isdigit():
        return int(token)
    return _NUMBER_WORDS.get(token.lower(), 0)


@lru_cache(maxsize=4096)
def parse_sentence_bounds(constraint: str) -> SentenceBounds | None:
    """Bounds from the first rule matching the lower-cased, stripped constraint, or None."""
    lowered = constraint.lower().strip()
    for pattern, kind in _RULES:
        hit = pattern.search(lowered)
        if hit is None:
            continue
        if kind == "single":
            return SentenceBounds(1, 1)
        first = _number(hit.group(1))
        if kind == "range":
            return SentenceBounds(first, _number(hit.group(2)))
        if kind == "exact":
            return SentenceBounds(first, first)
        return SentenceBounds(first, None) if kind == "min" else SentenceBounds(None, first)
    return None


def count_sentences(text: str) -> int:
    """Number of sentence terminators ``.``, ``!``, ``?`` in ``text`` (upstream's count)."""
    return text.count(".") + text.count("!") + text.count("?")


def check_length_sentences(constraint: str, response: str) -> Verdict:
    """Pass when the sentence count (:func:`count_sentences`) is within the parsed bounds.

    Bounds are inclusive; a constraint matching no rule passes (``unparsed(True)``).
    """
    bounds = parse_sentence_bounds(constraint)
    if bounds is None:
        return unparsed(True)
    count = count_sentences(response)
    if bounds.low is not None and count < bounds.low:
        return Verdict(False, f"{count} sentences < min {bounds.low}")
    if bounds.high is not None and count > bounds.high:
        return Verdict(False, f"{count} sentences > max {bounds.high}")
    return Verdict(True, f"{count} sentences within [{bounds.low}, {bounds.high}]")


@register("muldimif.length.sentences")
@dataclass(frozen=True)
class LengthSentences(MulDimIFChecker):
    """Sentence-count bounds (count of ``.!?`` terminators) from the constraint text."""

    rule = staticmethod(check_length_sentences)
