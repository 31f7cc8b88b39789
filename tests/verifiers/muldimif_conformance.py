"""Helpers for MulDimIF conformance tests: upstream vectors and canned-response verdicts."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from evalkit.tasks.muldimif.mapping import RAW_KEYS, UPSTREAM_CLASS

from ..conftest import SHARED_DATA

MULDIMIF = SHARED_DATA / "muldimif"


@cache
def _load(name: str) -> Any:
    return json.loads((MULDIMIF / name).read_text(encoding="utf-8"))


def vectors_for(upstream_class: str) -> list[dict[str, Any]]:
    """The upstream unit vectors of one checker class (``checker_test_vectors.json``)."""
    return [v for v in _load("checker_test_vectors.json") if v["checker"] == upstream_class]


def canned_cases_for(checker_id: str) -> list[tuple[str, int, str, str, bool]]:
    """(sample id, constraint index, constraint text, response, upstream verdict) for one checker."""
    samples = {s["id"]: s for s in _load("test.json")}
    canned = _load("upstream_verdicts_canned_responses.json")
    texts: dict[str, str] = canned["canned_responses"]
    out = []
    for row in canned["verdicts"]:
        sample = samples[row["id"]]
        for i, (cat, sub, text) in enumerate(sample["constraints"]):
            if RAW_KEYS[f"{cat}_{sub}"][0] == checker_id:
                out.append((row["id"], i, text, texts[row["response_name"]], bool(row["judges"][i])))
    return out


__all__ = ["UPSTREAM_CLASS", "canned_cases_for", "vectors_for", "Path"]
