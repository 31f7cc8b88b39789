"""OpenAI chat-completions backend through the official ``openai`` SDK (extra ``[api]``).

Any OpenAI-compatible server works with ``--base-url`` (vLLM serve, llama.cpp server, LM Studio,
Ollama). The SDK's own retries are off: the shared pool retries, backs off on 429 honouring
``Retry-After`` and applies the per-request timeout. ``-M key=value`` options other than
``api_key`` / ``api_key_env`` / ``max_retries`` / ``timeout`` go to the server as extra body fields.
Thinking returned apart (``reasoning_content`` or ``reasoning``) is kept as reasoning.
"""

from __future__ import annotations

import os
from typing import Any

from evalkit.backends.base import AsyncBackend, api_key, chat_messages
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest


def openai_body(model: str, request: GenerationRequest, config: GenerationConfig,
                extra: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``chat.completions.create`` for one request."""
    body: dict[str, Any] = {"model": model, "messages": chat_messages(request, config),
                            "max_tokens": config.max_tokens, "temperature": config.temperature}
    if config.top_p is not None:
        body["top_p"] = config.top_p
    if config.seed is not None:
        body["seed"] = config.seed
    if extra:
        body["extra_body"] = extra
    return body


def _get(obj: Any, name: str) -> Any:
    """``obj[name]`` for a parsed JSON object, ``obj.name`` for an SDK object; None when absent."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def from_openai(resp: Any) -> Generation:
    """A ``Generation`` from an OpenAI-shaped chat completion: an SDK object, a litellm response
    or the parsed JSON reply of the lean HTTP client; ``null`` marks a message whose ``content``
    is null (or absent), told apart from an empty string."""
    choices = _get(resp, "choices")
    if not choices:
        return Generation(error="response had no choices")
    choice = choices[0]
    message = _get(choice, "message")
    if message is None:
        return Generation(error="response choice had no message")
    reasoning = _get(message, "reasoning_content") or _get(message, "reasoning")
    usage = _get(resp, "usage")
    details = _get(usage, "completion_tokens_details")
    finish = _get(choice, "finish_reason")
    content = _get(message, "content")
    return Generation(
        text=content or "", null=content is None, finish_reason=finish,
        prompt_tokens=_get(usage, "prompt_tokens"), completion_tokens=_get(usage, "completion_tokens"),
        model=_get(resp, "model"), reasoning=reasoning if isinstance(reasoning, str) else None,
        refusal=bool(_get(message, "refusal")) or finish == "content_filter",
        reasoning_tokens=_get(details, "reasoning_tokens"),
    )


def pooled_http_client(concurrency: int) -> Any:
    """The SDK's default async HTTP client, keeping up to ``concurrency`` connections alive
    (the SDK default keeps 100, so a run with more in flight would reconnect constantly)."""
    import openai

    limits = openai.DEFAULT_CONNECTION_LIMITS
    pool = type(limits)(max_connections=max(limits.max_connections or 0, concurrency),
                        max_keepalive_connections=max(limits.max_keepalive_connections or 0, concurrency),
                        keepalive_expiry=limits.keepalive_expiry)
    return openai.DefaultAsyncHttpxClient(limits=pool)


class OpenAIBackend(AsyncBackend):
    name = "openai"
    transport_options = AsyncBackend.transport_options | {"client"}

    def lean(self) -> bool:
        """True when requests go through the lean HTTP client: ``-M client=http``, or by default
        for a server given with ``--base-url`` (``-M client=sdk`` keeps the SDK)."""
        choice = str(self.options.get("client") or os.environ.get("EVALKIT_OPENAI_CLIENT") or "auto")
        if choice not in {"auto", "sdk", "http"}:
            raise EvalkitError(f"-M client expects sdk, http or auto, got {choice!r}")
        return choice == "http" or (choice == "auto" and self.base_url is not None)

    def open_sdk(self) -> None:
        if self.lean():
            import aiohttp  # noqa: F401
        else:
            import openai  # noqa: F401

    def key(self) -> str:
        """The API key (``-M api_key``, the ``api_key_env`` variable, or a placeholder for local servers)."""
        return api_key(str(self.options.get("api_key_env", "OPENAI_API_KEY")), self.base_url, self.name, self.options)

    def client_for(self, url: str | None, concurrency: int) -> Any:
        """A client for one server: the lean HTTP client or the SDK's."""
        if self.lean():
            from evalkit.backends.http_chat import ChatClient

            return ChatClient(url or "https://api.openai.com/v1", self.key(), concurrency, self.limits.timeout_s)
        try:
            from openai import AsyncOpenAI
        except ImportError:
            raise EvalkitError(f"the {self.name} backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        return AsyncOpenAI(api_key=self.key(), base_url=url, max_retries=0, timeout=self.limits.timeout_s + 5,
                           http_client=pooled_http_client(concurrency))

    def open(self) -> Any:
        return self.client_for(self.base_url, self.concurrency)

    def preflight(self) -> None:
        """Fails when no API key is set and no ``--base-url`` points at a local server."""
        self.lean()
        self.key()

    def extra_body(self) -> dict[str, Any]:
        return {k: v for k, v in self.options.items() if k not in self.transport_options}

    async def send(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        """One request on ``client`` (either kind), parsed into a Generation."""
        body = openai_body(self.model, request, config, self.extra_body())
        if hasattr(client, "chat"):
            return from_openai(await client.chat.completions.create(**body))
        return from_openai(await client.create(body))

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        return await self.send(client, request, config)
