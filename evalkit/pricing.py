"""Token prices from LiteLLM's bundled price map (optional: without litellm, cost is unknown).

The map is read as a JSON file from the installed ``litellm`` package without importing it
(importing litellm takes seconds and may try the network).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRICE_FILE = "model_prices_and_context_window_backup.json"
BATCH_DISCOUNT = 0.5  # provider batch APIs cost half the normal price


@dataclass(frozen=True)
class Price:
    """USD per input and per output token of one model."""

    model: str
    input_per_token: float
    output_per_token: float

    def cost(self, prompt_tokens: int | None, completion_tokens: int | None) -> float | None:
        if prompt_tokens is None and completion_tokens is None:
            return None
        return (prompt_tokens or 0) * self.input_per_token + (completion_tokens or 0) * self.output_per_token


@cache
def price_map() -> dict[str, Any]:
    """LiteLLM's price map, or an empty dict when litellm is not installed."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(list(spec.submodule_search_locations)[0]) / PRICE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def price_for(backend: str, model: str) -> Price | None:
    """The price of ``backend:model`` when the map knows it (local engines cost nothing known).
    Batch backends (``openai-batch``, ``anthropic-batch``) cost the map's batch price, or half
    the normal price where the map has none."""
    batch = backend.endswith("-batch")
    backend = backend.removesuffix("-batch")
    if backend not in {"openai", "anthropic", "litellm"}:
        return None
    table = price_map()
    for name in (model, model.split("/", 1)[-1], f"{backend}/{model}"):
        entry = table.get(name)
        if isinstance(entry, dict) and "input_cost_per_token" in entry:
            inp, out = float(entry["input_cost_per_token"]), float(entry.get("output_cost_per_token", 0.0))
            if batch:
                return Price(f"{name} (batch)", float(entry.get("input_cost_per_token_batches", inp * BATCH_DISCOUNT)),
                             float(entry.get("output_cost_per_token_batches", out * BATCH_DISCOUNT)))
            return Price(name, inp, out)
    return None


def estimate_tokens(text: str) -> int:
    """Rough token count for ``--dry-run`` (about four characters per token)."""
    return max(1, (len(text) + 3) // 4)
