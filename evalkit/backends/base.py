"""The one batch interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from evalkit.types import Generation, GenerationConfig, GenerationRequest

OnResult = Callable[[GenerationRequest, Generation], None]


class Backend(ABC):
    """Generates chat completions for a batch of requests.

    ``generate`` hands each result to ``on_result`` as soon as it is known (so the runner can
    journal it), in any order, exactly once per request. A request that fails after retries gets
    a ``Generation`` with ``error`` set; ``generate`` itself raises only for setup failures.
    """

    name: str = ""

    def __init__(self, model: str, options: dict[str, Any], base_url: str | None = None,
                 concurrency: int = 8) -> None:
        self.model = model
        self.options = dict(options)
        self.base_url = base_url
        self.concurrency = max(1, concurrency)

    @abstractmethod
    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                 on_result: OnResult) -> None:
        """Generate every request, calling ``on_result`` once per request."""

    def info(self) -> dict[str, Any]:
        """What the manifest records about this backend (never secrets)."""
        return {"backend": self.name, "model": self.model, "base_url": self.base_url,
                "options": self.options, "concurrency": self.concurrency}

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release engines or connections (optional)."""


def chat_messages(request: GenerationRequest, config: GenerationConfig) -> list[dict[str, str]]:
    """The request's messages, with ``config.system_message`` prepended when set."""
    messages = [dict(m) for m in request.messages]
    if config.system_message and not (messages and messages[0].get("role") == "system"):
        messages.insert(0, {"role": "system", "content": config.system_message})
    return messages
