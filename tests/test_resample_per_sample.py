"""Bootstrap of custom metrics that are a mean of a per-sample value (pass@k)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from evalkit.metrics import Record, compute, custom, pass_at_k, per_sample_replicates
from evalkit.resample import bootstrap_ci, paired_bootstrap, replicates


def _records(n_samples: int, epochs: int, seed: int, rate: float = 0.4) -> list[Record]:
    rng = random.Random(seed)
    out = []
    for s in range(n_samples):
        p = rng.random() * rate * 2
        for e in range(rng.randint(1, epochs)):
            value = None if rng.random() < 0.05 else rng.random() < p
            out.append(Record("p", f"s{s}", e, {}, {"all_pass": value}))
    return out


@pytest.mark.parametrize("k", [1, 2, 4])
def test_one_draw_of_every_sample_gives_the_point_value(k: int) -> None:
    records = _records(80, 5, seed=k)
    samples = list(dict.fromkeys(r.sample_id for r in records))
    groups = [[r for r in records if r.sample_id == s] for s in samples]
    got = per_sample_replicates(pass_at_k.per_sample, groups, np.ones((1, len(samples)), dtype=int), {"k": k})
    assert got[0] == pytest.approx(pass_at_k(records, k), rel=1e-12)


@pytest.mark.parametrize("k", [1, 3])
def test_each_draw_of_a_sample_counts_as_one_sample(k: int) -> None:
    """A resample equals pass@k of the drawn records with every copy of a sample renamed apart."""
    records = _records(30, 4, seed=10 + k)
    samples = list(dict.fromkeys(r.sample_id for r in records))
    rng = np.random.default_rng(3)
    weights = rng.integers(0, 3, size=(5, len(samples)))
    got = replicates(custom("evalkit.metrics:pass_at_k", k=k), records, samples, weights)
    for row, value in zip(weights, got, strict=True):
        drawn = [Record("p", f"{r.sample_id}#{copy}", r.epoch, {}, dict(r.values))
                 for i, s in enumerate(samples) for copy in range(row[i]) for r in records if r.sample_id == s]
        want = pass_at_k(drawn, k)
        assert (np.isnan(value) and want is None) or value == pytest.approx(want, rel=1e-12)


def test_pass_at_k_interval_holds_the_point_value_and_is_seeded() -> None:
    records = _records(300, 6, seed=1, rate=0.2)
    agg = custom("evalkit.metrics:pass_at_k", k=5)
    value = compute(agg, records)
    lo, hi = bootstrap_ci(agg, records)
    assert value is not None and lo is not None and hi is not None and lo < value < hi
    assert bootstrap_ci(agg, records) == (lo, hi)
    low, high, p = paired_bootstrap(agg, records, records)
    assert (low, high, p) == (0.0, 0.0, 1.0)
