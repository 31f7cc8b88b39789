"""Constraint checks per second: grade MulDimIF's 8,400 canned-response rows (29,260 checks).

Usage: python benchmarks/checks_per_second.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s for the whole pack and per checker, and agreement with the upstream verdicts.
Runs in one process on one core; the first pass includes parsing each constraint text once.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from evalkit.checking import CheckContext
from evalkit.grading import Grader
from evalkit.tasks.muldimif import PACK
from evalkit.verifiers.text.sentences import split_sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    split_sentences("Warm up. Load the sentence model once.")  # imports NLTK (~1 s), not per-check work
    print(f"start-up: sentence splitter loaded in {time.perf_counter() - t0:.2f} s (once per process)")
    samples = {s.id: s for s in PACK.load(args.data_dir)}
    canned = json.loads((args.data_dir / "muldimif" / "upstream_verdicts_canned_responses.json").read_text())
    texts = canned["canned_responses"]
    grader = Grader("compat")
    work = []  # (checker, response, ctx, upstream verdict)
    for row in canned["verdicts"]:
        sample = samples[row["id"]]
        ctx = CheckContext(mode="compat", sample_id=sample.id, meta=sample.meta)
        for c, judge in zip(sample.constraints, row["judges"], strict=True):
            work.append((grader._checker(c.checker, c.params), texts[row["response_name"]], ctx, bool(judge)))

    per_checker: dict[str, float] = defaultdict(float)
    per_count: dict[str, int] = defaultdict(int)
    for run in range(args.repeat):
        agree = 0
        start = time.perf_counter()
        for checker, response, ctx, judge in work:
            t0 = time.perf_counter()
            agree += grader.check_one(checker, response, ctx).passed == judge
            if run == args.repeat - 1:
                per_checker[checker.id] += time.perf_counter() - t0
                per_count[checker.id] += 1
        elapsed = time.perf_counter() - start
        label = "first pass (parses constraints)" if run == 0 else f"pass {run + 1} (parse cache warm)"
        print(f"{label}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with upstream {agree}/{len(work)}")
    print("per checker (last pass, timed per check, includes timer overhead):")
    for cid in sorted(per_checker, key=lambda k: -per_count[k]):
        print(f"  {cid:32s} {per_count[cid]:6d} checks  {per_count[cid] / per_checker[cid]:>12,.0f} checks/s")


if __name__ == "__main__":
    main()
