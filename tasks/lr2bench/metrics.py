"""LR²Bench metrics as upstream ``2-merge_answer.py`` computes them, from evalkit check rows.

Per level: **CR** = answered / units, **S-Acc** = Σ correct / Σ subtasks (micro over the level's
subtasks), **EM** = #(correct == subtasks) / units, **PM-0.5** = #(correct / subtasks ≥ 0.5) /
units, a unit being one (sample, epoch); every ratio is one integer division, as upstream.
Task figures are the unweighted mean of its levels, the overall figures the unweighted mean of
the tasks present. A unit whose generation failed (check ``skipped``) counts as unanswered with
0 correct of its sample's ``subtasks``; a unit whose checker raised (``error``) is left out and
counted in ``scores.json`` ``counts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.metrics import PASSED, RATE, Column, Metric, N, Table, mean, ratio, wilson
from evalkit.records import CheckRow
from evalkit.tasks.lr2bench.files import TASK_DIRS

METRICS: tuple[str, ...] = ("CR", "S-Acc", "EM", "PM-0.5")


@dataclass
class _Level:
    units: int = 0
    answered: int = 0
    correct: int = 0
    subtasks: int = 0
    exact: int = 0
    half: int = 0

    def add(self, answered: bool, correct: int, total: int) -> None:
        """Count one unit: ``correct`` of ``total`` subtasks, ``answered`` for CR."""
        self.units += 1
        self.answered += answered
        self.correct += correct
        self.subtasks += total
        self.exact += correct == total
        self.half += correct / total >= 0.5

    def figures(self) -> dict[str, float | None]:
        """CR, S-Acc, EM and PM-0.5 of this level (units and subtasks are > 0 here)."""
        return {
            "CR": self.answered / self.units,
            "S-Acc": self.correct / self.subtasks,
            "EM": self.exact / self.units,
            "PM-0.5": self.half / self.units,
        }


def _tally(checks: Sequence[CheckRow]) -> dict[tuple[str, str], _Level]:
    levels: dict[tuple[str, str], _Level] = {}
    for row in checks:
        extra = row.model_extra or {}
        if row.status == "error":
            continue
        key = (str(extra.get("task", "")), str(extra.get("level", "")))
        details = row.details or {}
        if row.status == "ok" and details:
            answered, correct, total = bool(details["answered"]), int(details["correct"]), int(details["total"])
        else:
            answered, correct, total = False, 0, int(extra.get("subtasks", 0))
        if total <= 0:
            continue
        levels.setdefault(key, _Level()).add(answered, correct, total)
    return levels


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def level_figures(checks: Sequence[CheckRow]) -> dict[str, dict[str, dict[str, float | None]]]:
    """``{task: {level: {CR, S-Acc, EM, PM-0.5}}}`` in upstream task and level order."""
    tally = _tally(checks)
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for task, (_, levels) in TASK_DIRS.items():
        for level in levels:
            if (task, level) in tally:
                out.setdefault(task, {})[level] = tally[(task, level)].figures()
    return out


def task_figures(per_level: dict[str, dict[str, dict[str, float | None]]]) -> dict[str, dict[str, float | None]]:
    """Each task's figures: the unweighted mean over its levels."""
    return {task: {m: _mean([fig[m] for fig in levels.values()]) for m in METRICS}
            for task, levels in per_level.items()}


def tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """``level`` (one row per task level, keyed ``task/level``; ``passed``/``rate`` are the EM
    count and rate with a Wilson CI) and ``task`` (level means; ``rate`` is the task EM, no CI,
    then an ``overall`` row). Every row also has CR, S-Acc, EM and PM-0.5."""
    tally = _tally(checks)
    per_level = level_figures(checks)
    level_rows = []
    for task, levels in per_level.items():
        for level, fig in levels.items():
            t = tally[(task, level)]
            lo, hi = wilson(t.exact, t.units)
            level_rows.append({"level": f"{task}/{level}", "task": task, "n": t.units, "passed": t.exact,
                               "rate": fig["EM"], "ci_low": lo, "ci_high": hi, **fig, "answered": t.answered,
                               "correct": t.correct, "subtasks": t.subtasks})
    per_task = task_figures(per_level)
    task_rows: list[dict[str, Any]] = []
    for task, fig in per_task.items():
        units = sum(tally[(task, level)].units for level in per_level[task])
        exact = sum(tally[(task, level)].exact for level in per_level[task])
        task_rows.append({"task": task, "levels": len(per_level[task]), "n": units, "passed": exact,
                          "rate": fig["EM"], "ci_low": None, "ci_high": None, **fig})
    if task_rows:
        overall = {m: _mean([fig[m] for fig in per_task.values()]) for m in METRICS}
        task_rows.append({"task": "overall", "levels": len(level_rows), "n": sum(r["n"] for r in task_rows),
                          "passed": sum(r["passed"] for r in task_rows), "rate": overall["EM"],
                          "ci_low": None, "ci_high": None, **overall})
    return {"task": task_rows, "level": level_rows}


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per counted (sample, epoch): ``answered``, ``correct`` and ``subtasks`` (see the module
    docstring for skipped units), ``exact`` (all subtasks correct) and ``half`` (at least half)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row in checks:
        if row.status == "error":
            continue
        extra = row.model_extra or {}
        details = row.details or {}
        if row.status == "ok" and details:
            answered, correct, total = bool(details["answered"]), int(details["correct"]), int(details["total"])
        else:
            answered, correct, total = False, 0, int(extra.get("subtasks", 0))
        if total > 0:
            out[(row.sample_id, row.epoch)] = {"answered": answered, "correct": correct, "subtasks": total,
                                               "exact": correct == total, "half": correct / total >= 0.5}
    return out


_LEVELS = ("task", "level")
_ORDER = {"task": tuple(TASK_DIRS), "level": tuple(dict.fromkeys(lv for _, levels in TASK_DIRS.values() for lv in levels))}
DECLARED_METRICS = (
    Metric("EM", "exact match: share of puzzles with every subtask right (per level, then mean over a task's "
           "levels, then over tasks)", mean("exact", group_by=_LEVELS, group_order=_ORDER), headline=True),
    Metric("PM-0.5", "partial match: share of puzzles with at least half the subtasks right (level → task → mean)",
           mean("half", group_by=_LEVELS, group_order=_ORDER)),
    Metric("S-Acc", "subtask accuracy: subtasks right ÷ subtasks (level → task → mean)",
           ratio("correct", "subtasks", group_by=_LEVELS, group_order=_ORDER)),
    Metric("CR", "completion rate: share of puzzles with an extracted answer (level → task → mean)",
           mean("answered", group_by=_LEVELS, group_order=_ORDER)),
)
_FIGURES = tuple(Column(m.name, m.description) for m in DECLARED_METRICS)
DECLARED_TABLES = (
    Table("level", "level", "per task level (task/level): EM count and rate with a Wilson CI, CR, S-Acc, EM, PM-0.5",
          (N, PASSED, RATE, Column("task", "", "label"), *_FIGURES, Column("answered", "", "count"),
           Column("correct", "", "count"), Column("subtasks", "", "count"))),
    Table("task", "task", "per task (unweighted mean of its levels; rate = EM), then the overall row",
          (Column("levels", "levels present", "count"), N, PASSED, RATE, *_FIGURES)),
)
