"""IFBench's declared metrics and its per-instruction / per-category tables.

Every IFBench checker stores both verdicts in ``details`` (``{"strict", "loose"}``), so both
modes are reported whatever ``-T mode`` selected. Per (sample, epoch) the record values are
IFEval's (:func:`evalkit.tasks.ifeval.metrics.record_values`): ``prompt_strict`` /
``prompt_loose`` (every instruction followed), ``inst_strict`` / ``inst_loose`` (instructions
followed) and ``n_inst``. In the 2-turn split and in Multi-IF the same values describe the
graded turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.metrics import Column, Metric, mean, rate_table, ratio
from evalkit.records import CheckRow
from evalkit.tasks.ifeval.metrics import mode_of, record_values, usable_rows, verdict_table

__all__ = ["DECLARED_METRICS", "DECLARED_TABLES", "ifbench_tables", "record_values", "verdict_table"]

DECLARED_METRICS = (
    Metric("prompt_strict", "share of prompts with every instruction followed (strict)", mean("prompt_strict"),
           headline=True),
    Metric("inst_strict", "share of instructions followed (strict)", ratio("inst_strict", "n_inst")),
    Metric("prompt_loose", "share of prompts with every instruction followed (loose: response variants); "
           "the paper's IFBench score", mean("prompt_loose")),
    Metric("inst_loose", "share of instructions followed (loose)", ratio("inst_loose", "n_inst")),
)
MODE_COLUMNS = (Column("strict_rate", "share followed, strict"), Column("loose_rate", "share followed, loose"))
DECLARED_TABLES = (
    rate_table("instruction", "instructions followed per instruction id (rate in the graded mode)", *MODE_COLUMNS),
    rate_table("category", "instructions followed per category, the id's prefix (rate in the graded mode)",
               *MODE_COLUMNS),
)


def ifbench_tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """Instruction-level tables per ``instruction`` id and per ``category`` (id prefix)."""
    rows = usable_rows(checks)
    mode = mode_of(checks)
    return {dim: verdict_table(rows, dim, mode) for dim in ("instruction", "category")}
