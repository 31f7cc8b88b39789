"""Multi-turn samples: later user turns carry the model's own earlier answers as context.

A conversation of K user turns is K samples, one per turn (graded separately). The sample of
turn k holds the whole conversation up to its user turn; each earlier assistant message is a
placeholder naming the sample whose answer goes there::

    {"role": "assistant", "content": "", "answer_of": "<sample id of turn j>"}

The runner generates in stages: first every sample without placeholders, then each sample
whose placeholders the journal can fill (same pack, same epoch, a non-error answer), and so on.
Every answer is journaled as it arrives, so a run killed between turns resumes at the next
turn and never re-asks an answered one; a turn whose earlier answer failed is left for a
later ``--resume`` (after the failed turn is retried). Fixed assistant turns from the data (no
``answer_of``) are sent as they are.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from evalkit.store import RunDir
from evalkit.types import Sample

ANSWER_OF = "answer_of"
Messages = tuple[dict[str, str], ...]
Resolver = Callable[[Sample, int], Messages | None]


def conversation(turns: Sequence[str], turn_ids: Sequence[str]) -> list[Messages]:
    """The messages of each turn's sample for user ``turns`` whose samples are ``turn_ids``:
    turn k gets turns 1..k with placeholders for the answers to turns 1..k-1."""
    if len(turns) != len(turn_ids):
        raise ValueError("one sample id per turn is needed")
    out: list[Messages] = []
    history: list[dict[str, str]] = []
    for k, text in enumerate(turns):
        if k:
            history.append({"role": "assistant", "content": "", ANSWER_OF: turn_ids[k - 1]})
        history.append({"role": "user", "content": text})
        out.append(tuple(history))
    return out


def depends_on(sample: Sample) -> list[str]:
    """Sample ids whose answers ``sample``'s messages need, in order."""
    return [m[ANSWER_OF] for m in sample.messages if m.get(ANSWER_OF)]


def has_turns(samples: Sequence[Sample]) -> bool:
    """True when some sample needs an earlier answer of the model."""
    return any(depends_on(s) for s in samples)


def stages(samples: Sequence[Sample]) -> list[list[Sample]]:
    """Samples grouped by how many earlier answers they need (0 first)."""
    by_depth: dict[int, list[Sample]] = {}
    for sample in samples:
        by_depth.setdefault(len(depends_on(sample)), []).append(sample)
    return [by_depth[d] for d in sorted(by_depth)]


def answers(run_dir: RunDir) -> dict[tuple[str, str, int], str]:
    """The journaled answer of every (pack, sample id, epoch) that did not fail."""
    return {row.key: row.response for row in run_dir.read_generations() if row.status != "error"}


def resolver(found: dict[tuple[str, str, int], str]) -> Resolver:
    """A function giving a sample's messages for an epoch with the placeholders filled from
    ``found``, or None while one of the answers it needs is missing."""

    def resolve(sample: Sample, epoch: int) -> Messages | None:
        filled = []
        for m in sample.messages:
            if m.get(ANSWER_OF):
                text = found.get((sample.pack, m[ANSWER_OF], epoch))
                if text is None:
                    return None
                m = {"role": m["role"], "content": text}
            filled.append(m)
        return tuple(filled)

    return resolve


def generate_turns(samples: Sequence[Sample], backend: Any, config: Any, run_dir: RunDir, options: Any,
                   generate: Callable[..., Counter[str]]) -> Counter[str]:
    """Run ``generate`` (the runner's) stage by stage, each stage's messages completed from the
    journal; returns the status counts of all stages."""
    counts: Counter[str] = Counter()
    epochs = getattr(options, "epochs", 1) if options is not None else 1
    for stage in stages(samples):
        resolve = resolver(answers(run_dir))
        waiting = sum(1 for s in stage for e in range(epochs) if resolve(s, e) is None)
        if waiting:
            print(f"note: {waiting} later turns wait for an earlier answer that failed; "
                  "run again with --resume after it succeeds", file=sys.stderr)
        counts += generate(stage, backend, config, run_dir, options, messages=resolve)
    return counts
