"""evalkit: instruction-following evaluation with faithful upstream scorers.

The Python API behind the CLI::

    import evalkit
    scores = evalkit.run(["muldimif"], "openai:gpt-4o-mini", out="runs/x", data_dir=Path("data"))
    scores = evalkit.score("runs/x")                       # re-grade, no model calls
    scores = evalkit.score_responses("ifeval", "answers.jsonl", out="runs/y")

Public names are loaded on first use, so ``import evalkit`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "run": "evalkit.api", "score": "evalkit.api", "score_responses": "evalkit.api", "dry_run": "evalkit.api",
    "compare_runs": "evalkit.compare", "build_site": "evalkit.leaderboards.site",
    "Checker": "evalkit.checking", "CheckContext": "evalkit.checking", "CheckResult": "evalkit.checking",
    "register": "evalkit.checking", "TaskPack": "evalkit.packs", "get_pack": "evalkit.packs",
    "all_packs": "evalkit.packs", "DataFile": "evalkit.datafiles", "Sample": "evalkit.types",
    "Constraint": "evalkit.types", "GenerationConfig": "evalkit.types", "EvalkitError": "evalkit.errors",
    "RunDir": "evalkit.store", "load_run": "evalkit.analysis",
}
_SUBMODULES = frozenset({"rewards", "redact", "analysis"})  # ``evalkit.rewards.reward(...)`` after ``import evalkit``
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """The public name ``name`` (or the submodule ``evalkit.rewards``/``redact``/``analysis``),
    imported on first use."""
    if name in _SUBMODULES:
        return importlib.import_module(f"evalkit.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'evalkit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
