"""MulDimIF Format_Json: nesting depth of the JSON in the response (exact / max / min levels).

Depth: every non-empty object or array adds one level above its deepest member; scalars and
empty containers add nothing (``1`` → 0, ``{}`` → 0, ``{"a": 1}`` → 1, ``{"a": {"b": 1}}`` → 2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

# Counts are digits or the words "two"/"three" (no word boundaries: "twothirds" reads as 2).
_SMALL_WORDS = {"two": 2, "three": 3}
_PUNCT = compile_later(r"[^\w\s]")


def _patterns(*templates: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(t.replace("<N>", r"(\d+|two|three)")) for t in templates)


# Exact depth: the first template that occurs anywhere decides (leftmost occurrence of it).
_EXACT = _patterns(
    r"exactly <N> levels? of nesting",
    r"structured as a json object with a nesting level of <N>",
    r"json example with exactly <N> levels?",
    r"object nesting levels must be <N>",
    r"nesting level of <N>",
    r"be limited to <N> levels of nesting",
)
# Upper bounds: every occurrence of every template counts; the smallest wins.
_MAX = _patterns(
    r"must not exceed <N> levels? of nesting",
    r"no more than <N> levels?",
    r"maximum of <N> nesting levels",
    r"maximum of <N> object nesting levels",
    r"maximum of <N> levels",
    r"not exceed <N> levels",
    r"levels not exceeding <N>",
    r"with the structure not exceeding <N> levels",
    r"object nesting levels must not exceed <N>",
    r"response must not exceed <N> levels? of nesting",
    r"and at most <N>",
)
# Lower bounds: every occurrence counts; the largest wins.
_MIN = _patterns(
    r"at least <N> levels? of nesting",
    r"at least <N> levels? deep",
    r"must include a json object with at least <N> levels?",
    r"and at least <N>",
)


@dataclass(frozen=True)
class DepthRule:
    """Parsed bounds; ``exact`` overrides the others."""

    exact: int | None = None
    max: int | None = None
    min: int | None = None


def _count(token: str) -> int:
    return _SMALL_WORDS[token] if token in _SMALL_WORDS else int(token)


@lru_cache(maxsize=4096)
def parse_json_constraint(constraint: str) -> DepthRule:
    """Read depth bounds from the lowercased constraint with punctuation removed."""
    s = _PUNCT.sub("", constraint.lower())
    for pattern in _EXACT:
        m = pattern.search(s)
        if m:
            return DepthRule(exact=_count(m.group(1)))
    highs = [_count(n) for p in _MAX for n in p.findall(s)]
    lows = [_count(n) for p in _MIN for n in p.findall(s)]
    return DepthRule(max=min(highs, default=None), min=max(lows, default=None))


def _json_payload(response: str) -> str:
    """The stripped body of the first ```` ```json ```` fence if it is closed, else the response."""
    start = response.find("```json")
    if start >= 0:
        end = response.find("```", start + 7)
        if end >= 0:
            return response[start + 7 : end].strip()
    return response


def json_depth(value: Any) -> int:
    """Nesting depth as defined in the module docstring (iterative: no recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        if not children:
            deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _describe(rule: DepthRule) -> str:
    if rule.exact is not None:
        return f"exactly {rule.exact}"
    parts = ([f">= {rule.min}"] if rule.min is not None else []) + (
        [f"<= {rule.max}"] if rule.max is not None else []
    )
    return " and ".join(parts)


def check_format_json(constraint: str, response: str) -> Verdict:
    """Pass when the response's JSON has the required nesting depth.

    The JSON is the body of the first closed ```` ```json ```` fence, else the whole response;
    it must parse with ``json.loads`` (``null`` counts as unparseable). Bounds: "exactly N
    levels of nesting"/"nesting level of N" → depth == N; otherwise every "not exceed N levels"
    / "no more than N levels"… (tightest) and "at least N levels"… (tightest) must hold.
    N is digits, "two" or "three". No bound recognised → fail.
    """
    rule = parse_json_constraint(constraint)
    if rule.exact is None and rule.max is None and rule.min is None:
        return unparsed(False)
    try:
        data = json.loads(_json_payload(response))
    except (ValueError, RecursionError):  # too deep / huge ints: upstream would crash
        return Verdict(False, "response holds no parseable JSON")
    if data is None:
        return Verdict(False, "response holds no parseable JSON")
    depth = json_depth(data)
    if rule.exact is not None:
        ok = depth == rule.exact
    else:
        ok = (rule.min is None or depth >= rule.min) and (rule.max is None or depth <= rule.max)
    return Verdict(ok, f"JSON depth {depth}; need {_describe(rule)}")


@register("muldimif.format.json")
@dataclass(frozen=True)
class FormatJson(MulDimIFChecker):
    """Upstream Format_Json: nesting depth of the response's JSON within the stated bounds."""

    rule = staticmethod(check_format_json)
