"""IFEval ``startend:*`` checkers (end phrase, whole response in double quotes)."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker


@register("ifeval.startend:end_checker")
@dataclass(frozen=True)
class EndChecker(IfevalChecker):
    """Passes when the text, stripped of whitespace then of ``"`` and lowercased, ends with the
    stripped, lowercased ``end_phrase``."""

    end_phrase: str

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        phrase = self.end_phrase.strip().lower()
        ok = text.strip().strip('"').lower().endswith(phrase)
        return ok, f"ends with {phrase!r}" if ok else f"does not end with {phrase!r}"


@register("ifeval.startend:quotation")
@dataclass(frozen=True)
class Quotation(IfevalChecker):
    """Passes when the stripped text is longer than one character and starts and ends with ``"``."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        value = text.strip()
        ok = len(value) > 1 and value[0] == '"' and value[-1] == '"'
        return ok, "wrapped in double quotes" if ok else "not wrapped in double quotes"
