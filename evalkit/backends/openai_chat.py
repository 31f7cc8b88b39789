"""OpenAI chat-completions backend through the official ``openai`` SDK.

Any OpenAI-compatible server works with ``--base-url`` (vLLM serve, llama.cpp server, LM Studio,
Ollama). Requests run concurrently on asyncio inside ``generate``; the SDK retries 429/5xx and
connection errors with back-off (``-M max_retries=N``, default 3; ``-M timeout=S``, default 120).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from typing import Any

from evalkit.backends.base import Backend, OnResult, chat_messages
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

_PASSTHROUGH = {"max_retries", "timeout", "api_key_env"}


class OpenAIBackend(Backend):
    name = "openai"

    def _client(self) -> Any:
        try:
            from openai import AsyncOpenAI
        except ImportError:
            raise EvalkitError("the openai backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        key_env = str(self.options.get("api_key_env", "OPENAI_API_KEY"))
        api_key = os.environ.get(key_env)
        if not api_key:
            if self.base_url is None:
                raise EvalkitError(f"set {key_env} (or pass --base-url for a local OpenAI-compatible server)")
            api_key = "EMPTY"  # local servers usually accept any key
        return AsyncOpenAI(api_key=api_key, base_url=self.base_url,
                           max_retries=int(self.options.get("max_retries", 3)),
                           timeout=float(self.options.get("timeout", 120)))

    def _body(self, request: GenerationRequest, config: GenerationConfig) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": chat_messages(request, config),
                                "max_tokens": config.max_tokens, "temperature": config.temperature}
        if config.top_p is not None:
            body["top_p"] = config.top_p
        if config.seed is not None:
            body["seed"] = config.seed
        extra = {k: v for k, v in self.options.items() if k not in _PASSTHROUGH}
        if extra:
            body["extra_body"] = extra
        return body

    async def _one(self, client: Any, sem: asyncio.Semaphore, request: GenerationRequest,
                   config: GenerationConfig) -> Generation:
        async with sem:
            start = time.perf_counter()
            try:
                resp = await client.chat.completions.create(**self._body(request, config))
            except Exception as exc:  # noqa: BLE001 - recorded per sample, the run continues
                return Generation(error=f"{type(exc).__name__}: {exc}", latency_s=time.perf_counter() - start)
            latency = time.perf_counter() - start
            if not resp.choices:
                return Generation(error="response had no choices", latency_s=latency)
            choice = resp.choices[0]
            usage = resp.usage
            return Generation(
                text=choice.message.content or "", finish_reason=choice.finish_reason,
                prompt_tokens=getattr(usage, "prompt_tokens", None), completion_tokens=getattr(usage, "completion_tokens", None),
                latency_s=latency, model=resp.model,
            )

    async def _run(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        client = self._client()
        sem = asyncio.Semaphore(self.concurrency)

        async def task(req: GenerationRequest) -> None:
            on_result(req, await self._one(client, sem, req, config))

        try:
            await asyncio.gather(*(task(r) for r in requests))
        finally:
            await client.close()

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Send all requests with at most ``concurrency`` in flight."""
        if requests:
            asyncio.run(self._run(requests, config, on_result))
