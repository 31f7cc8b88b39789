"""The scorer: check rows → per-sample records → every declared metric (with a 95% CI) and
the declared tables.

Units are (sample, epoch). Only checks with ``status == "ok"`` count: a unit with any checker
error is left out of the sample-level rates (and counted under ``counts``), a skipped check
(no response, or a constraint strict mode could not interpret) is left out of its unit.
Metrics are computed from the records by their declared aggregation (``evalkit.metrics``); the
records go to ``records.jsonl``, the values and declarations to ``scores.json``.

The scorer itself imports no pandas (the runner stays light). Table rows are sorted by value;
float means are summed in numpy's pairwise order, so every figure equals what numpy would
compute, to the bit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalkit.metrics import (
    Metric,
    Record,
    Table,
    compute,
    epoch_metrics,
    is_binary,
    pairwise_sum,
    wilson,
)
from evalkit.packs import TaskPack
from evalkit.records import CheckRow

SCHEMA_VERSION = 2
__all__ = ["SCHEMA_VERSION", "build_records", "build_scores", "pairwise_sum", "score_pack", "wilson"]


@dataclass
class _Group:
    """Verdicts of one group of checks (a unit, or a unit's checks sharing a dimension value)."""

    n: int = 0
    passed: int = 0
    dims: dict[str, str] = field(default_factory=dict)

    @property
    def all_pass(self) -> bool:
        return self.passed == self.n


def _rows(by: str, items: Iterable[tuple[str, bool]]) -> list[dict[str, Any]]:
    """One table row per value of dimension ``by`` (sorted; whole numbers by value, so 2 comes
    before 10): n, passed, rate and Wilson CI."""
    counts: dict[str, list[int]] = {}
    for value, passed in items:
        cell = counts.setdefault(value, [0, 0])
        cell[0] += 1
        cell[1] += passed
    out = []
    for value in sorted(counts, key=lambda v: (0, int(v), v) if v.isdecimal() else (1, 0, v)):
        n, k = counts[value]
        lo, hi = wilson(k, n)
        out.append({by: value, "n": n, "passed": k, "rate": k / n if n else None, "ci_low": lo, "ci_high": hi})
    return out


def _dim(check: CheckRow, d: str) -> str:
    return str((check.model_extra or {}).get(d, ""))


def _pass_at(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one prompt with ``c`` passing samples out of ``n`` (Chen et al. 2021)."""
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_at_k(units: Sequence[tuple[str, bool]]) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """With several epochs: ``mean`` (all-pass rate over samples × epochs) and ``pass@k`` for
    k = 1..K (K the most epochs any sample has), as metrics and as the ``pass_at_k`` table.
    ``units``: (sample id, all constraints passed) per (sample, epoch)."""
    if not units:
        return {}, []
    per_sample: dict[str, list[int]] = {}
    for sample_id, all_pass in units:
        cell = per_sample.setdefault(sample_id, [0, 0])
        cell[0] += 1
        cell[1] += all_pass
    top = max(n for n, _ in per_sample.values())
    if top < 2:
        return {}, []
    metrics: dict[str, float] = {"mean": sum(p for _, p in units) / len(units)}
    rows: list[dict[str, Any]] = []
    for k in range(1, top + 1):
        vals = [_pass_at(n, c, k) for n, c in per_sample.values() if n >= k]
        rate = sum(vals) / len(vals) if vals else None
        rows.append({"pass_at_k": k, "n": len(vals), "passed": round(sum(vals), 2), "rate": rate,
                     "ci_low": None, "ci_high": None})
        if rate is not None and k in (1, top):
            metrics[f"pass@{k}"] = rate
    return metrics, rows


def _status_counts(checks: Sequence[CheckRow]) -> dict[str, int]:
    """Checks per status, most frequent first (ties in order of first appearance)."""
    counts = Counter(c.status for c in checks)
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _units(ok: Sequence[CheckRow], sample_tables: Sequence[str]) -> dict[tuple[str, int], _Group]:
    """The (sample, epoch) units of the counted checks, in order of first appearance."""
    units: dict[tuple[str, int], _Group] = {}
    for c in ok:
        unit = units.get((c.sample_id, c.epoch))
        if unit is None:
            unit = units[(c.sample_id, c.epoch)] = _Group(dims={d: _dim(c, d) for d in sample_tables})
        unit.n += 1
        unit.passed += bool(c.passed)
    return units


def _group_rows(ok: Sequence[CheckRow], d: str) -> list[dict[str, Any]]:
    """All-pass rows per value of constraint dimension ``d``, one group per (unit, value)."""
    groups: dict[tuple[str, int, str], _Group] = {}
    for c in ok:
        group = groups.setdefault((c.sample_id, c.epoch, _dim(c, d)), _Group())
        group.n += 1
        group.passed += bool(c.passed)
    return _rows(d, ((value, g.all_pass) for (_, _, value), g in groups.items()))


def build_records(pack: TaskPack, checks: Sequence[CheckRow]) -> list[Record]:
    """One record per (sample, epoch) of ``checks``, in order of first appearance: the pack's
    dims, the core values (``all_pass``, ``n_checks``, ``n_passed``, ``pass_fraction``; None for
    a unit with a checker error or no counted check) and the pack's own values."""
    errored = {(c.sample_id, c.epoch) for c in checks if c.status == "error"}
    first: dict[tuple[str, int], CheckRow] = {}
    counted: dict[tuple[str, int], list[int]] = {}
    for c in checks:
        key = (c.sample_id, c.epoch)
        first.setdefault(key, c)
        if c.status == "ok" and key not in errored:
            cell = counted.setdefault(key, [0, 0])
            cell[0] += 1
            cell[1] += bool(c.passed)
    own = pack.record_values(checks)
    records = []
    for key, row in first.items():
        n, k = counted.get(key, (0, 0))
        values: dict[str, Any] = ({"all_pass": k == n, "n_checks": n, "n_passed": k, "pass_fraction": k / n} if n
                                  else dict.fromkeys(("all_pass", "n_checks", "n_passed", "pass_fraction")))
        values.update(own.get(key, {}))
        records.append(Record(pack.name, key[0], key[1], {d: _dim(row, d) for d in pack.dims()}, values))
    return records


def metric_ci(metric: Metric, records: Sequence[Record], value: float | None) -> tuple[list[float | None], str]:
    """95% CI of a metric and its method: Wilson for a mean of 0/1 values, else the seeded
    bootstrap over sample ids (``evalkit.resample``); ``none`` when the metric has no value."""
    if value is None:
        return [None, None], "none"
    agg = metric.aggregate
    if is_binary(agg, records):
        from evalkit.metrics import selected

        chosen = selected(agg, records)
        return list(wilson(sum(int(r.values[agg.field]) for r in chosen), len(chosen))), "wilson"
    from evalkit.resample import bootstrap_ci

    return list(bootstrap_ci(agg, records)), "bootstrap"


def _table_declarations(pack: TaskPack, tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The declarations of the tables present, in table order (``pass_at_k`` is core)."""
    from evalkit.metrics import Column, rate_table

    declared: dict[str, Table] = {t.name: t for t in pack.table_declarations()}
    declared["pass_at_k"] = rate_table("pass_at_k", "unbiased pass@k per k (mean over samples)",
                                       dimension="pass_at_k")
    out = []
    for name, rows in tables.items():
        table = declared.get(name)
        if table is None:  # undeclared: its columns as they appear (kept readable, never dropped)
            keys = list(dict.fromkeys(k for r in rows for k in r if k not in (name, "ci_low", "ci_high")))
            table = Table(name, name, "", tuple(Column(k, "", "value") for k in keys))
        out.append(table.to_json())
    return out


def score_pack(pack: TaskPack, checks: Sequence[CheckRow], generation_status: dict[str, int] | None = None) -> dict[str, Any]:
    """Metrics (declared, each with a 95% CI), tables and counts for one pack from its check rows."""
    errored = {(c.sample_id, c.epoch) for c in checks if c.status == "error"}
    ok = [c for c in checks if c.status == "ok" and (c.sample_id, c.epoch) not in errored]
    units = _units(ok, pack.sample_tables)
    records = build_records(pack, checks)
    tables: dict[str, list[dict[str, Any]]] = {}
    for d in pack.sample_tables:
        tables[d] = _rows(d, ((u.dims[d], u.all_pass) for u in units.values()))
    for d in pack.group_tables:
        tables[d] = _group_rows(ok, d)
    for d in pack.constraint_tables:
        tables[d] = _rows(d, ((_dim(c, d), bool(c.passed)) for c in ok))
    _, epoch_table = pass_at_k([(sample_id, u.all_pass) for (sample_id, _), u in units.items()])
    if epoch_table:
        tables["pass_at_k"] = epoch_table
    tables.update(pack.compute_tables(checks))
    core, own = pack.metric_declarations()[:3], pack.metric_declarations()[3:]
    declarations = [*core, *epoch_metrics(len(epoch_table)), *own]
    metrics = {m.name: compute(m.aggregate, records) for m in declarations}
    cis = {m.name: metric_ci(m, records, metrics[m.name]) for m in declarations}
    headlines = [m.name for m in declarations if m.headline]
    return {
        "version": pack.version,
        "headline": headlines[0] if headlines else "accuracy",
        "metrics": metrics,
        "ci": {name: ci for name, (ci, _) in cis.items()},
        "metric_declarations": [{**m.to_json(), "ci_method": cis[m.name][1]} for m in declarations],
        "counts": {
            "units": len(units), "units_with_checker_errors": len(errored), "checks": len(checks),
            "check_status": _status_counts(checks), "generation_status": dict(generation_status or {}),
        },
        "tables": tables,
        "table_declarations": _table_declarations(pack, tables),
        "records": records,
    }


def build_scores(per_pack: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``scores.json`` document (each pack's in-memory ``records`` left out: they go to
    ``records.jsonl``, see :func:`records_of`)."""
    packs = {name: {k: v for k, v in entry.items() if k != "records"} for name, entry in per_pack.items()}
    return {"schema_version": SCHEMA_VERSION, "packs": packs}


def records_of(per_pack: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``records.jsonl`` rows of every pack scored by :func:`score_pack`."""
    return [r.to_json() for entry in per_pack.values() for r in entry.get("records", [])]
