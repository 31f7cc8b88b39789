"""Backends, one module each, registered in the single table below."""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Sequence
from typing import Any

from evalkit.backends.base import Backend
from evalkit.backends.pool import Limits
from evalkit.errors import EvalkitError

# prefix of the model spec -> "module:class"
BACKENDS: dict[str, str] = {
    "mock": "evalkit.backends.mock:MockBackend",
    "openai": "evalkit.backends.openai_chat:OpenAIBackend",
    "local": "evalkit.backends.llamacpp:LlamaCppBackend",
    "anthropic": "evalkit.backends.anthropic_msgs:AnthropicBackend",
    "litellm": "evalkit.backends.litellm_chat:LiteLLMBackend",
    "vllm": "evalkit.backends.vllm_offline:VLLMBackend",
    "vllm-server": "evalkit.backends.vllm_server:VLLMServerBackend",
    "openai-batch": "evalkit.backends.openai_batch:OpenAIBatchBackend",
    "anthropic-batch": "evalkit.backends.anthropic_batch:AnthropicBatchBackend",
    "ray-vllm": "evalkit.backends.ray_llm:RayVLLMBackend",
    "ray-http": "evalkit.backends.ray_llm:RayHTTPBackend",
}


def parse_model_spec(spec: str) -> tuple[str, str]:
    """Split ``BACKEND:MODEL``; EvalkitError for a malformed spec or an unknown backend."""
    backend, sep, model = spec.partition(":")
    if not sep or not model:
        raise EvalkitError(f"model spec {spec!r} must look like BACKEND:MODEL (backends: {', '.join(BACKENDS)})")
    if backend not in BACKENDS:
        close = difflib.get_close_matches(backend, list(BACKENDS), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(BACKENDS)}"
        raise EvalkitError(f"unknown backend {backend!r} in model spec {spec!r} ({hint})")
    return backend, model


def make_backend(spec: str, options: dict[str, Any] | None = None, base_url: str | Sequence[str] | None = None,
                 concurrency: int = 8, limits: Limits | None = None) -> Backend:
    """Instantiate the backend named by model ``spec`` (``base_url``: one URL, or several for vllm-server)."""
    backend, model = parse_model_spec(spec)
    module_name, cls_name = BACKENDS[backend].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    instance: Backend = cls(model, options or {}, base_url=base_url, concurrency=concurrency, limits=limits)
    return instance
