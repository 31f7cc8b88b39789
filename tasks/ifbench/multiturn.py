"""IFBench's 2-turn split (``-T split=multiturn``): HF ``allenai/IFBench_multi-turn``.

Each row is a conversation: the user's task, a fixed pre-written assistant answer, then a user
turn asking to rewrite that answer under constraint(s). The model answers the last turn with
the first two as context; only that answer is graded, with the same verifiers and strict/loose
rules as the test split. Configurations (``-T subset=…``): ``ifbench_constraints`` (default,
IFBench's verifiers) and ``ifeval_constraints`` (the IFEval ids of IFBench's registry).

Row schema (HF viewer): ``key``, ``prompt``, ``messages`` (role/content list ending with the
user turn to answer), ``instruction_id_list``, ``kwargs`` (null-padded, nulls dropped). Rows
are read from ``<data dir>/ifbench/IFBench_multi-turn/<subset>.jsonl`` when present (any of
``--data-dir``, ``$EVALKIT_DATA_DIR``), else from the hub through ``datasets`` (extra
``[data]``); the data is not bundled.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import iter_jsonl
from evalkit.types import Sample

HF_DATASET = "allenai/IFBench_multi-turn"
LOCAL_DIR = "IFBench_multi-turn"


def local_file(data_dir: Path | None, subset: str) -> Path | None:
    """The local JSONL of ``subset`` under a data folder, if one holds it."""
    roots = [data_dir, Path(os.environ["EVALKIT_DATA_DIR"]) if os.environ.get("EVALKIT_DATA_DIR") else None]
    for root in roots:
        if root is not None and (root / "ifbench" / LOCAL_DIR / f"{subset}.jsonl").is_file():
            return root / "ifbench" / LOCAL_DIR / f"{subset}.jsonl"
    return None


def read_hub(subset: str) -> list[dict[str, Any]]:
    """The ``test`` split of ``subset`` from the hub (needs ``datasets``)."""
    try:
        import datasets
    except ImportError:
        raise EvalkitError("the IFBench 2-turn split comes from the hub and needs `datasets`: pip install "
                           f"'evalkit-if[data]' (or put {subset}.jsonl under <data dir>/ifbench/{LOCAL_DIR}/)") from None
    try:
        return [dict(r) for r in datasets.load_dataset(HF_DATASET, subset, split="test")]
    except Exception as exc:  # noqa: BLE001 - any hub failure is a data error for the user
        raise DataError(f"could not load {HF_DATASET} ({subset}) from the hub: {type(exc).__name__}: {exc}; "
                        f"put {subset}.jsonl under <data dir>/ifbench/{LOCAL_DIR}/") from None


def _messages(record: dict[str, Any]) -> tuple[dict[str, str], ...]:
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("needs a non-empty 'messages' list")
    out = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant", "system") \
                or not isinstance(m.get("content"), str):
            raise ValueError(f"bad message {m!r}")
        out.append({"role": m["role"], "content": m["content"]})
    if out[-1]["role"] != "user":
        raise ValueError("the last message must be the user turn to answer")
    return tuple(out)


def to_sample(record: Any, pack: str, subset: str) -> Sample:
    """One 2-turn row as a Sample whose messages end with the constraint turn."""
    from evalkit.tasks.ifbench import constraints_of

    if not isinstance(record, dict) or not isinstance(record.get("key"), str | int):
        raise ValueError("expected a JSON object with a 'key'")
    messages = _messages(record)
    constraints = constraints_of(record.get("instruction_id_list"), record.get("kwargs"))
    prompt = record.get("prompt") if isinstance(record.get("prompt"), str) else messages[-1]["content"]
    return Sample(id=str(record["key"]), pack=pack, messages=messages, constraints=constraints,
                  meta={"n_instructions": str(len(constraints)), "subset": subset, "turns": str(len(messages))},
                  reference={"prompt": prompt})


def load_multiturn(data_dir: Path | None, subset: str, pack: str) -> list[Sample]:
    """Samples of the 2-turn ``subset``, local file first, else the hub."""
    path = local_file(data_dir, subset)
    rows = [(n, r) for n, r in iter_jsonl(path)] if path else list(enumerate(read_hub(subset), 1))
    samples, seen = [], set()
    for lineno, record in rows:
        try:
            sample = to_sample(record, pack, subset)
        except ValueError as exc:
            raise DataError(f"{path or HF_DATASET} row {lineno}: {exc}") from None
        if sample.id in seen:
            raise DataError(f"{path or HF_DATASET} row {lineno}: key {sample.id} occurs twice")
        seen.add(sample.id)
        samples.append(sample)
    return samples
