"""The open-instruct adapter: a verifier for IFEval-style labels (``instruction_id`` + ``kwargs``).

open-instruct calls a verifier as ``verifier(tokenized_prediction, prediction, label, query=None)``
and reads ``.score`` from what it returns. Its IFEval training sets store the label as a string
holding a Python/JSON list whose first element is ``{"instruction_id": [...], "kwargs": [...]}``
(the element itself sometimes a JSON string); a bare object or JSON object is accepted too.
Each instruction id runs as evalkit's ``ifeval.<id>`` checker, or ``ifbench.<id>`` when IFEval
has no such instruction (IFBench training ids); ``None`` kwargs values are dropped, as upstream.
The score is the share of instructions followed (strict), 0 for an empty answer, thinking
stripped first; an unknown instruction scores 0 and is counted.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.checking import checker_class
from evalkit.errors import EvalkitError
from evalkit.rewards.core import Rewarder, RewardResult


@dataclass(frozen=True)
class VerificationResult:
    """What open-instruct reads from a verifier: ``score`` (plus its usual ``cost``/``reasoning``)."""

    score: float
    cost: float = 0.0
    reasoning: str | None = None


def _decode(label: Any) -> Any:
    if not isinstance(label, str):
        return label
    try:
        return json.loads(label)
    except ValueError:
        try:
            return ast.literal_eval(label)
        except (ValueError, SyntaxError) as exc:
            raise EvalkitError(f"label is neither JSON nor a Python literal: {exc}") from None


def label_constraints(label: Any) -> list[dict[str, Any]]:
    """The ``{"checker","params"}`` list of an IFEval-style label (see the module docstring)."""
    value = _decode(label)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            raise EvalkitError("empty label")
        value = _decode(value[0])
    if not isinstance(value, Mapping):
        raise EvalkitError("label must hold an object with 'instruction_id' and 'kwargs'")
    ids, kwargs = value.get("instruction_id"), value.get("kwargs")
    if isinstance(ids, str):
        ids, kwargs = [ids], [kwargs]
    if not isinstance(ids, list) or not isinstance(kwargs, list) or len(ids) != len(kwargs):
        raise EvalkitError("'instruction_id' and 'kwargs' must be lists of the same length")
    constraints = []
    for iid, kw in zip(ids, kwargs, strict=True):
        params = {k: v for k, v in (kw or {}).items() if v is not None}
        constraints.append({"checker": _checker_id(str(iid)), "params": params})
    return constraints


def _checker_id(instruction_id: str) -> str:
    for family in ("ifeval", "ifbench"):
        if checker_class(f"{family}.{instruction_id}") is not None:
            return f"{family}.{instruction_id}"
    return f"ifeval.{instruction_id}"  # unknown: reported as an error when graded


class IFEvalVerifier:
    """open-instruct-style verifier: ``(tokenized_prediction, prediction, label, query=None)``
    → :class:`VerificationResult`; picklable, offline, deterministic."""

    name = "ifeval"
    weight = 1.0

    def __init__(self, mode: str = "fraction", loose: bool = False) -> None:
        self.rewarder = Rewarder(mode, loose)

    def result(self, prediction: str, label: Any) -> RewardResult:
        """The full :class:`RewardResult` (an unreadable label: score 0, one error)."""
        try:
            constraints = label_constraints(label)
        except Exception:  # noqa: BLE001 - never raise into the training loop
            return RewardResult(0.0, 0, 0, 1)
        return self.rewarder.score(prediction, constraints)

    def __call__(self, tokenized_prediction: Sequence[int] | None, prediction: str, label: Any,
                 query: str | None = None, rollout_state: Any = None) -> VerificationResult:
        """Score ``prediction`` against ``label``."""
        return VerificationResult(score=self.result(prediction, label).score)
