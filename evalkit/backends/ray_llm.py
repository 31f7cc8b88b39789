"""Ray Data LLM backends (extra ``[ray]``): ``ray-vllm:MODEL`` and ``ray-http:MODEL``.

Both are built on ``ray.data.llm`` (``build_processor``; older Ray calls it
``build_llm_processor``). The pending requests become a Ray dataset; the processor runs it on the
cluster and the driver hands every row to the runner as its batch completes, so the journal
grows while the run goes on and a killed run resumes with only the unfinished requests.

- ``ray-vllm:MODEL``: ``vLLMEngineProcessorConfig`` — ``-M replicas=N`` vLLM engines (data
  parallel), ``-M tensor_parallel_size=K`` GPUs each, every other ``-M`` key goes to the engine
  (``engine_kwargs``). Rows the engine fails on become ``status: "error"`` rows
  (``should_continue_on_error``).
- ``ray-http:MODEL --base-url URL...``: ``HttpRequestProcessorConfig`` — Ray workers post
  OpenAI chat-completion bodies to each server (the requests are dealt round-robin over the
  URLs; ``-M workers=N`` per URL, ``-M qps=Q`` per worker, ``-M max_retries`` for 429/5xx).
  A batch whose worker fails is skipped by Ray Data and its rows become error rows.

Ray options (never part of what is generated): ``-M ray_address=auto`` joins a running cluster
(else a local Ray starts, ``-M num_cpus=N``), ``-M batch_size=N`` rows per Ray batch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from evalkit.backends.base import Backend, OnResult, api_key, chat_messages, number_option
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

RAY_OPTIONS = frozenset({"ray_address", "num_cpus", "replicas", "batch_size", "workers", "qps", "max_retries",
                         "api_key", "api_key_env", "accelerator_type", "max_concurrent_batches"})
LOST = "no result: its Ray batch failed (see the Ray log above); it is retried on the next resume"


def ray_llm() -> tuple[Any, Any]:
    """``(ray, ray.data.llm)``; EvalkitError naming the ``[ray]`` extra when Ray is missing."""
    try:
        import ray
        from ray.data import llm
    except ImportError:
        raise EvalkitError("the ray-vllm and ray-http backends need the 'ray' extra: "
                           "pip install 'evalkit-if[ray]'") from None
    return ray, llm


def build_processor(llm: Any) -> Callable[..., Any]:
    """``build_processor`` of this Ray (``build_llm_processor`` in older releases)."""
    fn = getattr(llm, "build_processor", None) or getattr(llm, "build_llm_processor", None)
    if fn is None:
        raise EvalkitError("this Ray has no ray.data.llm.build_processor; pip install -U 'ray[data]'")
    return fn  # type: ignore[no-any-return]


def _json_default(value: Any) -> Any:
    """JSON for values Ray Data hands back as numpy arrays or scalars."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


class RayBackend(Backend):
    """What both Ray backends share: Ray start-up, the dataset, streaming results to the runner."""

    cacheable = True
    transport_options = RAY_OPTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_size = int(number_option(self.options, "batch_size", 16, "-M", integer=True, positive=True))
        self._started = False

    def preload(self) -> None:
        """Nothing: Ray starts when the first request is sent."""

    def start(self) -> Any:
        """Connect to ``-M ray_address`` or start a local Ray; returns the ``ray`` module."""
        ray, _ = ray_llm()
        if not ray.is_initialized():
            quiet = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
            address = self.options.get("ray_address")
            if address:
                ray.init(address=str(address), **quiet)
            else:
                cpus = self.options.get("num_cpus")
                ray.init(num_cpus=int(number_option(self.options, "num_cpus", 1, "-M", integer=True, positive=True))
                         if cpus is not None else None, **quiet)
            self._started = True
        context = ray.data.DataContext.get_current()
        context.max_errored_blocks = -1  # a failed batch becomes error rows; the others go on
        context.enable_progress_bars = False  # evalkit's own progress line counts rows
        return ray

    def close(self) -> None:
        """Shut down the Ray this backend started or joined."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def row_body(self, request: GenerationRequest, config: GenerationConfig) -> dict[str, Any]:
        """The JSON-able input of one dataset row (besides its index)."""
        raise NotImplementedError

    def processors(self, llm: Any, config: GenerationConfig, n_rows: int) -> list[Any]:
        """One processor per shard of the rows (ray-http: one per server)."""
        raise NotImplementedError

    def to_generation(self, row: dict[str, Any], config: GenerationConfig) -> Generation:
        """A result row of the processor as a Generation."""
        raise NotImplementedError

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                 on_result: OnResult) -> None:
        """Run the requests through the processor(s); each row is handed on as its batch ends."""
        if not requests:
            return
        ray = self.start()
        _, llm = ray_llm()
        procs = self.processors(llm, config, len(requests))
        shards: list[list[dict[str, Any]]] = [[] for _ in procs]
        for i, request in enumerate(requests):
            shards[i % len(procs)].append({"idx": i, "body": json.dumps(self.row_body(request, config))})
        datasets = [proc(ray.data.from_items(rows, override_num_blocks=-(-len(rows) // self.batch_size)))
                    for proc, rows in zip(procs, shards, strict=True) if rows]  # a block per batch: they run in parallel
        dataset = datasets[0].union(*datasets[1:]) if len(datasets) > 1 else datasets[0]
        done: set[int] = set()
        lost = LOST
        try:
            for row in dataset.iter_rows():
                idx = int(row["idx"])
                if idx not in done:
                    done.add(idx)
                    on_result(requests[idx], self.to_generation(dict(row), config))
        except EvalkitError:
            raise
        except Exception as exc:  # noqa: BLE001 - Ray's errors become error rows; finished rows are journaled
            lost = f"no result: the Ray pipeline stopped ({type(exc).__name__}: {str(exc)[:300]})"
            print(f"{self.name}: {lost}", file=sys.stderr)
        for idx, request in enumerate(requests):
            if idx not in done:
                on_result(request, Generation(error=lost))


def from_chat_json(data: dict[str, Any]) -> Generation:
    """A Generation from an OpenAI chat-completion JSON body (or its error body)."""
    if not isinstance(data, dict):
        return Generation(error=f"unexpected response: {str(data)[:300]}")
    if data.get("error") or not data.get("choices"):
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return Generation(error=f"server error: {message or str(data)[:300]}")
    choice = data["choices"][0]
    message = choice.get("message") or {}
    usage = data.get("usage") or {}
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    return Generation(text=message.get("content") or "", null=message.get("content") is None,
                      finish_reason=choice.get("finish_reason"),
                      prompt_tokens=usage.get("prompt_tokens"), completion_tokens=usage.get("completion_tokens"),
                      model=data.get("model"), reasoning=reasoning if isinstance(reasoning, str) else None,
                      refusal=bool(message.get("refusal")) or choice.get("finish_reason") == "content_filter")


def _http_pre(row: dict[str, Any]) -> dict[str, Any]:
    return {"idx": row["idx"], "payload": json.loads(row["body"])}


def _http_post(row: dict[str, Any]) -> dict[str, Any]:
    return {"idx": row["idx"], "result": json.dumps(row.get("http_response"), default=_json_default)}


class RayHTTPBackend(RayBackend):
    """``ray-http:MODEL``: OpenAI-compatible servers queried by Ray workers."""

    name = "ray-http"
    multi_url = True

    def row_body(self, request: GenerationRequest, config: GenerationConfig) -> dict[str, Any]:
        """The chat-completions body of one request (extra ``-M`` keys included)."""
        body: dict[str, Any] = {"model": self.model, "messages": chat_messages(request, config),
                                "max_tokens": config.max_tokens, "temperature": config.temperature}
        if config.top_p is not None:
            body["top_p"] = config.top_p
        if config.seed is not None:
            body["seed"] = config.seed
        body.update({k: v for k, v in self.options.items() if k not in self.transport_options})
        return body

    def preflight(self) -> None:
        """Needs at least one ``--base-url`` (and the ``[ray]`` extra)."""
        if not self.base_urls:
            raise EvalkitError("ray-http: pass the servers with --base-url URL (one or several)")
        ray_llm()

    def http_configs(self, llm: Any) -> list[Any]:
        """One ``HttpRequestProcessorConfig`` per server."""
        key = api_key(str(self.options.get("api_key_env", "OPENAI_API_KEY")), self.base_url, self.name, self.options)
        workers = int(number_option(self.options, "workers", max(1, self.concurrency // max(1, len(self.base_urls))),
                                    "-M", integer=True, positive=True))
        qps = self.options.get("qps")
        return [llm.HttpRequestProcessorConfig(
            url=url.rstrip("/") + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
            qps=int(number_option(self.options, "qps", 1, "-M", integer=True, positive=True)) if qps is not None else None,
            max_retries=int(number_option(self.options, "max_retries", self.limits.max_retries, "-M", integer=True)),
            batch_size=self.batch_size, concurrency=workers,
            http_request_stage={"num_cpus": 0.01, "concurrency": workers}) for url in self.base_urls]

    def processors(self, llm: Any, config: GenerationConfig, n_rows: int) -> list[Any]:
        build = build_processor(llm)
        return [build(cfg, preprocess=_http_pre, postprocess=_http_post) for cfg in self.http_configs(llm)]

    def to_generation(self, row: dict[str, Any], config: GenerationConfig) -> Generation:
        if row.get("__inference_error__"):
            return Generation(error=f"Ray: {row['__inference_error__']}"[:2000])
        try:
            return from_chat_json(json.loads(row["result"]))
        except (KeyError, TypeError, ValueError) as exc:
            return Generation(error=f"malformed result row: {exc}"[:500])


class RayVLLMBackend(RayBackend):
    """``ray-vllm:MODEL``: vLLM engine replicas on a Ray cluster."""

    name = "ray-vllm"

    def row_body(self, request: GenerationRequest, config: GenerationConfig) -> dict[str, Any]:
        """Messages and sampling parameters of one request."""
        params: dict[str, Any] = {"max_tokens": config.max_tokens, "temperature": config.temperature}
        if config.top_p is not None:
            params["top_p"] = config.top_p
        if config.seed is not None:
            params["seed"] = config.seed
        return {"messages": chat_messages(request, config), "sampling_params": params}

    def preflight(self) -> None:
        """Needs the ``[ray]`` extra; ``--base-url`` makes no sense here."""
        if self.base_urls:
            raise EvalkitError("ray-vllm runs its own engines; --base-url is for ray-http")
        ray_llm()

    def engine_config(self, llm: Any) -> Any:
        """The ``vLLMEngineProcessorConfig`` of this run."""
        engine = {k: v for k, v in self.options.items() if k not in self.transport_options}
        engine.setdefault("tensor_parallel_size", 1)
        replicas = int(number_option(self.options, "replicas", 1, "-M", integer=True, positive=True))
        extra: dict[str, Any] = {}
        if self.options.get("accelerator_type"):
            extra["accelerator_type"] = str(self.options["accelerator_type"])
        if "max_concurrent_batches" in self.options:
            extra["max_concurrent_batches"] = int(number_option(self.options, "max_concurrent_batches", 8, "-M",
                                                                integer=True, positive=True))
        return llm.vLLMEngineProcessorConfig(model_source=self.model, engine_kwargs=engine, concurrency=replicas,
                                             batch_size=self.batch_size, should_continue_on_error=True, **extra)

    def processors(self, llm: Any, config: GenerationConfig, n_rows: int) -> list[Any]:
        return [build_processor(llm)(self.engine_config(llm), preprocess=_vllm_pre, postprocess=_vllm_post)]

    def to_generation(self, row: dict[str, Any], config: GenerationConfig) -> Generation:
        if row.get("__inference_error__"):
            return Generation(error=f"vLLM: {row['__inference_error__']}"[:2000])
        completion = int(row.get("num_generated_tokens") or 0)
        limit = config.max_tokens
        return Generation(text=str(row.get("generated_text") or ""), prompt_tokens=int(row.get("num_input_tokens") or 0),
                          completion_tokens=completion, model=self.model,
                          finish_reason="length" if limit is not None and completion >= limit else "stop")


def _vllm_pre(row: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(row["body"])
    return {"idx": row["idx"], "messages": body["messages"], "sampling_params": body["sampling_params"]}


def _vllm_post(row: dict[str, Any]) -> dict[str, Any]:
    return {"idx": row["idx"], "generated_text": row.get("generated_text", ""),
            "num_input_tokens": row.get("num_input_tokens", 0), "num_generated_tokens": row.get("num_generated_tokens", 0)}
