"""Seeded bootstrap over sample ids for any declared metric: CIs and paired two-run tests.

A resample draws sample ids with replacement (all epochs of a sample travel together) and
recomputes the metric. A metric whose aggregation names ``resample_by`` (a dimension) draws the
values of that dimension instead, all records sharing one travelling together (e.g. the five
levels of a FollowBench example, the generations of one CoDI context); records without it are
drawn by sample id. A unit drawn several times enters a ``custom`` function as that many distinct
copies (their sample ids and ``resample_by`` values marked ``#1``, ``#2``…), so a function that
groups records counts each copy as a group of its own. ``mean`` and ``ratio`` aggregations (grouped or not) are recomputed for
all resamples at once from per-sample sums, and so are ``custom`` ones that are a mean of a
per-sample value (``evalkit.metrics.per_sample_mean``, e.g. pass@k: each draw of a sample counts
as one sample); other ``custom`` ones call their function per resample (fewer resamples, as that
is slower).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from evalkit.metrics import (
    BOOTSTRAP_ITERATIONS,
    BOOTSTRAP_SEED,
    Aggregate,
    Record,
    per_sample_replicates,
    resolve,
    selected,
)

CUSTOM_ITERATIONS = 200


_CHUNK = 64  # resamples drawn at a time: the draws never need more than a slice of the matrix


@functools.lru_cache(maxsize=8)
def _weights(n_samples: int, iterations: int, seed: int) -> Any:
    """``iterations`` × ``n_samples`` matrix (float64, whole numbers): how often each sample is
    drawn in each resample (read-only; kept for the next metric drawing the same resamples).
    Drawn a slice of resamples at a time from one generator, which gives the same draws as one
    call for the whole matrix, with a fraction of the memory."""
    import numpy as np

    rng = np.random.default_rng(seed)
    weights = np.empty((iterations, n_samples))
    for start in range(0, iterations, _CHUNK):
        count = min(_CHUNK, iterations - start)
        draws = rng.integers(0, n_samples, size=(count, n_samples))
        draws += (np.arange(count) * n_samples)[:, None]
        weights[start:start + count] = np.bincount(draws.ravel(), minlength=count * n_samples).reshape(count, n_samples)
    weights.setflags(write=False)
    return weights


def _group_means(values: Any, keys: list[tuple[str, ...]], depth: int) -> Any:
    """Unweighted nested means of group columns ``values`` (resamples × groups) over key prefixes."""
    import numpy as np

    while depth > 0:
        prefixes = list(dict.fromkeys(k[: depth - 1] for k in keys))
        cols = []
        for prefix in prefixes:
            members = [i for i, k in enumerate(keys) if k[: depth - 1] == prefix]
            block = values[:, members]
            count = (~np.isnan(block)).sum(axis=1)
            total = np.nansum(block, axis=1)
            cols.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
        values, keys, depth = np.stack(cols, axis=1), prefixes, depth - 1
    return values[:, 0]


def unit_of(agg: Aggregate) -> Callable[[Record], str]:
    """The resampling unit of a record under ``agg``: its sample id, or with ``resample_by`` the
    value of that dimension (the sample id where the record lacks it)."""
    dim = agg.resample_by
    if not dim:
        return operator.attrgetter("sample_id")

    def unit(r: Record) -> str:
        value = str(r.dims.get(dim) or "")
        return f"{dim}={value}" if value else f"sample={r.sample_id}"

    return unit


def _units(agg: Aggregate, records: Sequence[Record]) -> list[str]:
    """The distinct resampling units of ``records``, in order of first appearance."""
    return list(dict.fromkeys(map(unit_of(agg), records)))


def _copy(r: Record, k: int, dim: str) -> Record:
    """The ``k``-th extra copy of a drawn record: sample id (and ``dim``'s value) marked ``#k``."""
    dims = dict(r.dims)
    if dim and dims.get(dim):
        dims[dim] = f"{dims[dim]}#{k}"
    return replace(r, sample_id=f"{r.sample_id}#{k}", dims=dims)


def _declarative(agg: Aggregate, records: Sequence[Record], samples: list[str], weights: Any) -> Any:
    import numpy as np

    index = {s: i for i, s in enumerate(samples)}
    unit = unit_of(agg)
    keys = list(dict.fromkeys(tuple(str(r.dims.get(g, "")) for g in agg.group_by) for r in records))
    gindex = {k: j for j, k in enumerate(keys)}
    num = np.zeros((len(samples), max(len(keys), 1)))
    den = np.zeros_like(num)
    for r in records:
        cell = (index[unit(r)], gindex[tuple(str(r.dims.get(g, "")) for g in agg.group_by)])
        num[cell] += float(r.values[agg.field])
        den[cell] += 1.0 if agg.op == "mean" else float(r.values[agg.denominator])
    with np.errstate(invalid="ignore", divide="ignore"):
        group_values = (weights @ num) / (weights @ den)
    group_values[~np.isfinite(group_values)] = np.nan
    if not keys:
        return np.full(weights.shape[0], np.nan)
    return _group_means(group_values, keys, len(agg.group_by))


def _custom(agg: Aggregate, records: Sequence[Record], samples: list[str], weights: Any) -> Any:
    import numpy as np

    unit = unit_of(agg)
    by_unit: dict[str, list[Record]] = {}
    for r in records:
        by_unit.setdefault(unit(r), []).append(r)
    function = resolve(agg.function)
    groups = [by_unit.get(s, []) for s in samples]
    if hasattr(function, "per_sample"):  # a mean over samples: all resamples at once
        return per_sample_replicates(function.per_sample, groups, weights, agg.params)
    copies: dict[tuple[int, int], list[Record]] = {}

    def copy(i: int, k: int) -> list[Record]:
        found = copies.get((i, k))
        if found is None:
            found = copies[(i, k)] = [_copy(r, k, agg.resample_by) for r in groups[i]]
        return found

    out = np.full(weights.shape[0], np.nan)
    for b, row in enumerate(weights):
        drawn: list[Record] = []
        for i in np.flatnonzero(row).tolist():
            drawn += groups[i]
            for k in range(1, int(row[i])):
                drawn += copy(i, k)
        value = function(drawn, **agg.params)
        out[b] = np.nan if value is None else value
    return out


def replicates(agg: Aggregate, records: Sequence[Record], samples: list[str], weights: Any) -> Any:
    """The metric recomputed under each resample (rows of ``weights`` over ``samples``); NaN where
    a resample leaves nothing to count."""
    chosen = selected(agg, records)
    if agg.op == "custom":
        return _custom(agg, chosen, samples, weights)
    return _declarative(agg, chosen, samples, weights)


def _iterations(agg: Aggregate) -> int:
    slow = agg.op == "custom" and not hasattr(resolve(agg.function), "per_sample")
    return CUSTOM_ITERATIONS if slow else BOOTSTRAP_ITERATIONS


def bootstrap_ci(agg: Aggregate, records: Sequence[Record], seed: int = BOOTSTRAP_SEED) -> tuple[float | None, float | None]:
    """95% percentile bootstrap interval of the metric over its resampling units (sample ids
    unless the aggregation names ``resample_by``; None, None without data)."""
    import numpy as np

    samples = _units(agg, records)
    if not samples:
        return None, None
    values = replicates(agg, records, samples, _weights(len(samples), _iterations(agg), seed))
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None, None
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def paired_bootstrap(agg: Aggregate, base: Sequence[Record], cur: Sequence[Record],
                     seed: int = BOOTSTRAP_SEED) -> tuple[float | None, float | None, float]:
    """Paired bootstrap of the change (current − baseline) on the sample ids both record sets
    share, each resample drawing the same ids in both: (95% percentile CI low, high, two-sided
    p-value). The p-value is the normal one of the observed change over the bootstrap standard
    error, floored at 1 / (resamples + 1): the resolution of the bootstrap (low enough to stay
    usable under a Holm–Bonferroni correction over dozens of headlines)."""
    import math

    import numpy as np

    from evalkit.metrics import compute

    base_units = _units(agg, base)
    shared = set(base_units) & set(_units(agg, cur))
    samples = [s for s in base_units if s in shared]
    if not samples:
        return None, None, 1.0
    weights = _weights(len(samples), _iterations(agg), seed)
    diffs = replicates(agg, cur, samples, weights) - replicates(agg, base, samples, weights)
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size == 0 or not diffs.any():
        return 0.0, 0.0, 1.0
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    b_val, c_val = compute(agg, base), compute(agg, cur)
    observed = 0.0 if b_val is None or c_val is None else c_val - b_val
    se = float(diffs.std(ddof=1)) if diffs.size > 1 else 0.0
    floor = 1 / (diffs.size + 1)
    if se == 0.0:
        return float(lo), float(hi), 1.0 if observed == 0 else floor
    return float(lo), float(hi), min(1.0, max(floor, math.erfc(abs(observed) / se / math.sqrt(2))))
