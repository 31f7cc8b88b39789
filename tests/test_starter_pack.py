"""The embedded starter pack: shape, and every reference answer passing its own constraints."""

from __future__ import annotations

from collections import Counter

from evalkit.grading import Grader
from evalkit.records import GenerationRow
from evalkit.tasks.starter import PACK


def test_starter_covers_levels_and_categories() -> None:
    samples = PACK.load()
    assert 35 <= len(samples) <= 45
    assert set(Counter(s.meta["level"] for s in samples)) == {"I", "II", "III", "IV"}
    assert {c.dimensions["category"] for s in samples for c in s.constraints} == {"Content", "Format", "Language", "Length"}
    for s in samples:  # a level is the number of distinct categories, as in MulDimIF
        cats = {c.dimensions["category"] for c in s.constraints}
        assert len(cats) == ["I", "II", "III", "IV"].index(s.meta["level"]) + 1, s.id


def test_every_reference_answer_passes() -> None:
    grader = Grader("compat")
    failures = []
    for s in PACK.load():
        gen = GenerationRow(pack="starter", sample_id=s.id, status="ok", response=s.reference)
        for row in grader.grade(s, gen):
            if row.passed is not True:
                failures.append((s.id, row.constraint_index, row.reason))
    assert failures == []


def test_empty_answer_fails_most_samples() -> None:
    grader = Grader("compat")
    samples = PACK.load()
    all_pass = sum(
        all(r.passed for r in grader.grade(s, GenerationRow(pack="starter", sample_id=s.id, status="empty", response="")))
        for s in samples
    )
    assert all_pass < len(samples) // 4
