"""Constraint checkers as rewards: one completion and its constraints → a float in [0, 1].

A reward grades the answer (thinking stripped as the runner does) against the sample's
constraints (``[{"checker": ID, "params": {…}}, …]``, the data-only pack format):

- ``mode="fraction"``: the share of constraints passed; ``mode="all"``: 1.0 only if all pass;
- an empty answer (or one still inside an unterminated thinking block) scores 0;
- a checker that raises, cannot run offline (judged checks) or gives no verdict scores that
  constraint 0 and is counted in :attr:`RewardResult.errors`; nothing raises into the caller;
- each checker runs in its pack's default grading mode (IFEval: strict); ``loose=True`` selects
  ``loose`` where the pack has it, ``grading_mode=…`` any other mode of the pack.

A :class:`Rewarder` keeps only immutable things between calls (built checkers, parsed
constraint lists), so results never depend on earlier calls; it pickles without them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.checking import CheckContext, Checker, CheckResult, build_checker
from evalkit.errors import EvalkitError

MODES = ("fraction", "all")
_PARSED_LIMIT = 50_000  # constraint lists kept parsed, per rewarder


@dataclass(frozen=True)
class RewardResult:
    """One graded completion: the reward and the counts it came from."""

    score: float
    passed: int
    total: int
    errors: int
    empty: bool = False


@dataclass(frozen=True)
class _Bound:
    """A constraint ready to run: its checker and grading mode, or why it cannot run."""

    checker: Checker | None
    mode: str
    problem: str = ""


def _answer(response: Any) -> str:
    from evalkit.runner import split_thinking

    answer, _reasoning, _unterminated = split_thinking(response if isinstance(response, str) else "")
    return answer


def parse_constraints(constraints: Any) -> list[tuple[str, dict[str, Any]]]:
    """``[(checker id, params)]`` from a list of ``{"checker", "params"}`` objects, ``Constraint``s,
    or that list as a JSON string; EvalkitError naming the problem otherwise."""
    if isinstance(constraints, str | bytes):
        try:
            constraints = json.loads(constraints)
        except ValueError as exc:
            raise EvalkitError(f"constraints are not valid JSON: {exc}") from None
    if not isinstance(constraints, Sequence) or isinstance(constraints, str | bytes):
        raise EvalkitError(f"constraints must be a list, got {type(constraints).__name__}")
    parsed = []
    for index, item in enumerate(constraints):
        if isinstance(item, Mapping):
            checker, params = item.get("checker"), item.get("params") or {}
        else:
            checker, params = getattr(item, "checker", None), getattr(item, "params", None) or {}
        if not isinstance(checker, str) or not isinstance(params, Mapping):
            raise EvalkitError(f"constraint {index} needs a string 'checker' and an object 'params'")
        parsed.append((checker, dict(params)))
    return parsed


class Rewarder:
    """Grades completions against constraint lists; picklable, deterministic, offline."""

    def __init__(self, mode: str = "fraction", loose: bool = False, grading_mode: str | None = None) -> None:
        if mode not in MODES:
            raise EvalkitError(f"reward mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode, self.loose, self.grading_mode = mode, loose, grading_mode
        self._reset()

    def _reset(self) -> None:
        self._bound: dict[str, _Bound] = {}
        self._parsed: dict[str, list[_Bound]] = {}
        self._pack_modes: dict[str, tuple[str, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"mode": self.mode, "loose": self.loose, "grading_mode": self.grading_mode}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def _mode_for(self, checker_id: str) -> str:
        family = checker_id.split(".", 1)[0]
        modes = self._pack_modes.get(family)
        if modes is None:
            from evalkit.packs import get_pack

            try:
                modes = tuple(get_pack(family).modes)
            except Exception:  # noqa: BLE001 - a checker family without a pack: the core default
                modes = ("compat",)
            self._pack_modes[family] = modes
        if self.grading_mode in modes:
            return str(self.grading_mode)
        return "loose" if self.loose and "loose" in modes else modes[0]

    def _bind(self, checker_id: str, params: dict[str, Any]) -> _Bound:
        key = checker_id + "\0" + json.dumps(params, sort_keys=True, default=repr)
        bound = self._bound.get(key)
        if bound is None:
            try:
                checker = build_checker(checker_id, params)
            except Exception as exc:  # noqa: BLE001 - an unusable constraint scores 0, counted
                bound = _Bound(None, "", f"{type(exc).__name__}: {exc}")
            else:
                bound = _Bound(checker, self._mode_for(checker_id))
            self._bound[key] = bound
        return bound

    def bind(self, constraints: Any) -> list[_Bound]:
        """The runnable form of a constraint list (cached when given as a JSON string)."""
        if isinstance(constraints, str) and constraints in self._parsed:
            return self._parsed[constraints]
        bound = [self._bind(checker_id, params) for checker_id, params in parse_constraints(constraints)]
        if isinstance(constraints, str):
            if len(self._parsed) >= _PARSED_LIMIT:
                self._parsed.clear()
            self._parsed[constraints] = bound
        return bound

    def score(self, response: Any, constraints: Any, reference: Any = None) -> RewardResult:
        """Grade one completion; never raises (bad constraints score 0 with one error).
        ``reference`` is the sample's gold answer, for the checkers that compare with one
        (e.g. LR²Bench, KITAB rows exported with a ``reference``)."""
        try:
            bound = self.bind(constraints)
        except Exception:  # noqa: BLE001 - never raise into a training loop
            return RewardResult(0.0, 0, 0, 1)
        return self.score_bound(_answer(response), bound, reference)

    def score_bound(self, answer: str, bound: list[_Bound], reference: Any = None) -> RewardResult:
        """Grade an answer (thinking already stripped) against bound constraints."""
        if not bound:
            return RewardResult(0.0, 0, 0, 0)
        if not answer.strip():
            return RewardResult(0.0, 0, len(bound), 0, empty=True)
        passed = errors = 0
        memo: dict[str, Any] = {}
        contexts: dict[str, CheckContext] = {}
        for item in bound:
            if item.checker is None:
                errors += 1
                continue
            ctx = contexts.get(item.mode)
            if ctx is None:
                ctx = contexts[item.mode] = CheckContext(mode=item.mode, memo=memo, reference=reference,
                                                              verdict_only=True)
            result = _run(item.checker, answer, ctx)
            if result.status != "ok" or result.passed is None:
                errors += 1
            elif result.passed:
                passed += 1
        total = len(bound)
        value = passed / total if self.mode == "fraction" else float(passed == total)
        return RewardResult(value, passed, total, errors)

    def __call__(self, response: Any, constraints: Any, reference: Any = None) -> float:
        """The reward of one completion (see :meth:`score`)."""
        return self.score(response, constraints, reference).score

    def batch(self, responses: Sequence[Any], constraints: Sequence[Any],
              references: Sequence[Any] | None = None) -> list[float]:
        """Rewards of many completions: ``constraints`` (and ``references``, when given) hold
        one entry per response."""
        if len(responses) != len(constraints) or (references is not None and len(references) != len(responses)):
            raise EvalkitError(f"{len(responses)} responses but {len(constraints)} constraint lists"
                               + (f" and {len(references)} references" if references is not None else ""))
        refs = references if references is not None else [None] * len(responses)
        return [self.score(r, c, g).score for r, c, g in zip(responses, constraints, refs, strict=True)]


def _run(checker: Checker, answer: str, ctx: CheckContext) -> CheckResult:
    try:
        result = checker.check(answer, ctx)
    except Exception as exc:  # noqa: BLE001 - a checker bug scores 0 and is counted
        return CheckResult(None, f"checker raised {type(exc).__name__}: {exc}", "error")
    return result if isinstance(result, CheckResult) else CheckResult(None, "not a CheckResult", "error")
