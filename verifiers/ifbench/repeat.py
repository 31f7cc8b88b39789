"""IFBench ``repeat:*`` checkers."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import IfbenchChecker, need_number, need_text

REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."


@register("ifbench.repeat:repeat_change")
@dataclass(frozen=True)
class RepeatChange(IfbenchChecker):
    """Passes when the text is not ``prompt_to_repeat`` itself but equals it once the first
    whitespace word of each is dropped (whitespace normalised)."""

    prompt_to_repeat: str

    def __post_init__(self) -> None:
        need_text("prompt_to_repeat", self.prompt_to_repeat)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if text == self.prompt_to_repeat:
            return False
        return " ".join(self.prompt_to_repeat.split()[1:]) == " ".join(text.split()[1:])


@register("ifbench.repeat:repeat_simple")
@dataclass(frozen=True)
class RepeatSimple(IfbenchChecker):
    """Passes when the stripped, lower-cased text is the instruction sentence itself."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return text.strip().lower() == REPEAT_SIMPLE.lower()


@register("ifbench.repeat:repeat_span")
@dataclass(frozen=True)
class RepeatSpan(IfbenchChecker):
    """Passes when the stripped, lower-cased text equals the stripped, lower-cased characters
    ``n_start``..``n_end`` (both included) of ``prompt_to_repeat``."""

    prompt_to_repeat: str
    n_start: int
    n_end: int

    def __post_init__(self) -> None:
        need_text("prompt_to_repeat", self.prompt_to_repeat)
        need_number("n_start", self.n_start)
        need_number("n_end", self.n_end)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        span = self.prompt_to_repeat[int(self.n_start):int(self.n_end) + 1]
        return text.strip().lower() == span.strip().lower()
