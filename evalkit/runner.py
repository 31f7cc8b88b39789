"""The runner: samples × epochs − journal → backend → ``generations.jsonl``.

Every generation is appended to the journal the moment it arrives, so an interrupted run
resumes where it stopped: finished (non-error) generations are never requested again.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence

from evalkit.backends.base import Backend
from evalkit.records import GenerationRow, GenerationStatus, Usage
from evalkit.store import RunDir
from evalkit.types import Generation, GenerationConfig, GenerationRequest, Sample

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def split_thinking(text: str) -> tuple[str, str | None, bool]:
    """Return (answer, reasoning, unterminated) for a response that may hold ``<think>`` tags.

    The answer is what follows the last ``</think>`` with leading newlines removed; a response
    that opens ``<think>`` and never closes it is unterminated and has an empty answer.
    """
    cut = text.rfind(THINK_CLOSE)
    if cut != -1:
        reasoning = text[:cut].replace(THINK_OPEN, "", 1).strip()
        return text[cut + len(THINK_CLOSE):].lstrip("\n"), reasoning, False
    if text.lstrip().startswith(THINK_OPEN):
        return "", text.lstrip()[len(THINK_OPEN):].strip(), True
    return text, None, False


def to_row(request: GenerationRequest, gen: Generation) -> GenerationRow:
    """Classify a backend result into a journal row with its status."""
    row = GenerationRow(
        pack=request.pack, sample_id=request.sample_id, epoch=request.epoch, status="error",
        usage=Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens),
        latency_s=round(gen.latency_s, 4), model=gen.model, finish_reason=gen.finish_reason, error=gen.error,
    )
    if gen.error is not None:
        return row
    answer, reasoning, unterminated = split_thinking(gen.text)
    status: GenerationStatus
    if unterminated:
        status = "unterminated_thinking"
    elif gen.finish_reason == "length":
        status = "truncated"
    elif not answer.strip():
        status = "empty"
    else:
        status = "ok"
    return row.model_copy(update={"status": status, "response": answer, "reasoning": reasoning})


def pending_requests(samples: Sequence[Sample], epochs: int, done: set[tuple[str, str, int]]) -> list[GenerationRequest]:
    """Requests for every (sample, epoch) not already finished."""
    return [GenerationRequest(s.pack, s.id, e, s.messages)
            for e in range(epochs) for s in samples if (s.pack, s.id, e) not in done]


def generate(samples: Sequence[Sample], backend: Backend, config: GenerationConfig, run_dir: RunDir,
             epochs: int = 1, progress: bool = True) -> Counter[str]:
    """Generate what the journal lacks, journaling each result; returns status counts of this call."""
    done = {row.key for row in run_dir.read_generations() if row.status != "error"}
    requests = pending_requests(samples, epochs, done)
    counts: Counter[str] = Counter()
    total = len(requests)
    if done and progress:
        print(f"resuming: {len(done)} generations already done, {total} to go", file=sys.stderr)

    def on_result(request: GenerationRequest, gen: Generation) -> None:
        row = to_row(request, gen)
        run_dir.append_generation(row)
        counts[row.status] += 1
        if progress:
            finished = sum(counts.values())
            if finished == total or finished % max(1, total // 20) == 0:
                print(f"  generated {finished}/{total} ({counts['error']} errors)", file=sys.stderr)

    backend.generate(requests, config, on_result)
    return counts
