"""MulDimIF ``Content_Punctuation``: which punctuation mark the response's units end with.

Everything the rule needs from the constraint (unit kind, marks, negation) is parsed once per
constraint text; the constraint is lower-cased, stripped and loses trailing periods first.

Units judged (later lines override earlier ones):

* the constraint contains "paragraph" or "section" → non-blank lines of the response;
* else it contains the *substring* "each", "any" or "all" (so "finally", "company" count) →
  NLTK Punkt sentences of the response;
* else → the whole stripped response as one unit;
* it contains "table" or "cell" → table cells: the response's lines minus the first two (when
  there is more than one line), split on ``|``, blank cells and all-dash cells dropped.

Compat quirks kept on purpose: a blank response under a positive rule fails only in the
whole-response mode (no units → vacuous pass otherwise); "bullet point" rules ignore negation.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict
from evalkit.verifiers.muldimif._lazy import compile_later
from evalkit.verifiers.text.sentences import split_sentences

_MARKS: dict[str, str] = {
    "period": ".",
    "question mark": "?",
    "exclamation mark": "!",
    "semicolon": ";",
}
_ANY_MARK = frozenset(string.punctuation)

_NEGATION_RE = compile_later(r"\b(?:must not|avoid|exclude|not end with|do not use)\b")
_FOLLOWED_RE = compile_later(
    r"(period|question mark|exclamation mark|semicolon)\s+followed by a `([^`]+)`"
)
_MARK_NAME_RE = compile_later(
    r"\b(periods?|question marks?|exclamation marks?|semicolons?|punctuation marks?)\b"
)
_BULLET_RE = compile_later(r"^[-*•]\s.*$", re.MULTILINE)  # note: \s may be the line break itself
_CELL_SPLIT_RE = compile_later(r"\s*\|\s*")


@dataclass(frozen=True)
class _Rule:
    units: str  # "lines" | "sentences" | "whole" | "cells"
    bullets: bool
    bullet_mark: str  # "" → any punctuation ends a bullet sentence
    negative: bool
    suffix: str  # "X followed by a `Y`" → units must end with X+Y; "" when absent
    marks: frozenset[str]  # allowed (or, when negative, forbidden) last characters
    named: bool  # some mark name was recognised


@lru_cache(maxsize=4096)
def _parse(constraint: str) -> _Rule:
    c = constraint.strip().lower().rstrip(".")
    if "table" in c or "cell" in c:
        units = "cells"
    elif "paragraph" in c or "section" in c:
        units = "lines"
    elif "each" in c or "any" in c or "all" in c:
        units = "sentences"
    else:
        units = "whole"
    bullet_mark = next((m for name, m in _MARKS.items() if name in c), "")
    followed = _FOLLOWED_RE.search(c)
    suffix = _MARKS[followed.group(1)] + followed.group(2) if followed else ""
    names = [n.rstrip("s") for n in _MARK_NAME_RE.findall(c)]
    if "punctuation mark" in names:
        marks = _ANY_MARK
    else:
        marks = frozenset(_MARKS[n] for n in names if n in _MARKS)
    return _Rule(
        units,
        "bullet point" in c,
        bullet_mark,
        bool(_NEGATION_RE.search(c)),
        suffix,
        marks,
        bool(names),
    )


def table_cells(text: str) -> list[str]:
    """Non-blank, not-all-dash ``|`` cells of every line after the first two (all lines when the
    text is a single line)."""
    rows = text.split("\n")
    if len(rows) > 1:
        rows = rows[2:]
    cells = (cell.strip() for row in rows for cell in _CELL_SPLIT_RE.split(row.strip("|")))
    return [cell for cell in cells if cell and cell.strip("-")]


def _units(text: str, kind: str) -> list[str]:
    if kind == "cells":
        return table_cells(text)
    if kind == "lines":
        return [line.strip() for line in text.split("\n") if line.strip()]
    if kind == "sentences":
        return split_sentences(text)
    return [text]


def _bullets_ok(text: str, mark: str) -> bool:
    for point in _BULLET_RE.findall(text):
        for sentence in split_sentences(point):
            end = sentence.strip()
            if not (end.endswith(mark) if mark else end[-1] in _ANY_MARK):
                return False
    return True


def _judge(rule: _Rule, units: list[str]) -> tuple[bool, str]:
    if any(not unit for unit in units):
        return rule.negative, "empty response"
    if rule.suffix:
        bad = next((u for u in units if not u.endswith(rule.suffix)), None)
        return bad is None, f"every unit ends with {rule.suffix!r}"
    if rule.negative:
        bad = next((u for u in units if u[-1] in rule.marks), None)
        return bad is None, f"no unit ends with {''.join(sorted(rule.marks))!r}"
    bad = next((u for u in units if u[-1] not in rule.marks), None)
    return bad is None, f"every unit ends with one of {''.join(sorted(rule.marks))!r}"


def check_content_punctuation(constraint: str, response: str) -> Verdict:
    """Pass when every unit of the stripped response (see the module docstring) ends as asked.

    * "bullet point": every Punkt sentence of every line starting ``-``/``*``/``•`` plus
      whitespace ends with the first named mark (period, question mark, exclamation mark,
      semicolon, in that order), or with any ASCII punctuation when none is named;
    * "<mark> followed by a \\`Y\\`": every unit ends with the mark then Y;
    * otherwise the last character of every unit is one of the named marks ("punctuation
      mark(s)" = any ASCII punctuation); with a negation ("must not", "avoid", "exclude",
      "not end with", "do not use") it must be none of them.

    Naming no mark at all leaves the allowed set empty: fails (passes when negated, or when
    there are no units) — reported as unparsed.
    """
    rule = _parse(constraint)
    text = response.strip()
    if rule.bullets:
        ok = _bullets_ok(text, rule.bullet_mark)
        return Verdict(
            ok,
            f"bullet sentences {'all' if ok else 'do not all'} end with "
            f"{rule.bullet_mark or 'punctuation'}",
        )
    ok, what = _judge(rule, _units(text, rule.units))
    reason = what if ok else f"not: {what}"
    return Verdict(ok, reason, parsed=rule.named or bool(rule.suffix))


@register("muldimif.content.punctuation")
@dataclass(frozen=True)
class ContentPunctuation(MulDimIFChecker):
    """Ending punctuation of the response, its sentences, lines, table cells or bullet points."""

    rule = staticmethod(check_content_punctuation)

    @classmethod
    def prepare(cls) -> None:
        """Load the Punkt sentence splitter (NLTK import and English model: a fraction of a second)."""
        split_sentences("")
