"""MulDimIF ``Format_Markdown``: block quotes, bold, bullet points and Markdown heading rules.

Behaviour reproduced from upstream (compat mode), quirks included:

* Three constraint-wide triggers are checked first, in this order, each one failing the response
  on its own: ``"block quotes"``, ``"bold"`` and ``"bullet points"`` (lower-cased substrings).
* Heading rules are read from the constraint, which is split only on commas that sit *between two
  word characters* (``"a,b"``), so ordinary ``"a, b"`` lists stay one clause.
* When the lower-cased constraint contains the *substring* ``"each"`` or ``"any"`` (so also
  "reach", "many", "company"...), every heading on its own must satisfy every rule, and a response
  with no heading fails even if no rule was read.
* A heading is a line (text split on ``"\\n"``, then stripped) made of a run of ``#`` followed by
  at least one whitespace character; its level is the length of the run and its text the rest,
  stripped.

The constraint parse lives in :mod:`format_markdown_parse`; this module applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later
from evalkit.verifiers.muldimif.format_markdown_parse import (
    Heading,
    HeadingRule,
    parse_heading_rules,
    word_to_int,
)

_NUM = r"(\b(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+)\b)"
_QUOTE_COUNT = compile_later(_NUM + r" block quotes", re.IGNORECASE)
# Upstream phrases after which one quoted line is enough.
_ANY_QUOTE_PHRASES = (
    "use block quotes",
    "using block quotes",
    "include a block quote",
    "using markdown block quotes",
    "employ block quotes",
    "present the headline as a block quote",
)
# ``.`` in upstream's pattern stops at "\n" only; both markers must sit on one line.
_BOLD = compile_later(r"\*\*[^\n]*?\*\*|__[^\n]*?__")
# A bullet: on one "\n"-line, optional whitespace, one of - * +, then a whitespace character.
_BULLET = compile_later(r"^[^\S\n]*+[-*+][^\S\n]", re.MULTILINE)


@dataclass(frozen=True)
class QuoteRule:
    """How many block-quoted lines are needed: ``mode`` is ``at_least``, ``some`` or ``all``."""

    mode: str
    minimum: int | None = None  # for ``at_least``; None when upstream could not read the count


@dataclass(frozen=True)
class MarkdownPlan:
    """Everything read from one constraint text (independent of the response)."""

    quotes: QuoteRule | None
    bold: bool
    bullets: bool
    rules: tuple[HeadingRule, ...]
    per_heading: bool


@lru_cache(maxsize=4096)
def _plan(constraint: str) -> MarkdownPlan:
    low = constraint.lower()
    quotes: QuoteRule | None = None
    if "block quotes" in low:
        if "at least" in low:
            found = _QUOTE_COUNT.search(constraint)
            quotes = QuoteRule("at_least", word_to_int(found.group(1)) if found else None)
        elif any(phrase in low for phrase in _ANY_QUOTE_PHRASES):
            quotes = QuoteRule("some")
        else:
            quotes = QuoteRule("all")
    return MarkdownPlan(
        quotes=quotes,
        bold="bold" in low,
        bullets="bullet points" in low,
        rules=parse_heading_rules(constraint),
        per_heading="each" in low or "any" in low,
    )


def check_block_quotes(rule: QuoteRule, response: str) -> Verdict:
    """Block quotes: a quoted line is a ``"\\n"``-line whose stripped text starts with ``>``.

    ``at_least``: at least N quoted lines. ``some``: at least one. ``all``: the number of quoted
    lines must equal the number of ``"\\n"``-lines *including blank ones*, so any blank line
    (or an empty response) fails.
    """
    lines = response.split("\n")
    quoted = sum(1 for line in lines if line.strip().startswith(">"))
    if rule.mode == "at_least":
        if rule.minimum is None:
            return Verdict(False, "block-quote count unreadable (upstream raises here)", False)
        ok = quoted >= rule.minimum
        return Verdict(ok, f"{quoted} quoted lines, need at least {rule.minimum}")
    if rule.mode == "some":
        return Verdict(quoted > 0, f"{quoted} quoted lines, need at least 1")
    ok = quoted == len(lines)
    return Verdict(ok, f"{quoted} of {len(lines)} lines (blank ones included) are quoted")


def extract_headings(response: str) -> tuple[Heading, ...]:
    """Markdown headings: stripped ``"\\n"``-lines of the form ``#…# <whitespace> text``."""
    found: list[Heading] = []
    for raw in response.split("\n"):
        line = raw.strip()
        if not line.startswith("#"):
            continue
        body = line.lstrip("#")
        if body[:1].isspace():
            found.append(Heading(len(line) - len(body), body.strip()))
    return tuple(found)


def _heading_verdict(plan: MarkdownPlan, headings: tuple[Heading, ...]) -> Verdict:
    if plan.per_heading:
        if not headings:
            return Verdict(False, "'each'/'any' in the constraint and no heading in the response")
        for heading in headings:
            for rule in plan.rules:
                if not rule.holds((heading,)):
                    return Verdict(False, f"heading {heading.text!r} fails: {rule.describe()}")
        return Verdict(True, f"all {len(headings)} headings satisfy {len(plan.rules)} rules")
    for rule in plan.rules:
        if not rule.holds(headings):
            return Verdict(False, f"heading rule failed: {rule.describe()}")
    return Verdict(True, f"{len(plan.rules)} heading rules satisfied")


def check_format_markdown(constraint: str, response: str) -> Verdict:
    """Upstream ``Format_Markdown.check``.

    Passes when, in order: the block-quote rule holds (if "block quotes" is mentioned); some line
    holds ``**…**`` or ``__…__`` (if "bold" is mentioned); some line is a ``-``/``*``/``+`` bullet
    followed by whitespace (if "bullet points" is mentioned); and every heading rule read from the
    constraint holds over the response's headings (per heading when "each"/"any" occurs).
    Nothing recognised: passes (or, in per-heading mode, passes iff there is a heading).
    """
    plan = _plan(constraint)
    if plan.quotes is not None:
        verdict = check_block_quotes(plan.quotes, response)
        if not verdict.passed:
            return verdict
    if plan.bold and _BOLD.search(response) is None:
        return Verdict(False, "no **bold** or __bold__ text on any line")
    if plan.bullets and _BULLET.search(response) is None:
        return Verdict(False, "no '-', '*' or '+' bullet line")
    verdict = _heading_verdict(plan, extract_headings(response))
    if plan.quotes is None and not plan.bold and not plan.bullets and not plan.rules:
        return unparsed(verdict.passed)
    return verdict


@register("muldimif.format.markdown")
@dataclass(frozen=True)
class FormatMarkdown(MulDimIFChecker):
    """Markdown block quotes, bold, bullets and heading levels (upstream ``Format_Markdown``)."""

    rule = staticmethod(check_format_markdown)
