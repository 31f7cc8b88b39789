"""IFEval ``language:response_language``: the seeded langdetect language must be the requested one."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker
from evalkit.verifiers.ifeval._text import detect_language


@register("ifeval.language:response_language")
@dataclass(frozen=True)
class ResponseLanguage(IfevalChecker):
    """Passes when langdetect (seed 0) says ``language`` (ISO 639-1), or cannot decide (upstream
    counts a langdetect error as followed)."""

    language: str

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        found = detect_language(text)
        if found is None:
            return True, "language undetectable (counted as followed, as upstream)"
        return found == self.language, f"detected {found!r}, need {self.language!r}"
