"""The one batch interface every backend implements, and the async base of API backends."""

from __future__ import annotations

import asyncio
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from evalkit.backends.pool import Limits, Pool
from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest

OnResult = Callable[[GenerationRequest, Generation], None]


class Backend(ABC):
    """Generates chat completions for a batch of requests.

    ``generate`` hands each result to ``on_result`` as soon as it is known (so the runner can
    journal it), in any order, exactly once per request. A request that fails after retries gets
    a ``Generation`` with ``error`` set; ``generate`` itself raises only for setup failures, or
    re-raises what ``on_result`` raised (the runner's ``--max-errors`` abort) after stopping.
    """

    name: str = ""
    cacheable: bool = True  # results may be served from the request cache
    transport_options: frozenset[str] = frozenset()  # -M keys that do not change what is generated
    multi_url: bool = False

    def __init__(self, model: str, options: dict[str, Any], base_url: str | Sequence[str] | None = None,
                 concurrency: int = 8, limits: Limits | None = None) -> None:
        self.model = model
        self.options = dict(options)
        urls = [base_url] if isinstance(base_url, str) else list(base_url or [])
        if len(urls) > 1 and not self.multi_url:
            raise EvalkitError(f"the {self.name} backend takes one --base-url (vllm-server: takes several)")
        self.base_urls = urls
        self.base_url = urls[0] if urls else None
        self.concurrency = max(1, concurrency)
        self.limits = limits or Limits()
        self.stats: Counter[str] = Counter()  # live counters read by the progress display

    @abstractmethod
    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                 on_result: OnResult) -> None:
        """Generate every request, calling ``on_result`` once per request."""

    def info(self) -> dict[str, Any]:
        """What the manifest records about this backend, secrets masked (:mod:`evalkit.redact`)."""
        from evalkit.redact import redact

        return redact({"backend": self.name, "model": self.model, "base_url": self.base_url,
                       "base_urls": self.base_urls, "options": self.options,
                       "output_options": self.cache_identity()["options"], "concurrency": self.concurrency,
                       "limits": {"max_retries": self.limits.max_retries, "retry_time_s": self.limits.retry_time_s,
                                  "timeout_s": self.limits.timeout_s}})

    def cache_identity(self) -> dict[str, Any]:
        """What, besides the request and config, decides the output (keys the request cache)."""
        return {"backend": self.name, "model": self.model,
                "options": {k: v for k, v in sorted(self.options.items()) if k not in self.transport_options}}

    def preload(self) -> None:  # noqa: B027 - optional hook
        """Start loading heavy imports in the background while the run is prepared (optional)."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release engines or connections (optional)."""

    def preflight(self) -> None:  # noqa: B027 - backends that can tell early override it
        """Raise EvalkitError now if this backend cannot run (missing API key, model file…),
        without loading an engine or sending anything."""


class AsyncBackend(Backend):
    """An API backend: ``call`` one request on an SDK client; the pool does the rest."""

    transport_options = frozenset({"max_retries", "timeout", "api_key_env", "api_key"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "max_retries" in self.options or "timeout" in self.options:  # -M overrides of the flags
            self.limits = Limits(
                max_retries=int(number_option(self.options, "max_retries", self.limits.max_retries, "-M", integer=True)),
                retry_time_s=self.limits.retry_time_s,
                timeout_s=number_option(self.options, "timeout", self.limits.timeout_s, "-M", positive=True))

    def preload(self) -> None:
        """Import the SDK on a thread so it overlaps pack loading and manifest writing."""
        def load() -> None:
            try:
                self.open_sdk()
            except Exception:  # noqa: BLE001 - open() reports a missing extra properly later
                return

        threading.Thread(target=load, daemon=True).start()

    def open_sdk(self) -> None:  # noqa: B027 - backends whose SDK import is slow override it
        """Import the SDK module (nothing else)."""

    @abstractmethod
    def open(self) -> Any:
        """Create the SDK client (inside the event loop); EvalkitError names a missing extra."""

    @abstractmethod
    async def call(self, client: Any, request: GenerationRequest, config: GenerationConfig) -> Generation:
        """Send one request; raise the SDK's exception on failure (the pool classifies it)."""

    async def aclose(self, client: Any) -> None:
        closer = getattr(client, "close", None)
        if closer is not None:
            result = closer()
            if asyncio.iscoroutine(result):
                await result

    async def _run(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                   on_result: OnResult) -> None:
        client = self.open()

        async def one(request: GenerationRequest) -> Generation:
            return await self.call(client, request, config)

        try:
            await Pool(one, self.concurrency, self.limits, self.stats).run(requests, on_result)
        finally:
            await self.aclose(client)

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                 on_result: OnResult) -> None:
        """Send all requests with at most ``concurrency`` in flight."""
        if requests:
            asyncio.run(self._run(requests, config, on_result))


def chat_messages(request: GenerationRequest, config: GenerationConfig) -> list[dict[str, str]]:
    """The request's messages, with ``config.system_message`` prepended when set."""
    messages = [dict(m) for m in request.messages]
    if config.system_message and not (messages and messages[0].get("role") == "system"):
        messages.insert(0, {"role": "system", "content": config.system_message})
    return messages


def number_option(options: dict[str, Any], key: str, default: float, flag: str, *, integer: bool = False,
                  positive: bool = False) -> float:
    """``options[key]`` as a number (``default`` when absent); EvalkitError naming ``flag`` and the
    key for a value that is not a (whole, when ``integer``) number ≥ 0, or > 0 when ``positive``."""
    value = options.get(key, default)
    kind = "a whole number" if integer else "a number"
    bound = "> 0" if positive else ">= 0"
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value == value
    if ok and integer and not float(value).is_integer():
        ok = False
    if not ok or (value <= 0 if positive else value < 0):
        raise EvalkitError(f"{flag} {key} expects {kind} {bound}, got {value!r}")
    return float(value)


def api_key(env: str, base_url: str | None, backend: str, options: dict[str, Any] | None = None) -> str:
    """The API key: ``-M api_key=…`` when given, else from ``env``; a placeholder for local
    servers reached through ``--base-url``."""
    import os

    if options and options.get("api_key"):
        return str(options["api_key"])
    key = os.environ.get(env)
    if key:
        return key
    if base_url is None:
        raise EvalkitError(f"{backend}: set {env} (or pass --base-url for a local compatible server)")
    return "EMPTY"
