"""IFBench's four accuracies and its per-instruction / per-category tables, from check rows.

Every IFBench checker stores both verdicts in ``details`` (``{"strict", "loose"}``), so both
modes are reported whatever ``-T mode`` selected; the numbers are IFEval's definitions
(:func:`evalkit.tasks.ifeval.metrics.ifeval_metrics`). In the 2-turn split and in Multi-IF the
same functions run on the graded turn's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evalkit.records import CheckRow
from evalkit.scoring import wilson
from evalkit.tasks.ifeval.metrics import MODES, ifeval_metrics, mode_of, usable_rows

__all__ = ["ifbench_metrics", "ifbench_tables", "rate_table"]


def ifbench_metrics(checks: Sequence[CheckRow]) -> dict[str, float | None]:
    """``prompt_strict`` (headline), ``inst_strict``, ``prompt_loose``, ``inst_loose``."""
    return ifeval_metrics(checks)


def rate_table(rows: Sequence[CheckRow], dimension: str, mode: str) -> list[dict[str, Any]]:
    """Instruction-level rows per value of ``dimension``: n, passed and rate (Wilson CI) in
    ``mode``, plus ``strict_rate`` and ``loose_rate``."""
    groups: dict[str, list[CheckRow]] = defaultdict(list)
    for row in rows:
        groups[str((row.model_extra or {}).get(dimension, ""))].append(row)
    table = []
    for value in sorted(groups):
        members = groups[value]
        n = len(members)
        counts = {m: sum(bool((r.details or {}).get(m)) for r in members) for m in MODES}
        lo, hi = wilson(counts[mode], n)
        table.append({dimension: value, "n": n, "passed": counts[mode], "rate": counts[mode] / n,
                      "ci_low": lo, "ci_high": hi,
                      "strict_rate": counts["strict"] / n, "loose_rate": counts["loose"] / n})
    return table


def ifbench_tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """Instruction-level tables per ``instruction`` id and per ``category`` (id prefix)."""
    rows = usable_rows(checks)
    mode = mode_of(checks)
    return {dim: rate_table(rows, dim, mode) for dim in ("instruction", "category")}
