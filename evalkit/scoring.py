"""The scorer: per-constraint verdicts → headline metrics and per-dimension tables with 95% CIs.

Units are (sample, epoch). Only checks with ``status == "ok"`` count: a unit with any checker
error is left out of the sample-level rates (and counted under ``counts``), a skipped check
(no response, or a constraint strict mode could not interpret) is left out of its unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from evalkit.packs import TaskPack
from evalkit.records import CheckRow

SCHEMA_VERSION = 1
Z95 = 1.959963984540054


def wilson(passed: int, n: int) -> tuple[float | None, float | None]:
    """95% Wilson score interval for ``passed`` successes out of ``n`` (None, None when n == 0)."""
    if n == 0:
        return None, None
    p = passed / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _rows(frame: pd.DataFrame, by: str, passed_col: str) -> list[dict[str, Any]]:
    out = []
    grouped = frame.groupby(by, sort=True, dropna=False)[passed_col].agg(["sum", "count"])
    for value, row in grouped.iterrows():
        n, k = int(row["count"]), int(row["sum"])
        lo, hi = wilson(k, n)
        out.append({by: value, "n": n, "passed": k, "rate": k / n if n else None, "ci_low": lo, "ci_high": hi})
    return out


def _frame(checks: Sequence[CheckRow], dims: Sequence[str]) -> pd.DataFrame:
    cols = ["sample_id", "epoch", "constraint_index", "passed", "status", *dims]
    records = []
    for c in checks:
        extra = c.model_extra or {}
        records.append([c.sample_id, c.epoch, c.constraint_index, c.passed, c.status, *(str(extra.get(d, "")) for d in dims)])
    return pd.DataFrame.from_records(records, columns=cols)


def _pass_at(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one prompt with ``c`` passing samples out of ``n`` (Chen et al. 2021)."""
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_at_k(units: pd.DataFrame) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """With several epochs: ``mean`` (all-pass rate over samples × epochs) and ``pass@k`` for
    k = 1..K (K the most epochs any sample has), as metrics and as the ``pass_at_k`` table."""
    if not len(units):
        return {}, []
    per_sample = units.groupby("sample_id", sort=False)["all_pass"].agg(["count", "sum"])
    top = int(per_sample["count"].max())
    if top < 2:
        return {}, []
    metrics: dict[str, float] = {"mean": float(units["all_pass"].mean())}
    rows: list[dict[str, Any]] = []
    for k in range(1, top + 1):
        vals = [_pass_at(int(n), int(c), k) for n, c in zip(per_sample["count"], per_sample["sum"], strict=True) if n >= k]
        rate = sum(vals) / len(vals) if vals else None
        rows.append({"pass_at_k": k, "n": len(vals), "passed": round(sum(vals), 2), "rate": rate,
                     "ci_low": None, "ci_high": None})
        if rate is not None and k in (1, top):
            metrics[f"pass@{k}"] = rate
    return metrics, rows


def score_pack(pack: TaskPack, checks: Sequence[CheckRow], generation_status: dict[str, int] | None = None) -> dict[str, Any]:
    """Metrics and tables for one pack from its check rows (see module docstring for the rules)."""
    dims = [*pack.sample_tables, *pack.group_tables, *pack.constraint_tables]
    frame = _frame(checks, dims)
    status_counts = {s: int(n) for s, n in frame["status"].value_counts().items()} if len(frame) else {}
    ok = frame[frame["status"] == "ok"].copy()
    ok["passed"] = ok["passed"].astype(bool)
    unit_cols = ["sample_id", "epoch"]
    errored = frame[frame["status"] == "error"][unit_cols].drop_duplicates()
    if len(errored):
        keys = set(map(tuple, errored.to_numpy().tolist()))
        ok = ok[pd.Series([(s, e) not in keys for s, e in zip(ok["sample_id"], ok["epoch"], strict=True)],
                          index=ok.index, dtype=bool)]  # a Series: an empty list would select no columns
    units = ok.groupby(unit_cols, sort=False).agg(
        all_pass=("passed", "all"), frac=("passed", "mean"), **{d: (d, "first") for d in pack.sample_tables}
    ).reset_index()
    n_units, n_checks = len(units), len(ok)
    metrics = {
        "accuracy": float(units["all_pass"].mean()) if n_units else None,
        "constraint_micro": float(ok["passed"].mean()) if n_checks else None,
        "constraint_macro": float(units["frac"].mean()) if n_units else None,
    }
    tables: dict[str, list[dict[str, Any]]] = {}
    for d in pack.sample_tables:
        tables[d] = _rows(units, d, "all_pass")
    for d in pack.group_tables:
        groups = ok.groupby([*unit_cols, d], sort=False)["passed"].all().reset_index()
        tables[d] = _rows(groups, d, "passed")
    for d in pack.constraint_tables:
        tables[d] = _rows(ok, d, "passed")
    epoch_metrics, epoch_table = pass_at_k(units)
    metrics.update(epoch_metrics)
    if epoch_table:
        tables["pass_at_k"] = epoch_table
    metrics.update(pack.pack_metrics(checks))
    tables.update(pack.pack_tables(checks))
    lo, hi = wilson(int(units["all_pass"].sum()), n_units) if n_units else (None, None)
    return {
        "version": pack.version,
        "headline": pack.headline,
        "metrics": metrics,
        "ci": {"accuracy": [lo, hi]},
        "counts": {
            "units": n_units, "units_with_checker_errors": len(errored), "checks": int(len(frame)),
            "check_status": status_counts, "generation_status": dict(generation_status or {}),
        },
        "tables": tables,
    }


def build_scores(per_pack: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``scores.json`` document."""
    return {"schema_version": SCHEMA_VERSION, "packs": per_pack}
