"""llama.cpp speed with and without extra buffer types (``-M extra_bufts=true|false``).

Usage: python benchmarks/llamacpp_extra_bufts.py [--model smollm2|PATH.gguf] [--quantize q4_0]
       [--rounds 5] [--prompts 8] [--max-tokens 64] [--threads N]

Loads the model twice in this process (extra buffer types off and on), then for each round
generates the same greedy completions of the starter pack's first prompts with each, alternating
so that load from other processes hits both alike. Prints, per setting, the median over rounds
of completion tokens per second (wall time of ``create_chat_completion``, prompt included).
``--quantize q4_0`` first re-quantizes the model to Q4_0
(a type with repacked CPU kernels) in a temporary folder, to show what the setting does for
GGUFs other than the embedded Q4_1 one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evalkit.backends.llamacpp import llama_class, model_path
from evalkit.packs import get_pack


def quantize(source: Path, kind: str, folder: Path) -> Path:
    """Re-quantize ``source`` to ``kind`` (e.g. q4_0) with llama.cpp; returns the new file."""
    import llama_cpp

    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}")
    target = folder / f"{source.stem}.{kind}.gguf"
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.allow_requantize = True
    if llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), params) != 0:
        sys.exit(f"quantizing to {kind} failed")
    return target


def rate(llm: Any, prompts: list[str], max_tokens: int) -> float:
    """Completion tokens per second over ``prompts`` (greedy, fixed seed)."""
    tokens, start = 0, time.perf_counter()
    for prompt in prompts:
        llm.reset()
        out = llm.create_chat_completion(messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
                                         temperature=0.0, seed=0)
        tokens += out["usage"]["completion_tokens"]
    return tokens / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--quantize", default=None, help="re-quantize first, e.g. q4_0")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    prompts = [s.messages[-1]["content"] for s in get_pack("starter").load(None, {})[:args.prompts]]
    with tempfile.TemporaryDirectory() as tmp:
        path = model_path(args.model)
        if args.quantize:
            path = quantize(path, args.quantize, Path(tmp))
        models = {on: llama_class(on)(model_path=str(path), n_ctx=2048, n_threads=args.threads, seed=0, verbose=False)
                  for on in (False, True)}
        rates: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for on, llm in models.items():
                rates[on].append(rate(llm, prompts, args.max_tokens))
    print(f"model {path.name}, {args.threads} threads, {args.rounds} rounds x {len(prompts)} prompts x "
          f"<= {args.max_tokens} tokens")
    for on, values in rates.items():
        print(f"extra_bufts={str(on).lower():5}  median {statistics.median(values):7.1f} tok/s  "
              f"(min {min(values):.1f}, max {max(values):.1f})")
    off, on_ = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"without extra buffer types: {100 * (off / on_ - 1):+.1f}% tokens/s")


if __name__ == "__main__":
    main()
