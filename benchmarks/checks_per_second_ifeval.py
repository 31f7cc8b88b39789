"""IFEval checks per second: grade the 541 upstream GPT-4 responses (834 instructions).

Usage: python benchmarks/checks_per_second_ifeval.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s (each check gives the strict and the loose verdict) for the pack and per
instruction type, and agreement with the reference verdicts. As the grader does, each response
gets one context whose memo its instructions share (sentences, language… computed once per
response). The process-wide caches of pure results (Punkt context decisions, langdetect words)
are cleared before each pass, so every pass does the full work; loading NLTK, Punkt and the
langdetect profiles is timed separately. How passes are timed (collector paused, ``--with-gc``):
``benchmarks/_passes.py``. ``EVALKIT_LANGID_NATIVE=0`` measures the numpy trials instead of the
compiled ones.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _passes import add_gc_option, per_key, timed_pass

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.ifeval import PACK
from evalkit.verifiers.ifeval import _text
from evalkit.verifiers.text import langid, sentences

GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"


def _clear_caches() -> None:
    tokenizer = sentences._tokenizer()
    if hasattr(tokenizer, "clear_caches"):
        tokenizer.clear_caches()
    else:  # an older evalkit (for side-by-side runs)
        tokenizer._breaks.clear()
    detector = langid.fast_detector()
    if detector is not None:
        detector.clear_caches()


def _reference(data_dir: Path) -> dict[tuple[str, int], dict[str, bool]]:
    keys = {json.loads(line)["prompt"]: str(json.loads(line)["key"])
            for line in (data_dir / "ifeval" / "input_data.jsonl").read_text().splitlines()}
    ref: dict[tuple[str, int], dict[str, bool]] = defaultdict(dict)
    for mode in ("strict", "loose"):
        for line in (data_dir / "ifeval" / "reference_gpt4" / f"eval_results_{mode}.jsonl").read_text().splitlines():
            row = json.loads(line)
            for i, ok in enumerate(row["follow_instruction_list"]):
                ref[(keys[row["prompt"]], i)][mode] = ok
    return ref


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    add_gc_option(parser)
    args = parser.parse_args()
    t0 = time.process_time()
    _text.count_sentences("Warm up. Load Punkt once.")
    _text.count_upper_words("LOAD the Treebank tokenizer.")
    _text.detect_language("load the language profiles")
    print(f"start-up: Punkt, Treebank and langdetect profiles loaded in {time.process_time() - t0:.2f} s")
    samples = {s.id: s for s in PACK.load(args.data_dir)}
    pairs = PACK.parse_responses(args.data_dir / GPT4, list(samples.values())) or []
    grader = Grader("strict")
    work = [(sid, i, build_checker(c.checker, c.params), text)
            for sid, text in pairs for i, c in enumerate(samples[sid].constraints)]
    memos: dict[str, dict[str, object]] = {}
    reference = _reference(args.data_dir)
    detector = langid.fast_detector()
    trials = "langdetect itself" if detector is None else "numpy" if getattr(detector, "native", None) is None else "compiled"
    print(f"language detection trials: {trials}; garbage collector {'on' if args.with_gc else 'paused'}")

    def check(item: tuple[str, int, Any, str]) -> Any:
        sid, _, checker, text = item
        return grader.check_one(checker, text, CheckContext(mode="strict", sample_id=sid, memo=memos.setdefault(sid, {})))

    for run in range(args.repeat):
        _clear_caches()
        memos.clear()
        results, elapsed = timed_pass(check, work, args.with_gc)
        agree = compared = 0
        for (sid, i, _, _), result in zip(work, results, strict=True):
            if (sid, i) in reference:
                compared += 2
                agree += sum((result.details or {}).get(m) == v for m, v in reference[(sid, i)].items())
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with the shipped reference verdicts (strict+loose) {agree}/{compared}")
    _clear_caches()
    memos.clear()
    per_type = per_key(check, work, lambda item: item[2].id, args.with_gc)
    print("per instruction type (an extra pass, each check timed with the wall clock):")
    for cid, (seconds, n) in sorted(per_type.items(), key=lambda kv: kv[1][1] / kv[1][0]):
        print(f"  {cid:52s} {n:4d} checks  {n / seconds:>10,.0f} checks/s")

if __name__ == "__main__":
    main()
