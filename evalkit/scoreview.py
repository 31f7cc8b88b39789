"""What every reader of ``scores.json`` shows: each pack's declared metrics and declared tables.

Reports, exports, the leaderboard and the analysis API read a pack's results through
:func:`pack_views`, which returns the pack's metrics (name, description, direction, headline
flag, value, 95% CI) and tables (dimension, declared columns, rows) from the declarations the
scorer writes (``metric_declarations``, ``table_declarations``, schema version 2). For a
``scores.json`` written before declarations existed, the same views are derived from the file
(every metric higher-is-better, the named ``headline`` as the headline, table columns as found in
the rows), so older run directories stay readable. No reader names a pack or a pack's column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError

CI_KEYS = ("ci_low", "ci_high")


@dataclass(frozen=True)
class MetricView:
    """One metric of one pack as readers show it."""

    name: str
    description: str
    direction: str  # "higher" or "lower" (is better)
    headline: bool
    value: float | None
    ci_low: float | None
    ci_high: float | None
    ci_method: str = ""


@dataclass(frozen=True)
class ColumnView:
    """One declared value column of a table; ``kind`` is rate, count, value or label."""

    name: str
    description: str
    kind: str


@dataclass(frozen=True)
class TableView:
    """One table of one pack: its key column (``dimension``), value columns and rows."""

    name: str
    dimension: str
    description: str
    columns: tuple[ColumnView, ...]
    rows: tuple[dict[str, Any], ...]

    def ci(self, row: dict[str, Any], column: str) -> tuple[float | None, float | None]:
        """The 95% CI of ``column`` in ``row``: ``ci_low``/``ci_high`` for the ``rate`` column,
        ``<column>_ci_low``/``<column>_ci_high`` for another, (None, None) when absent."""
        if column == "rate":
            return row.get("ci_low"), row.get("ci_high")
        return row.get(f"{column}_ci_low"), row.get(f"{column}_ci_high")

    @property
    def primary(self) -> ColumnView | None:
        """The column a one-number summary shows: ``rate`` if declared, else the first rate
        column, else the first numeric one (None for a table of labels only)."""
        rates = [c for c in self.columns if c.kind == "rate"]
        named = [c for c in rates if c.name == "rate"]
        numeric = [c for c in self.columns if c.kind in ("value", "count") and c.name != "n"]
        pick = named or rates or numeric
        return pick[0] if pick else None


@dataclass(frozen=True)
class PackView:
    """Everything readers show of one pack in one run."""

    name: str
    version: str
    metrics: tuple[MetricView, ...]
    tables: tuple[TableView, ...]
    counts: dict[str, Any]

    @property
    def headlines(self) -> tuple[MetricView, ...]:
        """The headline metrics, in declaration order."""
        return tuple(m for m in self.metrics if m.headline)

    @property
    def units(self) -> int | None:
        """The number of (sample, epoch) units scored."""
        units = self.counts.get("units")
        return units if isinstance(units, int) else None

    def metric(self, name: str) -> MetricView | None:
        """The metric called ``name``, or None."""
        return next((m for m in self.metrics if m.name == name), None)


def _ci_pair(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return _num(value[0]), _num(value[1])
    return None, None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _metrics(data: dict[str, Any]) -> tuple[MetricView, ...]:
    values: dict[str, Any] = data.get("metrics") or {}
    cis: dict[str, Any] = data.get("ci") or {}
    decls = data.get("metric_declarations")
    if not decls:  # older files: every metric as found, the named headline first-class
        headline = data.get("headline", "accuracy")
        decls = [{"name": k, "direction": "higher", "headline": k == headline} for k in values]
    out = []
    for d in decls:
        if not isinstance(d, dict) or "name" not in d:
            continue
        name = str(d["name"])
        lo, hi = _ci_pair(cis.get(name))
        out.append(MetricView(name, str(d.get("description") or ""), str(d.get("direction") or "higher"),
                              bool(d.get("headline")), _num(values.get(name)), lo, hi, str(d.get("ci_method") or "")))
    known = {m.name for m in out}
    for name, value in values.items():  # a value without a declaration is still shown
        if name not in known:
            lo, hi = _ci_pair(cis.get(name))
            out.append(MetricView(name, "", "higher", False, _num(value), lo, hi))
    return tuple(out)


def _kind(values: Iterable[Any], name: str) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, str) for v in present):
        return "label"
    if name == "rate" or (present and all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in present)):
        return "rate"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "count"
    return "value"


def _infer_table(name: str, rows: list[dict[str, Any]]) -> tuple[str, tuple[ColumnView, ...]]:
    """Dimension and columns of a table without a declaration, from its rows."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    dimension = name if name in keys else (keys[0] if keys else name)
    cols = [k for k in keys if k != dimension and k not in CI_KEYS and not k.endswith(("_ci_low", "_ci_high"))]
    return dimension, tuple(ColumnView(k, "", _kind((r.get(k) for r in rows), k)) for k in cols)


def _tables(data: dict[str, Any]) -> tuple[TableView, ...]:
    tables: dict[str, Any] = data.get("tables") or {}
    decls = {str(d["name"]): d for d in data.get("table_declarations") or [] if isinstance(d, dict) and "name" in d}
    out = []
    for name, rows in tables.items():
        rows = [r for r in rows or [] if isinstance(r, dict)]
        decl = decls.get(name)
        if decl and rows and not any(str(decl.get("dimension") or name) in r for r in rows):
            decl = None  # a declaration that does not fit the rows: show the rows as they are
        if decl:
            dimension = str(decl.get("dimension") or name)
            columns = tuple(ColumnView(str(c["name"]), str(c.get("description") or ""), str(c.get("kind") or "value"))
                            for c in decl.get("columns") or [])
            description = str(decl.get("description") or "")
        else:
            dimension, columns = _infer_table(name, rows)
            description = ""
        out.append(TableView(name, dimension, description, columns, tuple(rows)))
    return tuple(out)


def pack_view(name: str, data: dict[str, Any]) -> PackView:
    """The view of one ``packs.<name>`` entry of ``scores.json``."""
    return PackView(name, str(data.get("version") or ""), _metrics(data), _tables(data), dict(data.get("counts") or {}))


def pack_views(scores: dict[str, Any]) -> list[PackView]:
    """One :class:`PackView` per pack of a ``scores.json`` document, in file order."""
    return [pack_view(name, data) for name, data in (scores.get("packs") or {}).items() if isinstance(data, dict)]


def read_run(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``run.json`` and ``scores.json`` of the run directory ``path``; EvalkitError (one line,
    naming the file) when either is missing, not JSON, or not shaped like a scored run."""
    from evalkit.store import RunDir

    rd = RunDir(path)
    try:
        scores = rd.read_scores()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvalkitError(f"{path / 'scores.json'}: not valid JSON ({exc}); re-create it with `evalkit score {path}`"
                           ) from None
    manifest = rd.read_manifest()
    if not isinstance(manifest, dict) or not isinstance(scores, dict) or not isinstance(scores.get("packs"), dict):
        raise EvalkitError(f"{path}: run.json or scores.json is not shaped like a scored run's")
    return manifest, scores


def fmt_value(value: Any, kind: str) -> str:
    """A cell as text: rates in percent with two decimals, other numbers as they are, None as '—'."""
    if value is None:
        return "—"
    if kind == "rate" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{100 * value:.2f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fmt_ci(low: float | None, high: float | None, kind: str = "rate") -> str:
    """``low–high`` (percent for rates), or '' when there is no interval."""
    if low is None or high is None:
        return ""
    return f"{fmt_value(low, kind)}–{fmt_value(high, kind)}"


def metric_kind(metric: MetricView) -> str:
    """How a metric is shown: ``rate`` (percent) when it and its CI lie in [0, 1], else ``value``."""
    values = [v for v in (metric.value, metric.ci_low, metric.ci_high) if v is not None]
    return "rate" if all(0.0 <= v <= 1.0 for v in values) else "value"
