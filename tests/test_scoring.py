"""Scorer: all-pass rates, groups, micro rates, Wilson intervals; declared metrics, records and CIs."""

from __future__ import annotations

import pytest

from evalkit.records import CheckRow
from evalkit.scoring import score_pack, wilson
from evalkit.tasks.muldimif import PACK


def _check(sid: str, i: int, passed: bool | None, category: str, level: str, status: str = "ok") -> CheckRow:
    return CheckRow.model_construct(pack="muldimif", sample_id=sid, epoch=0, constraint_index=i, checker="c",
                                    params={}, passed=passed, status=status, reason="", category=category,
                                    type=f"{category}_X", level=level, pattern="Listing")


def test_wilson_interval() -> None:
    lo, hi = wilson(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 0) == (None, None)


def test_tables() -> None:
    checks = [
        _check("a", 0, True, "Length", "I"), _check("a", 1, True, "Length", "I"),
        _check("b", 0, True, "Content", "II"), _check("b", 1, False, "Length", "II"),
        _check("c", 0, False, "Content", "IV"), _check("c", 1, None, "Format", "IV", status="skipped"),
    ]
    scores = score_pack(PACK, checks)
    assert scores["metrics"]["accuracy"] == pytest.approx(1 / 3)
    assert scores["metrics"]["constraint_micro"] == pytest.approx(3 / 5)
    assert scores["metrics"]["constraint_macro"] == pytest.approx((1 + 0.5 + 0) / 3)
    level = {r["level"]: (r["passed"], r["n"]) for r in scores["tables"]["level"]}
    assert level == {"I": (1, 1), "II": (0, 1), "IV": (0, 1)}
    category = {r["category"]: (r["passed"], r["n"]) for r in scores["tables"]["category"]}
    assert category == {"Content": (1, 2), "Length": (1, 2)}  # one pair per (sample, category)
    assert scores["counts"]["check_status"] == {"ok": 5, "skipped": 1}


# --- declarations, records and CIs -------------------------------------------------------------

def test_records_hold_the_core_values_and_leave_errored_units_out() -> None:
    from evalkit.scoring import build_records

    checks = [_check("a", 0, True, "Length", "I"), _check("a", 1, False, "Length", "I"),
              _check("b", 0, None, "Content", "II", status="error"), _check("b", 1, True, "Content", "II")]
    a, b = build_records(PACK, checks)
    assert (a.sample_id, dict(a.dims)) == ("a", {"level": "I", "pattern": "Listing"})
    assert dict(a.values) == {"all_pass": False, "n_checks": 2, "n_passed": 1, "pass_fraction": 0.5}
    assert set(b.values.values()) == {None}


def test_every_metric_is_declared_and_has_a_ci() -> None:
    checks = [_check(f"s{i}", j, (i + j) % 3 != 0, "Length", "I") for i in range(40) for j in range(2)]
    scores = score_pack(PACK, checks)
    declared = {d["name"]: d for d in scores["metric_declarations"]}
    assert list(declared) == list(scores["metrics"]) and declared["accuracy"]["headline"]
    n_pass = sum(1 for i in range(40) if i % 3 == 1)
    assert declared["accuracy"]["ci_method"] == "wilson" and scores["ci"]["accuracy"] == list(wilson(n_pass, 40))
    assert declared["constraint_micro"]["ci_method"] == "bootstrap"
    for name, (lo, hi) in scores["ci"].items():
        assert lo is not None and hi is not None and lo <= scores["metrics"][name] <= hi, name
    assert score_pack(PACK, checks)["ci"] == scores["ci"]  # seeded
    tables = {t["name"]: t for t in scores["table_declarations"]}
    assert set(tables) == set(scores["tables"]) and tables["level"]["dimension"] == "level"


def test_pairwise_mean_is_numpy_mean_bit_for_bit() -> None:
    import numpy as np

    from evalkit.metrics import Record, compute, mean

    rng = np.random.default_rng(1)
    for n in (3, 9, 100, 129, 1000, 4237):
        xs = [float(v) for v in rng.random(n) * 7 / 3]
        records = [Record("p", str(i), 0, {}, {"x": x}) for i, x in enumerate(xs)]
        assert compute(mean("x"), records) == float(np.mean(xs)), n
        assert compute(mean("x", summation="sequential"), records) == sum(xs) / n


def test_aggregations_where_ratio_group_order_digits() -> None:
    import random

    from evalkit.metrics import Aggregate, Record, compute, mean, ratio

    records = [Record("p", f"s{i}", 0, {"task": "ab"[i % 2], "level": str(i % 3)},
                      {"ok": i % 5 != 0, "k": i % 4, "n": 3, "x": None if i == 7 else i / 7}) for i in range(60)]
    assert compute(mean("ok", where={"task": "a"}), records) == sum(i % 5 != 0 for i in range(0, 60, 2)) / 30
    assert compute(ratio("k", "n"), records) == sum(i % 4 for i in range(60)) / 180
    assert compute(mean("x"), records) is not None and compute(mean("x", where={"task": "c"}), records) is None
    # integer values within a group sum exactly; the declared group order fixes the float sums above
    grouped = Aggregate("mean", "k", group_by=("task", "level"), group_order={"task": ("b", "a"), "level": ("2", "1", "0")})
    expected = compute(grouped, records)
    shuffled = list(records)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert compute(grouped, shuffled) == expected
    per_task = [sum(compute(mean("k", where={"task": t, "level": lv}), records) or 0 for lv in ("2", "1", "0")) / 3
                for t in ("b", "a")]
    assert expected == sum(per_task) / 2
    assert compute(mean("x", digits=2), records) == round(compute(mean("x"), records) or 0, 2)


def test_declarations_round_trip_through_json() -> None:
    from evalkit.metrics import Aggregate, Metric, custom

    for metric in (Metric("m", "d", Aggregate("ratio", "k", "n", where={"a": "1"}, group_by=("t",),
                                              group_order={"t": ("x", "y")}, digits=3), "lower", True),
                   Metric("c", "", custom("evalkit.metrics:pass_at_k", k=2))):
        assert Metric.from_json(metric.to_json()) == metric


def test_every_pack_declares_consistent_metrics() -> None:
    from evalkit.metrics import resolve
    from evalkit.packs import all_packs

    for name, pack in all_packs().items():
        metrics = pack.metric_declarations()
        names = [m.name for m in metrics]
        assert len(names) == len(set(names)), name
        assert sum(m.headline for m in metrics) >= 1 and all(m.direction in ("higher", "lower") for m in metrics), name
        for m in metrics:
            assert m.description, (name, m.name)
            if m.aggregate.op == "custom":
                assert callable(resolve(m.aggregate.function)), (name, m.name)
        tables = [t.name for t in pack.table_declarations()]
        assert len(tables) == len(set(tables)), name
