"""MulDimIF ``Content_Keywords``: required / forbidden keywords, optionally per list item or cell.

Matching rule for a keyword: a keyword containing a CJK ideograph (U+4E00–U+9FFF) is found as a
plain case-sensitive substring; any other keyword case-insensitively, with no word character
(letter, digit, underscore) directly before or after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif.content_keywords_parse import (
    KeywordRule,
    conditional_keywords,
    include_and_avoid,
    is_each_constraint,
    parse_each,
    parse_rule,
    split_elements,
)


def _has_cjk(keyword: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in keyword)


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """Compiled matcher for one keyword (see the module docstring)."""
    if _has_cjk(keyword):
        return re.compile(re.escape(keyword))
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.I)


def _occurs(keyword: str, text: str, times: int) -> bool:
    """True when the keyword occurs at least ``times`` times (non-overlapping)."""
    found = keyword_pattern(keyword).finditer(text)
    return sum(1 for _ in islice(found, max(times, 0))) >= times


def _shape_problem(text: str, rule: KeywordRule) -> str | None:
    """Why the text fails the rule's capitalisation / final period / word-count parts, if it does.

    Words are whitespace-separated tokens; "capitalized" means every token's first character is
    an upper-case letter.
    """
    words = text.split()
    if rule.capitalized:
        bad = next((w for w in words if not w[0].isupper()), None)
        if bad is not None:
            return f"word {bad[:30]!r} is not capitalized"
    if rule.end_with_period and not text.strip().endswith("."):
        return "does not end with a period"
    if rule.min_words is None or rule.max_words is None:
        return "unreadable word limit (upstream raises)"
    if len(words) < rule.min_words:
        return f"{len(words)} words < min {rule.min_words}"
    if len(words) > rule.max_words:
        return f"{len(words)} words > max {rule.max_words}"
    return None


def _keyword_problem(text: str, rule: KeywordRule) -> str | None:
    """Why the text fails the rule's keyword part, if it does.

    Exclusion: no keyword may occur. "OR": some keyword occurs ``min_count`` times (fails when
    there are no keywords). Otherwise every keyword occurs ``min_count`` times.
    """
    if rule.exclude:
        hit = next((k for k in rule.keywords if keyword_pattern(k).search(text)), None)
        return None if hit is None else f"forbidden keyword {hit!r} present"
    if rule.any_of:
        if any(_occurs(k, text, rule.min_count) for k in rule.keywords):
            return None
        return f"none of {list(rule.keywords)} appears {rule.min_count}x"
    missing = next((k for k in rule.keywords if not _occurs(k, text, rule.min_count)), None)
    return None if missing is None else f"keyword {missing!r} appears fewer than {rule.min_count}x"


def rule_problem(text: str, rule: KeywordRule) -> str | None:
    """Why ``text`` fails ``rule`` (shape checks first, then keywords), or None if it passes."""
    return _shape_problem(text, rule) or _keyword_problem(text, rule)


def _check_each(constraint: str, response: str) -> Verdict:
    """ "each/every X must …": every element of the response must satisfy the rule after "must"."""
    parsed = parse_each(constraint)
    if parsed is None:
        return unparsed(False, "'each' constraint")
    target, rule = parsed
    elements = split_elements(response, target)
    if not elements:
        return Verdict(False, f"no elements found for {target!r}")
    for i, element in enumerate(elements, 1):
        problem = rule_problem(element, rule)
        if problem is not None:
            return Verdict(False, f"element {i}/{len(elements)}: {problem}")
    if not rule.recognised:
        return unparsed(True, "'each' rule")
    return Verdict(True, f"all {len(elements)} elements satisfy the rule")


def _check_conditional(pairs: tuple[tuple[tuple[str, ...], str], ...], response: str) -> Verdict:
    """Each "If discussing T" whose topic (any spelling) is in the text needs its keyword K."""
    for variants, keyword in pairs:
        if any(v in response for v in variants) and keyword not in response:
            return Verdict(False, f"topic {variants[0]!r} discussed without keyword {keyword!r}")
    return Verdict(True, "every discussed topic has its keyword")


def check_content_keywords(constraint: str, response: str) -> Verdict:
    """Keyword constraint, upstream dispatch order:

    1. "each"/"every" (whole word, not "for each word"): the response is split into elements
       (JSON values, table column, numbered/bullet items or ---/***/=== sections) and every one
       must pass the rule parsed from the text after "must/should/needs to/has to"; no elements
       or no such clause fails.
    2. "includes the keyword 'A'" + "avoids the keyword 'B'": A is a case-sensitive substring
       and B is not.
    3. "If discussing T, the summary must include the keyword 'K'": case-sensitive substrings.
    4. Otherwise :func:`parse_rule` on the whole constraint, checked on the whole response.
    """
    if is_each_constraint(constraint):
        return _check_each(constraint, response)
    pair = include_and_avoid(constraint)
    if pair is not None:
        want, avoid = pair
        if want not in response:
            return Verdict(False, f"keyword {want!r} missing")
        if avoid in response:
            return Verdict(False, f"avoided keyword {avoid!r} present")
        return Verdict(True, f"has {want!r}, lacks {avoid!r}")
    conditions = conditional_keywords(constraint)
    if conditions:
        return _check_conditional(conditions, response)
    rule = parse_rule(constraint)
    problem = rule_problem(response, rule)
    if problem is not None:
        return Verdict(False, problem)
    if not rule.recognised:
        return unparsed(True)
    return Verdict(True, "keyword rule satisfied")


@register("muldimif.content.keywords")
@dataclass(frozen=True)
class ContentKeywords(MulDimIFChecker):
    """MulDimIF keyword inclusion / exclusion / count constraints (upstream Content_Keywords)."""

    rule = staticmethod(check_content_keywords)
