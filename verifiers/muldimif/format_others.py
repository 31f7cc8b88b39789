"""MulDimIF ``Format_Others``: XML attribute counts, phrases, APA, bullets, quotes, table rows, length.

Upstream tries an ordered list of case-insensitive regexes on the constraint; the **first** one
found anywhere in the constraint picks the test and its parameter, and a constraint matching
none fails (compat default ``False``). Number parameters are digits or the words one…ten.
The parse depends only on the constraint and is cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_N = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)"

# (constraint pattern, test name, fixed parameter or None to use the captured group)
_RULES: tuple[tuple[str, str, int | None], ...] = (
    (rf"no more than {_N} attributes?", "max_attrs", None),
    (rf"must not exceed {_N}(?:.*)?attributes?", "max_attrs", None),
    (r"Limit the number of attributes to two", "exact_attrs", 2),
    (rf"Number of attributes must be exactly {_N}", "exact_attrs", None),
    (rf"must have exactly {_N} attributes?", "exact_attrs", None),
    (rf"must include exactly {_N} attributes?", "exact_attrs", None),
    (rf"at least {_N} attributes?", "min_attrs", None),
    (r"Must include '(.*?)'", "phrase", None),
    (r"Must be in APA format", "apa", None),
    (r"must be provided in APA format", "apa", None),
    (r"No bullet points", "no_bullets", None),
    (r"Must be listed as bullet points", "bullets", None),
    (r"is structured as bullet points", "bullets", None),
    (r"block quotes format", "quotes", None),
    (r"be formatted in block quotes", "quotes", None),
    (rf"no more than {_N} rows", "max_rows", None),
    (rf"table with no more than {_N} rows", "max_rows", None),
    (rf"a table, which is limited to a maximum of {_N} rows", "max_rows", None),
    (r"full sentences", "full_sentences", None),
    (r"short blurb", "short_blurb", None),
    (rf"The answer must include at least {_N} references?", "min_refs", None),
    (r"No lists", "no_lists", None),
    (r"No number points", "no_number_points", None),
    (r"Response must be written at medium length", "medium_length", None),
)
_COMPILED = tuple((compile_later(p, re.IGNORECASE), name, fixed) for p, name, fixed in _RULES)


@dataclass(frozen=True)
class OthersRule:
    """The selected test and its parameter (an int, or the phrase for ``phrase``)."""

    test: str
    arg: int | str | None


@lru_cache(maxsize=4096)
def parse_others(constraint: str) -> OthersRule | None:
    """The first upstream rule whose pattern occurs in ``constraint`` (None: no rule)."""
    for pattern, name, fixed in _COMPILED:
        found = pattern.search(constraint)
        if found is None:
            continue
        if fixed is not None or not found.groups():
            return OthersRule(name, fixed)
        raw = found.group(1)
        if raw.lower() in _WORDS:
            return OthersRule(name, _WORDS[raw.lower()])
        return OthersRule(name, raw if name == "phrase" else int(raw))
    return None


# A start/empty XML tag: name, then whitespace-separated name="value" pairs (either quote kind at
# each end, no quote inside), optional whitespace, optional "/", ">". Possessive quantifiers keep
# this linear; the language and matched spans equal upstream's backtracking pattern.
_TAG = compile_later(
    r"<\s*+[a-zA-Z_:][\w:.-]*+(?:\s++[a-zA-Z_:][\w:.-]*+=['\"][^'\"]*+['\"])*+\s*+/?>"
)
# Upstream's per-tag attribute count: word characters, "=", quoted value. Matches can only begin
# where a word run begins, hence the look-behind (keeps it linear).
_ATTR = compile_later(r"(?<!\w)\w++=[\"'][^\"']*+[\"']")


def _xml_scope(text: str) -> str | None:
    """The body of the first ```` ```xml ```` fence if there is one (None: fence never closed)."""
    start = text.find("```xml")
    if start < 0:
        return text
    end = text.find("```", start + 6)
    return None if end < 0 else text[start + 6 : end]


def _attribute_counts(text: str) -> list[int] | None:
    scope = _xml_scope(text)
    if scope is None:
        return None
    return [len(_ATTR.findall(tag.group(0))) for tag in _TAG.finditer(scope)]


def _attrs(text: str, low: int | None, high: int | None) -> Verdict:
    """Every XML tag (in the first ```xml fence if any) has between ``low`` and ``high`` attributes.

    A tag is ``<name a="1" b='2'>`` or ``<name …/>``; no tag passes; an unclosed fence fails.
    """
    counts = _attribute_counts(text)
    if counts is None:
        return Verdict(False, "```xml fence is never closed")
    for n in counts:
        if high is not None and n > high:
            return Verdict(False, f"a tag has {n} attributes > max {high}")
        if low is not None and n < low:
            return Verdict(False, f"a tag has {n} attributes < min {low}")
    return Verdict(True, f"{len(counts)} tags, all within the attribute bound")


@lru_cache(maxsize=1024)
def _regex_phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(phrase) + r"\b", re.IGNORECASE)


_APA = compile_later(r"\(\s*+\w++,\s*+\d{4}\s*+\)")
_DASH_ITEM = compile_later(r"^[^\S\n]*+[-*]", re.MULTILINE)
_NUMBERED_ITEM = compile_later(r"^[^\S\n]*+\d++\.\s", re.MULTILINE)
_NUMBER_POINT = compile_later(r"^[^\S\n]*+\d++\.", re.MULTILINE)
_REFERENCE = compile_later(r"\[\d++\]|\([A-Za-z]++, \d{4}\)")


def _is_separator(row: str) -> bool:
    """``|---|:-|``-style row: every cell is whitespace, dashes, whitespace (no colons)."""
    return all(cell.strip() and not cell.strip().strip("-") for cell in row[1:-1].split("|"))


def _table_rows(text: str, limit: int) -> Verdict:
    """Markdown data rows (lines ``|…|`` that are not ``|---|`` separators) and HTML ``<tr>`` each ≤ N."""
    rows = [ln for ln in text.split("\n") if len(ln) >= 2 and ln[0] == "|" and ln[-1] == "|"]
    data = sum(1 for row in rows if not _is_separator(row))
    html = text.lower().count("<tr>")
    return Verdict(
        data <= limit and html <= limit, f"{data} markdown rows, {html} <tr> rows, max {limit}"
    )


def _phrase(text: str, phrase: str | int | None) -> Verdict:
    """The quoted phrase occurs case-insensitively between ``\\b`` word boundaries."""
    if not isinstance(phrase, str):  # upstream turned a number-word phrase into an int and crashed
        return Verdict(False, "number-word phrase (upstream raises here)", False)
    ok = _regex_phrase(phrase).search(text) is not None
    return Verdict(ok, f"phrase {phrase!r} {'found' if ok else 'missing'}")


def _flag(ok: bool, what: str) -> Verdict:
    return Verdict(ok, what if ok else f"not: {what}")


_Test = Callable[[str, "int | str | None"], Verdict]
_TESTS: dict[str, _Test] = {
    "max_attrs": lambda t, n: _attrs(t, None, int(n or 0)),
    "min_attrs": lambda t, n: _attrs(t, int(n or 0), None),
    "exact_attrs": lambda t, n: _attrs(t, int(n or 0), int(n or 0)),
    "phrase": _phrase,
    "apa": lambda t, _: _flag(_APA.search(t) is not None, "an (Author, 2020) citation"),
    "no_bullets": lambda t, _: _flag(_DASH_ITEM.search(t) is None, "no line starting with - or *"),
    "bullets": lambda t, _: _flag(_DASH_ITEM.search(t) is not None, "a line starting with - or *"),
    "quotes": lambda t, _: _flag(
        t.startswith(">") or "\n>" in t or "<blockquote>" in t.lower(),
        "a line starting with > or a <blockquote>",
    ),
    "max_rows": lambda t, n: _table_rows(t, int(n or 0)),
    "full_sentences": lambda t, _: Verdict(True, "full sentences are not checked upstream"),
    "short_blurb": lambda t, _: _flag(len(t) <= 200, f"{len(t)} characters <= 200"),
    "min_refs": lambda t, n: _flag(
        len(_REFERENCE.findall(t)) >= int(n or 0), f"at least {n} [n]/(Name, 2020) references"
    ),
    "no_lists": lambda t, _: _flag(_NUMBERED_ITEM.search(t) is None, "no '1. ' numbered line"),
    "no_number_points": lambda t, _: _flag(
        _NUMBER_POINT.search(t) is None, "no '1.' numbered line"
    ),
    "medium_length": lambda t, _: _flag(200 < len(t) <= 400, f"200 < {len(t)} characters <= 400"),
}


def check_format_others(constraint: str, response: str) -> Verdict:
    """Upstream ``Format_Others.check``: the first matching constraint pattern decides.

    Tests: every XML tag's attribute count ≤/≥/= N; a ``'quoted'`` phrase present (``\\b``,
    case-insensitive); an APA ``(Word, 2020)`` citation; a line starting (after spaces) with
    ``-``/``*`` present or absent; a line starting with ``>`` or a ``<blockquote>``; at most N
    markdown data rows and N ``<tr>``; "full sentences" always passes; "short blurb" ≤ 200
    characters; "medium length" 201–400 characters; at least N ``[n]``/``(Name, 2020)``
    references; no ``1.`` numbered lines. No pattern found: fails.
    """
    rule = parse_others(constraint)
    if rule is None:
        return unparsed(False)
    return _TESTS[rule.test](response, rule.arg)


@register("muldimif.format.others")
@dataclass(frozen=True)
class FormatOthers(MulDimIFChecker):
    """XML attributes, phrases, citations, bullets, quotes, table rows, length (``Format_Others``)."""

    rule = staticmethod(check_format_others)
