"""IFEval ``detectable_format:*`` checkers (bullets, highlights, sections, JSON, title, answer).

Bullet and title counts are computed with expressions whose results equal upstream's
(``^\\s*\\*[^\\*].*$``, ``^\\s*-.*$``, ``<<[^\\n]+>>``) but which do not backtrack
quadratically on long runs of whitespace or ``<``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker

# upstream's leading ``\s*`` may cross blank lines; starting from the bullet's own line instead
# ([^\S\n]*) finds the same matches, one per bullet, without rescanning whitespace runs
_STAR_BULLET = re.compile(r"^[^\S\n]*\*[^\*].*$", flags=re.MULTILINE)
_DASH_BULLET = re.compile(r"^[^\S\n]*-.*$", flags=re.MULTILINE)
_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n\*]*\*\*")
ANSWERS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


def count_bullets(text: str) -> int:
    """Lines matching ``^\\s*\\*[^\\*].*$`` plus lines matching ``^\\s*-.*$`` (upstream's count)."""
    return len(_STAR_BULLET.findall(text)) + len(_DASH_BULLET.findall(text))


def count_highlights(text: str) -> int:
    """Non-blank ``*…*`` spans plus non-blank ``**…**`` spans (no newline or ``*`` inside)."""
    single = sum(1 for m in _HIGHLIGHT.findall(text) if m.strip("*").strip())
    double = sum(1 for m in _DOUBLE_HIGHLIGHT.findall(text) if m[2:-2].strip())
    return single + double


def titles(text: str) -> list[str]:
    """The ``re.findall(r"<<[^\\n]+>>", text)`` matches: per line, from the first ``<<`` to the
    last ``>>`` that leaves at least one character between them."""
    found = []
    for line in text.split("\n"):
        close = line.rfind(">>")
        start = line.find("<<")
        if start >= 0 and close >= start + 3:
            found.append(line[start:close + 2])
    return found


@register("ifeval.detectable_format:number_bullet_lists")
@dataclass(frozen=True)
class NumberBulletLists(IfevalChecker):
    """Passes when the number of ``*``/``-`` bullet lines equals ``num_bullets`` exactly
    (upstream quirk kept: ``---`` rules and ``-1`` lines count as bullets)."""

    num_bullets: int

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_bullets(text)
        return n == self.num_bullets, f"{n} bullets, need exactly {self.num_bullets}"


@register("ifeval.detectable_format:constrained_response")
@dataclass(frozen=True)
class ConstrainedResponse(IfevalChecker):
    """Passes when the stripped text contains "My answer is yes.", "… no." or "… maybe."."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        value = text.strip()
        ok = any(option in value for option in ANSWERS)
        return ok, "contains an allowed answer" if ok else "no allowed answer phrase"


@register("ifeval.detectable_format:number_highlighted_sections")
@dataclass(frozen=True)
class NumberHighlightedSections(IfevalChecker):
    """Passes when :func:`count_highlights` is at least ``num_highlights``."""

    num_highlights: int

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_highlights(text)
        return n >= self.num_highlights, f"{n} highlights, need at least {self.num_highlights}"


@register("ifeval.detectable_format:multiple_sections")
@dataclass(frozen=True)
class MultipleSections(IfevalChecker):
    """Passes when ``re.split(r"\\s?" + section_spliter + r"\\s?\\d+\\s?", text)`` gives at least
    ``num_sections + 1`` pieces (the splitter, stripped, is a regex as upstream)."""

    section_spliter: str
    num_sections: int

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        pattern = r"\s?" + self.section_spliter.strip() + r"\s?\d+\s?"
        n = len(re.split(pattern, text)) - 1
        return n >= self.num_sections, f"{n} sections, need at least {self.num_sections}"


@register("ifeval.detectable_format:json_format")
@dataclass(frozen=True)
class JsonFormat(IfevalChecker):
    """Passes when the stripped text, less a leading ```json/```Json/```JSON/``` fence and a
    trailing ```, parses with Python's ``json.loads`` (NaN/Infinity accepted, as upstream).
    Nesting too deep for the parser fails (upstream would crash with RecursionError)."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        value = text.strip()
        for fence in ("```json", "```Json", "```JSON", "```"):
            value = value.removeprefix(fence)
        value = value.removesuffix("```").strip()
        try:
            json.loads(value)
        except ValueError as exc:
            return False, f"not JSON: {str(exc)[:80]}"
        except RecursionError:
            return False, "not JSON: nesting too deep"
        return True, "valid JSON"


@register("ifeval.detectable_format:title")
@dataclass(frozen=True)
class Title(IfevalChecker):
    """Passes when some ``<<…>>`` title on one line has non-blank text inside the brackets."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        ok = any(t.lstrip("<").rstrip(">").strip() for t in titles(text))
        return ok, "has a title" if ok else "no <<title>>"
