"""Constraint checks per second, per pack.

Usage: python benchmarks/checks_per_second.py [--data-dir ../shared/data] [--repeat 3] [--pack P]...
MulDimIF: grades the 8,400 canned-response rows (29,260 checks) in this process and prints
checks/s for the pack and per checker, with agreement with the upstream verdicts; the first
pass includes parsing each constraint text once. Every other pack's figures come from its own
script, ``benchmarks/checks_per_second_<pack>.py``, run after it in a fresh process (one core).
Every figure is per CPU second of the grading process (``time.process_time``), so it measures
one core even on a busy machine; how passes are timed: ``benchmarks/_passes.py``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.muldimif import PACK
from evalkit.verifiers.text.sentences import split_sentences

HERE = Path(__file__).resolve().parent
OTHER_PACKS = ("ifeval", "ifbench", "lr2bench", "questbench", "codi", "kitab")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pack", action="append", choices=("muldimif", *OTHER_PACKS),
                        help="Only these packs (repeatable; default: all).")
    add_gc_option(parser)
    args = parser.parse_args()
    packs = args.pack or ["muldimif", *OTHER_PACKS]
    if "muldimif" in packs:
        print("== muldimif")
        muldimif(args.data_dir, args.repeat, args.with_gc)
    for pack in (p for p in packs if p != "muldimif"):
        print(f"== {pack}", flush=True)
        extra = [] if pack == "kitab" else ["--data-dir", str(args.data_dir), "--repeat", str(args.repeat)]
        extra += ["--with-gc"] if args.with_gc else []
        subprocess.run([sys.executable, str(HERE / f"checks_per_second_{pack}.py"), *extra], check=True)


def muldimif(data_dir: Path, repeat: int, with_gc: bool) -> None:
    """Time grading MulDimIF's canned-response verdict rows; print checks/s and agreement."""
    t0 = time.process_time()
    split_sentences("Warm up. Load the sentence model once.")  # imports NLTK (~1 s), not per-check work
    print(f"start-up: sentence splitter loaded in {time.process_time() - t0:.2f} s (once per process)")
    samples = {s.id: s for s in PACK.load(data_dir)}
    canned = json.loads((data_dir / "muldimif" / "upstream_verdicts_canned_responses.json").read_text())
    texts = canned["canned_responses"]
    grader = Grader("compat")
    work = []  # (checker, response, ctx, upstream verdict)
    for row in canned["verdicts"]:
        sample = samples[row["id"]]
        ctx = CheckContext(mode="compat", sample_id=sample.id, meta=sample.meta)
        for c, judge in zip(sample.constraints, row["judges"], strict=True):
            work.append((build_checker(c.checker, c.params), texts[row["response_name"]], ctx, bool(judge)))

    def check(item: tuple[Any, str, CheckContext, bool]) -> bool:
        checker, response, ctx, judge = item
        return bool(grader.check_one(checker, response, ctx).passed == judge)

    for run in range(repeat):
        agreed, elapsed = timed_pass(check, work, with_gc)
        label = "first pass (parses constraints)" if run == 0 else f"pass {run + 1} (parse cache warm)"
        print(f"{label}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with upstream {sum(agreed)}/{len(work)}")
    print("per checker (an extra pass, each check timed with the wall clock):")
    per_checker = per_key(check, work, lambda item: item[0].id, with_gc)
    for cid, (seconds, n) in sorted(per_checker.items(), key=lambda kv: -kv[1][1]):
        print(f"  {cid:32s} {n:6d} checks  {n / seconds:>12,.0f} checks/s")

if __name__ == "__main__":
    main()
