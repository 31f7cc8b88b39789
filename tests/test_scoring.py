"""Scorer: all-pass rates, per-(sample, category) groups, micro rates and Wilson intervals."""

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
