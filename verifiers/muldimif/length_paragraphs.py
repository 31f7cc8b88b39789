"""MulDimIF ``Length_Paragraphs``: paragraph-count bounds parsed from the constraint text.

A *paragraph* is a block of ``response.split("\\n\\n")`` that is not empty after stripping
whitespace (a blank line made of spaces therefore does not separate paragraphs).

The constraint is lower-cased and matched (case-insensitively) against an ordered rule table;
the first rule that matches decides the bounds.  Numbers are digits or the words one..ten
(plus the Chinese numerals in the ``最多N个段落`` rule).  No recognised rule means the check
fails (upstream default ``False``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

_SMALL_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
    "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "两": 2,
}

_N = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
_P = r" paragraphs?"

# (pattern, kind): kind is "exact" / "min" / "max" (one number), "range" (two digit
# groups) or "single" (exactly one paragraph).  Order matters: the first hit wins.
_RULE_SOURCES: tuple[tuple[str, str], ...] = (
    (rf"exactly {_N}{_P}", "exact"),
    (rf"must be exactly {_N}{_P}", "exact"),
    (rf"(?:should|must) contain {_N}{_P}", "exact"),
    (r"(?:must|should)? be a single paragraph", "single"),
    (r"(?:the response|the text|the answer) must be a single paragraph", "single"),
    (rf"at least {_N}{_P}", "min"),
    (rf"least: {_N}{_P}", "min"),
    (rf"a minimum of {_N}(?: distinct)?{_P}", "min"),
    (rf"at most {_N}{_P}", "max"),
    (rf"not exceeding {_N}{_P}", "max"),
    (rf"no more than {_N}{_P}", "max"),
    (r"最多(?:分为)?(\d+|一|两|二|三|四|五|六|七|八|九|十)个段落", "max"),
    (rf"range (\d+)-(\d+){_P}", "range"),
    (r"range: (\d+)-(\d+)", "range"),
    (rf"between (\d+) and (\d+){_P}", "range"),
    (rf"between (\d+) to (\d+){_P}", "range"),
    (rf"(\d+) to (\d+){_P}", "range"),
    (rf"(?:divided)? into (\d+) to (\d+){_P}", "range"),
    (rf"a range of (\d+) to (\d+){_P}", "range"),
    (rf"organized into at least {_N}{_P}", "min"),
    (rf"structured into at most {_N}{_P}", "max"),
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (compile_later(src, re.IGNORECASE), kind) for src, kind in _RULE_SOURCES
)


@dataclass(frozen=True)
class ParagraphBounds:
    """Inclusive paragraph-count bounds; ``None`` means unbounded on that side."""

    low: int | None
    high: int | None


def _number(token: str) -> int:
    """A digit string or a number word from the table (unknown words count as 0)."""
    if token.isdigit():
        return int(token)
    return _SMALL_NUMBERS.get(token.lower(), 0)


@lru_cache(maxsize=4096)
def parse_paragraph_bounds(constraint: str) -> ParagraphBounds | None:
    """Bounds from the first matching rule of the lower-cased constraint, or None."""
    lowered = constraint.lower()
    for pattern, kind in _RULES:
        hit = pattern.search(lowered)
        if hit is None:
            continue
        if kind == "single":
            return ParagraphBounds(1, 1)
        if kind == "range":
            return ParagraphBounds(int(hit.group(1)), int(hit.group(2)))
        value = _number(hit.group(1))
        if kind == "exact":
            return ParagraphBounds(value, value)
        return ParagraphBounds(value, None) if kind == "min" else ParagraphBounds(None, value)
    return None


def count_paragraphs(text: str) -> int:
    """Number of blocks of ``text.split("\\n\\n")`` that are non-empty after ``strip()``."""
    return sum(1 for block in text.split("\n\n") if block.strip())


def check_length_paragraphs(constraint: str, response: str) -> Verdict:
    """Pass when the paragraph count lies within the parsed bounds (inclusive).

    Paragraphs are counted by :func:`count_paragraphs`.  A constraint matching no rule
    fails (``unparsed(False)``).
    """
    bounds = parse_paragraph_bounds(constraint)
    if bounds is None:
        return unparsed(False)
    count = count_paragraphs(response)
    if bounds.low is not None and count < bounds.low:
        return Verdict(False, f"{count} paragraphs < min {bounds.low}")
    if bounds.high is not None and count > bounds.high:
        return Verdict(False, f"{count} paragraphs > max {bounds.high}")
    return Verdict(True, f"{count} paragraphs within [{bounds.low}, {bounds.high}]")


@register("muldimif.length.paragraphs")
@dataclass(frozen=True)
class LengthParagraphs(MulDimIFChecker):
    """Paragraph-count bounds (blank-line separated blocks) from the constraint text."""

    rule = staticmethod(check_length_paragraphs)
