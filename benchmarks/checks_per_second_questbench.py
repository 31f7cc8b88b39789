"""Checks per second of the QuestBench pack: grade a gold and a wrong answer for every sample.

Usage: python benchmarks/checks_per_second_questbench.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s overall and per subset, and the share of gold answers that pass (must be 100%).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.questbench import PACK


def _gold(subset: str, reference: object) -> str:
    if subset == "Logic-Q":
        return f"Question: Is Alice {reference[0]}?"  # type: ignore[index]
    if subset == "Planning-Q":
        return f"Answer: {reference[0]}"  # type: ignore[index]
    return f"Choice: {reference}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    add_gc_option(parser)
    args = parser.parse_args()
    samples = PACK.load(args.data_dir, {"planning_full": "off"})
    grader = Grader("strict")
    work = []
    for s in samples:
        (c,) = s.constraints
        checker = build_checker(c.checker, c.params)
        ctx = CheckContext(mode="strict", sample_id=s.id, meta=s.meta, reference=s.reference)
        work.append((s.meta["subset"], checker, _gold(s.meta["subset"], s.reference), ctx, True))
        work.append((s.meta["subset"], checker, "I am not sure; End questioning. Choice: 999", ctx, False))
    def check(item: tuple[str, Any, str, CheckContext, bool]) -> bool:
        _, checker, response, ctx, expected = item
        return grader.check_one(checker, response, ctx).passed is expected

    for run in range(args.repeat):
        agreed, elapsed = timed_pass(check, work, args.with_gc)
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"expected verdicts {sum(agreed)}/{len(work)}")
    print("per subset (an extra pass, each check timed with the wall clock):")
    for subset, (seconds, n) in per_key(check, work, lambda item: item[0], args.with_gc).items():
        print(f"  {subset:10s} {n:5d} checks  {n / seconds:>12,.0f} checks/s")

if __name__ == "__main__":
    main()
