"""Constraint parsing for MulDimIF ``Length_Words`` (both the whole-response and "each" modes).

Everything here depends on the constraint text only and is cached.  The response side lives in
:mod:`evalkit.verifiers.muldimif.length_words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.verifiers.muldimif._lazy import compile_later

# English number words understood by both modes (compound forms are summed: "twenty five",
# "one hundred twenty"; nothing beyond "hundred").
NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100,
}

EACH_TRIGGER = compile_later(r"\beach\b", re.IGNORECASE)

# ---------------------------------------------------------------- whole-response mode
_WS_RUN = compile_later(r"\s+")
_EXACT = compile_later(r"exactly\s+([a-z0-9-, ]+?)\s+(\S+)")
_END = r"(?=\s*word|$|\b)"
_RANGE_RULES: tuple[re.Pattern[str], ...] = tuple(compile_later(p) for p in (
    rf"between\s+([a-z0-9-– ]+?)\s+to\s+([a-z0-9-– ]+?){_END}",
    rf"between\s+([a-z0-9-– ]+?)\s+and\s+([a-z0-9-– ]+?){_END}",
    rf"range:?\s*([a-z0-9-– ]+?)\s+to\s+([a-z0-9-– ]+?){_END}",
    rf"range:?\s*([a-z0-9-– ]+?)\s*[-–]\s*([a-z0-9-– ]+?){_END}",
    rf"(\b[a-z0-9-–]+\b)\s+to\s+(\b[a-z0-9-–]+\b){_END}",
    rf"(\b[a-z0-9-–]+\b)\s*[-–]\s*(\b[a-z0-9-–]+\b){_END}",
    r"([0-9]+)\s*到\s*([0-9]+)(?=\s*个|字)",
))
_MIN_WORDS = compile_later(
    r"(?:at\s+least|minimum\s+of|minimum\s+length\s+of|no\s+less\s+than)\s+(\S+)\s+word"
)
_MAX_WORDS = compile_later(
    r"(?:not\s+exceed|not\s+exceeding|not\s+surpass|at\s+most|no\s+more\s+than|maximum\s+of"
    r"|maximum\s+length\s+of|no\s+longer\s+than|limit\s+of|within|within\s+a)\s+(\S+)\s+word"
)
_MAX_WORDS_ZH: tuple[re.Pattern[str], ...] = (
    compile_later(r"最多([0-9]+)(?:个|字)"),
    compile_later(r"在([0-9]+)\s*(?:个单词以内|个字以内|字以内|单词以内|词以内|字)"),
)
_MIN_SENTENCES = compile_later(r"(?:at\s+least|minimum\s+of)\s+(\S+)\s+sentence")
_MAX_SENTENCES = compile_later(
    r"(?:not\s+exceed|at\s+most|no\s+more\s+than|maximum\s+of|maximum\s+length\s+of"
    r"|no\s+longer\s+than)\s+(\S+)\s+sentence"
)
# A quote, then anything but an apostrophe, then the last quote reachable (greedy).
_QUOTED = compile_later(r"[\"']([^']*)[\"']")
_HAN = compile_later(r"[\u4e00-\u9fff]")
_NUMBER_SPLIT = compile_later(r"[\s-]+")


class UpstreamCrash(Exception):
    """The upstream checker raises on this input (it would abort the whole upstream run)."""


@dataclass(frozen=True)
class Keyword:
    """A quoted substring of the constraint that must occur in the response."""

    text: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class TotalRule:
    """Whole-response rule: ``exact`` short-circuits everything else when set."""

    exact: int | None
    min_words: int | None
    max_words: int | None
    min_sentences: int | None
    max_sentences: int | None
    keywords: tuple[Keyword, ...]

    @property
    def empty(self) -> bool:
        """True when nothing at all was recognised (upstream then passes vacuously)."""
        return (self.exact is None and self.min_words is None and self.max_words is None
                and self.min_sentences is None and self.max_sentences is None
                and not self.keywords)


def words_to_int(phrase: str) -> int | None:
    """Value of a compound number phrase ("twenty five", "one-hundred"), None if any part is unknown."""
    total = pending = 0
    for part in _NUMBER_SPLIT.split(phrase.strip().lower()):
        value = NUMBER_WORDS.get(part)
        if value is None:
            return None
        if value >= 100:
            total += (pending or 1) * value
            pending = 0
        else:
            pending += value
    return total + pending


def parse_number(token: str) -> int | None:
    """Digits (commas ignored: "3,500") or a number phrase; None when unparseable."""
    cleaned = token.strip().replace(",", "")
    if cleaned.isdigit():
        try:
            return int(cleaned)
        except ValueError:  # e.g. superscript digits: upstream's int() raises here
            raise UpstreamCrash(f"int({cleaned!r})") from None
    return words_to_int(cleaned)


def _normalise(constraint: str) -> str:
    """Lower-case, drop outer double quotes, collapse whitespace, and the upstream rewrites."""
    text = _WS_RUN.sub(" ", constraint.lower().strip('"').strip())
    for old, new in (("-word", " word"), ("a total of ", ""), ("words", "word"),
                     ("a single", "exactly one")):
        text = text.replace(old, new)
    return text.strip()


def _range_bounds(text: str) -> tuple[int | None, int | None]:
    """Scan the range rules in order; a hit whose two ends both parse stops the scan.

    A hit with an unparseable end still overwrites the bounds (upstream keeps such partial
    results if no later rule matches cleanly).
    """
    low: int | None = None
    high: int | None = None
    for rule in _RANGE_RULES:
        hit = rule.search(text)
        if hit is None:
            continue
        low, high = parse_number(hit.group(1)), parse_number(hit.group(2))
        if low is not None and high is not None:
            return min(low, high), max(low, high)
    return low, high


def _first_number(rule: re.Pattern[str], text: str) -> int | None:
    hit = rule.search(text)
    return parse_number(hit.group(1)) if hit else None


def _keyword(text: str) -> Keyword:
    if _HAN.search(text):
        return Keyword(text, re.compile(re.escape(text)))
    return Keyword(text, re.compile(rf"(?<!\w){re.escape(text)}(?!\w)", re.IGNORECASE))


@lru_cache(maxsize=4096)
def parse_total_rule(constraint: str) -> TotalRule:
    """Parse a constraint without "each" (may raise :class:`UpstreamCrash`)."""
    text = _normalise(constraint)
    exact_hit = _EXACT.search(text)
    exact = parse_number(exact_hit.group(1)) if exact_hit else None
    if exact is not None:  # upstream returns before parsing anything else
        return TotalRule(exact, None, None, None, None, ())
    low, high = _range_bounds(text)
    if low is None:
        low = _first_number(_MIN_WORDS, text)
    if high is None:
        high = _first_number(_MAX_WORDS, text)
    for rule in _MAX_WORDS_ZH:
        if high is None:
            high = _first_number(rule, text)
    return TotalRule(
        exact=exact,
        min_words=low,
        max_words=high,
        min_sentences=_first_number(_MIN_SENTENCES, text),
        max_sentences=_first_number(_MAX_SENTENCES, text),
        keywords=tuple(_keyword(m.group(1)) for m in _QUOTED.finditer(text)),
    )


# ---------------------------------------------------------------- "each" mode
_NUMBER_WORD_RE = compile_later(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_TARGET = compile_later(
    r"(?:each entry in the|Each entry in the|Each|each|The|the)\s+(.+?)\s+"
    r"(?:is|in the table|column|must|consists of|contains?|should|have)",
    re.IGNORECASE,
)
# (pattern, kind) in priority order; the first hit decides.  "less than N" is inclusive.
_EACH_LIMITS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (compile_later(src, re.IGNORECASE), kind) for src, kind in (
        (r"between (\d+) and (\d+) words", "range"),
        (r"range: (\d+)-(\d+) words", "range"),
        (r"at least (\d+) words", "min"),
        (r"a minimum of (\d+) words", "min"),
        (r"a minimum length of (\d+) words", "min"),
        (r"at most (\d+) words", "max"),
        (r"exactly (\d+) words", "exact"),
        (r"no more than (\d+) words", "max"),
        (r"not exceed (\d+) words", "max"),
        (r"a maximum of (\d+) words", "max"),
        (r"a maximum length of (\d+) words", "max"),
        (r"limit of (\d+) words", "max"),
        (r"not exceeding (\d+) words", "max"),
        (r"less than (\d+) words", "max"),
    )
)
_CHAR_TRIGGER = compile_later(r"each word must be", re.IGNORECASE)
_CHAR_LIMIT = compile_later(
    r"(?i)must be (at most|at least) "
    r"(\b(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)\b) characters"
)


@dataclass(frozen=True)
class EachRule:
    """Per-element word bounds; ``target`` names the table column / JSON key (may be None)."""

    target: str | None
    min_words: int | None
    max_words: int | None


@dataclass(frozen=True)
class CharRule:
    """"Each word must be at most/at least N characters" over ``response.split(' ')``."""

    at_most: bool
    limit: int


def _digits_for_words(constraint: str) -> str:
    return _NUMBER_WORD_RE.sub(lambda m: str(NUMBER_WORDS[m.group().lower()]), constraint)


@lru_cache(maxsize=4096)
def parse_char_rule(constraint: str) -> CharRule | None:
    """The per-word character rule, or None when it does not apply (may raise UpstreamCrash)."""
    if not _CHAR_TRIGGER.search(constraint):
        return None
    hit = _CHAR_LIMIT.search(constraint)
    if hit is None:
        raise UpstreamCrash("'each word must be' without an 'at most/at least N characters' limit")
    if hit.group(1) not in ("at most", "at least"):  # other casing: upstream falls through
        return None
    if not hit.group(2).isdigit():
        raise UpstreamCrash(f"int({hit.group(2)!r})")
    return CharRule(hit.group(1) == "at most", int(hit.group(2)))


@lru_cache(maxsize=4096)
def parse_each_rule(constraint: str) -> EachRule | None:
    """Target and word bounds of an "each" constraint; None when no limit phrase matches."""
    text = _digits_for_words(constraint)
    target_hit = _TARGET.search(text)
    target = None
    if target_hit:
        target = target_hit.group(1).lower().replace('"', "").replace("'", "")
    for pattern, kind in _EACH_LIMITS:
        hit = pattern.search(text)
        if hit is None:
            continue
        first = int(hit.group(1))
        if kind == "range":
            return EachRule(target, first, int(hit.group(2)))
        if kind == "exact":
            return EachRule(target, first, first)
        return EachRule(target, first, None) if kind == "min" else EachRule(target, None, first)
    return None
