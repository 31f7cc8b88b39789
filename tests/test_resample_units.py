"""Bootstrap resampling units: a metric that names ``resample_by`` draws whole clusters (all the
records sharing that dimension's value) and a cluster drawn twice enters the metric as two
distinct clusters."""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.metrics import Aggregate, Record, custom, mean
from evalkit.resample import _weights, bootstrap_ci, paired_bootstrap, replicates
from tasks.codi.metrics import DECLARED_METRICS as CODI
from tasks.followbench.metrics import DECLARED_METRICS as FOLLOWBENCH

LEVELS = range(1, 6)


def complete_groups(records: Sequence[Record]) -> float:
    """Number of example groups holding all five levels (a FollowBench CSL-style grouping)."""
    levels: dict[str, set[str]] = {}
    for r in records:
        levels.setdefault(r.dims["example_id"], set()).add(r.dims["level"])
    return float(sum(len(v) == 5 for v in levels.values()))


def _groups(n: int) -> list[Record]:
    return [Record("p", f"g{g}/{lv}", 0, {"example_id": str(g), "level": str(lv)}, {"hard": (g + lv) % 2})
            for g in range(n) for lv in LEVELS]


def test_whole_groups_are_drawn_and_a_repeated_group_counts_twice() -> None:
    records = _groups(30)
    by_group = custom("tests.test_resample_units:complete_groups", resample_by="example_id")
    units = [f"example_id={g}" for g in range(30)]
    values = replicates(by_group, records, units, _weights(30, 200, 7))
    assert set(values.tolist()) == {30.0}  # every resample: 30 complete groups, copies kept apart
    assert bootstrap_ci(by_group, records) == (30.0, 30.0)
    # drawn by sample id, groups come back incomplete (the interval the old resampling gave)
    low, high = bootstrap_ci(custom("tests.test_resample_units:complete_groups"), records)
    assert low is not None and high is not None and high < 30


def test_a_cluster_of_equal_records_resamples_like_one_record() -> None:
    clustered = [Record("p", f"c{c}/{k}", 0, {"cluster": f"c{c}"}, {"ok": c % 3 == 0}) for c in range(40) for k in range(3)]
    single = [Record("p", f"c{c}", 0, {}, {"ok": c % 3 == 0}) for c in range(40)]
    assert bootstrap_ci(mean("ok", resample_by="cluster"), clustered) == bootstrap_ci(mean("ok"), single)
    assert bootstrap_ci(mean("ok"), clustered) != bootstrap_ci(mean("ok"), single)  # 120 units: narrower


def test_records_without_the_dimension_are_drawn_by_sample_id() -> None:
    records = [Record("p", f"s{i}", 0, {"context_id": str(i // 2) if i < 20 else ""}, {"ok": i % 2})
               for i in range(40)]
    agg = mean("ok", resample_by="context_id")
    base = replicates(agg, records, [f"context_id={c}" for c in range(10)] + [f"sample=s{i}" for i in range(20, 40)],
                      _weights(30, 1000, 7))
    assert len(base) == 1000
    low, high, p = paired_bootstrap(agg, records, records)
    assert (low, high, p) == (0.0, 0.0, 1.0)


def test_declarations_name_their_units_and_survive_scores_json() -> None:
    declared = {m.name: m.aggregate for m in (*FOLLOWBENCH, *CODI)}
    assert declared["CSL_norm"].resample_by == "example_id"
    for name in ("detoxic", "avg_max_toxicity", "average", "average_of_scored_tasks"):
        assert declared[name].resample_by == "context_id"
    assert declared["HSR"].resample_by == ""
    for agg in declared.values():
        assert Aggregate.from_json(agg.to_json()) == agg
