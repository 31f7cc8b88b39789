"""AgentIF's CSR / ISR and per-dimension / per-type CSR from check rows (``details.score``).

s(c) ∈ {True, False, None}: CSR = #(s is True) / #(s is not None), pooled; ISR = share of
instances with at least one non-None score whose scores are all truthy. ``strict`` mode rows
with status ``error`` count as failures (errors count against ISR); ``compat`` leaves them out
as upstream's None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from evalkit.metrics import Column, Metric, N, Table, mean, ratio
from evalkit.records import CheckRow


def _score(row: CheckRow) -> Any:
    details = row.details or {}
    if "score" not in details:
        return None
    if row.status == "error" and (details.get("mode") == "strict"):
        return False
    return details["score"]


def scored(checks: Sequence[CheckRow]) -> list[tuple[CheckRow, Any]]:
    """(row, upstream score) for every row that has a non-None score."""
    out = []
    for row in checks:
        value = _score(row)
        if value is not None:
            out.append((row, value))
    return out


def csr(rows: Sequence[tuple[CheckRow, Any]]) -> float | None:
    """Pooled share of scores that are ``True``."""
    return sum(1 for _, v in rows if v is True) / len(rows) if rows else None


def tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """CSR per ``dimension`` and per ``type`` (a comma-joined list counts once per listed type)."""
    rows = scored(checks)
    out: dict[str, list[dict[str, Any]]] = {}
    for dim in ("dimension", "type"):
        groups: dict[str, list[tuple[CheckRow, Any]]] = {}
        for row, value in rows:
            raw = str((row.model_extra or {}).get(dim, ""))
            for part in raw.split(",") if dim == "type" else [raw]:
                groups.setdefault(part, []).append((row, value))
        out[f"csr_by_{dim}"] = [{dim: k, "n": len(g), "CSR": csr(g)} for k, g in sorted(groups.items())]
    return out


def outcome_table(checks: Sequence[CheckRow]) -> list[dict[str, Any]]:
    """How many constraints ended scored, not applicable, in an evaluation error, unparseable…"""
    counts = Counter(str((r.details or {}).get("outcome", r.status)) for r in checks)
    return [{"outcome": k, "n": v} for k, v in sorted(counts.items())]


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per instance (sample, epoch) with a non-None score: ``satisfied`` (scores that are True),
    ``scored`` (non-None scores) and ``all_satisfied`` (every score truthy)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row, value in scored(checks):
        cell = out.setdefault((row.sample_id, row.epoch), {"satisfied": 0, "scored": 0, "all_satisfied": True})
        cell["satisfied"] += value is True
        cell["scored"] += 1
        cell["all_satisfied"] = cell["all_satisfied"] and bool(value)
    return out


DECLARED_METRICS = (
    Metric("CSR", "constraint success rate: share of scored constraints satisfied (pooled)",
           ratio("satisfied", "scored"), headline=True),
    Metric("ISR", "instruction success rate: share of instances with every scored constraint satisfied",
           mean("all_satisfied"), headline=True),
)
DECLARED_TABLES = (
    Table("csr_by_dimension", "dimension", "CSR per constraint dimension", (N, Column("CSR", "share satisfied"))),
    Table("csr_by_type", "type", "CSR per constraint type (a constraint of several types counts in each)",
          (N, Column("CSR", "share satisfied"))),
    Table("outcomes", "outcome", "constraints per evaluation outcome", (N,)),
)
