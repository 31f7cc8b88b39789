"""OpenAI chat-completions backend through the official ``openai`` SDK (extra ``[api]``).

Any OpenAI-compatible server works with ``--base-url`` (vLLM serve, llama.cpp server, LM Studio,
Ollama). The SDK's own retries are off: the shared pool retries, backs off on 429 honouring
``Retry-After`` and applies the per-request timeout. ``-M key=value`` options other than
``api_key`` / ``api_key_env`` / ``max_retries`` / ``timeout`` go to the server as extra body fields.
Thinking returned apart (``reasoning_content`` or ``reasoning``) is kept as reasoning.
"""

from __future__ import annotations

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


def from_openai(resp: Any) -> Generation:
    """A ``Generation`` from an OpenAI-shaped chat completion (SDK object or litellm response)."""
    choices = getattr(resp, "choices", None)
    if not choices:
        return Generation(error="response had no choices")
    choice = choices[0]
    message = getattr(choice, "message", None)
    if message is None:
        return Generation(error="response choice had no message")
    reasoning = getattr(message, "reasoning_content", None) or getattr(message, "reasoning", None)
    usage = getattr(resp, "usage", None)
    details = getattr(usage, "completion_tokens_details", None)
    return Generation(
        text=getattr(message, "content", None) or "", finish_reason=getattr(choice, "finish_reason", None),
        prompt_tokens=getattr(usage, "prompt_tokens", None), completion_tokens=getattr(usage, "completion_tokens", None),
        model=getattr(resp, "model", None), reasoning=reasoning if isinstance(reasoning, str) else None,
        refusal=bool(getattr(message, "refusal", None)) or getattr(choice, "finish_reason", None) == "content_filter",
        reasoning_tokens=getattr(details, "reasoning_tokens", None),
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

    def open_sdk(self) -> None:
        import openai  # noqa: F401

    def open(self) -> Any:
        try:
            from openai import AsyncOpenAI
        except ImportError:
            raise EvalkitError("the openai backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        key = api_key(str(self.options.get("api_key_env", "OPENAI_API_KEY")), self.base_url, self.name, self.options)
        return AsyncOpenAI(api_key=key, base_url=self.base_url, max_retries=0, timeout=self.limits.timeout_s + 5,
                           http_client=pooled_http_client(self.concurrency))

    def preflight(self) -> None:
        """Fails when no API key is set and no ``--base-url`` points at a local server."""
        api_key(str(self.options.get("api_key_env", "OPENAI_API_KEY")), self.base_url, self.name, self.options)

    def extra_body(self) -> dict[str, Any]:
        return {k: v for k, v in self.options.items() if k not in self.transport_options}

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        resp = await client.chat.completions.create(**openai_body(self.model, request, config, self.extra_body()))
        return from_openai(resp)
