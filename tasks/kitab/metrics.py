"""KITAB aggregation as eureka's AverageAggregator: per metric, the mean over queries whose value is
not NaN (failed inferences and checker errors skipped), rounded to 3 decimals; overall and
grouped by constraint type, author popularity and constrainedness bins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evalkit.metrics import PASSED, Column, Metric, N, Table, mean
from evalkit.records import CheckRow

METRICS = ("satisfied_rate", "unsatisfied_rate", "not_from_author_rate", "completeness", "all_correct")
NAMED = ("human-name", "city-name")


def _scored(checks: Sequence[CheckRow]) -> list[CheckRow]:
    return [c for c in checks if c.checker == "kitab.query" and c.status == "ok" and c.details]


def _means(rows: Sequence[CheckRow]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name in METRICS:
        values = [r.details[name] for r in rows if r.details and r.details.get(name) is not None]
        out[name] = round(sum(values) / len(values), 3) if values else None
    return out


def _row(key: str, value: str, members: Sequence[CheckRow]) -> dict[str, Any]:
    """One table row in evalkit's layout (passed/n/rate/CI = all-correct) plus the KITAB means."""
    from evalkit.scoring import wilson

    passed = sum(1 for m in members if m.details and m.details.get("all_correct") == 1)
    rated = sum(1 for m in members if m.details and m.details.get("satisfied_rate") is not None)
    approx = sum(1 for m in members if m.details and m.details.get("approximate"))
    lo, hi = wilson(passed, len(members))
    return {key: value, "n": len(members), "passed": passed, "rate": passed / len(members) if members else None,
            "ci_low": lo, "ci_high": hi, "n_rated": rated, **_means(members),
            "approximate_share": approx / len(members) if members else None}


def _group_rows(rows: Sequence[CheckRow], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[CheckRow]] = defaultdict(list)
    for r in rows:
        groups[str((r.model_extra or {}).get(key, ""))].append(r)
    return [_row(key, value, groups[value]) for value in sorted(groups)]


def _entity_table(rows: Sequence[CheckRow]) -> list[dict[str, Any]]:
    groups: dict[str, list[CheckRow]] = defaultdict(list)
    for r in rows:
        details = r.details or {}
        if details.get("entity_checker"):
            ctype = str((r.model_extra or {}).get("constraint_type", ""))
            label = "APPROXIMATION" if details.get("approximate") else "upstream path"
            groups[f"{ctype}: {details['entity_checker']} ({label})"].append(r)
    return [_row("entity_checks", value, groups[value]) for value in sorted(groups)]


def kitab_tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """Tables ``constraint_type``, ``popularity``, ``constrainedness`` and ``entity_checks`` (which
    named-entity types were scored by an approximation): per row n, all-correct passed/rate/CI,
    n_rated (queries with defined rates), the five means and the share approximated."""
    rows = _scored(checks)
    return {
        "constraint_type": _group_rows(rows, "constraint_type"),
        "popularity": _group_rows(rows, "popularity"),
        "constrainedness": _group_rows(rows, "constrainedness"),
        "entity_checks": _entity_table(rows),
    }


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per query (sample, epoch): ``scored`` (its check ran and gave figures) and the five
    per-query metrics (None when undefined or not scored)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for c in checks:
        if c.checker != "kitab.query":
            continue
        scored = c.status == "ok" and bool(c.details)
        details = (c.details or {}) if scored else {}
        out[(c.sample_id, c.epoch)] = {"scored": scored, **{m: details.get(m) for m in METRICS}}
    return out


_DESCRIPTIONS = {
    "satisfied_rate": "share of the listed books that satisfy the query's constraints (mean over queries)",
    "unsatisfied_rate": "share of the listed books that violate the constraints (lower is better)",
    "not_from_author_rate": "share of the listed books not written by the author (lower is better)",
    "completeness": "share of the ground-truth books listed",
    "all_correct": "share of queries answered exactly (every book right, none missing)",
}
_LOWER = ("unsatisfied_rate", "not_from_author_rate")
DECLARED_METRICS = (
    *(Metric(m, _DESCRIPTIONS[m] + "; eureka's mean over scored queries, 3 decimals",
             mean(m, summation="sequential", digits=3), "lower" if m in _LOWER else "higher",
             headline=m in ("satisfied_rate", "unsatisfied_rate")) for m in METRICS),
    Metric("scored_share", "share of queries whose answer could be scored", mean("scored")),
)
_COLUMNS = (N, PASSED, Column("rate", "all-correct rate", "rate"), Column("n_rated", "queries with defined rates", "count"),
            *(Column(m, _DESCRIPTIONS[m]) for m in METRICS),
            Column("approximate_share", "share scored with an approximate entity checker"))
DECLARED_TABLES = (
    Table("constraint_type", "constraint_type", "per constraint type", _COLUMNS),
    Table("popularity", "popularity", "per author popularity bin", _COLUMNS),
    Table("constrainedness", "constrainedness", "per constrainedness bin", _COLUMNS),
    Table("entity_checks", "entity_checks", "named-entity constraint types and how they were checked", _COLUMNS),
)
