"""Checkers as rewards for RL training: :func:`reward`, :func:`reward_batch` and adapters.

- ``reward(response, constraints, mode="fraction"|"all", loose=False)`` → float in [0, 1]
  (see :mod:`evalkit.rewards.core` for the exact rules);
- ``reward_batch(responses, constraints, …)`` → one float per response;
- ``trl(mode="fraction", column="constraints")`` → a reward function for TRL's
  ``GRPOTrainer(reward_funcs=[…])``;
- ``evalkit.rewards.verl.compute_score(data_source, solution_str, ground_truth, extra_info=None)``
  for verl's ``custom_reward_function``;
- ``evalkit.rewards.open_instruct.IFEvalVerifier`` for open-instruct's IFEval-style labels.

Everything here is deterministic, offline and picklable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.rewards.core import Rewarder, RewardResult, parse_constraints
from evalkit.rewards.trl_adapter import TRLReward

__all__ = ["Rewarder", "RewardResult", "TRLReward", "parse_constraints", "reward", "reward_batch", "trl"]

_REWARDERS: dict[tuple[str, bool, str | None], Rewarder] = {}  # immutable checkers only


def rewarder(mode: str = "fraction", loose: bool = False, grading_mode: str | None = None) -> Rewarder:
    """A shared :class:`Rewarder` for these settings (its caches hold only built checkers)."""
    key = (mode, loose, grading_mode)
    found = _REWARDERS.get(key)
    if found is None:
        found = _REWARDERS[key] = Rewarder(mode, loose, grading_mode)
    return found


def reward(response: Any, constraints: Any, mode: str = "fraction", loose: bool = False,
           grading_mode: str | None = None, reference: Any = None) -> float:
    """The reward of ``response`` for ``constraints`` (a ``{"checker","params"}`` list or its
    JSON): ``fraction`` = share of constraints passed, ``all`` = 1.0 only if all pass;
    ``reference``: the sample's gold answer, for checkers that compare with one."""
    return rewarder(mode, loose, grading_mode).score(response, constraints, reference).score


def reward_batch(responses: Sequence[Any], constraints: Sequence[Any], mode: str = "fraction",
                 loose: bool = False, grading_mode: str | None = None,
                 references: Sequence[Any] | None = None) -> list[float]:
    """Rewards of many completions at once, ``constraints`` (and ``references``) holding one
    entry per response."""
    return rewarder(mode, loose, grading_mode).batch(responses, constraints, references)


def trl(mode: str = "fraction", column: str = "constraints", loose: bool = False,
        grading_mode: str | None = None) -> TRLReward:
    """A reward function for TRL ``GRPOTrainer(reward_funcs=[…])``: called as
    ``f(prompts=…, completions=…, <column>=…, **other_columns)``, it returns one float per
    completion; completions may be strings or conversational message lists, and the dataset
    column ``column`` holds each sample's constraints (a list or its JSON string)."""
    return TRLReward(mode=mode, column=column, loose=loose, grading_mode=grading_mode)


def __getattr__(name: str) -> Any:
    """The adapter modules ``verl`` and ``open_instruct``, imported on first use (so
    ``evalkit.rewards.verl.compute_score`` works after ``import evalkit``)."""
    if name in ("verl", "open_instruct"):
        import importlib

        return importlib.import_module(f"evalkit.rewards.{name}")
    raise AttributeError(f"module 'evalkit.rewards' has no attribute {name!r}")
