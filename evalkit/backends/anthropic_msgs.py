"""Anthropic Messages API backend through the official ``anthropic`` SDK (extra ``[api]``).

``ANTHROPIC_API_KEY`` (or ``-M api_key_env=NAME``); ``--base-url`` for a compatible endpoint.
System messages go to the ``system`` field; thinking blocks (``-M thinking='{"type":
"enabled","budget_tokens":N}'``) are kept as reasoning, never graded. Other ``-M`` options are
passed to ``messages.create`` (in ``extra_body`` when the installed SDK has no such argument:
recent SDKs dropped ``temperature``/``top_p``). Anthropic has no seed parameter.
"""

from __future__ import annotations

from typing import Any

from evalkit.backends.base import AsyncBackend, api_key, chat_messages
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "refusal": "refusal",
                "tool_use": "tool_calls", "pause_turn": "stop"}


def anthropic_body(model: str, request: GenerationRequest, config: GenerationConfig,
                   extra: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``messages.create`` for one request."""
    messages = chat_messages(request, config)
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    body: dict[str, Any] = {"model": model, "max_tokens": config.max_tokens or 1024,
                            "messages": [m for m in messages if m["role"] != "system"],
                            "temperature": config.temperature, **extra}
    if system:
        body["system"] = system
    if config.top_p is not None:
        body["top_p"] = config.top_p
    if "thinking" in extra:
        body.pop("temperature")  # extended thinking rejects a temperature other than 1
    return body


def from_anthropic(resp: Any) -> Generation:
    """A ``Generation`` from a Messages API response: text blocks answer, thinking blocks reason;
    ``null`` marks a response with no text block at all (as opposed to an empty text block)."""
    blocks = getattr(resp, "content", None)
    if blocks is None:
        return Generation(error="response had no content")
    texts = [getattr(b, "text", "") or "" for b in blocks if getattr(b, "type", None) == "text"]
    thinking = [getattr(b, "thinking", "") or "" for b in blocks if getattr(b, "type", None) == "thinking"]
    stop = getattr(resp, "stop_reason", None)
    usage = getattr(resp, "usage", None)
    return Generation(
        text="".join(texts), null=not texts, finish_reason=STOP_REASONS.get(str(stop), stop), refusal=stop == "refusal",
        prompt_tokens=getattr(usage, "input_tokens", None), completion_tokens=getattr(usage, "output_tokens", None),
        model=getattr(resp, "model", None), reasoning="\n\n".join(thinking) if thinking else None,
    )


class AnthropicBackend(AsyncBackend):
    name = "anthropic"

    def open_sdk(self) -> None:
        import anthropic  # noqa: F401

    def open(self) -> Any:
        try:
            from anthropic import AsyncAnthropic
        except ImportError:
            raise EvalkitError("the anthropic backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        key = api_key(str(self.options.get("api_key_env", "ANTHROPIC_API_KEY")), self.base_url, self.name, self.options)
        return AsyncAnthropic(api_key=key, base_url=self.base_url, max_retries=0, timeout=self.limits.timeout_s + 5)

    def preflight(self) -> None:
        """Fails when no API key is set and no ``--base-url`` is given."""
        api_key(str(self.options.get("api_key_env", "ANTHROPIC_API_KEY")), self.base_url, self.name, self.options)

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        extra = {k: v for k, v in self.options.items() if k not in self.transport_options}
        body = anthropic_body(self.model, request, config, extra)
        known = _parameters(client.messages.create)
        if known is not None:  # fields this SDK version has no argument for travel in extra_body
            unknown = {k: body.pop(k) for k in list(body) if k not in known}
            if unknown:
                body["extra_body"] = unknown
        return from_anthropic(await client.messages.create(**body))


def _parameters(fn: Any) -> set[str] | None:
    """Keyword names ``fn`` accepts, or None when it takes ``**kwargs``."""
    import inspect

    params = inspect.signature(fn).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}
