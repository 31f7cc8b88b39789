"""Verdicts computed while generating equal those of grading the journal afterwards."""

from __future__ import annotations

import threading

from evalkit.grading import EarlyGrader, Grader
from evalkit.records import GenerationRow
from evalkit.tasks.starter import PACK


def _rows(samples: list, text: str) -> list[GenerationRow]:
    return [GenerationRow(pack="starter", sample_id=s.id, status="ok", response=s.reference if i % 2 else text)
            for i, s in enumerate(samples)]


def test_early_verdicts_equal_grading_afterwards() -> None:
    samples = PACK.load()[:10]
    gens = _rows(samples, "short")
    early = EarlyGrader({"starter": ("compat", samples)}, after=threading.Event())
    for gen in gens:
        early.put(gen)
    early.finish()  # also releases the wait for the first answer
    by_key = {(s.pack, s.id): s for s in samples}
    plain = Grader("compat").grade_all(by_key, gens)
    reused = Grader("compat").grade_all(by_key, gens, early)
    assert [r.model_dump() for r in reused] == [r.model_dump() for r in plain]


def test_a_changed_generation_is_graded_again() -> None:
    samples = PACK.load()[:3]
    early = EarlyGrader({"starter": ("compat", samples)})
    for gen in _rows(samples, "short"):
        early.put(gen)
    early.finish()
    retried = GenerationRow(pack="starter", sample_id=samples[0].id, status="ok", response=samples[0].reference)
    assert early.take(retried) is None
    same = GenerationRow(pack="starter", sample_id=samples[1].id, status="ok", response=samples[1].reference)
    assert early.take(same) == Grader("compat").results(samples[1], same)


def test_a_judged_generation_is_not_taken_from_early_verdicts() -> None:
    samples = PACK.load()[:1]
    gen = _rows(samples, "short")[0]
    early = EarlyGrader({"starter": ("compat", samples)})
    early.put(gen)
    early.finish()
    judged = Grader("compat", {("starter", samples[0].id, 0): {}})
    judged.grade_all({("starter", samples[0].id): samples[0]}, [gen], early)
    assert early.take(gen) is not None  # left unused: the judge verdict applies
