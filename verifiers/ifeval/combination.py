"""IFEval ``combination:*`` checkers (two responses, repeat the prompt first)."""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifeval._base import IfevalChecker


@register("ifeval.combination:two_responses")
@dataclass(frozen=True)
class TwoResponses(IfevalChecker):
    """Passes when splitting on ``******`` gives exactly two non-blank parts that differ after
    stripping; a blank part other than the first or last fails."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        parts = text.split("******")
        valid = []
        for index, part in enumerate(parts):
            if part.strip():
                valid.append(part.strip())
            elif 0 < index < len(parts) - 1:
                return False, "empty response between separators"
        if len(valid) != 2:
            return False, f"{len(valid)} responses, need 2"
        return valid[0] != valid[1], "two different responses" if valid[0] != valid[1] else "the two responses are identical"


@register("ifeval.combination:repeat_prompt")
@dataclass(frozen=True)
class RepeatPrompt(IfevalChecker):
    """Passes when the stripped, lowercased text starts with the stripped, lowercased
    ``prompt_to_repeat`` (upstream keeps this kwarg: it never re-binds it to the input prompt)."""

    prompt_to_repeat: str

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        ok = text.strip().lower().startswith(self.prompt_to_repeat.strip().lower())
        return ok, "starts with the request" if ok else "does not start with the request"
