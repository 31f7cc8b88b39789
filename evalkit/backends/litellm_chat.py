"""Any provider LiteLLM routes (``litellm:PROVIDER/MODEL``), through ``litellm.acompletion``
(extra ``[litellm]``).

``LITELLM_LOCAL_MODEL_COST_MAP=True`` is set before the import so LiteLLM never downloads its price
map. LiteLLM's own retries are off (the pool retries). ``--base-url`` becomes ``api_base``; other
``-M`` options are passed to ``acompletion`` unchanged (e.g. ``api_key``-free local servers).
"""

from __future__ import annotations

import os
from typing import Any

from evalkit.backends.base import AsyncBackend, chat_messages
from evalkit.backends.openai_chat import from_openai
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest


def import_litellm() -> Any:
    """Import litellm offline-safe; EvalkitError names the extra when it is missing."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        raise EvalkitError("the litellm backend needs the 'litellm' extra: pip install 'evalkit-if[litellm]'") from None
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMBackend(AsyncBackend):
    name = "litellm"
    transport_options = frozenset({"max_retries", "timeout", "api_key"})  # api_key is passed on, never hashed

    def open_sdk(self) -> None:
        import_litellm()

    def open(self) -> Any:
        return import_litellm()

    async def aclose(self, client: Any) -> None:
        return None

    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        kwargs: dict[str, Any] = {"model": self.model, "messages": chat_messages(request, config),
                                  "max_tokens": config.max_tokens, "temperature": config.temperature,
                                  "num_retries": 0, "max_retries": 0, "timeout": self.limits.timeout_s + 5}
        if config.top_p is not None:
            kwargs["top_p"] = config.top_p
        if config.seed is not None and not self.model.startswith("anthropic/"):
            kwargs["seed"] = config.seed
        if self.base_url:
            kwargs["api_base"] = self.base_url
            if not os.environ.get(f"{self.model.split('/')[0].upper()}_API_KEY"):
                kwargs["api_key"] = "EMPTY"  # local servers accept any key
        kwargs.update({k: v for k, v in self.options.items() if k not in {"max_retries", "timeout"}})
        return from_openai(await client.acompletion(**kwargs))
