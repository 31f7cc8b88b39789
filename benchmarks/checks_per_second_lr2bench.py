"""LR²Bench checks per second: grade the DeepSeek-R1 submission (850 answers) and the gold answers.

Usage: python benchmarks/checks_per_second_lr2bench.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s per pass and per task, and whether the per-level figures equal the upstream
reference (``reference_scores_deepseek_r1_per_level.json``). One process, one core.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.api import read_responses
from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.scoring import score_pack
from evalkit.tasks.lr2bench import PACK
from evalkit.verifiers.lr2bench.extract import block_tag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    add_gc_option(parser)
    args = parser.parse_args()

    samples = {s.id: s for s in PACK.load(args.data_dir)}
    folder = args.data_dir / "lr2bench"
    rows = read_responses(folder / "submission_template_deepseek_r1.json", PACK, list(samples.values()))
    work = [(samples[r.sample_id], r.response) for r in rows]
    for sample in samples.values():  # gold answers, as a model would write them
        gold = sample.reference["answer"] if sample.meta["task"] == "sudoku" else sample.reference
        tag = block_tag(sample.meta["task"])
        work.append((sample, f"<{tag}>{json.dumps(gold)}</{tag}>"))
    grader = Grader("compat")

    def check(item: tuple[Any, str]) -> Any:
        sample, response = item
        c = sample.constraints[0]
        ctx = CheckContext(mode="compat", sample_id=sample.id, meta=sample.meta, reference=sample.reference)
        return grader.check_one(build_checker(c.checker, c.params), response, ctx)

    for run in range(args.repeat):
        _, elapsed = timed_pass(check, work, args.with_gc)
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s")
    print("per task (an extra pass, each check timed with the wall clock):")
    for task, (seconds, n) in per_key(check, work, lambda item: item[0].meta["task"], args.with_gc).items():
        print(f"  {task:11s} {n:5d} checks  {n / seconds:>10,.0f} checks/s")
    by_key = {("lr2bench", s.id): s for s in samples.values()}
    tables = score_pack(PACK, Grader("compat").grade_all(by_key, rows))["tables"]["level"]
    reference = json.loads((folder / "reference_scores_deepseek_r1_per_level.json").read_text())
    same = sum(r[m] == reference[r["task"]][r["level"].split("/")[1]][m]
               for r in tables for m in ("CR", "S-Acc", "EM", "PM-0.5"))
    print(f"per-level figures equal to the upstream reference: {same}/{4 * len(tables)}")


if __name__ == "__main__":
    main()
