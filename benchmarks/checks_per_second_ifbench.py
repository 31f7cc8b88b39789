"""IFBench checks per second: grade every shared reference response set (172 instructions each).

Usage: python benchmarks/checks_per_second_ifbench.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s (each check gives the strict and the loose verdict) over the reference sets,
per instruction id, and the agreement with the upstream verdicts. NLTK data comes from
``$NLTK_DATA`` or, when unset, ``<data dir>/ifbench/nltk_data``. Caches are cleared before
each pass; loading Punkt, the stopword list and the POS tagger is timed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader

SETS = ("sample_output_verdicts", "synthetic_probe_verdicts", "synthetic_short_verdicts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    add_gc_option(parser)
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.data_dir / "ifbench" / "nltk_data"))
    from evalkit.tasks.ifbench import constraints_of
    from evalkit.verifiers.ifbench import _base, _nltk

    t0 = time.process_time()
    _base.tokens("Warm up. Load Punkt and the Treebank tokenizer once.")
    _nltk.stopwords()
    _nltk.tagger()
    grader, ctx = Grader("strict"), CheckContext(mode="strict")
    work = []
    for name in SETS:
        for line in (args.data_dir / "ifbench" / "reference" / f"{name}.jsonl").read_text().splitlines():
            row = json.loads(line)
            for i, c in enumerate(constraints_of(row["instruction_id_list"], row["kwargs"])):
                expected = (row["strict_follow_instruction_list"][i], row["loose_follow_instruction_list"][i])
                work.append((build_checker(c.checker, c.params), row["response"] or "", expected))
    for cls in {type(checker) for checker, _, _ in work}:  # what a run prepares while it waits for answers
        cls.prepare()
    print(f"start-up: Punkt, stopwords, the perceptron tagger and every checker's data loaded in "
          f"{time.process_time() - t0:.2f} s")
    def check(item: tuple[Any, str, tuple[bool, bool]]) -> bool:
        checker, text, expected = item
        details = grader.check_one(checker, text, ctx).details or {}
        return (details.get("strict"), details.get("loose")) == expected

    def clear_caches() -> None:
        _base.sentence_list.cache_clear()
        _base.tokens.cache_clear()

    for run in range(args.repeat):
        clear_caches()
        agreed, elapsed = timed_pass(check, work, args.with_gc)
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with upstream (strict and loose) {sum(agreed)}/{len(work)}")
    clear_caches()
    per_id = per_key(check, work, lambda item: item[0].id, args.with_gc)
    print("per instruction id (an extra pass, each check timed with the wall clock):")
    for cid, (seconds, n) in sorted(per_id.items(), key=lambda kv: kv[1][1] / kv[1][0]):
        print(f"  {cid:44s} {n:4d} checks  {n / seconds:>10,.0f} checks/s")

if __name__ == "__main__":
    main()
