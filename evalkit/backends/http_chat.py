"""A lean HTTP client for OpenAI-compatible servers (aiohttp, extra ``[api]``).

Used by ``vllm-server:`` and by ``openai:`` with ``--base-url`` (``-M client=sdk`` selects the
official SDK instead; ``-M client=http`` forces this client). It sends the same request body as
the SDK path (:func:`evalkit.backends.openai_chat.openai_body`, ``extra_body`` merged into the
JSON as the SDK does), parses replies with the same function, and raises errors named and shaped
like the SDK's (``RateLimitError: Error code: 429 - …`` with ``status_code`` and ``headers``), so
retry classification, ``Retry-After`` handling and journaled errors are identical on both paths.
It costs a fraction of the SDK's CPU per request. Credentials in the URL's userinfo are dropped
from the address (the key travels as ``Authorization: Bearer``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from evalkit.errors import EvalkitError

STATUS_ERRORS = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
                 404: "NotFoundError", 409: "ConflictError", 422: "UnprocessableEntityError",
                 429: "RateLimitError"}


class APIStatusError(Exception):
    """A non-2xx reply; ``status_code`` and ``headers`` as on the SDK's exceptions."""

    def __init__(self, status: int, headers: Any, body: Any) -> None:
        super().__init__(f"Error code: {status} - {body}")
        self.status_code = status
        self.headers = headers


class APIConnectionError(Exception):
    """The server could not be reached or dropped the connection (retried by the pool)."""


_ERROR_CLASSES: dict[str, type[APIStatusError]] = {
    name: type(name, (APIStatusError,), {"__doc__": f"HTTP {status} reply."}) for status, name in STATUS_ERRORS.items()
}
_ERROR_CLASSES["InternalServerError"] = type("InternalServerError", (APIStatusError,), {"__doc__": "HTTP 5xx reply."})


def status_error(status: int, headers: Any, raw: bytes) -> APIStatusError:
    """The exception for a non-2xx reply, named as the SDK names it."""
    name = STATUS_ERRORS.get(status) or ("InternalServerError" if status >= 500 else "")
    cls = _ERROR_CLASSES.get(name, APIStatusError)
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = raw.decode("utf-8", "replace")[:500]
    return cls(status, headers, body)


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None:
        return url
    netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def import_aiohttp() -> Any:
    """The aiohttp module; EvalkitError naming the extra when it is missing."""
    try:
        import aiohttp
    except ImportError:
        raise EvalkitError("the lean HTTP client needs aiohttp (the 'api' extra): pip install 'evalkit-if[api]', "
                           "or pass -M client=sdk") from None
    return aiohttp


class ChatClient:
    """POSTs chat completions to one server over a pool of ``concurrency`` kept-alive connections."""

    def __init__(self, base_url: str, api_key: str, concurrency: int, timeout_s: float) -> None:
        aiohttp = import_aiohttp()
        self.url = _without_userinfo(base_url).rstrip("/") + "/chat/completions"
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=timeout_s + 5),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"})
        self._errors = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """The reply to one request body (the SDK's keyword arguments); raises on failure."""
        extra = body.pop("extra_body", None)
        if extra:
            body.update(extra)
        try:
            async with self.session.post(self.url, data=json.dumps(body).encode()) as resp:
                raw = await resp.read()
                if resp.status >= 300:
                    raise status_error(resp.status, resp.headers, raw)
        except self._errors as exc:
            raise APIConnectionError(f"Connection error: {exc}") from None
        data: dict[str, Any] = json.loads(raw)
        return data

    async def close(self) -> None:
        """Close the connections."""
        await self.session.close()
