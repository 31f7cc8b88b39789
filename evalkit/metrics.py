"""Declared metrics and tables, and the generic computation of a metric from per-sample records.

A pack declares each metric once (:class:`Metric`): its name, description, direction (higher or
lower is better), whether it is a headline, and how it is aggregated from the pack's per-sample
records (:class:`Aggregate`). A record is one (sample, epoch) unit of one pack: its table
dimensions (``dims``) and the per-unit values metrics aggregate (``values``). Records are written
to ``records.jsonl`` in the run directory, and the declarations to ``scores.json``, so the score
of any metric, its confidence interval and a paired test between two runs can be recomputed by
any reader without the pack's code or data (except ``custom`` aggregations, which name an
importable function).

Aggregations (``None`` values and records outside ``where`` are left out):

- ``mean``: mean of ``field`` over records; a sum of integers is exact, a sum of floats follows
  ``summation`` (``pairwise`` = numpy's order, ``sequential`` = Python's ``sum``);
- ``ratio``: Σ ``field`` ÷ Σ ``denominator`` (a micro average, e.g. passed checks ÷ checks);
- with ``group_by`` (outermost first) either is computed per innermost group, then averaged
  unweighted level by level (e.g. LR²Bench: per level, then mean over a task's levels, then mean
  over tasks), groups in ``group_order`` (values per dimension; others after, in order of
  first appearance) so that float sums do not depend on the order of the records;
- ``digits`` rounds the final value (as an upstream scorer that reports rounded figures);
- ``custom``: ``function`` (``"module:name"``) called with the records and ``params``. A custom
  function that is a mean over samples of a per-sample value (e.g. ``pass_at_k``) says so with a
  ``per_sample`` attribute (:func:`per_sample_mean`): its bootstrap then weighs each sample's
  value by how often the resample draws it, for all resamples at once.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path
from typing import Any, Literal

Direction = Literal["higher", "lower"]
AggregateOp = Literal["mean", "ratio", "custom"]
Z95 = 1.959963984540054
BOOTSTRAP_ITERATIONS = 1000
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Record:
    """One (sample, epoch) unit of one pack: table dimensions and the values metrics aggregate."""

    pack: str
    sample_id: str
    epoch: int
    dims: Mapping[str, str] = _field(default_factory=dict)
    values: Mapping[str, Any] = _field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``records.jsonl`` row: ``pack``, ``sample_id``, ``epoch``, ``dims``, ``values``."""
        return {"pack": self.pack, "sample_id": self.sample_id, "epoch": self.epoch,
                "dims": dict(self.dims), "values": dict(self.values)}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Record:
        """A record from a ``records.jsonl`` row."""
        return cls(str(obj["pack"]), str(obj["sample_id"]), int(obj.get("epoch", 0)),
                   dict(obj.get("dims") or {}), dict(obj.get("values") or {}))


@dataclass(frozen=True)
class Aggregate:
    """How a metric is computed from records (see the module docstring)."""

    op: AggregateOp
    field: str = ""
    denominator: str = ""
    where: Mapping[str, str] = _field(default_factory=dict)
    group_by: tuple[str, ...] = ()
    group_order: Mapping[str, tuple[str, ...]] = _field(default_factory=dict)
    summation: Literal["pairwise", "sequential"] = "pairwise"
    digits: int | None = None
    function: str = ""
    params: Mapping[str, Any] = _field(default_factory=dict)
    # the bootstrap's resampling unit: the records sharing this dimension's value are drawn
    # together (e.g. the five levels of one example); records without it are drawn by sample id
    resample_by: str = ""

    def to_json(self) -> dict[str, Any]:
        """The declaration as written in ``scores.json`` (empty settings left out)."""
        out: dict[str, Any] = {"op": self.op}
        for key in ("field", "denominator", "function", "resample_by"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.where:
            out["where"] = dict(self.where)
        if self.group_by:
            out["group_by"] = list(self.group_by)
        if self.group_order:
            out["group_order"] = {k: list(v) for k, v in self.group_order.items()}
        if self.op == "mean" and self.summation != "pairwise":
            out["summation"] = self.summation
        if self.digits is not None:
            out["digits"] = self.digits
        if self.params:
            out["params"] = dict(self.params)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Aggregate:
        """An aggregation from its ``scores.json`` form."""
        return cls(op=obj["op"], field=obj.get("field", ""), denominator=obj.get("denominator", ""),
                   where=dict(obj.get("where") or {}), group_by=tuple(obj.get("group_by") or ()),
                   group_order={k: tuple(v) for k, v in (obj.get("group_order") or {}).items()},
                   summation=obj.get("summation", "pairwise"), digits=obj.get("digits"), function=obj.get("function", ""),
                   params=dict(obj.get("params") or {}), resample_by=obj.get("resample_by", ""))


@dataclass(frozen=True)
class Metric:
    """A declared metric: name, description, direction, headline flag and aggregation."""

    name: str
    description: str
    aggregate: Aggregate
    direction: Direction = "higher"
    headline: bool = False

    def to_json(self) -> dict[str, Any]:
        """The ``scores.json`` declaration (``ci_method`` is added by the scorer)."""
        return {"name": self.name, "description": self.description, "direction": self.direction,
                "headline": self.headline, "aggregate": self.aggregate.to_json()}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Metric:
        """A metric from its ``scores.json`` declaration."""
        return cls(str(obj["name"]), str(obj.get("description", "")), Aggregate.from_json(obj["aggregate"]),
                   obj.get("direction", "higher"), bool(obj.get("headline", False)))


def mean(field_name: str, **kwargs: Any) -> Aggregate:
    """Shorthand for ``Aggregate(op="mean", field=field_name, ...)``."""
    return Aggregate(op="mean", field=field_name, **kwargs)


def ratio(numerator: str, denominator: str, **kwargs: Any) -> Aggregate:
    """Shorthand for ``Aggregate(op="ratio", field=numerator, denominator=denominator, ...)``."""
    return Aggregate(op="ratio", field=numerator, denominator=denominator, **kwargs)


def custom(function: str, resample_by: str = "", **params: Any) -> Aggregate:
    """Shorthand for ``Aggregate(op="custom", function=function, params=params, resample_by=...)``."""
    return Aggregate(op="custom", function=function, params=params, resample_by=resample_by)


@dataclass(frozen=True)
class Column:
    """A declared value column of a table: ``kind`` is ``rate`` (in [0, 1]), ``count``,
    ``value`` (any number) or ``label`` (text)."""

    name: str
    description: str = ""
    kind: Literal["rate", "count", "value", "label"] = "rate"

    def to_json(self) -> dict[str, Any]:
        """``{name, description, kind}``."""
        return {"name": self.name, "description": self.description, "kind": self.kind}


@dataclass(frozen=True)
class Table:
    """A declared table: its key column (``dimension``), description and value columns. Every row
    has the dimension, ``n`` and the declared columns; ``rate`` (when declared) has ``ci_low`` and
    ``ci_high`` beside it."""

    name: str
    dimension: str
    description: str
    columns: tuple[Column, ...]

    def to_json(self) -> dict[str, Any]:
        """``{name, dimension, description, columns: [{name, description, kind}]}``."""
        return {"name": self.name, "dimension": self.dimension, "description": self.description,
                "columns": [c.to_json() for c in self.columns]}


RATE = Column("rate", "share of units passing", "rate")
N = Column("n", "units counted", "count")
PASSED = Column("passed", "units passing", "count")


def rate_table(name: str, description: str, *extra: Column, dimension: str | None = None) -> Table:
    """A table with the standard ``n``, ``passed`` and ``rate`` (with Wilson CI) columns plus ``extra``."""
    return Table(name, dimension or name, description, (N, PASSED, RATE, *extra))


# --- exact sums and CIs ----------------------------------------------------------------------------

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
    so a mean equals numpy's ``mean`` bit for bit."""
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


def _total(values: Sequence[Any], summation: str) -> float | int:
    if all(isinstance(v, bool | int) for v in values):
        return sum(int(v) for v in values)
    floats = [float(v) for v in values]
    return pairwise_sum(floats) if summation == "pairwise" else sum(floats)


# --- point estimates ---------------------------------------------------------------------------

def selected(agg: Aggregate, records: Iterable[Record]) -> list[Record]:
    """The records ``agg`` counts: inside ``where`` and with ``field`` (and ``denominator``) set."""
    out = []
    for r in records:
        if any(str(r.dims.get(k, r.values.get(k, ""))) != str(v) for k, v in agg.where.items()):
            continue
        if agg.op != "custom" and (r.values.get(agg.field) is None
                                   or (agg.op == "ratio" and r.values.get(agg.denominator) is None)):
            continue
        out.append(r)
    return out


def _flat(agg: Aggregate, records: Sequence[Record]) -> float | None:
    if not records:
        return None
    num = _total([r.values[agg.field] for r in records], agg.summation)
    if agg.op == "mean":
        return num / len(records)
    den = _total([r.values[agg.denominator] for r in records], "sequential")
    return num / den if den else None


def _grouped(agg: Aggregate, records: Sequence[Record], depth: int) -> float | None:
    if depth == len(agg.group_by):
        return _flat(agg, records)
    groups: dict[str, list[Record]] = {}
    key = agg.group_by[depth]
    for r in records:
        groups.setdefault(str(r.dims.get(key, "")), []).append(r)
    rank = {v: i for i, v in enumerate(agg.group_order.get(key, ()))}
    ordered = sorted(groups, key=lambda v: rank.get(v, len(rank)))  # stable: unlisted in order of appearance
    values = [v for g in ordered if (v := _grouped(agg, groups[g], depth + 1)) is not None]
    return sum(values) / len(values) if values else None


def resolve(function: str) -> Callable[..., float | None]:
    """The function a ``custom`` aggregation names (``"module:name"``)."""
    module, _, name = function.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def compute(agg: Aggregate, records: Iterable[Record]) -> float | None:
    """The value of an aggregation over ``records`` (None when nothing is counted)."""
    chosen = selected(agg, records)
    value = resolve(agg.function)(chosen, **agg.params) if agg.op == "custom" else _grouped(agg, chosen, 0)
    return value if value is None or agg.digits is None else round(value, agg.digits)


def is_binary(agg: Aggregate, records: Iterable[Record]) -> bool:
    """True for an ungrouped ``mean`` of a field whose counted values are all 0/1 (or booleans):
    such a metric gets a Wilson CI and McNemar's exact test."""
    if agg.op != "mean" or agg.group_by:
        return False
    return all(r.values[agg.field] in (0, 1) for r in selected(agg, records))


# --- the core metrics every pack has -----------------------------------------------------------

CORE_METRICS: tuple[Metric, ...] = (
    Metric("accuracy", "share of (sample, epoch) units with every counted constraint passed", mean("all_pass")),
    Metric("constraint_micro", "share of all counted constraint checks passed", ratio("n_passed", "n_checks")),
    Metric("constraint_macro", "mean over units of the share of their constraints passed", mean("pass_fraction")),
)


def per_sample_mean(per_sample: Callable[..., float | None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a custom aggregation as the mean, over sample ids, of ``per_sample(records of one
    sample, **params)`` (None values left out), so resamples need not call it on drawn records."""
    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        function.per_sample = per_sample  # type: ignore[attr-defined]
        return function
    return mark


def per_sample_replicates(per_sample: Callable[..., float | None], groups: Sequence[Sequence[Record]],
                          weights: Any, params: Mapping[str, Any]) -> Any:
    """A per-sample mean under each resample: row ``b`` of ``weights`` draws sample ``i``
    ``weights[b, i]`` times, each draw counting as one sample (NaN where no drawn sample has a value)."""
    import numpy as np

    found = [per_sample(group, **params) for group in groups]
    values = np.array([0.0 if v is None else v for v in found])
    counted = np.array([v is not None for v in found], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (weights @ values) / (weights @ counted)
    out[~np.isfinite(out)] = np.nan
    return out


def _pass_at_k_of_sample(records: Sequence[Record], k: int) -> float | None:
    """Unbiased pass@k of one sample's records (None with fewer than ``k`` counted epochs)."""
    n = c = 0
    for r in records:
        if r.values.get("all_pass") is not None:
            n += 1
            c += bool(r.values["all_pass"])
    if n < k:
        return None
    return 1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)


@per_sample_mean(_pass_at_k_of_sample)
def pass_at_k(records: Sequence[Record], k: int) -> float | None:
    """Unbiased pass@k over samples with at least ``k`` counted epochs (Chen et al. 2021), from
    the records' ``all_pass``; None when no sample has ``k`` epochs."""
    per_sample: dict[str, list[int]] = {}
    for r in records:
        if r.values.get("all_pass") is None:
            continue
        cell = per_sample.setdefault(r.sample_id, [0, 0])
        cell[0] += 1
        cell[1] += bool(r.values["all_pass"])
    vals = [1.0 if n - c < k else 1.0 - math.comb(n - c, k) / math.comb(n, k)
            for n, c in per_sample.values() if n >= k]
    return sum(vals) / len(vals) if vals else None


def epoch_metrics(top: int) -> tuple[Metric, ...]:
    """With ``top`` ≥ 2 epochs: ``mean`` (all-pass over samples × epochs), ``pass@1`` and ``pass@top``."""
    if top < 2:
        return ()
    out = [Metric("mean", "all-pass rate over samples × epochs", mean("all_pass"))]
    for k in dict.fromkeys((1, top)):
        out.append(Metric(f"pass@{k}", f"unbiased pass@{k} over samples", custom("evalkit.metrics:pass_at_k", k=k)))
    return tuple(out)


RECORDS_FILE = "records.jsonl"


def write_records(run_dir: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace ``records.jsonl`` in ``run_dir`` with ``rows`` (written whole, then renamed)."""
    import json

    path = Path(run_dir) / RECORDS_FILE
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_records(run_dir: Path, pack: str | None = None) -> list[Record]:
    """The records of ``run_dir`` (of one ``pack`` when given); EvalkitError when the run has no
    ``records.jsonl`` (scored before records existed: ``evalkit score RUN_DIR`` writes it)."""
    import json

    from evalkit.errors import EvalkitError

    path = Path(run_dir) / RECORDS_FILE
    if not path.is_file():
        raise EvalkitError(f"{path} not found: re-score the run with `evalkit score {run_dir}` to write it")
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = Record.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalkitError(f"{path}:{lineno}: not a record ({type(exc).__name__}: {exc})") from None
        if pack is None or record.pack == pack:
            out.append(record)
    return out
