"""Comparing two runs: paired per-sample tests on the same (sample id, epoch) units.

Each pack's headline metrics are compared from ``scores.json``; significance comes from the
paired per-unit outcomes in ``checks.jsonl``: McNemar's exact test on the all-pass outcome
(``accuracy`` and any other unit-level binary metric), a paired bootstrap on the per-unit
constraint pass fraction (``constraint_macro``). A regression is a drop larger than
``max_drop`` with p < ``alpha``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.records import CheckRow
from evalkit.store import RunDir

Unit = tuple[str, int]


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` (pass→fail) and ``c`` (fail→pass) discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    if n > 2000:  # normal approximation with continuity correction
        z = (abs(b - c) - 1) / math.sqrt(n)
        return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_bootstrap(base: list[float], cur: list[float], iterations: int = 2000, seed: int = 0) -> float:
    """Two-sided paired bootstrap p-value for a change in the mean (seeded, deterministic)."""
    import numpy as np

    diffs = np.asarray(cur, dtype=float) - np.asarray(base, dtype=float)
    if diffs.size == 0 or not diffs.any():
        return 1.0
    observed = float(diffs.mean())
    centred = diffs - observed
    rng = np.random.default_rng(seed)
    means = centred[rng.integers(0, diffs.size, size=(iterations, diffs.size))].mean(axis=1)
    extreme = int((np.abs(means) >= abs(observed)).sum())
    return (extreme + 1) / (iterations + 1)


def unit_outcomes(checks: list[CheckRow], pack: str) -> dict[Unit, tuple[bool, float]]:
    """Per (sample, epoch) of ``pack``: (all ok-checks passed, fraction passed); units with checker errors left out."""
    grouped: dict[Unit, list[bool]] = defaultdict(list)
    errored: set[Unit] = set()
    for row in checks:
        if row.pack != pack:
            continue
        unit = (row.sample_id, row.epoch)
        if row.status == "error":
            errored.add(unit)
        elif row.status == "ok":
            grouped[unit].append(bool(row.passed))
    return {u: (all(v), sum(v) / len(v)) for u, v in grouped.items() if v and u not in errored}


@dataclass(frozen=True)
class MetricChange:
    """One metric of one pack in both runs."""

    pack: str
    metric: str
    baseline: float | None
    current: float | None
    delta: float | None
    p_value: float | None
    test: str
    n_paired: int
    regression: bool


def _check_comparable(base: dict[str, Any], cur: dict[str, Any], force: bool) -> list[str]:
    problems = []
    for pack, entry in base.get("packs", {}).items():
        other = cur.get("packs", {}).get(pack)
        if other is None:
            continue
        if entry.get("version") != other.get("version"):
            problems.append(f"{pack}: pack version {entry.get('version')} vs {other.get('version')}")
        if entry.get("data_sha256") != other.get("data_sha256"):
            problems.append(f"{pack}: data files differ (sha256)")
    if problems and not force:
        raise EvalkitError("runs are not comparable (" + "; ".join(problems) + "); pass --force to compare anyway")
    return problems


def compare_runs(baseline: RunDir, current: RunDir, max_drop: float = 0.0, alpha: float = 0.05,
                 force: bool = False) -> dict[str, Any]:
    """Compare every pack present in both runs; returns the JSON diff (``regressions`` lists the failures)."""
    warnings = _check_comparable(baseline.read_manifest(), current.read_manifest(), force)
    base_scores, cur_scores = baseline.read_scores()["packs"], current.read_scores()["packs"]
    common = [p for p in base_scores if p in cur_scores]
    if not common:
        raise EvalkitError("the two runs have no pack in common")
    base_checks, cur_checks = baseline.read_checks(), current.read_checks()
    changes: list[MetricChange] = []
    rows: list[dict[str, Any]] = []
    for pack in common:
        b_units, c_units = unit_outcomes(base_checks, pack), unit_outcomes(cur_checks, pack)
        paired = sorted(set(b_units) & set(c_units))
        for metric, b_val in base_scores[pack]["metrics"].items():
            c_val = cur_scores[pack]["metrics"].get(metric)
            changes.append(_metric_change(pack, metric, b_val, c_val, b_units, c_units, paired, max_drop, alpha))
        rows.extend(_table_changes(pack, base_scores[pack], cur_scores[pack]))
    regressions = [c for c in changes if c.regression]
    return {"max_drop": max_drop, "alpha": alpha, "warnings": warnings, "metrics": [asdict(c) for c in changes],
            "tables": rows, "regressions": [f"{c.pack}.{c.metric}" for c in regressions]}


def _metric_change(pack: str, metric: str, b_val: Any, c_val: Any, b_units: dict[Unit, tuple[bool, float]],
                   c_units: dict[Unit, tuple[bool, float]], paired: list[Unit], max_drop: float,
                   alpha: float) -> MetricChange:
    delta = c_val - b_val if isinstance(b_val, int | float) and isinstance(c_val, int | float) else None
    p_value: float | None = None
    test = "none"
    if metric == "accuracy" and paired:
        b = sum(1 for u in paired if b_units[u][0] and not c_units[u][0])
        c = sum(1 for u in paired if not b_units[u][0] and c_units[u][0])
        p_value, test = mcnemar_exact(b, c), "mcnemar"
    elif metric == "constraint_macro" and paired:
        p_value = paired_bootstrap([b_units[u][1] for u in paired], [c_units[u][1] for u in paired])
        test = "paired_bootstrap"
    regression = delta is not None and delta < -max_drop and p_value is not None and p_value < alpha
    return MetricChange(pack, metric, b_val, c_val, delta, p_value, test, len(paired), regression)


def _table_changes(pack: str, base: dict[str, Any], cur: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for table, b_rows in base.get("tables", {}).items():
        c_index = {str(r.get(table)): r for r in cur.get("tables", {}).get(table, [])}
        for row in b_rows:
            other = c_index.get(str(row.get(table)))
            if other is None or row.get("rate") is None or other.get("rate") is None:
                continue
            out.append({"pack": pack, "table": table, "value": row.get(table), "baseline": row["rate"],
                        "current": other["rate"], "delta": other["rate"] - row["rate"],
                        "n_baseline": row["n"], "n_current": other["n"]})
    return out
