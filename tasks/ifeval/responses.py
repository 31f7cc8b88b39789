"""Reading IFEval responses in the upstream formats.

Accepted (one JSON object per line):

- ``{"key": 1000, "response": "..."}`` — matched by ``key``;
- upstream's ``{"prompt": "...", "response": "..."}`` (e.g. ``input_response_data_gpt4_*.jsonl``)
  — matched to a sample by exact prompt text; rows whose prompt matches none are then paired
  with the still-unanswered samples by prompt similarity (difflib ratio ≥ 0.8, a unique best
  candidate both ways). This is how key 2785 is joined: the response file has the old wording
  ("at least one placeholder") and ``input_data.jsonl`` the current one ("at least 3
  placeholders"); the response is graded against the current kwargs. Each such pairing is
  printed on stderr. A row that still matches nothing is an error.

evalkit's own ``{"id": "1000", "response": "..."}`` JSONL is left to the core reader.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.jsonio import iter_jsonl
from evalkit.types import Sample

MIN_SIMILARITY = 0.8
MAX_FUZZY = 10  # more unmatched prompts than this: not a wording drift, refuse


def upstream_rows(path: Path) -> list[tuple[int, dict[str, Any]]] | None:
    """``(line number, object)`` for each line of an upstream response file, every object
    checked to carry a string ``"response"``; None when the file is empty or its first row is
    evalkit's own ``{"id", …}`` format (or not an object)."""
    rows = list(iter_jsonl(path))
    if not rows or not isinstance(rows[0][1], dict) or "id" in rows[0][1]:
        return None
    for lineno, obj in rows:
        if not isinstance(obj, dict) or not isinstance(obj.get("response"), str):
            raise EvalkitError(f"{path} line {lineno}: expected an object with a string \"response\"")
    return rows


def _no_duplicates(path: Path, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    for sid, _ in pairs:
        if sid in seen:
            raise EvalkitError(f"{path}: IFEval key {sid} is answered more than once")
        seen.add(sid)
    return pairs


def _by_key(path: Path, rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[str, str]]:
    pairs = []
    for lineno, obj in rows:
        if "key" not in obj:
            raise EvalkitError(f"{path} line {lineno}: no \"key\" (other lines have one)")
        pairs.append((str(obj["key"]), obj["response"]))
    return pairs


def _prompt(sample: Sample) -> str:
    return sample.messages[-1]["content"]


def _closest(prompts: dict[str, str], prompt: str) -> tuple[str | None, float]:
    scored = sorted(((difflib.SequenceMatcher(None, prompt, p, autojunk=False).ratio(), sid)
                     for sid, p in prompts.items()), reverse=True)
    if not scored or scored[0][0] < MIN_SIMILARITY or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None, scored[0][0] if scored else 0.0
    return scored[0][1], scored[0][0]


def _by_prompt(path: Path, rows: list[tuple[int, dict[str, Any]]], samples: Sequence[Sample]) -> list[tuple[str, str]]:
    index = {_prompt(s): s.id for s in samples}
    matched: dict[int, str] = {}
    for lineno, obj in rows:
        if not isinstance(obj.get("prompt"), str):
            raise EvalkitError(f"{path} line {lineno}: no \"prompt\" (other lines have one)")
        if obj["prompt"] in index:
            matched[lineno] = index[obj["prompt"]]
    if len(rows) - len(matched) > MAX_FUZZY:
        raise EvalkitError(f"{path}: {len(rows) - len(matched)} prompts match no IFEval prompt exactly; "
                           "use {\"key\", \"response\"} rows")
    taken = set(matched.values())
    free = {s.id: _prompt(s) for s in samples if s.id not in taken}
    for lineno, obj in rows:
        if lineno in matched:
            continue
        sid, ratio = _closest(free, obj["prompt"])
        back = _closest({str(n): o["prompt"] for n, o in rows if n not in matched}, free[sid])[0] if sid else None
        if sid is None or back != str(lineno):
            raise EvalkitError(f"{path} line {lineno}: prompt matches no IFEval prompt "
                               f"(closest similarity {ratio:.2f}); use {{\"key\", \"response\"}} rows")
        print(f"note: {path.name} line {lineno}: prompt differs from key {sid}'s; joined by "
              f"similarity {ratio:.3f}", file=sys.stderr)
        matched[lineno] = sid
        del free[sid]
    return [(matched[lineno], obj["response"]) for lineno, obj in rows]


def parse_upstream(path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
    """(sample id, response) pairs from ``{"key", "response"}`` or ``{"prompt", "response"}``
    JSONL; None when the rows carry an ``"id"`` (evalkit's own format)."""
    rows = upstream_rows(path)
    if rows is None:
        return None
    if "key" in rows[0][1]:
        return _no_duplicates(path, _by_key(path, rows))
    return _no_duplicates(path, _by_prompt(path, rows, samples))
