"""Comparing two runs: every headline metric of every pack in both, in its declared direction.

Each pack's metric declarations and values come from ``scores.json``, the per-sample values from
``records.jsonl`` (no pack code or data is needed). A headline metric is tested on the (sample,
epoch) units common to both runs:

- a mean of a 0/1 value (``ci_method`` Wilson: ``accuracy``, IFEval ``prompt_strict``, CFBench
  ``ISR``…): McNemar's exact test on the discordant pairs;
- any other metric: a paired bootstrap over sample ids (seeded) recomputing the metric in both
  runs from the same resampled ids.

False alarms across many metrics are controlled with Holm–Bonferroni over all tested headline
metrics of all packs (family-wise error ≤ ``alpha``). A regression is a headline that is
significant after that correction **and** worse, in its declared direction, by more than its
``max_drop`` (absolute, on the 0–1 scale; overridable per ``pack.metric``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.metrics import RECORDS_FILE, Metric, Record, read_records, selected
from evalkit.store import RunDir

Z95 = 1.959963984540054


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


def holm(p_values: Sequence[float], alpha: float) -> tuple[list[bool], list[float]]:
    """Holm–Bonferroni: which hypotheses are rejected at family-wise level ``alpha``, and the
    Holm-adjusted p-values, both in input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    rejected, adjusted = [False] * m, [1.0] * m
    running, stopped = 0.0, False
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
        if not stopped and p_values[i] <= alpha / (m - rank):
            rejected[i] = True
        else:
            stopped = True
    return rejected, adjusted


@dataclass(frozen=True)
class MetricChange:
    """One metric of one pack in both runs (tests only for headlines)."""

    pack: str
    metric: str
    direction: str
    headline: bool
    baseline: float | None
    current: float | None
    delta: float | None
    ci_low: float | None  # 95% CI of the paired change (current − baseline)
    ci_high: float | None
    p_value: float | None
    p_holm: float | None
    test: str
    n_paired: int
    max_drop: float | None
    significant: bool
    regression: bool

    @property
    def key(self) -> str:
        """``pack.metric``."""
        return f"{self.pack}.{self.metric}"


def _paired_binary(metric: Metric, base: Sequence[Record], cur: Sequence[Record]) -> tuple[float | None, float | None, float, int]:
    """McNemar on the common units: (CI low, CI high of the change in share, p-value, n paired)."""
    agg = metric.aggregate
    b_units = {(r.sample_id, r.epoch): bool(r.values[agg.field]) for r in selected(agg, base)}
    c_units = {(r.sample_id, r.epoch): bool(r.values[agg.field]) for r in selected(agg, cur)}
    paired = [u for u in b_units if u in c_units]
    n = len(paired)
    if not n:
        return None, None, 1.0, 0
    worse = sum(1 for u in paired if b_units[u] and not c_units[u])
    better = sum(1 for u in paired if not b_units[u] and c_units[u])
    diff = (better - worse) / n
    half = Z95 * math.sqrt(max((better + worse) / n - diff**2, 0.0) / n)
    return diff - half, diff + half, mcnemar_exact(worse, better), n


def _test(metric: Metric, binary: bool, base: Sequence[Record], cur: Sequence[Record]) -> tuple[float | None, float | None, float, int, str]:
    if binary:
        lo, hi, p, n = _paired_binary(metric, base, cur)
        return lo, hi, p, n, "mcnemar_exact"
    from evalkit.resample import paired_bootstrap

    units = {(r.sample_id, r.epoch) for r in base} & {(r.sample_id, r.epoch) for r in cur}
    base_p = [r for r in base if (r.sample_id, r.epoch) in units]
    cur_p = [r for r in cur if (r.sample_id, r.epoch) in units]
    lo, hi, p = paired_bootstrap(metric.aggregate, base_p, cur_p)
    return lo, hi, p, len(units), "paired_bootstrap"


def run_records(run: RunDir, pack: str) -> list[Record]:
    """A pack's records from the run's ``records.jsonl``; a run scored before that file existed
    gets them rebuilt from its ``checks.jsonl`` with the installed pack's code."""
    if (run.path / RECORDS_FILE).is_file():
        return read_records(run.path, pack)
    from evalkit.packs import get_pack
    from evalkit.scoring import build_records

    return build_records(get_pack(pack), [c for c in run.read_checks() if c.pack == pack])


def _declarations(scores: Mapping[str, Any], pack: str, run: RunDir) -> list[tuple[Metric, str]]:
    decls = scores.get("metric_declarations")
    if not decls:
        raise EvalkitError(f"{run.path}: pack {pack!r} has no metric declarations (scored by an older evalkit); "
                           f"re-score it with `evalkit score {run.path}`")
    return [(Metric.from_json(d), str(d.get("ci_method", ""))) for d in decls]


def _pack_changes(pack: str, run_b: RunDir, run_c: RunDir, base: Mapping[str, Any], cur: Mapping[str, Any],
                  max_drop: float, overrides: Mapping[str, float]) -> list[MetricChange]:
    """Changes of every metric of one pack; headlines get their paired test (p not yet corrected)."""
    b_records, c_records = run_records(run_b, pack), run_records(run_c, pack)
    out = []
    for metric, ci_method in _declarations(base, pack, run_b):
        b_val, c_val = base["metrics"].get(metric.name), cur["metrics"].get(metric.name)
        delta = c_val - b_val if isinstance(b_val, int | float) and isinstance(c_val, int | float) else None
        lo = hi = p = None
        test, n = "none", 0
        if metric.headline and delta is not None:
            lo, hi, p, n, test = _test(metric, ci_method == "wilson", b_records, c_records)
        limit = overrides.get(f"{pack}.{metric.name}", max_drop) if metric.headline else None
        out.append(MetricChange(pack, metric.name, metric.direction, metric.headline, b_val, c_val, delta, lo, hi,
                                p, None, test, n, limit, False, False))
    return out


def _gate(changes: list[MetricChange], alpha: float) -> list[MetricChange]:
    """Holm–Bonferroni over the tested headlines, then the direction and max-drop rule."""
    tested = [(i, c.p_value) for i, c in enumerate(changes) if c.p_value is not None]
    rejected, adjusted = holm([p for _, p in tested], alpha)
    out = list(changes)
    for (i, _), rej, adj in zip(tested, rejected, adjusted, strict=True):
        c = changes[i]
        worse = None if c.delta is None else (-c.delta if c.direction == "higher" else c.delta)
        regression = rej and worse is not None and worse > (c.max_drop or 0.0)
        out[i] = replace(c, p_holm=adj, significant=rej, regression=regression)
    return out


def _option_notes(pack: str, entry: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Warnings for ``-T`` options (other than the mode) given differently to the two runs; only
    the options given are recorded, so an option spelled out at its default also differs here."""
    def given(e: dict[str, Any]) -> dict[str, Any]:
        options = e.get("options")
        return {k: v for k, v in options.items() if k != "mode"} if isinstance(options, dict) else {}

    a, b = given(entry), given(other)
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if not keys:
        return []
    shown = ", ".join(f"{k}={a.get(k, '(not given)')} vs {b.get(k, '(not given)')}" for k in keys)
    return [f"{pack}: -T options differ ({shown}); a change may come from them"]


def _check_comparable(base: dict[str, Any], cur: dict[str, Any], force: bool) -> list[str]:
    """Problems that make two runs incomparable (EvalkitError unless ``force``: another pack
    version, other data files, another scoring mode), then warnings (``-T`` options differ)."""
    problems, notes = [], []
    for pack, entry in base.get("packs", {}).items():
        other = cur.get("packs", {}).get(pack)
        if other is None:
            continue
        if entry.get("version") != other.get("version"):
            problems.append(f"{pack}: pack version {entry.get('version')} vs {other.get('version')}")
        if entry.get("data_sha256") != other.get("data_sha256"):
            problems.append(f"{pack}: data files differ (sha256)")
        if entry.get("mode") != other.get("mode"):
            problems.append(f"{pack}: scoring mode {entry.get('mode')} vs {other.get('mode')} (-T mode)")
        notes += _option_notes(pack, entry, other)
    if problems and not force:
        raise EvalkitError("runs are not comparable (" + "; ".join(problems) + "); pass --force to compare anyway")
    return problems + notes


def _check_overrides(overrides: Mapping[str, float], changes: list[MetricChange]) -> None:
    headlines = {c.key for c in changes if c.headline}
    for key in overrides:
        if key not in headlines:
            known = ", ".join(sorted(headlines)) or "none"
            raise EvalkitError(f"--max-drop {key}=…: no such headline metric in both runs (headlines: {known})")


def compare_runs(baseline: RunDir, current: RunDir, max_drop: float = 0.0, alpha: float = 0.05,
                 force: bool = False, overrides: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Compare every pack present in both runs; returns the JSON diff (``regressions`` lists the
    failing ``pack.metric`` names). ``overrides`` maps ``pack.metric`` to its own max drop."""
    overrides = dict(overrides or {})
    warnings = _check_comparable(baseline.read_manifest(), current.read_manifest(), force)
    base_scores, cur_scores = baseline.read_scores()["packs"], current.read_scores()["packs"]
    common = [p for p in base_scores if p in cur_scores]
    if not common:
        raise EvalkitError("the two runs have no pack in common")
    changes: list[MetricChange] = []
    rows: list[dict[str, Any]] = []
    for pack in common:
        changes += _pack_changes(pack, baseline, current, base_scores[pack], cur_scores[pack], max_drop, overrides)
        rows.extend(_table_changes(pack, base_scores[pack], cur_scores[pack]))
    _check_overrides(overrides, changes)
    changes = _gate(changes, alpha)
    tested = sum(1 for c in changes if c.p_value is not None)
    return {"max_drop": max_drop, "max_drop_overrides": overrides, "alpha": alpha,
            "correction": f"holm-bonferroni over {tested} tested headline metric(s)", "warnings": warnings,
            "metrics": [{**asdict(c), "key": c.key} for c in changes], "tables": rows,
            "regressions": [c.key for c in changes if c.regression]}


def _table_changes(pack: str, base: dict[str, Any], cur: dict[str, Any]) -> list[dict[str, Any]]:
    """Rate changes per table row present in both runs (the row key is the declared dimension)."""
    dims = {t["name"]: t.get("dimension", t["name"]) for t in base.get("table_declarations", [])}
    out = []
    for table, b_rows in base.get("tables", {}).items():
        dim = dims.get(table, table)
        c_index = {str(r.get(dim)): r for r in cur.get("tables", {}).get(table, [])}
        for row in b_rows:
            other = c_index.get(str(row.get(dim)))
            if other is None or row.get("rate") is None or other.get("rate") is None:
                continue
            out.append({"pack": pack, "table": table, "value": row.get(dim), "baseline": row["rate"],
                        "current": other["rate"], "delta": other["rate"] - row["rate"],
                        "n_baseline": row.get("n"), "n_current": other.get("n")})
    return out


def _pct(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "—"
    return f"{100 * v:+.2f}" if signed else f"{100 * v:.2f}"


def format_change(c: Mapping[str, Any]) -> str:
    """One line of ``evalkit compare`` output for a metric change (figures in percentage points)."""
    arrow = "higher is better" if c["direction"] == "higher" else "lower is better"
    line = f"{c['key']} ({'headline, ' if c['headline'] else ''}{arrow}): {_pct(c['baseline'])} -> {_pct(c['current'])}"
    line += f" ({_pct(c['delta'], True)})"
    if c["p_value"] is not None:
        test = "McNemar exact" if c["test"] == "mcnemar_exact" else "paired bootstrap"
        line += (f" 95% CI of change [{_pct(c['ci_low'], True)}, {_pct(c['ci_high'], True)}],"
                 f" p={c['p_value']:.3g} ({test}, n={c['n_paired']}), Holm p={c['p_holm']:.3g},"
                 f" max drop {_pct(c['max_drop'])}")
    if c["regression"]:
        line += "  REGRESSION"
    return line


def parse_max_drops(values: Sequence[str]) -> tuple[float, dict[str, float]]:
    """``--max-drop`` values: a plain ``X`` sets the default, ``PACK.METRIC=X`` one metric's own;
    each X in [0, 1]. EvalkitError on anything else."""
    default, overrides = 0.0, {}
    for value in values:
        key, sep, number = value.rpartition("=")
        try:
            x = float(number)
        except ValueError:
            raise EvalkitError(f"--max-drop {value!r}: expected X or PACK.METRIC=X with X a number in [0, 1]") from None
        if not 0 <= x <= 1:
            raise EvalkitError(f"--max-drop {value!r}: {x} is outside [0, 1] (drops are absolute, on the 0–1 scale)")
        if not sep:
            default = x
        elif "." not in key.strip(".") or not key.strip():
            raise EvalkitError(f"--max-drop {value!r}: expected PACK.METRIC=X (e.g. ifeval.prompt_strict=0.01)")
        else:
            overrides[key] = x
    return default, overrides


def summary_lines(diff: Mapping[str, Any]) -> list[str]:
    """The ``evalkit compare`` report: every headline metric, the largest table drops, the gate."""
    lines = [format_change(m) for m in diff["metrics"] if m["headline"]]
    for r in sorted(diff["tables"], key=lambda r: r["delta"])[:5]:
        if r["delta"] < 0:
            lines.append(f"  {r['pack']} {r['table']}={r['value']}: {100 * r['delta']:+.2f}")
    lines.append(f"gate: {diff['correction']}, alpha {diff['alpha']}; a regression is significant after the "
                 f"correction and worse than its max drop in the metric's declared direction")
    return lines
