"""The scorer: per-constraint verdicts → headline metrics and per-dimension tables with 95% CIs.

Units are (sample, epoch). Only checks with ``status == "ok"`` count: a unit with any checker
error is left out of the sample-level rates (and counted under ``counts``), a skipped check
(no response, or a constraint strict mode could not interpret) is left out of its unit.

Plain Python, no pandas (importing it costs more than scoring thousands of checks). Table rows
are sorted by value; the one mean over non-integral values is summed in numpy's pairwise order,
so every figure equals what numpy/pandas would compute, to the bit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


def pairwise_sum(values: Sequence[float]) -> float:
    """Sum of float ``values`` in numpy's pairwise order (``np.add.reduce`` of a float64 array),
    so a mean equals pandas' ``Series.mean`` bit for bit."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n <= 128:
        r = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in values[i:]:
            total += v
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(values[:half]) + pairwise_sum(values[half:])


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
    """One table row per value of dimension ``by`` (sorted): n, passed, rate and Wilson CI."""
    counts: dict[str, list[int]] = {}
    for value, passed in items:
        cell = counts.setdefault(value, [0, 0])
        cell[0] += 1
        cell[1] += passed
    out = []
    for value in sorted(counts):
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


def score_pack(pack: TaskPack, checks: Sequence[CheckRow], generation_status: dict[str, int] | None = None) -> dict[str, Any]:
    """Metrics and tables for one pack from its check rows (see module docstring for the rules)."""
    errored = {(c.sample_id, c.epoch) for c in checks if c.status == "error"}
    ok = [c for c in checks if c.status == "ok" and (c.sample_id, c.epoch) not in errored]
    units = _units(ok, pack.sample_tables)
    n_units, n_checks = len(units), len(ok)
    n_pass = sum(u.all_pass for u in units.values())
    metrics = {
        "accuracy": n_pass / n_units if n_units else None,
        "constraint_micro": sum(bool(c.passed) for c in ok) / n_checks if n_checks else None,
        "constraint_macro": pairwise_sum([u.passed / u.n for u in units.values()]) / n_units if n_units else None,
    }
    tables: dict[str, list[dict[str, Any]]] = {}
    for d in pack.sample_tables:
        tables[d] = _rows(d, ((u.dims[d], u.all_pass) for u in units.values()))
    for d in pack.group_tables:
        tables[d] = _group_rows(ok, d)
    for d in pack.constraint_tables:
        tables[d] = _rows(d, ((_dim(c, d), bool(c.passed)) for c in ok))
    epoch_metrics, epoch_table = pass_at_k([(sample_id, u.all_pass) for (sample_id, _), u in units.items()])
    metrics.update(epoch_metrics)
    if epoch_table:
        tables["pass_at_k"] = epoch_table
    metrics.update(pack.pack_metrics(checks))
    tables.update(pack.pack_tables(checks))
    lo, hi = wilson(n_pass, n_units) if n_units else (None, None)
    return {
        "version": pack.version,
        "headline": pack.headline,
        "metrics": metrics,
        "ci": {"accuracy": [lo, hi]},
        "counts": {
            "units": n_units, "units_with_checker_errors": len(errored), "checks": len(checks),
            "check_status": _status_counts(checks), "generation_status": dict(generation_status or {}),
        },
        "tables": tables,
    }


def build_scores(per_pack: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``scores.json`` document."""
    return {"schema_version": SCHEMA_VERSION, "packs": per_pack}
