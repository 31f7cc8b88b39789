"""MulDimIF ``Language_English``: letter-case rules (upper, lower, title case) on English text.

The constraint text decides two things, both parsed once per constraint:

* the *scope* — which part of the response is judged. A constraint that mentions a table judges
  table cells (header row, body rows or all), one that mentions JSON judges keys or values, one
  that mentions headings judges Markdown heading text; otherwise the whole response;
* the *case rule* — all uppercase, title case, all lowercase, or "short blurb" (always passes).

Compat quirks kept on purpose: the case tests are the upstream ones, so "all uppercase" means
``text == text.upper()`` (digits and punctuation pass), and title case only fails on a
whitespace-separated token starting with an ASCII ``a``-``z`` (so ``"élan"`` or ``"(word"`` pass).
When a scope's structure is missing from the response (no ``|`` for tables, no braces for JSON,
no ``#`` heading) the whole response is judged instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

# --- constraint parsing -----------------------------------------------------------------------

_ALL_UPPER_RE = compile_later(r"\ball[- ]?uppercase\b")
_CAPITALIZED_RE = compile_later(r"\bcapitalized\b")
_LOWERCASE_RE = compile_later(r"\blowercase\b")

_UPPER_PHRASES = ("in all uppercase letters", "in capitalized form")
_TITLE_PHRASES = (
    "capitalize the first letter of each word",
    "capitalized letters for each word",
    "have each word capitalized",
    "each word must be capitalized",
    "each word in",
)


def _wants_upper(c: str) -> bool:
    return bool(_ALL_UPPER_RE.search(c)) or any(p in c for p in _UPPER_PHRASES)


def _wants_title(c: str) -> bool:
    if any(p in c for p in _TITLE_PHRASES) or _CAPITALIZED_RE.search(c):
        return True
    # "capital" (also inside "capitalize"/"capitalized"/"a capital letter") together with "each"
    return "each" in c and "capital" in c


def _wants_lower(c: str) -> bool:
    return "all lowercase" in c or bool(_LOWERCASE_RE.search(c))


def _wants_blurb(c: str) -> bool:
    return "written as a short blurb" in c


# first matching entry wins
_CASE_RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("all_uppercase", _wants_upper),
    ("title_case", _wants_title),
    ("all_lowercase", _wants_lower),
    ("short_blurb", _wants_blurb),
)


def _scope_of(c: str) -> tuple[str, str]:
    """(structure, part) of the response to judge; structure "" means the whole response."""
    if "table" in c:
        if "headings" in c:
            return "mixed", "all"
        for word, part in (("header", "headers"), ("entries", "entries"), ("content", "all")):
            if word in c:
                return "table", part
        return "table", "all"
    if "json" in c:
        for part in ("keys", "values"):
            if part in c:
                return "json", part
        return "json", "all"
    if "heading" in c:
        return "heading", "all"
    return "", ""


@lru_cache(maxsize=4096)
def _parse(constraint: str) -> tuple[str | None, str, str]:
    """(case rule or None, structure, part) for one constraint text."""
    c = constraint.strip().lower()
    rule = next((name for name, wants in _CASE_RULES if wants(c)), None)
    structure, part = _scope_of(c)
    return rule, structure, part


# --- scope extraction -------------------------------------------------------------------------

_HEADING_RE = compile_later(r"^#+\s*(.+)$", re.MULTILINE)  # note: \s* may cross a line break
_JSON_KEY_RE = compile_later(r'"([^"]+)"\s*:')
_JSON_VALUE_RE = compile_later(r':\s*"([^"]+)"')


def _cells(rows: list[str]) -> str:
    return " ".join(cell.strip() for row in rows for cell in row.split("|") if cell.strip())


def table_scope(response: str, part: str) -> str:
    """Table cell text joined by spaces: the first non-blank line ("headers"), the later lines
    ("entries", or the whole response when there is only one line) or all lines ("all").
    A response without any ``|`` is judged whole."""
    if "|" not in response:
        return response
    rows = [line.strip() for line in response.split("\n") if line.strip()]
    if part == "headers":
        return _cells(rows[:1])
    if part == "entries":
        return _cells(rows[1:]) if len(rows) > 1 else response
    return _cells(rows)


def json_scope(response: str, part: str) -> str:
    """Quoted keys (``"k":``) or string values (``: "v"``) joined by spaces; the whole response
    when it lacks ``{`` or ``}``, when nothing is found, or when neither keys nor values are asked."""
    if "{" not in response or "}" not in response:
        return response
    pattern = {"keys": _JSON_KEY_RE, "values": _JSON_VALUE_RE}.get(part)
    found = pattern.findall(response) if pattern else []
    return " ".join(found) if found else response


def heading_scope(response: str) -> str:
    """Text of every ``#``-heading line joined by spaces; the whole response when there are none."""
    found = _HEADING_RE.findall(response)
    return " ".join(found) if found else response


def _scoped(response: str, structure: str, part: str) -> str:
    if structure == "table":
        return table_scope(response, part)
    if structure == "json":
        return json_scope(response, part)
    if structure == "heading":
        return heading_scope(response)
    if structure == "mixed":
        # table cells if there are any non-empty ones, else headings (or the whole response)
        return table_scope(response, "all") or heading_scope(response)
    return response


# --- case tests -------------------------------------------------------------------------------


def _is_title(text: str) -> bool:
    return not any("a" <= word[0] <= "z" for word in text.split())


_CASE_TESTS: dict[str, Callable[[str], bool]] = {
    "all_uppercase": lambda t: t == t.upper(),
    "title_case": _is_title,
    "all_lowercase": lambda t: t == t.lower(),
    "short_blurb": lambda t: True,
}


def check_language_english(constraint: str, response: str) -> Verdict:
    """Pass when the scoped text satisfies the case rule named by the constraint.

    * all uppercase ("all uppercase", "in capitalized form", …): ``text == text.upper()``;
    * title case ("capitalized letters for each word", the word "capitalized", "capital…each", …):
      no whitespace-separated token starts with a lowercase ASCII letter;
    * all lowercase ("lowercase"): ``text == text.lower()``;
    * "written as a short blurb": always passes.

    A blank response fails; a constraint naming no case rule fails (upstream default).
    """
    if not response.strip():
        return Verdict(False, "empty response")
    rule, structure, part = _parse(constraint)
    if rule is None:
        return unparsed(False)
    text = _scoped(response, structure, part)
    where = f"{structure} {part}".strip() or "response"
    if _CASE_TESTS[rule](text):
        return Verdict(True, f"{where} is {rule.replace('_', ' ')}")
    return Verdict(False, f"{where} is not {rule.replace('_', ' ')}")


@register("muldimif.language.english")
@dataclass(frozen=True)
class LanguageEnglish(MulDimIFChecker):
    """Letter case of the response (or of its table cells, JSON keys/values or headings)."""

    rule = staticmethod(check_language_english)
