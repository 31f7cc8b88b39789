"""One or several OpenAI-compatible vLLM servers (``vllm-server:MODEL``, ``--base-url`` repeatable).

Each request goes to the server with the fewest requests in flight, so faster servers take more
of the work; ``--concurrency`` is the total across servers. This is the path for runs that
outgrow one machine: start ``vllm serve`` on each node (or one server spanning nodes with vLLM's
Ray-based distributed executor, ``--distributed-executor-backend ray``) and list every endpoint.
"""

from __future__ import annotations

from typing import Any

from evalkit.backends.openai_chat import OpenAIBackend, from_openai, openai_body, pooled_http_client
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest


class VLLMServerBackend(OpenAIBackend):
    name = "vllm-server"
    multi_url = True

    def open(self) -> Any:
        if not self.base_urls:
            raise EvalkitError("vllm-server: needs --base-url http://HOST:PORT/v1 (repeat it for several servers)")
        try:
            from openai import AsyncOpenAI
        except ImportError:
            raise EvalkitError("the vllm-server backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        return [[AsyncOpenAI(api_key="EMPTY", base_url=url, max_retries=0, timeout=self.limits.timeout_s + 5,
                             http_client=pooled_http_client(self.concurrency)), 0]
                for url in self.base_urls]

    async def aclose(self, client: Any) -> None:
        for sdk, _ in client:
            await sdk.close()

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        slot = min(client, key=lambda s: s[1])  # least requests in flight
        slot[1] += 1
        self.stats[f"server:{client.index(slot)}"] += 1
        try:
            resp = await slot[0].chat.completions.create(**openai_body(self.model, request, config, self.extra_body()))
        finally:
            slot[1] -= 1
        return from_openai(resp)
