"""IFEval ``punctuation:no_comma``."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker


@register("ifeval.punctuation:no_comma")
@dataclass(frozen=True)
class NoComma(IfevalChecker):
    """Passes when the text holds no ASCII comma (full-width and other commas are allowed)."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = text.count(",")
        return n == 0, f"{n} commas" if n else "no comma"
