"""IFEval checks per second: grade the 541 upstream GPT-4 responses (834 instructions).

Usage: python benchmarks/checks_per_second_ifeval.py [--data-dir ../shared/data] [--repeat 3]
Prints checks/s (each check gives the strict and the loose verdict) for the pack and per
instruction type, and agreement with the reference verdicts. As the grader does, each response
gets one context whose memo its instructions share (sentences, language… computed once per
response). The process-wide caches of pure results (Punkt context decisions, langdetect words)
are cleared before each pass, so every pass does the full work; loading NLTK, Punkt and the
langdetect profiles is timed separately. The passes run with Python's cyclic garbage collector
paused, as ``evalkit run`` and ``evalkit score`` grade (``--with-gc`` leaves it on: its
collections walk the whole heap and make single passes up to a quarter slower, at random).
``EVALKIT_LANGID_NATIVE=0`` measures the numpy trials instead of the compiled ones.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections import defaultdict
from pathlib import Path

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.tasks.ifeval import PACK
from evalkit.verifiers.ifeval import _text
from evalkit.verifiers.text import langid, sentences

GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"


def _clear_caches() -> None:
    sentences._tokenizer()._breaks.clear()
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
    parser.add_argument("--with-gc", action="store_true", help="leave the cyclic garbage collector on")
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
    trials = "langdetect itself" if detector is None else "numpy" if detector.native is None else "compiled"
    print(f"language detection trials: {trials}; garbage collector {'on' if args.with_gc else 'paused'}")
    for run in range(args.repeat):
        _clear_caches()
        memos.clear()
        if not args.with_gc:
            gc.collect()
            gc.disable()
        start = time.process_time()
        results = [grader.check_one(checker, text, CheckContext(mode="strict", sample_id=sid, memo=memos.setdefault(sid, {})))
                   for sid, _, checker, text in work]
        elapsed = time.process_time() - start
        gc.enable()
        agree = compared = 0
        for (sid, i, _, _), result in zip(work, results, strict=True):
            if (sid, i) in reference:
                compared += 2
                agree += sum((result.details or {}).get(m) == v for m, v in reference[(sid, i)].items())
        print(f"pass {run + 1}: {len(work)} checks in {elapsed:.3f} s = {len(work) / elapsed:,.0f} checks/s; "
              f"agreement with the shipped reference verdicts (strict+loose) {agree}/{compared}")
    # one more pass, timed check by check (the clock calls would slow the passes above)
    _clear_caches()
    memos.clear()
    per_type: dict[str, float] = defaultdict(float)
    per_count: dict[str, int] = defaultdict(int)
    for sid, _, checker, text in work:
        t1 = time.perf_counter()
        grader.check_one(checker, text, CheckContext(mode="strict", sample_id=sid, memo=memos.setdefault(sid, {})))
        per_type[checker.id] += time.perf_counter() - t1
        per_count[checker.id] += 1
    print("per instruction type (an extra pass, wall clock):")
    for cid in sorted(per_type, key=lambda k: per_count[k] / per_type[k]):
        print(f"  {cid:52s} {per_count[cid]:4d} checks  {per_count[cid] / per_type[cid]:>10,.0f} checks/s")


if __name__ == "__main__":
    main()
