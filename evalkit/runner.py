"""The runner: samples × epochs − journal → cache → backend → ``generations.jsonl``.

Every generation is appended to the journal as soon as it arrives (and flushed, by a writer
thread off the event loop: :mod:`evalkit.journal_writer`), so an interrupted run — even ``kill -9`` — resumes where it stopped: finished (non-error) generations
are never requested again. Requests already answered in the request cache are journaled without
a call. ``max_errors`` (a fraction of this call's requests) stops the backend cleanly.

Each pack has its own generation config (its ``default_max_tokens`` when ``--max-tokens`` is not
given); every row records ``request_hash`` (:func:`evalkit.integrity.request_hash`), and a
resumed run whose requests differ from the journaled ones is refused. Model text that cannot be
stored as UTF-8 (lone surrogates) is repaired, and the row records how many characters were
replaced per field (``text_repairs``).
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.backends.base import Backend
from evalkit.cache import RequestCache, request_keys, serve_cached
from evalkit.errors import EvalkitError
from evalkit.integrity import check_journal_hashes, request_hash
from evalkit.journal_writer import JournalWriter
from evalkit.jsonio import scrub_text
from evalkit.multiturn import Resolver, generate_turns, has_turns
from evalkit.pricing import Price
from evalkit.progress import RunProgress
from evalkit.records import GenerationRow, GenerationStatus, Usage
from evalkit.redact import redact_text
from evalkit.store import RunDir
from evalkit.types import Generation, GenerationConfig, GenerationRequest, Sample

THINK_TAGS = ("<think>", "</think>")


class RunAborted(EvalkitError):
    """Too many failed requests (``--max-errors``); everything finished is in the journal."""


@dataclass(frozen=True)
class RunnerOptions:
    """How the runner treats results: epochs, error budget, thinking tags, cache, progress."""

    epochs: int = 1
    max_errors: float | None = None  # abort when failures exceed this fraction of the requests
    think_tags: tuple[str, str] | None = THINK_TAGS  # None: keep tags in the graded text
    use_cache: bool = True
    progress: bool | None = None  # None: a live bar when stderr is a terminal
    price: Price | None = None
    answered: threading.Event | None = None  # set when the first result arrives
    journaled: Callable[[GenerationRow], None] | None = None  # called with each row once it is on disk


def split_thinking(text: str, tags: tuple[str, str] | None = THINK_TAGS) -> tuple[str, str | None, bool]:
    """Return (answer, reasoning, unterminated) for a response that may hold thinking tags.

    The answer is what follows the last closing tag with leading newlines removed; a response
    that opens the tag and never closes it is unterminated and has an empty answer.
    """
    if tags is None:
        return text, None, False
    open_tag, close_tag = tags
    cut = text.rfind(close_tag)
    if cut != -1:
        reasoning = text[:cut].replace(open_tag, "", 1).strip()
        return text[cut + len(close_tag):].lstrip("\n"), reasoning, False
    if text.lstrip().startswith(open_tag):
        return "", text.lstrip()[len(open_tag):].strip(), True
    return text, None, False


def classify(gen: Generation, answer: str, reasoning: str | None, unterminated: bool) -> GenerationStatus:
    """The status of a successful call: refusal, unterminated_thinking, truncated, empty or ok."""
    if gen.refusal:
        return "refusal"
    if unterminated:
        return "unterminated_thinking"
    if gen.finish_reason == "length":
        return "unterminated_thinking" if reasoning and not answer.strip() else "truncated"
    return "ok" if answer.strip() else "empty"


def to_row(request: GenerationRequest, gen: Generation, tags: tuple[str, str] | None = THINK_TAGS,
           price: Price | None = None) -> GenerationRow:
    """Classify a backend result into a journal row with its status, reasoning, usage and cost."""
    usage = Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens,
                  reasoning_tokens=gen.reasoning_tokens,
                  cost_usd=price.cost(gen.prompt_tokens, gen.completion_tokens) if price and not gen.cached else None)
    repairs: dict[str, int] = {}
    fields = {"text": gen.text, "reasoning": gen.reasoning, "error": gen.error}
    for name, value in fields.items():
        if value:
            fields[name], n = scrub_text(value)
            if n:
                repairs[name] = n
    status: GenerationStatus = "error"
    answer, reasoning = "", None
    if gen.error is None:
        answer, tag_reasoning, unterminated = split_thinking(fields["text"] or "", tags)
        reasoning = "\n\n".join(r for r in (fields["reasoning"], tag_reasoning) if r) or None
        status = classify(gen, answer, reasoning, unterminated)
    row = GenerationRow(
        pack=request.pack, sample_id=request.sample_id, epoch=request.epoch, status=status, usage=usage,
        response=answer, reasoning=reasoning, latency_s=round(gen.latency_s, 4), model=gen.model,
        finish_reason=gen.finish_reason, error=redact_text(fields["error"]) if fields["error"] is not None else None,
        attempts=gen.attempts, cached=gen.cached, messages=[dict(m) for m in request.messages],
    )
    if repairs:
        row.text_repairs = repairs  # type: ignore[attr-defined]
    return row


def pending_requests(samples: Sequence[Sample], epochs: int, done: set[tuple[str, str, int]],
                     messages: Resolver | None = None) -> list[GenerationRequest]:
    """Requests for every (sample, epoch) not already finished; ``messages(sample, epoch)`` gives
    a multi-turn sample's messages with earlier answers filled in (None: not ready yet)."""
    pairs = ((s, e, s.messages if messages is None else messages(s, e)) for e in range(epochs) for s in samples)
    return [GenerationRequest(s.pack, s.id, e, m) for s, e, m in pairs if (s.pack, s.id, e) not in done and m is not None]


def _key(request: GenerationRequest) -> tuple[str, str, int]:
    return (request.pack, request.sample_id, request.epoch)


def finished_keys(run_dir: RunDir) -> set[tuple[str, str, int]]:
    """Keys of journaled generations that need no new request (everything but errors)."""
    return {row.key for row in run_dir.read_generations() if row.status != "error"}


def _configs(samples: Sequence[Sample], config: GenerationConfig | dict[str, GenerationConfig]
             ) -> dict[str, GenerationConfig]:
    """The generation config of each pack (one config applies to every pack)."""
    if isinstance(config, GenerationConfig):
        return {s.pack: config for s in samples}
    return config


def generate(samples: Sequence[Sample], backend: Backend, config: GenerationConfig | dict[str, GenerationConfig],
             run_dir: RunDir, options: RunnerOptions | None = None, messages: Resolver | None = None) -> Counter[str]:
    """Generate what the journal lacks, journaling each result; returns status counts of this call.

    ``config`` is one config for every pack, or one per pack name. A journal whose rows were made
    from other requests than these is refused (EvalkitError) before anything is sent."""
    opts = options or RunnerOptions()
    if messages is None and has_turns(samples):  # multi-turn: stage by stage (evalkit.multiturn)
        return generate_turns(samples, backend, config, run_dir, opts, generate)
    configs = _configs(samples, config)
    identity = backend.cache_identity()
    expected, done = _resume_state(samples, identity, configs, opts.epochs, run_dir)
    requests = pending_requests(samples, opts.epochs, done, messages)
    if done and requests:
        print(f"resuming: {len(done)} generations already done, {len(requests)} to go", file=sys.stderr)
    cache = RequestCache() if opts.use_cache and backend.cacheable else None
    keys = request_keys(identity, configs, requests) if cache else {}
    budget = None if opts.max_errors is None else opts.max_errors * len(requests)
    counts: Counter[str] = Counter()

    with RunProgress(len(requests), backend.stats, opts.progress) as bar:
        # journal first (on the writer thread), then the cache, then the progress display
        def written(row: GenerationRow) -> None:
            if opts.journaled is not None:
                opts.journaled(row)
            bar.advance(row.status, row.usage.completion_tokens)

        writer = JournalWriter(run_dir.journal(), cache, written)

        def on_result(request: GenerationRequest, gen: Generation) -> None:
            if opts.answered is not None and not opts.answered.is_set():  # is_set takes no lock
                opts.answered.set()
            key = _key(request)
            row = to_row(request, gen, opts.think_tags, opts.price)
            row.request_hash = expected[key]  # type: ignore[attr-defined]
            writer.put(row, keys[key] if cache is not None and not gen.cached else None, gen)
            counts[row.status] += 1
            if budget is not None and counts["error"] > budget:
                raise RunAborted(f"{counts['error']} of {len(requests)} requests failed (--max-errors "
                                 f"{opts.max_errors:g}); finished generations are kept in {run_dir.path}")

        try:
            misses = serve_cached(requests, cache, lambda r: keys[_key(r)], on_result)
            for group, group_config in _groups(misses, configs):
                backend.generate(group, group_config, on_result)
        finally:
            writer.close()
    if not bar.enabled and requests:
        print(f"generated {sum(counts.values())}/{len(requests)}: " + ", ".join(
            f"{k} {v}" for k, v in sorted(counts.items())) + (f" ({cache.hits} from cache)" if cache and cache.hits else ""),
            file=sys.stderr)
    return counts


def _resume_state(samples: Sequence[Sample], identity: dict[str, Any], configs: dict[str, GenerationConfig],
                  epochs: int, run_dir: RunDir) -> tuple[dict[tuple[str, str, int], str], set[tuple[str, str, int]]]:
    """The request hash of every (pack, sample, epoch) and the keys the journal already finished;
    EvalkitError when journaled rows were made from other requests."""
    hashes = {(s.pack, s.id): request_hash(identity, configs[s.pack], GenerationRequest(s.pack, s.id, 0, s.messages))
              for s in samples}  # the same request for every epoch
    expected = {(pack, sid, e): h for (pack, sid), h in hashes.items() for e in range(epochs)}
    journaled = run_dir.read_generations()
    check_journal_hashes(journaled, expected, run_dir.path)
    return expected, {row.key for row in journaled if row.status != "error"}


def _groups(requests: Sequence[GenerationRequest], configs: dict[str, GenerationConfig]
            ) -> list[tuple[list[GenerationRequest], GenerationConfig]]:
    """Requests grouped by generation config (packs sharing a config are sent together)."""
    groups: dict[str, tuple[list[GenerationRequest], GenerationConfig]] = {}
    for request in requests:
        cfg = configs[request.pack]
        groups.setdefault(repr(cfg), ([], cfg))[0].append(request)
    return list(groups.values())
