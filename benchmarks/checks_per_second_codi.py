"""CoDI-Eval checks per second on its conformance set (the exact, offline checkers).

Usage: python benchmarks/checks_per_second_codi.py [--data-dir ../shared/data] [--repeat 3]
Grades, for every length row, responses of lo−1, lo, hi and hi+1 words behind a preamble
(4,000 checks), and for every keyword row a response with all keywords and one with the
anti-label (1,500 checks), with the offline lemmatizer. The first pass fills the lemma cache.
Classifier checks are not timed: their cost is the model's (HF, judge or Perspective).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.codi import PACK


def _work(data_dir: Path) -> list[tuple[object, str]]:
    samples = PACK.load(data_dir, {"tasks": "length,keyword", "lemmatizer": "lemminflect"})
    rows = {}
    for task in ("length", "keyword"):
        path = data_dir / "codi" / "instructions" / f"{task}_lite.jsonl"
        for i, line in enumerate(path.read_text().splitlines()):
            rows[f"{task}-{i}"] = json.loads(line)
    work: list[tuple[object, str]] = []
    for s in samples:
        c = s.constraints[0]
        checker = build_checker(c.checker, c.params)
        row = rows[s.id]
        if s.meta["task"] == "length":
            lo, hi = int(row["label"][0]), int(row["label"][1])
            for n in (max(lo - 1, 0), lo, hi, hi + 1):
                work.append((checker, "Sure, here is your text:\n\n" + " ".join(["word"] * n)))
        else:
            mentions = [kw.split(" or ")[0] for kw in row["label"]]
            work.append((checker, "Here it is:\n" + " and ".join(mentions) + " in one sentence."))
            if "anti_label" in row:
                work.append((checker, " ".join(mentions) + " " + row["anti_label"]))
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    add_gc_option(parser)
    args = parser.parse_args()
    work = _work(args.data_dir)
    grader, ctx = Grader("compat"), CheckContext()
    def check(item: tuple[Any, str]) -> Any:
        checker, response = item
        return grader.check_one(checker, response, ctx)

    for run in range(args.repeat):
        _, elapsed = timed_pass(check, work, args.with_gc)
        label = "first pass (fills the lemma cache)" if run == 0 else f"pass {run + 1}"
        print(f"{label}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s")
    per = per_key(check, work, lambda item: item[0].id, args.with_gc)
    print("per checker (an extra pass, each check timed with the wall clock): "
          + ", ".join(f"{cid} {n / t:,.0f}/s" for cid, (t, n) in sorted(per.items())))

if __name__ == "__main__":
    main()
