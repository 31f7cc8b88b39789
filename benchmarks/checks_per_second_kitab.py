"""KITAB checks/s: grade synthetic answers against the fixture queries (tests/fixtures/kitab).

Usage: python benchmarks/checks_per_second_kitab.py [--repeat 200]
The real dataset is on the HF hub (unreachable here), so this times the fixture queries (8 authors'
books, 1-3 titles per answer plus a 40-title answer); one check = one query scored.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _passes import add_gc_option, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.kitab import PACK

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "kitab"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    add_gc_option(parser)
    args = parser.parse_args()
    samples = PACK.load(FIXTURES)
    answers = ["Output:\n1. Reason: r. Title: Silver Harbor\n2. Reason: r. Title: Night Train (2005)\n",
               "Output:\n" + "".join(f"{i}. Reason: r. Title: Invented Book {i}\n" for i in range(40))]
    grader = Grader("compat")
    work = [(build_checker(s.constraints[0].checker, s.constraints[0].params), a,
             CheckContext(sample_id=s.id, meta=s.meta, reference=s.reference)) for s in samples for a in answers]
    results, elapsed = timed_pass(lambda item: grader.check_one(*item).status != "ok", work * args.repeat, args.with_gc)
    n, errors = len(results), sum(results)
    print(f"kitab: {n} checks in {elapsed:.3f} s = {n / elapsed:,.0f} checks/s ({errors} errors)")


if __name__ == "__main__":
    main()
