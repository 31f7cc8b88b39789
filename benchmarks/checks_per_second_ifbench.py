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
from collections import defaultdict
from pathlib import Path

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader

SETS = ("sample_output_verdicts", "synthetic_probe_verdicts", "synthetic_short_verdicts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
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
    per_id: dict[str, float] = defaultdict(float)
    per_count: dict[str, int] = defaultdict(int)
    for run in range(args.repeat):
        _base.sentence_list.cache_clear()
        _base.tokens.cache_clear()
        agree = 0
        start = time.process_time()
        for checker, text, expected in work:
            t1 = time.process_time()
            details = grader.check_one(checker, text, ctx).details or {}
            if run == args.repeat - 1:
                per_id[checker.id] += time.process_time() - t1
                per_count[checker.id] += 1
            agree += (details.get("strict"), details.get("loose")) == expected
        elapsed = time.process_time() - start
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with upstream (strict and loose) {agree}/{len(work)}")
    print("per instruction id (last pass):")
    for cid in sorted(per_id, key=lambda k: per_count[k] / per_id[k]):
        print(f"  {cid:44s} {per_count[cid]:4d} checks  {per_count[cid] / per_id[cid]:>10,.0f} checks/s")


if __name__ == "__main__":
    main()
