"""Deterministic offline backend for tests and dry pipelines.

Models: ``mock:echo`` repeats the last user message; ``mock:constant`` answers ``-M text=…``
(default empty); ``mock:upper`` answers the last user message in upper case. ``-M fail_every=N``
makes every N-th request (by position) fail, to exercise error handling.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.backends.base import Backend, OnResult, chat_messages
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

MODELS = ("echo", "constant", "upper")


class MockBackend(Backend):
    name = "mock"
    cacheable = False  # free and deterministic: nothing to save

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.model not in MODELS:
            raise EvalkitError(f"unknown mock model {self.model!r} (choose from {', '.join(MODELS)})")

    def _answer(self, request: GenerationRequest, config: GenerationConfig) -> str:
        last_user = next((m["content"] for m in reversed(chat_messages(request, config)) if m["role"] == "user"), "")
        if self.model == "echo":
            return last_user
        if self.model == "upper":
            return last_user.upper()
        return str(self.options.get("text", ""))

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Answer each request immediately and deterministically."""
        fail_every = int(self.options.get("fail_every", 0) or 0)
        for i, request in enumerate(requests, 1):
            if fail_every and i % fail_every == 0:
                on_result(request, Generation(error="injected failure (mock fail_every)", model=f"mock:{self.model}"))
                continue
            text = self._answer(request, config)
            words, limit = text.split(), config.max_tokens or 1024
            truncated = len(words) > limit
            if truncated:
                text = " ".join(words[:limit])
            on_result(request, Generation(
                text=text, finish_reason="length" if truncated else "stop",
                prompt_tokens=sum(len(m["content"].split()) for m in request.messages),
                completion_tokens=min(len(words), limit), model=f"mock:{self.model}",
            ))
