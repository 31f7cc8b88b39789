"""Reading MulDimIF ``Format_Markdown`` heading rules out of a constraint text.

The parse depends only on the constraint, so :func:`parse_heading_rules` is cached. Each clause
(the constraint split on commas *between word characters*) yields at most one rule; the first
probe that recognises the clause wins, in upstream's order:

1. constraint-wide special phrasings (two exact sentences, a few fixed substrings);
2. "use heading levels N and M" / "use heading levels … level N … level M";
3. "a heading level N" / "H<n>" / "Level N for" lists, kept only when the clause says
   "must include" or "should" (case-sensitive);
4. "level N heading titled '…'" / "a level N heading with the text '…'" (clause containing
   the case-sensitive word "titled");
5. on the lower-cased clause: one heading of level N, a bound on the number of distinct levels
   (both only when the clause has a "use/include/organized…" verb), a maximum level, a first
   heading level, "use heading level N";
6. a generic "with headings"-style phrase anywhere in the constraint: at least one heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from evalkit.verifiers.muldimif._lazy import compile_later

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_N = r"(\b(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)\b)"
_COUNTED = r"(?:a|at least one|two|three|four|five|six|seven|eight|nine|ten|\d+)"
_I = re.IGNORECASE


def word_to_int(token: str) -> int | None:
    """A number token as upstream reads it: decimal digits, or the words one…ten."""
    word = token.strip().lower()
    return int(word) if word.isdigit() else _WORDS.get(word)


@dataclass(frozen=True)
class Heading:
    """One Markdown heading of the response: ``level`` = number of leading ``#``."""

    level: int
    text: str


class HeadingRule:
    """A rule over the list of headings (or over a single heading in per-heading mode)."""

    def holds(self, headings: tuple[Heading, ...]) -> bool:  # pragma: no cover - abstract
        """True when ``headings`` satisfy the rule."""
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        """Short human wording of the rule."""
        raise NotImplementedError


@dataclass(frozen=True)
class LevelsPresent(HeadingRule):
    """Every listed level occurs among the headings (no heading: fails)."""

    levels: frozenset[int]

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when each of ``levels`` is the level of some heading."""
        return bool(headings) and self.levels <= {h.level for h in headings}

    def describe(self) -> str:
        """Short wording."""
        return f"headings of levels {sorted(self.levels)} required"


@dataclass(frozen=True)
class HasHeadingAt(HeadingRule):
    """At least one heading of ``level`` (None: of any level)."""

    level: int | None

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when some heading has the level (any heading when ``level`` is None)."""
        return any(self.level is None or h.level == self.level for h in headings)

    def describe(self) -> str:
        """Short wording."""
        return "at least one heading" if self.level is None else f"a level-{self.level} heading"


@dataclass(frozen=True)
class TitledHeading(HeadingRule):
    """A heading of ``level`` whose stripped text equals ``text`` exactly (case-sensitive)."""

    level: int
    text: str

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when some heading has exactly this level and text."""
        return any(h.level == self.level and h.text == self.text for h in headings)

    def describe(self) -> str:
        """Short wording."""
        return f"level-{self.level} heading titled {self.text!r}"


@dataclass(frozen=True)
class DistinctLevelCount(HeadingRule):
    """Bound on the number of distinct heading levels; zero headings count as zero levels."""

    op: str  # "at least" | "at most" | "exactly"
    count: int

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """Compare the number of distinct levels with ``count`` using ``op``."""
        actual = len({h.level for h in headings})
        if self.op == "at least":
            return actual >= self.count
        if self.op == "at most":
            return actual <= self.count
        return self.op == "exactly" and actual == self.count

    def describe(self) -> str:
        """Short wording."""
        return f"{self.op} {self.count} distinct heading levels"


@dataclass(frozen=True)
class MaxLevel(HeadingRule):
    """Some heading exists and none is deeper than ``limit``."""

    limit: int

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when there are headings and all have level <= ``limit``."""
        return bool(headings) and all(h.level <= self.limit for h in headings)

    def describe(self) -> str:
        """Short wording."""
        return f"heading levels at most {self.limit}"


@dataclass(frozen=True)
class FirstLevel(HeadingRule):
    """The first heading has ``level``."""

    level: int

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when there is a heading and the first one has ``level``."""
        return bool(headings) and headings[0].level == self.level

    def describe(self) -> str:
        """Short wording."""
        return f"first heading of level {self.level}"


@dataclass(frozen=True)
class QuestionsAt(HeadingRule):
    """Some heading exists and every heading containing ``?`` has one of ``levels``."""

    levels: frozenset[int]

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when there are headings and all question headings sit at an allowed level."""
        return bool(headings) and all(h.level in self.levels for h in headings if "?" in h.text)

    def describe(self) -> str:
        """Short wording."""
        return f"question headings at levels {sorted(self.levels)}"


@dataclass(frozen=True)
class ExactlyNAt(HeadingRule):
    """Exactly ``count`` headings of ``level`` (no heading at all: fails)."""

    level: int
    count: int

    def holds(self, headings: tuple[Heading, ...]) -> bool:
        """True when there are headings and exactly ``count`` of them have ``level``."""
        return bool(headings) and sum(h.level == self.level for h in headings) == self.count

    def describe(self) -> str:
        """Short wording."""
        return f"exactly {self.count} level-{self.level} heading(s)"


_SPLIT = compile_later(r"(?<=\w),(?=\w)")
_QUESTIONS = "Questions must be organized under a level 2 heading."
_HASH_LEVELS = (
    "format the response using Markdown, employing '##' for main points and '###' for "
    "subpoints to clearly organize the information"
)
_MAIN_AND_SUB = ("include headings at two levels: main and subheadings",
                 "be structured with a main heading and subheadings")  # fmt: skip
_TWO_LEVELS = (
    "be structured using a minimum of two heading levels",
    "include headings at two levels",
)
_ANY_HEADING = (
    "include headings", "includes headings", "use heading levels", "using heading levels",
    "presented under a separate heading", "separated with headings", "with headings",
)  # fmt: skip


def _special(constraint: str) -> HeadingRule | None:
    """Whole-constraint phrasings that decide every clause's rule."""
    low = constraint.lower()
    if any(p in low for p in _MAIN_AND_SUB):
        return LevelsPresent(frozenset({1, 2}))
    if constraint == _QUESTIONS:
        return QuestionsAt(frozenset({2}))
    if "include a single level 1 heading" in low:
        return ExactlyNAt(1, 1)
    if any(p in low for p in _TWO_LEVELS):
        return DistinctLevelCount("at least", 2)
    if constraint == _HASH_LEVELS:
        return LevelsPresent(frozenset({2, 3}))
    return None


_PAIR = (
    compile_later(rf"use heading levels {_N} and {_N}", _I),
    compile_later(rf"use heading levels.*?level\s*{_N}.*?level\s*{_N}", _I),
)
_LISTS = (
    compile_later(rf"a heading level {_N}", _I),
    compile_later(r"H(\d+)", _I),
    compile_later(rf"Level {_N} for", _I),
)
_TITLED = (
    compile_later(rf"level {_N} heading titled [\"'](.*?)[\"']", _I),
    compile_later(rf"{_COUNTED} level {_N} heading with the text [\"'](.*?)[\"']", _I),
)
_VERB = compile_later(
    r"include|includes|included|including|use|using|used|uses|formatted|presented|organized"
    r"|structured|feature|should be|incorporate",
    _I,
)
_OPS = r"(at least|at most|exactly|up to|a maximum of|under)"
_OP_NAMES = {"up to": "at most", "a maximum of": "at most", "under": "at most"}


def _num(m: re.Match[str], group: int = 1) -> int:
    value = word_to_int(m.group(group))
    assert value is not None  # the patterns only capture digits or number words
    return value


def _count_rule(m: re.Match[str]) -> HeadingRule:
    op = m.group(1).lower()
    return DistinctLevelCount(_OP_NAMES.get(op, op), _num(m, 2))


# (needs a verb in the clause, patterns tried in order, rule built from the first match)
_Probe = tuple[bool, tuple[re.Pattern[str], ...], Callable[[re.Match[str]], HeadingRule]]
_LOWER_PROBES: tuple[_Probe, ...] = (
    (True, (compile_later(rf"(?:a|at least \d+) heading level {_N}", _I),
            compile_later(rf"{_COUNTED} level {_N} heading", _I),
            compile_later(r"must use a heading level of H(\d+)", _I)),
     lambda m: HasHeadingAt(_num(m))),
    (True, (compile_later(rf"{_OPS} {_N} heading levels?", _I),
            compile_later(rf"{_OPS} {_N} levels?", _I)),
     _count_rule),
    (False, (compile_later(rf"(?:heading levels)? must (?:not exceed|be limited to)\s+(?:level\s+)?{_N}", _I),),
     lambda m: MaxLevel(_num(m))),
    (False, (compile_later(rf"must begin with a level {_N} heading", _I),),
     lambda m: FirstLevel(_num(m))),
    (False, (compile_later(rf"use heading level {_N}", _I),),
     lambda m: HasHeadingAt(_num(m))),
)  # fmt: skip


def _first_match(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found:
            return found
    return None


def _clause_rule(low_constraint: str, clause: str) -> HeadingRule | None:
    """The rule one clause contributes (None: nothing recognised)."""
    pair = _first_match(_PAIR, clause)
    if pair:
        return LevelsPresent(frozenset({_num(pair, 1), _num(pair, 2)}))
    levels: list[str] = next((hits for p in _LISTS if (hits := p.findall(clause))), [])
    if levels and ("must include" in clause or "should" in clause):
        return LevelsPresent(frozenset(_num_token(t) for t in levels))
    if "titled" in clause:
        clause = clause.strip().rstrip(".")
        titled = _first_match(_TITLED, clause)
        if titled:
            return TitledHeading(_num(titled), titled.group(2))
    clause = clause.strip().lower().rstrip(".")
    has_verb = _VERB.search(clause) is not None
    for needs_verb, patterns, build in _LOWER_PROBES:
        if needs_verb and not has_verb:
            continue
        probe = _first_match(patterns, clause)
        if probe:
            return build(probe)
    if any(p in low_constraint for p in _ANY_HEADING):
        return HasHeadingAt(None)
    return None


def _num_token(token: str) -> int:
    value = word_to_int(token)
    assert value is not None
    return value


@lru_cache(maxsize=4096)
def parse_heading_rules(constraint: str) -> tuple[HeadingRule, ...]:
    """All heading rules of a constraint, in clause order (see the module docstring)."""
    clauses = _SPLIT.split(constraint)
    special = _special(constraint)
    if special is not None:
        return (special,)
    low = constraint.lower()
    rules: list[HeadingRule] = []
    for clause in clauses:
        rule = _clause_rule(low, clause)
        if rule is not None and rule not in rules:
            rules.append(rule)
    return tuple(rules)
