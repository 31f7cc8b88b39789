"""MulDimIF ``Length_Words``: word-count rules parsed from the constraint text.

Two modes, chosen by whether the constraint contains the word "each" (``\\beach\\b``, any case):

* **whole response** — the response's word count must satisfy the parsed rule.  A *word* is a
  whitespace-separated token, except that when the response contains any CJK ideograph,
  CJK symbol/punctuation (U+3000–303F) or half/full-width form (U+FF00–FFEF), the count is the
  number of such characters (Latin words are then ignored).  "exactly N" decides alone;
  otherwise quoted substrings of the constraint must appear in the response as whole words,
  then min/max words, then min/max "sentences" (runs of ``.!?``) are checked.  A constraint in
  which nothing is recognised passes.
* **each** — the response is split into elements (table cells of the column whose header
  contains the constraint's target, JSON values, numbered/bulleted items, or non-empty lines
  that are not ``:``-terminated labels), and every element's whitespace-token count must be
  within the bounds.  No recognised limit, or no element, fails.

Parsing of the constraint text is in :mod:`.length_words_parse`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later
from evalkit.verifiers.muldimif.length_words_parse import (
    EACH_TRIGGER,
    EachRule,
    TotalRule,
    UpstreamCrash,
    parse_char_rule,
    parse_each_rule,
    parse_total_rule,
)

_CJK = compile_later(
    "[\u4e00-\u9fff\u3400-\u4dbf\U00020000-\U0002a6df\u3000-\u303f\uff00-\uffef]"
)
_TERMINATOR_RUN = compile_later(r"[.!?]+")
_NUMBERED = compile_later(r"\s*\d+\.\s+")
_BULLET = compile_later(r"\s*[-*] ")
_RULE_ROW = compile_later(r"[\s|*-]+")
_SPLIT_MARK = "<TitleSplit>"  # stands for a |---| row among the collected cells


def _bounds_text(low: int | None, high: int | None) -> str:
    return f"[{'-' if low is None else low}, {'-' if high is None else high}]"


def _in_bounds(count: int, low: int | None, high: int | None) -> bool:
    return (low is None or count >= low) and (high is None or count <= high)


# ---------------------------------------------------------------- whole-response mode
def count_words(text: str) -> int:
    """CJK/full-width character count if the text has any such character, else ``len(text.split())``."""
    if _CJK.search(text) is None:
        return len(text.split())
    return len(_CJK.findall(text))


def _check_total(rule: TotalRule, response: str) -> Verdict:
    words = count_words(response)
    if rule.exact is not None:
        return Verdict(words == rule.exact, f"{words} words, exactly {rule.exact} required")
    for kw in rule.keywords:
        if kw.pattern.search(response) is None:
            return Verdict(False, f"quoted text {kw.text!r} from the constraint not found")
    if not _in_bounds(words, rule.min_words, rule.max_words):
        return Verdict(False, f"{words} words outside {_bounds_text(rule.min_words, rule.max_words)}")
    if rule.min_sentences is not None or rule.max_sentences is not None:
        runs = len(_TERMINATOR_RUN.findall(response))
        if not _in_bounds(runs, rule.min_sentences, rule.max_sentences):
            bounds = _bounds_text(rule.min_sentences, rule.max_sentences)
            return Verdict(False, f"{runs} sentences outside {bounds}")
    return Verdict(True, f"{words} words within {_bounds_text(rule.min_words, rule.max_words)}")


# ---------------------------------------------------------------- "each" mode: elements
def _has_table_row(text: str) -> bool:
    """Some line whose first non-blank char is ``|`` with another ``|`` at least 2 chars on."""
    for line in text.split("\n"):
        body = line.lstrip()
        if body.startswith("|") and "|" in body[2:]:
            return True
    return False


def detect_layout(text: str) -> str:
    """``json`` / ``table`` / ``numbered`` / ``bullet`` / ``plain``, tested in that order.

    json, numbered and bullet look only at the start of the (left-stripped) text; table looks
    for any ``| … |`` line.
    """
    if text.lstrip()[:1] in ("{", "["):
        return "json"
    if _has_table_row(text):
        return "table"
    if _NUMBERED.match(text):
        return "numbered"
    if _BULLET.match(text):
        return "bullet"
    return "plain"


def _collect_cells(text: str) -> list[str]:
    """Non-empty cells of every ``|`` line, with a split mark for each rule-only row."""
    cells: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line.startswith("|"):
            continue
        if _RULE_ROW.fullmatch(line):
            cells.append(_SPLIT_MARK)
        else:
            cells.extend(c.strip() for c in line[1:-1].split("|") if c.strip())
    return cells


def table_elements(text: str, target: str) -> list[str]:
    """Cells under headers containing ``target`` (rows re-chunked by header count), else all cells.

    Headers are the cells before the first rule row; data cells are all later cells (later
    tables' headers included).  A cell equal (case-insensitively) to its header is skipped.
    """
    cells = _collect_cells(text)
    if _SPLIT_MARK in cells:
        cut = cells.index(_SPLIT_MARK)
        headers = cells[:cut]
        data = [c for c in cells[cut + 1:] if c != _SPLIT_MARK]
    else:
        headers, data = cells, []
    width = len(headers)
    if width == 0:
        return []
    wanted = target.lower()
    picked: list[str] = []
    for start in range(0, len(data) - width + 1, width):
        row = dict(zip(headers, data[start:start + width], strict=True))
        picked.extend(v for k, v in row.items() if k.lower() != v.lower() and wanted in k.lower())
    return picked or cells


def json_elements(text: str, target: str | None) -> list[str]:
    """All values (as ``str()``) when the target mentions "entry", else the value under the
    target's last word ("" if absent); [] when the text is not a JSON object or no target."""
    if target is None:
        return []
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            return []
        if "entry" in target:
            return [str(v) for v in data.values()]
        key = target.split()
        return [str(data.get(key[-1], ""))] if key else []
    except (ValueError, RecursionError):  # bad JSON, huge ints, nesting too deep
        return []


def _after_first(text: str, sep: str) -> str:
    head, found, tail = text.partition(sep)
    return tail if found else head


def line_elements(text: str, layout: str) -> list[str]:
    """Items of a numbered/bullet list, or the content lines of plain text.

    numbered: lines starting ``N.``, text after the first ``:`` then after the first ``.``;
    bullet: lines starting ``-``/``*`` + space, text after the first space; plain: non-empty
    lines, ``#`` stripped, skipping ``:``-terminated labels and ``|…|`` lines.
    """
    lines = text.split("\n")
    if layout == "numbered":
        return [_after_first(_after_first(ln, ":"), ".").strip()
                for ln in lines if _NUMBERED.match(ln)]
    if layout == "bullet":
        return [ln.split(" ", 1)[1].strip() for ln in lines if _BULLET.match(ln)]
    out: list[str] = []
    for ln in lines:
        body = ln.strip()
        if not body or body.strip("*#'\"").endswith(":"):
            continue
        if len(body) >= 2 and body[0] == "|" and body[-1] == "|":
            continue
        out.append(body.lstrip("#").strip())
    return out


def each_elements(text: str, target: str | None) -> list[str]:
    """The elements whose word counts are checked, chosen by :func:`detect_layout`."""
    layout = detect_layout(text)
    if layout == "table":
        return table_elements(text, target if target is not None else "cells")
    if layout == "json":
        return json_elements(text, target)
    return line_elements(text, layout)


# ---------------------------------------------------------------- "each" mode: check
def _check_each(constraint: str, response: str) -> Verdict:
    chars = parse_char_rule(constraint)
    if chars is not None:
        lengths = [len(w) for w in response.split(" ")]
        worst = max(lengths) if chars.at_most else min(lengths)
        ok = worst <= chars.limit if chars.at_most else worst >= chars.limit
        side = "at most" if chars.at_most else "at least"
        return Verdict(ok, f"word lengths must be {side} {chars.limit} chars; extreme is {worst}")
    rule: EachRule | None = parse_each_rule(constraint)
    if rule is None:
        return unparsed(False)
    elements = each_elements(response, rule.target)
    if not elements:
        return Verdict(False, "no elements found in the response")
    for element in elements:
        n = len(element.split())
        if not _in_bounds(n, rule.min_words, rule.max_words):
            bounds = _bounds_text(rule.min_words, rule.max_words)
            return Verdict(False, f"element {element[:40]!r} has {n} words, outside {bounds}")
    return Verdict(True, f"all {len(elements)} elements within "
                         f"{_bounds_text(rule.min_words, rule.max_words)} words")


def check_length_words(constraint: str, response: str) -> Verdict:
    """Word-count rule; see the module docstring for what a word and an element are.

    Upstream inputs on which the reference checker raises return a failing, unparsed verdict.
    """
    try:
        if EACH_TRIGGER.search(constraint):
            return _check_each(constraint, response)
        rule = parse_total_rule(constraint)
    except UpstreamCrash as exc:
        return Verdict(False, f"upstream checker raises here ({exc})", False)
    if rule.empty:
        return unparsed(True)
    return _check_total(rule, response)


@register("muldimif.length.words")
@dataclass(frozen=True)
class LengthWords(MulDimIFChecker):
    """Word-count limits on the whole response or on each element (cell, item, line)."""

    rule = staticmethod(check_length_words)
