"""Rewards per second (``evalkit.rewards``), one process, one core.

Usage: python benchmarks/rewards_per_second.py [--data-dir ../shared/data] [--repeat 3]

- MulDimIF: the 7 canned responses × 1,200 samples (8,400 rewards, 29,260 constraints), each
  sample's constraints given as the JSON string a training set stores, graded with
  ``Rewarder.batch`` in ``fraction`` mode;
- IFEval: the 541 upstream GPT-4 responses (834 instructions), strict.

Rates are per CPU second of this process (``time.process_time``), so they measure one core
even on a busy machine; wall time is printed beside them. The first pass builds the checkers (a training run pays this once); later passes are the steady
state of a training loop. For IFEval, the process-wide caches of pure results (Punkt break
decisions, langdetect word n-grams) are also cleared before each pass ("cold"), then kept ("warm").
Goals (issue 14): ≥ 20,000 rewards/s on MulDimIF, ≥ 10,000 on IFEval.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from evalkit.rewards import Rewarder
from evalkit.tasks.ifeval import PACK as IFEVAL
from evalkit.tasks.muldimif import PACK as MULDIMIF
from evalkit.types import Sample
from evalkit.verifiers.text import langid, sentences

HERE = Path(__file__).resolve().parent
GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"


def _spec(sample: Sample) -> str:
    return json.dumps([{"checker": c.checker, "params": c.params} for c in sample.constraints])


def _clear_pure_caches() -> None:
    sentences._tokenizer().clear_caches()
    detector = langid.fast_detector()
    if detector is not None:
        detector.clear_caches()


def _timed(label: str, rewarder: Rewarder, responses: list[str], specs: list[str], n_constraints: int,
           clear: bool = False) -> list[float]:
    if clear:
        _clear_pure_caches()
    start, cpu = time.perf_counter(), time.process_time()
    values = rewarder.batch(responses, specs)
    wall, elapsed = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label}: {len(values):,} rewards ({n_constraints:,} constraints) in {elapsed:.3f} CPU s "
          f"({wall:.3f} s wall) = {len(values) / elapsed:,.0f} rewards/s, {n_constraints / elapsed:,.0f} "
          f"constraints/s per core; mean reward {sum(values) / len(values):.4f}")
    return values


def muldimif(data_dir: Path, repeat: int) -> None:
    """Time MulDimIF rewards over the canned responses."""
    samples = {s.id: s for s in MULDIMIF.load(data_dir)}
    canned = json.loads((data_dir / "muldimif" / "upstream_verdicts_canned_responses.json").read_text())
    texts = canned["canned_responses"]
    rows = canned["verdicts"]
    responses = [texts[row["response_name"]] for row in rows]
    specs = [_spec(samples[row["id"]]) for row in rows]
    n = sum(len(samples[row["id"]].constraints) for row in rows)
    rewarder = Rewarder("fraction")
    print("== muldimif")
    for run in range(repeat):
        _timed("first pass (builds checkers)" if run == 0 else f"pass {run + 1}", rewarder, responses, specs, n)


def ifeval(data_dir: Path, repeat: int) -> None:
    """Time IFEval rewards over the GPT-4 responses, cold and warm."""
    samples = IFEVAL.load(data_dir)
    pairs = IFEVAL.parse_responses(data_dir / GPT4, samples) or []
    by_id = {s.id: s for s in samples}
    responses = [text for _, text in pairs]
    specs = [_spec(by_id[sid]) for sid, _ in pairs]
    n = sum(len(by_id[sid].constraints) for sid, _ in pairs)
    rewarder = Rewarder("fraction")
    t0 = time.perf_counter()
    from evalkit.verifiers.ifeval import _text

    _text.count_upper_words("WARM up. Load Punkt and Treebank.")
    _text.detect_language("load the language profiles")
    print(f"== ifeval\n  start-up (models loaded once per process): {time.perf_counter() - t0:.2f} s")
    for run in range(repeat):
        _timed(f"pass {run + 1} cold", rewarder, responses, specs, n, clear=True)
    for run in range(repeat):
        _timed(f"pass {run + 1} warm", rewarder, responses, specs, n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=HERE.parents[1] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cpu cores: {os.cpu_count()} (one used)")
    muldimif(args.data_dir, args.repeat)
    ifeval(args.data_dir, args.repeat)


if __name__ == "__main__":
    main()
