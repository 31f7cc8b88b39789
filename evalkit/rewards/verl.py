"""The verl adapter: ``compute_score`` for ``custom_reward_function.path``/``name``.

verl's reward manager calls ``compute_score(data_source=…, solution_str=…, ground_truth=…,
extra_info=…)`` with keyword arguments, plus any ``custom_reward_function.reward_kwargs``;
``ground_truth`` is the sample's constraint list as JSON (or already a list). Settings: the
keyword arguments ``mode`` (``fraction``/``all``), ``loose`` and ``grading_mode``, from
``reward_kwargs`` or from ``extra_info`` (which may also carry the sample's ``reference``,
for checkers graded against a gold answer). This file imports only absolute names, so verl can
load it by path (``custom_reward_function.path=$(python -c 'import evalkit.rewards.verl as m;
print(m.__file__)')``, ``name=compute_score``).
"""

from __future__ import annotations

from typing import Any

from evalkit.rewards import rewarder


def _setting(name: str, kwargs: dict[str, Any], extra_info: Any, default: Any) -> Any:
    if name in kwargs:
        return kwargs[name]
    if isinstance(extra_info, dict) and name in extra_info:
        return extra_info[name]
    return default


def compute_score(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                  **kwargs: Any) -> float:
    """The reward of ``solution_str`` for the constraints in ``ground_truth`` (a float in [0, 1];
    never raises: unusable constraints or a failing checker score 0)."""
    mode = _setting("mode", kwargs, extra_info, "fraction")
    loose = bool(_setting("loose", kwargs, extra_info, False))
    grading_mode = _setting("grading_mode", kwargs, extra_info, None)
    try:
        scorer = rewarder(str(mode), loose, grading_mode)
    except Exception:  # noqa: BLE001 - an unknown mode scores 0 rather than stopping training
        return 0.0
    return scorer.score(solution_str, ground_truth, _setting("reference", kwargs, extra_info, None)).score


def compute_score_details(data_source: Any, solution_str: str, ground_truth: Any, extra_info: Any = None,
                          **kwargs: Any) -> dict[str, float]:
    """As :func:`compute_score`, as verl's dict form: ``score`` plus ``passed``, ``total`` and
    ``errors`` (logged by verl as extra reward info)."""
    mode = str(_setting("mode", kwargs, extra_info, "fraction"))
    loose = bool(_setting("loose", kwargs, extra_info, False))
    try:
        scorer = rewarder(mode, loose, _setting("grading_mode", kwargs, extra_info, None))
        result = scorer.score(solution_str, ground_truth, _setting("reference", kwargs, extra_info, None))
    except Exception:  # noqa: BLE001
        return {"score": 0.0, "passed": 0.0, "total": 0.0, "errors": 1.0}
    return {"score": result.score, "passed": float(result.passed), "total": float(result.total),
            "errors": float(result.errors)}
