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

from evalkit.records import CheckRow
from evalkit.scoring import wilson

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
