"""FollowBench's HSR, SSR and CSL from check rows, as upstream ``gpt4_based_evaluation.py``.

Unit = one (instruction, epoch). Rule items have one check: hard = soft = passed. Judge items
have one check per added constraint sharing one verdict: hard = all YES, soft = share of YES.
An unparseable verdict is upstream's ``-1`` for both: in ``compat`` it stays in the rates
(summed as -1, counted in n), in ``strict`` it is left out and counted under ``unparsed``.
Unjudged, skipped or failed units are left out and counted.

- HSR@k / SSR@k = Σ hard / Σ soft over the level-k units ÷ their number (upstream divides by
  ``len(data)//5``; here by the actual count, equal for complete data);
- per category and overall, "all levels" pools the units of levels 1–5 (= the mean of the five
  level rates when every group is complete);
- CSL: per complete group (levels 1–5 all scored, same epoch) the number of consecutive levels
  from 1 with hard = 1, averaged over groups (a ``-1`` breaks the chain as upstream);
- ``HSR_weighted`` / ``SSR_weighted``: upstream ``aggregator.py`` — per category (content,
  situation, style, format, mixed) Σ k·rate@k / 15, averaged over categories.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from evalkit.metrics import PASSED, RATE, Column, Metric, N, Table, custom, mean, wilson
from evalkit.records import CheckRow

CATEGORIES = ("content", "situation", "style", "format", "example", "mixed")
WEIGHTED = ("content", "situation", "style", "format", "mixed")
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Unit:
    """One scored instruction: ``status`` ok | unparsed (judge verdict -1) | error | skipped."""

    category: str
    group: str
    level: int
    epoch: int
    status: str
    hard: float = 0.0
    soft: float = 0.0
    mode: str = "compat"  # of an unparsed verdict: compat keeps it as -1, strict leaves it out


def _unit(rows: list[CheckRow]) -> Unit:
    extra = rows[0].model_extra or {}
    base = Unit(str(extra.get("category", "")), str(extra.get("example_id", "")), int(extra.get("level", 0)),
                rows[0].epoch, "ok")
    if any(r.status == "skipped" for r in rows):
        return replace(base, status="skipped")
    if any(r.status == "error" for r in rows):
        details = [r.details or {} for r in rows]
        if all(d.get("hard") == -1 for d in details):
            return replace(base, status="unparsed", hard=-1, soft=-1, mode=str(details[0].get("mode", "compat")))
        return replace(base, status="error")
    passed = [bool(r.passed) for r in rows]
    return replace(base, hard=float(all(passed)), soft=sum(passed) / len(passed))


def units(checks: Iterable[CheckRow]) -> list[Unit]:
    """One Unit per (sample, epoch) of the check rows."""
    by_key: dict[tuple[str, int], list[CheckRow]] = {}
    for c in checks:
        by_key.setdefault((c.sample_id, c.epoch), []).append(c)
    return [_unit(rows) for rows in by_key.values()]


def counted(us: Iterable[Unit]) -> list[Unit]:
    """The units that enter the rates: ok, plus unparsed verdicts (as -1) graded in compat."""
    return [u for u in us if u.status == "ok" or (u.status == "unparsed" and u.mode != "strict")]


def _rate_row(key: str, value: str, us: Sequence[Unit], attr: str) -> dict[str, Any]:
    n = len(us)
    total = sum(getattr(u, attr) for u in us)
    unparsed = sum(1 for u in us if u.status == "unparsed")
    rate = total / n if n else None
    row: dict[str, Any] = {key: value, "n": n, "passed": None, "rate": rate, "ci_low": None, "ci_high": None,
                           "unparsed": unparsed}
    if attr == "hard" and not unparsed:  # plain pass counts: a Wilson interval applies
        row["passed"] = int(total)
        row["ci_low"], row["ci_high"] = wilson(int(total), n)
    return row


def rate_table(us: Sequence[Unit], attr: str, key: str) -> list[dict[str, Any]]:
    """Rows ``"<category> L<k>"``, ``"<category> all"`` … and ``"all L<k>"``, ``"all all"``."""
    rows = []
    present = [c for c in CATEGORIES if any(u.category == c for u in us)]
    for cat in [*present, "all"]:
        mine = [u for u in us if cat == "all" or u.category == cat]
        for level in LEVELS:
            at = [u for u in mine if u.level == level]
            if at:
                rows.append(_rate_row(key, f"{cat} L{level}", at, attr))
        rows.append(_rate_row(key, f"{cat} all", mine, attr))
    return rows


def chains(us: Sequence[Unit]) -> dict[str, list[int]]:
    """Per category, the consecutive-satisfied-level count of every complete group."""
    by_group: dict[tuple[str, str, int], dict[int, Unit]] = {}
    for u in us:
        by_group.setdefault((u.category, u.group, u.epoch), {})[u.level] = u
    out: dict[str, list[int]] = {}
    for (cat, _, _), levels in sorted(by_group.items()):
        if set(levels) != set(LEVELS):
            continue
        count = 0
        for level in LEVELS:
            if levels[level].hard != 1:
                break
            count += 1
        out.setdefault(cat, []).append(count)
    return out


def csl_table(us: Sequence[Unit]) -> list[dict[str, Any]]:
    """Rows per category and ``all``: n complete groups, ``CSL`` (0–5) and rate = CSL / 5."""
    per = chains(us)
    rows = []
    for cat in [*(c for c in CATEGORIES if c in per), "all"]:
        values = [v for c, vs in per.items() if cat in ("all", c) for v in vs]
        csl = sum(values) / len(values) if values else None
        rows.append({"CSL": cat, "n": len(values), "passed": None, "rate": None if csl is None else csl / 5,
                     "ci_low": None, "ci_high": None, "levels": csl})
    return rows


def weighted(us: Sequence[Unit], attr: str) -> float | None:
    """Upstream aggregator: mean over the five judged categories of Σ k·rate@k / 15 (None unless
    every one of them has all five levels)."""
    scores = []
    for cat in WEIGHTED:
        rates = []
        for level in LEVELS:
            at = [getattr(u, attr) for u in us if u.category == cat and u.level == level]
            if not at:
                return None
            rates.append(sum(at) / len(at))
        scores.append(sum(k * r for k, r in zip(LEVELS, rates, strict=True)) / 15)
    return sum(scores) / len(scores)


def _mean(us: Sequence[Unit], attr: str) -> float | None:
    return sum(getattr(u, attr) for u in us) / len(us) if us else None


def metrics(checks: Sequence[CheckRow]) -> dict[str, float | None]:
    """HSR / SSR overall, per level and per category, CSL / 5 and the upstream weighted scores."""
    us = counted(units(checks))
    out: dict[str, float | None] = {"HSR": _mean(us, "hard"), "SSR": _mean(us, "soft")}
    for level in LEVELS:
        at = [u for u in us if u.level == level]
        out[f"HSR_L{level}"], out[f"SSR_L{level}"] = _mean(at, "hard"), _mean(at, "soft")
    for cat in CATEGORIES:
        mine = [u for u in us if u.category == cat]
        if mine:
            out[f"HSR_{cat}"], out[f"SSR_{cat}"] = _mean(mine, "hard"), _mean(mine, "soft")
    csl = csl_table(us)[-1]["rate"]
    out["CSL_norm"] = csl
    out["HSR_weighted"], out["SSR_weighted"] = weighted(us, "hard"), weighted(us, "soft")
    return out


def status_table(checks: Sequence[CheckRow]) -> list[dict[str, Any]]:
    """Instructions per unit status (ok, unparsed judge verdict per mode, error, skipped)."""
    counts: dict[str, int] = {}
    for u in units(checks):
        key = f"unparsed ({u.mode}: {'left out' if u.mode == 'strict' else 'counted as -1'})" \
            if u.status == "unparsed" else u.status
        counts[key] = counts.get(key, 0) + 1
    return [{"instructions": k, "n": v} for k, v in sorted(counts.items())]


def tables(checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
    """The HSR, SSR and CSL tables and the unit status counts."""
    us = counted(units(checks))
    return {"HSR": rate_table(us, "hard", "HSR"), "SSR": rate_table(us, "soft", "SSR"), "CSL": csl_table(us),
            "instructions": status_table(checks)}


def record_values(checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (instruction, epoch): ``hard`` and ``soft`` when the unit enters the rates (an
    unparsed verdict in compat as -1), else None for both."""
    by_key: dict[tuple[str, int], list[CheckRow]] = {}
    for c in checks:
        by_key.setdefault((c.sample_id, c.epoch), []).append(c)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for key, rows in by_key.items():
        unit = _unit(rows)
        counts = unit in counted([unit])
        out[key] = {"hard": unit.hard if counts else None, "soft": unit.soft if counts else None}
    return out


def _record_units(records: Sequence[Any]) -> list[Unit]:
    return [Unit(str(r.dims.get("category", "")), str(r.dims.get("example_id", "")), int(r.dims.get("level") or 0),
                 r.epoch, "ok", float(r.values["hard"]), float(r.values["soft"]))
            for r in records if r.values.get("hard") is not None]


def csl_norm(records: Sequence[Any]) -> float | None:
    """CSL / 5 over all categories, from records (see :func:`csl_table`)."""
    rate: float | None = csl_table(_record_units(records))[-1]["rate"]
    return rate


def weighted_score(records: Sequence[Any], attr: str) -> float | None:
    """Upstream's level-weighted HSR (``attr="hard"``) or SSR (``"soft"``), from records (see :func:`weighted`)."""
    return weighted(_record_units(records), attr)


def _declared_metrics() -> tuple[Metric, ...]:
    seq = {"summation": "sequential"}
    out = [Metric("HSR", "hard satisfaction rate: share of instructions with every added constraint met",
                  mean("hard", **seq), headline=True),
           Metric("SSR", "soft satisfaction rate: mean share of an instruction's constraints met",
                  mean("soft", **seq), headline=True)]
    for level in LEVELS:
        out += [Metric(f"HSR_L{level}", f"HSR of level-{level} instructions", mean("hard", where={"level": str(level)}, **seq)),
                Metric(f"SSR_L{level}", f"SSR of level-{level} instructions", mean("soft", where={"level": str(level)}, **seq))]
    for cat in CATEGORIES:
        out += [Metric(f"HSR_{cat}", f"HSR of {cat} instructions", mean("hard", where={"category": cat}, **seq)),
                Metric(f"SSR_{cat}", f"SSR of {cat} instructions", mean("soft", where={"category": cat}, **seq))]
    out += [Metric("CSL_norm", "consecutive satisfied levels ÷ 5, mean over complete level-1–5 groups",
                   custom("evalkit.tasks.followbench.metrics:csl_norm", resample_by="example_id")),
            Metric("HSR_weighted", "upstream aggregator: mean over categories of Σ k·HSR@k / 15",
                   custom("evalkit.tasks.followbench.metrics:weighted_score", attr="hard")),
            Metric("SSR_weighted", "upstream aggregator: mean over categories of Σ k·SSR@k / 15",
                   custom("evalkit.tasks.followbench.metrics:weighted_score", attr="soft"))]
    return tuple(out)


DECLARED_METRICS = _declared_metrics()
_RATE_COLUMNS = (N, PASSED, RATE, Column("unparsed", "judge verdicts that could not be parsed (counted as -1 in compat)", "count"))
DECLARED_TABLES = (
    Table("HSR", "HSR", "HSR per category × level (\"<category> L<k>\", \"<category> all\", \"all …\")", _RATE_COLUMNS),
    Table("SSR", "SSR", "SSR per category × level", _RATE_COLUMNS),
    Table("CSL", "CSL", "consecutive satisfied levels per category: n complete groups, rate = CSL / 5, levels = CSL",
          (N, RATE, Column("levels", "mean consecutive satisfied levels (0–5)", "value"))),
    Table("instructions", "instructions", "instructions per unit status", (N,)),
)
