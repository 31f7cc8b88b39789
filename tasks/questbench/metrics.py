"""QuestBench's declared metrics and tables: accuracy per subset and their unweighted mean."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evalkit.metrics import Column, Metric, Table, rate_table, ratio
from evalkit.records import CheckRow

SUBSETS = ("Logic-Q", "Planning-Q", "GSM-Q", "GSME-Q")


def metric_name(subset: str) -> str:
    """``accuracy_logic_q`` … for a subset name."""
    return "accuracy_" + subset.lower().replace("-", "_")


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (sample, epoch): ``correct`` (counted checks passed) of ``answered`` (counted checks);
    both None when no check of the unit was counted."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for c in checks:
        if c.status != "ok":
            continue
        cell = out.setdefault((c.sample_id, c.epoch), {"correct": 0, "answered": 0})
        cell["correct"] += bool(c.passed)
        cell["answered"] += 1
    return out


DECLARED_METRICS = (
    *(Metric(metric_name(s), f"share of {s} questions answered with the right clarifying question",
             ratio("correct", "answered", where={"subset": s})) for s in SUBSETS),
    Metric("accuracy_macro", "unweighted mean of the subset accuracies present",
           ratio("correct", "answered", group_by=("subset",), group_order={"subset": SUBSETS}), headline=True),
)
_DEPTH = Column("depth_column", "the upstream column the depth comes from", "label")
DECLARED_TABLES = (
    *(rate_table(f"depth_{s.lower().replace('-', '_')}", f"{s} accuracy per depth (numeric order)", _DEPTH)
      for s in SUBSETS),
    Table("data_coverage", "data_coverage", "per subset: rows loaded (passed) of the rows of the full upstream file (n)",
          (Column("n", "rows of the upstream file", "count"), Column("passed", "rows loaded", "count"),
           Column("rate", "share loaded", "rate"), Column("skipped", "rows skipped", "count"))),
)
