"""One or several OpenAI-compatible vLLM servers (``vllm-server:MODEL``, ``--base-url`` repeatable).

Each request goes to the server with the fewest requests in flight, so faster servers take more
of the work; ``--concurrency`` is the total across servers. This is the path for runs that
outgrow one machine: start ``vllm serve`` on each node (or one server spanning nodes with vLLM's
Ray-based distributed executor, ``--distributed-executor-backend ray``) and list every endpoint.
Requests go through the lean HTTP client (:mod:`evalkit.backends.http_chat`); ``-M client=sdk``
uses the openai SDK instead.
"""

from __future__ import annotations

from typing import Any

from evalkit.backends.openai_chat import OpenAIBackend
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest


class VLLMServerBackend(OpenAIBackend):
    name = "vllm-server"
    multi_url = True

    def open(self) -> Any:
        if not self.base_urls:
            raise EvalkitError("vllm-server: needs --base-url http://HOST:PORT/v1 (repeat it for several servers)")
        return [[self.client_for(url, self.concurrency), 0] for url in self.base_urls]

    def key(self) -> str:
        """vLLM servers take any key unless started with ``--api-key`` (then ``-M api_key=…``)."""
        return str(self.options.get("api_key") or "EMPTY")

    async def aclose(self, client: Any) -> None:
        for sdk, _ in client:
            await sdk.close()

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        slot = min(client, key=lambda s: s[1])  # least requests in flight
        slot[1] += 1
        self.stats[f"server:{client.index(slot)}"] += 1
        try:
            return await self.send(slot[0], request, config)
        finally:
            slot[1] -= 1
