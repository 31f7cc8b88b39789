"""Reading IFBench responses in upstream's format.

Upstream's ``run_eval.py`` reads JSON lines ``{"prompt", "response"}`` and joins them to the
test rows by prompt text: a test prompt takes the response of the identical prompt, else of
the prompt equal to it once surrounding whitespace is stripped (each response prompt is also
indexed stripped; a later line wins). A test prompt with no response is scored with an empty
response (every verdict false), as upstream. ``{"key", "response"}`` lines are matched by key.
evalkit's own ``{"id", "response"}`` JSONL is left to the core reader.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.tasks.ifeval.responses import upstream_rows
from evalkit.types import Sample


def _prompt_index(path: Path, rows: list[tuple[int, Any]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for lineno, obj in rows:
        if not isinstance(obj.get("prompt"), str):
            raise EvalkitError(f"{path} line {lineno}: no string \"prompt\" (other lines have one)")
        index[obj["prompt"]] = obj["response"]
        if obj["prompt"].strip() != obj["prompt"]:
            index[obj["prompt"].strip()] = obj["response"]
    return index


def _by_key(path: Path, rows: list[tuple[int, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for lineno, obj in rows:
        if "key" not in obj:
            raise EvalkitError(f"{path} line {lineno}: no \"key\" (other lines have one)")
        if str(obj["key"]) in out:
            raise EvalkitError(f"{path} line {lineno}: key {obj['key']} is answered twice")
        out[str(obj["key"])] = obj["response"]
    return out


def parse_upstream(path: Path, samples: Sequence[Sample], prompt_of: Any) -> list[tuple[str, str]] | None:
    """(sample id, response) for every sample from ``{"prompt"|"key", "response"}`` JSONL
    (an unanswered sample gets ""); None for evalkit's ``{"id", …}`` rows. ``prompt_of(sample)``
    gives the prompt text a response file names."""
    rows = upstream_rows(path)
    if rows is None:
        return None
    if "key" in rows[0][1]:
        by_key = _by_key(path, rows)
        found = {s.id: by_key[s.id] for s in samples if s.id in by_key}
        unknown = sorted(set(by_key) - found.keys())
        if unknown:
            raise EvalkitError(f"{path}: keys not in the pack: {', '.join(unknown[:10])}")
    else:
        prompts = [prompt_of(s) for s in samples]
        if len(set(prompts)) != len(prompts):
            raise EvalkitError(f"{path}: several samples share a prompt, so {{\"prompt\", \"response\"}} rows "
                               "cannot be matched; use {\"key\", \"response\"} rows")
        index = _prompt_index(path, rows)
        found = {}
        for s in samples:
            prompt = prompt_of(s)
            if prompt in index:
                found[s.id] = index[prompt]
            elif prompt.strip() in index:
                found[s.id] = index[prompt.strip()]
    missing = [s.id for s in samples if s.id not in found]
    if missing:
        print(f"note: {path.name}: {len(missing)} prompts have no response and score as not followed "
              f"(keys {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''})", file=sys.stderr)
    return [(s.id, found.get(s.id, "")) for s in samples]
