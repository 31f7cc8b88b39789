"""IFEval ``detectable_content:*`` checkers (placeholders, postscript).

Both are computed in linear time with results identical to upstream's regular expressions,
whose backtracking is quadratic on adversarial text (``\\[.*?\\]`` on a long line of ``[``,
``\\s*p\\.…`` on a long run of whitespace).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker

_PS = re.compile(r"p\.\s?s\.")
_PPS = re.compile(r"p\.\s?p\.\s?s")


def count_placeholders(text: str) -> int:
    """Number of ``re.findall(r"\\[.*?\\]", text)`` matches: ``[`` … first ``]`` on the same line."""
    count, i, end = 0, 0, len(text)
    while i < end:
        start = text.find("[", i)
        if start < 0:
            break
        newline = text.find("\n", start)
        close = text.find("]", start + 1, newline if newline >= 0 else end)
        if close >= 0:
            count, i = count + 1, close + 1
        else:  # no "]" left on this line: no later "[" on it can close either
            i = newline + 1 if newline >= 0 else end
    return count


@register("ifeval.detectable_content:number_placeholders")
@dataclass(frozen=True)
class NumberPlaceholders(IfevalChecker):
    """Passes when the text holds at least ``num_placeholders`` ``[...]`` spans (one line each)."""

    num_placeholders: int

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = count_placeholders(text)
        return n >= self.num_placeholders, f"{n} placeholders, need at least {self.num_placeholders}"


@register("ifeval.detectable_content:postscript")
@dataclass(frozen=True)
class Postscript(IfevalChecker):
    """Passes when the lowercased text contains the marker: ``P.S.`` → ``p\\.\\s?s\\.``,
    ``P.P.S`` → ``p\\.\\s?p\\.\\s?s``, any other marker → its stripped lowercase form as a regex
    (upstream's ``\\s*…….*$`` line search finds a match exactly when these do)."""

    postscript_marker: str

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        marker = self.postscript_marker.strip()
        if marker == "P.P.S":
            pattern = _PPS
        elif marker == "P.S.":
            pattern = _PS
        else:
            pattern = re.compile(marker.lower())
        found = pattern.search(text.lower()) is not None
        return found, f"postscript {marker!r} found" if found else f"no postscript {marker!r}"
