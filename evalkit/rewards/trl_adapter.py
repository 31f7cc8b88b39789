"""The TRL adapter: a picklable reward function in ``GRPOTrainer``'s calling convention.

TRL calls each reward function with keyword arguments only: ``prompts``, ``completions``,
every other dataset column as a list aligned with the completions, and extras it adds itself
(``completion_ids``, ``trainer_state``…), which are ignored here. It reads the function's
``__name__`` for its logs. A conversational completion is a list of messages; its text is the
content of the last assistant message (string content, or the text parts of a content list).
A ``reference`` column, when the dataset has one (``evalkit export-rl`` rows of packs graded
against a gold answer), is passed to the checkers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.rewards.core import Rewarder


def completion_text(completion: Any) -> str:
    """The text of one TRL completion: a string, or a message list's last assistant message."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        completion = [completion]
    if isinstance(completion, Sequence):
        for message in reversed(completion):
            if isinstance(message, Mapping) and message.get("role", "assistant") == "assistant":
                return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(str(part.get("text", "")) for part in content
                       if isinstance(part, Mapping) and part.get("type", "text") == "text")
    return ""


class TRLReward:
    """``(prompts, completions, **columns) -> list[float]`` for ``GRPOTrainer(reward_funcs=…)``."""

    def __init__(self, mode: str = "fraction", column: str = "constraints", loose: bool = False,
                 grading_mode: str | None = None) -> None:
        self.rewarder = Rewarder(mode, loose, grading_mode)
        self.column = column
        self.__name__ = f"evalkit_{mode}" + ("_loose" if loose else "")

    def __call__(self, prompts: Sequence[Any] | None = None, completions: Sequence[Any] | None = None,
                 **columns: Any) -> list[float]:
        """One reward per completion; the constraints come from the ``column`` keyword."""
        if completions is None:
            raise EvalkitError("TRL reward: no 'completions' given")
        constraints = columns.get(self.column)
        if constraints is None:
            raise EvalkitError(f"TRL reward: the dataset has no {self.column!r} column "
                               f"(columns given: {', '.join(sorted(columns)) or 'none'})")
        if len(constraints) != len(completions):
            raise EvalkitError(f"TRL reward: {len(completions)} completions but {len(constraints)} "
                               f"{self.column!r} values")
        texts = [completion_text(c) for c in completions]
        return self.rewarder.batch(texts, constraints, columns.get("reference"))
