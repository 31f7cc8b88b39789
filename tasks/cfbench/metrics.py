"""CFBench's per-sample CSR / ISR / PSR and their means, computed exactly as upstream.

Per sample (scores s ∈ {0, 1}, rounded with numpy as upstream): CSR = round(mean(s), 2);
ISR = CSR ≥ 1; PSR = 0 for parse flag "-1", CSR > 0.8 for "0" (fallback), and for a strict parse:
0 if any primary (主需) item is 0, else CSR > 0.8 when there is no primary item, 1 when there is
no secondary (次需) item, else 0.5 + 0.5·round(mean(secondary), 2) > 0.8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalkit.metrics import Column, Metric, N, Table, mean
from evalkit.records import CheckRow

PRIMARY, SECONDARY = "主需", "次需"


@dataclass(frozen=True)
class SampleScore:
    """One judged (sample, epoch): upstream's parse flag and metrics plus its table dimensions."""

    sample_id: str
    epoch: int
    parsing: str
    CSR: float
    ISR: int
    PSR: int
    dims: dict[str, Any]


def _r2(values: Sequence[float]) -> float:
    return float(round(np.mean(np.asarray(values, dtype=float)), 2))


def sample_metrics(parsing: str, scores: Sequence[str], priorities: Sequence[str]) -> tuple[float, int, int]:
    """(CSR, ISR, PSR) of one sample from its parse flag, score strings and item priorities."""
    s = [float(x) for x in scores]
    csr = _r2(s)
    isr = 0 if csr < 1 else 1
    if parsing == "-1":
        return csr, isr, 0
    if parsing == "0":
        return csr, isr, int(csr > 0.8)
    primary = [v for v, p in zip(s, priorities, strict=True) if p == PRIMARY]
    secondary = [v for v, p in zip(s, priorities, strict=True) if p == SECONDARY]
    if 0 in primary:
        return csr, isr, 0
    if not primary:
        return csr, isr, int(csr > 0.8)
    if not secondary:
        return csr, isr, 1
    return csr, isr, int(0.5 + 0.5 * _r2(secondary) > 0.8)


def _units(checks: Sequence[CheckRow]) -> dict[tuple[str, int], list[CheckRow]]:
    units: dict[tuple[str, int], list[CheckRow]] = {}
    for c in checks:
        units.setdefault((c.sample_id, c.epoch), []).append(c)
    return units


def per_sample(checks: Sequence[CheckRow]) -> list[SampleScore]:
    """Upstream's metrics of every judged (sample, epoch); unjudged units and unparseable ones
    are left out, except that ``compat`` counts an unparseable checklist as upstream's ["0"]."""
    out = []
    for (sid, epoch), rows in _units(checks).items():
        rows = sorted(rows, key=lambda r: r.constraint_index)
        first = rows[0]
        details = first.details or {}
        if "parsing" not in details:
            continue  # not judged, judge call failed, or a checker error
        if any(r.status == "error" for r in rows) and not (details["parsing"] == "-1" and details.get("mode") == "compat"):
            continue
        priorities = [str((r.model_extra or {}).get("priority", "")) for r in rows]
        scores = details["scores"]
        csr, isr, psr = sample_metrics(details["parsing"], scores, priorities)
        extra = first.model_extra or {}
        dims = {k: extra.get(k, "") for k in ("split", "domain", "source", "scenario")}
        out.append(SampleScore(sid, epoch, details["parsing"], csr, isr, psr, dims))
    return out


def parse_flags(checks: Sequence[CheckRow]) -> list[dict[str, Any]]:
    """Rows ``{parsing, n}``: judged (sample, epoch) units per parse flag, those left out of the
    rates included (``crash``: upstream would abort; ``-1`` in ``strict``), sorted by flag."""
    flags: dict[str, int] = {}
    for rows in _units(checks).values():
        first = min(rows, key=lambda r: r.constraint_index)
        flag = (first.details or {}).get("parsing")
        if flag is not None:
            flags[str(flag)] = flags.get(str(flag), 0) + 1
    return [{"parsing": k, "n": v} for k, v in sorted(flags.items())]


def means(scores: Sequence[SampleScore]) -> dict[str, float | None]:
    """Unrounded means of CSR, ISR and PSR (None when nothing was judged)."""
    if not scores:
        return {"CSR": None, "ISR": None, "PSR": None}
    return {m: float(np.mean([getattr(s, m) for s in scores])) for m in ("CSR", "ISR", "PSR")}


def table(scores: Sequence[SampleScore], dim: str) -> list[dict[str, Any]]:
    """Rows ``{dim: value, n, CSR, ISR, PSR}`` per value of a sample dimension, sorted by value."""
    groups: dict[str, list[SampleScore]] = {}
    for s in scores:
        groups.setdefault(str(s.dims.get(dim, "")), []).append(s)
    return [{dim: value, "n": len(group), **means(group)} for value, group in sorted(groups.items())]


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per judged (sample, epoch): upstream's ``CSR`` (rounded), ``ISR`` and ``PSR`` (0/1)."""
    return {(s.sample_id, s.epoch): {"CSR": s.CSR, "ISR": s.ISR, "PSR": s.PSR} for s in per_sample(checks)}


_DESCRIPTIONS = {
    "CSR": "constraint satisfaction rate: mean over samples of the share of checklist items met (rounded to 2 places per sample, as upstream)",
    "ISR": "instruction satisfaction rate: share of samples with every checklist item met",
    "PSR": "priority satisfaction rate: share of samples meeting every primary item and enough secondary ones (upstream rule)",
}


def _declared_metrics() -> tuple[Metric, ...]:
    out = [Metric(m, _DESCRIPTIONS[m], mean(m), headline=True) for m in ("CSR", "ISR", "PSR")]
    for split in ("easy", "hard"):
        out += [Metric(f"{m}_{split}", f"{m} over the {split} split", mean(m, where={"split": split}))
                for m in ("CSR", "ISR", "PSR")]
    return tuple(out)


DECLARED_METRICS = _declared_metrics()
_COLUMNS = (N, Column("CSR", _DESCRIPTIONS["CSR"]), Column("ISR", _DESCRIPTIONS["ISR"]),
            Column("PSR", _DESCRIPTIONS["PSR"]))
DECLARED_TABLES = (
    *(Table(d, d, f"CSR / ISR / PSR per {d} (judged samples)", _COLUMNS) for d in ("split", "domain", "source", "scenario")),
    Table("judge_parsing", "parsing", "judged samples per upstream parse flag (1 parsed, 0 fallback, -1 unparseable, "
          "crash: upstream would abort; crash samples and strict mode's -1 are left out of the rates)", (N,)),
)
