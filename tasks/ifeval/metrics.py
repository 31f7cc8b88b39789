"""IFEval's four metrics and its per-instruction / per-group tables, from the check rows.

Every checker stores both verdicts in ``details`` (``{"strict": bool, "loose": bool}``), so both
modes are reported whatever ``-T mode`` selected. Units are (sample, epoch); as in the core
scorer, only ``status == "ok"`` rows count and a unit with a checker error is left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evalkit.metrics import Column, Metric, mean, rate_table, ratio, wilson
from evalkit.records import CheckRow

MODES = ("strict", "loose")


def usable_rows(checks: Sequence[CheckRow]) -> list[CheckRow]:
    """The ok rows with both verdicts, less every row of a (sample, epoch) that had an error."""
    errored = {(c.sample_id, c.epoch) for c in checks if c.status == "error"}
    return [c for c in checks if c.status == "ok" and c.details is not None
            and (c.sample_id, c.epoch) not in errored]


def mode_of(checks: Sequence[CheckRow]) -> str:
    """The mode the rows were graded in: ``loose`` when some row's ``passed`` is its loose
    verdict where that differs from the strict one, else ``strict`` (the two then agree)."""
    for c in checks:
        if c.details and c.passed is not None and c.details.get("strict") != c.details.get("loose"):
            return "loose" if c.passed == c.details.get("loose") else "strict"
    return "strict"


def _verdict(row: CheckRow, mode: str) -> bool:
    return bool((row.details or {}).get(mode))


def verdict_table(rows: Sequence[CheckRow], dimension: str, mode: str) -> list[dict[str, Any]]:
    """Instruction-level rows per value of ``dimension``: n, passed and rate (Wilson CI) in
    ``mode``, plus ``strict_rate`` and ``loose_rate``."""
    groups: dict[str, list[CheckRow]] = defaultdict(list)
    for row in rows:
        groups[str((row.model_extra or {}).get(dimension, ""))].append(row)
    table = []
    for value in sorted(groups):
        members = groups[value]
        n = len(members)
        counts = {m: sum(_verdict(r, m) for r in members) for m in MODES}
        lo, hi = wilson(counts[mode], n)
        table.append({dimension: value, "n": n, "passed": counts[mode], "rate": counts[mode] / n,
                      "ci_low": lo, "ci_high": hi,
                      "strict_rate": counts["strict"] / n, "loose_rate": counts["loose"] / n})
    return table


def ifeval_tables(checks: Sequence[CheckRow], mode: str) -> dict[str, list[dict[str, Any]]]:
    """Instruction-level tables per ``instruction`` id and per ``group`` (id prefix): ``rate``
    (with its CI) in ``mode``, plus ``strict_rate`` and ``loose_rate``."""
    rows = usable_rows(checks)
    return {dim: verdict_table(rows, dim, mode) for dim in ("instruction", "group")}


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (sample, epoch) with usable rows: ``prompt_strict``/``prompt_loose`` (every instruction
    followed), ``inst_strict``/``inst_loose`` (instructions followed) and ``n_inst``."""
    units: dict[tuple[str, int], list[CheckRow]] = defaultdict(list)
    for row in usable_rows(checks):
        units[(row.sample_id, row.epoch)].append(row)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for key, rows in units.items():
        values: dict[str, Any] = {"n_inst": len(rows)}
        for mode in MODES:
            values[f"prompt_{mode}"] = all(_verdict(r, mode) for r in rows)
            values[f"inst_{mode}"] = sum(_verdict(r, mode) for r in rows)
        out[key] = values
    return out


DECLARED_METRICS = (
    Metric("prompt_strict", "share of prompts with every instruction followed (strict)", mean("prompt_strict"),
           headline=True),
    Metric("inst_strict", "share of instructions followed (strict)", ratio("inst_strict", "n_inst"), headline=True),
    Metric("prompt_loose", "share of prompts with every instruction followed (loose: response variants)",
           mean("prompt_loose")),
    Metric("inst_loose", "share of instructions followed (loose)", ratio("inst_loose", "n_inst")),
)

_MODE_COLUMNS = (Column("strict_rate", "share followed, strict"), Column("loose_rate", "share followed, loose"))
DECLARED_TABLES = (
    rate_table("instruction", "instructions followed per instruction id (rate in the graded mode)", *_MODE_COLUMNS),
    rate_table("group", "instructions followed per instruction group (rate in the graded mode)", *_MODE_COLUMNS),
)
