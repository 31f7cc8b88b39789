"""The async request pool behind every API backend.

A fixed set of worker coroutines pulls requests from a queue (no coroutine per request is created
up front). Each request gets a per-attempt timeout and is retried on 429, 408, 409, 5xx, timeouts
and connection errors, capped by a number of retries and a total time (``--retry-time``).

Back-off is per request: a failed attempt waits out its own delay — the server's
``Retry-After`` (bounded by ``--timeout``) or exponential back-off with jitter — without holding a
worker and without pausing other requests. An adaptive limiter keeps at most ``concurrency``
requests in flight; it halves that limit only when rate limiting is sustained (at least half of
the recent outcomes were 429s), at most once a second, and grows it back by one per ``limit``
successes (AIMD). Occasional 429s therefore cost only their own retry.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from typing import Any

from evalkit.types import Generation, GenerationRequest

Call = Callable[[GenerationRequest], Awaitable[Generation]]
OnResult = Callable[[GenerationRequest, Generation], None]


@dataclass(frozen=True)
class Limits:
    """Retry and timeout policy of API backends (``--max-retries``, ``--retry-time``, ``--timeout``)."""

    max_retries: int = 5
    retry_time_s: float = 300.0
    timeout_s: float = 120.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter for retry number ``attempt`` (0-based)."""
        return random.uniform(0.5, 1.0) * min(self.backoff_max_s, self.backoff_base_s * 2**attempt)


def _headers(exc: BaseException) -> Any:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return headers if headers is not None else getattr(exc, "headers", None) or {}


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or HTTP date), if any."""
    headers = _headers(exc)
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
        value = headers.get("retry-after")
    except (AttributeError, TypeError, ValueError):
        return None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an SDK exception carries, if any."""
    status = getattr(exc, "status_code", None)
    if status is None:
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def classify(exc: BaseException) -> tuple[bool, bool]:
    """(retryable, rate_limited) for an exception raised by one attempt."""
    if isinstance(exc, TimeoutError):
        return True, False
    status = status_of(exc)
    if status is None:
        name = type(exc).__name__
        return ("Timeout" in name or "Connection" in name), False
    return (status == 429 or status in (408, 409) or status >= 500), status == 429


def describe(exc: BaseException, timeout_s: float) -> str:
    """A one-line error for the journal."""
    if isinstance(exc, TimeoutError):
        return f"Timeout: no response within {timeout_s:g} s"
    return f"{type(exc).__name__}: {exc}".strip()[:2000]


class AdaptiveLimiter:
    """In-flight limit that shrinks on sustained rate limiting and grows back on successes (AIMD)."""

    window = 32  # recent outcomes (success or 429) considered
    min_outcomes = 8  # outcomes needed before rate limiting counts as sustained
    sustained_share = 0.5  # share of 429s among recent outcomes that cuts the limit

    def __init__(self, maximum: int) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(self.maximum)
        self.in_flight = 0
        self._recent: deque[bool] = deque(maxlen=self.window)  # True: rate limited
        self._last_cut = float("-inf")
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Wait until fewer than ``limit`` requests are in flight, then count one more."""
        if self.in_flight < int(self.limit) and not self._waiters:
            self.in_flight += 1
            return
        loop = asyncio.get_running_loop()
        while True:
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.append(fut)
            await fut
            if self.in_flight < int(self.limit):
                self.in_flight += 1
                return

    def sustained(self) -> bool:
        """True when at least ``sustained_share`` of enough recent outcomes were 429s."""
        n = len(self._recent)
        return n >= self.min_outcomes and sum(self._recent) >= self.sustained_share * n

    def release(self, ok: bool, rate_limited: bool = False) -> None:
        """Count a finished attempt: a 429 may cut the limit (when sustained), a success grows it."""
        self.in_flight -= 1
        if rate_limited or ok:
            self._recent.append(rate_limited)
        if rate_limited and self.sustained():
            now = asyncio.get_running_loop().time()
            if now - self._last_cut > 1.0:
                self.limit = max(1.0, self.limit / 2)
                self._last_cut = now
                self._recent.clear()
        elif ok:
            self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
        free = int(self.limit) - self.in_flight
        while free > 0 and self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                free -= 1


@dataclass
class Job:
    """A request with its retry state."""

    request: GenerationRequest
    attempt: int
    start: float


class Pool:
    """Runs ``call`` for every request with the limiter and retry policy; counts events in ``stats``."""

    def __init__(self, call: Call, concurrency: int, limits: Limits, stats: Counter[str]) -> None:
        self.call, self.limits, self.stats = call, limits, stats
        self.concurrency = max(1, concurrency)
        self.limiter = AdaptiveLimiter(self.concurrency)
        self.delayed: list[tuple[float, int, Job]] = []  # heap of (ready at, order, job) awaiting retry
        self._order = itertools.count()

    async def _once(self, request: GenerationRequest) -> Generation:
        await self.limiter.acquire()
        self.stats["in_flight"] += 1
        try:
            async with asyncio.timeout(self.limits.timeout_s):  # no extra task per request, unlike wait_for
                return await self.call(request)
        finally:
            self.stats["in_flight"] -= 1

    async def attempt(self, job: Job) -> Generation | None:
        """One attempt of ``job``: its Generation when finished (success, or an exhausted or
        non-retryable failure recorded as ``error``), None when it was re-queued for a retry."""
        t0 = time.perf_counter()
        try:
            gen = await self._once(job.request)
        except Exception as exc:  # noqa: BLE001 - every failure is classified and recorded
            retryable, limited = classify(exc)
            wait = retry_after_s(exc)
            self.limiter.release(False, limited)
            delay = min(wait, self.limits.timeout_s) if wait is not None else self.limits.backoff(job.attempt)
            elapsed = time.monotonic() - job.start
            if not retryable or job.attempt >= self.limits.max_retries or elapsed + delay > self.limits.retry_time_s:
                error = describe(exc, self.limits.timeout_s)
                if retryable and wait is not None and elapsed + delay > self.limits.retry_time_s:
                    error += f" (Retry-After {wait:g} s is beyond --retry-time {self.limits.retry_time_s:g} s)"
                return Generation(error=error, attempts=job.attempt + 1, latency_s=time.perf_counter() - t0)
            self.stats["retries"] += 1
            self.stats["rate_limited"] += int(limited)
            self.stats["retrying"] += 1
            job.attempt += 1
            heapq.heappush(self.delayed, (time.monotonic() + delay, next(self._order), job))
            return None
        self.limiter.release(gen.error is None)
        return replace(gen, latency_s=time.perf_counter() - t0, attempts=job.attempt + 1)

    async def _next(self, fresh: deque[GenerationRequest]) -> Job | None:
        """A retry whose back-off is over, else a fresh request, else wait for a retry; None when done."""
        while True:
            now = time.monotonic()
            if self.delayed and self.delayed[0][0] <= now:
                self.stats["retrying"] -= 1
                return heapq.heappop(self.delayed)[2]
            if fresh:
                return Job(fresh.popleft(), 0, now)
            if not self.delayed:
                return None
            await asyncio.sleep(self.delayed[0][0] - now)

    async def run(self, requests: Sequence[GenerationRequest], on_result: OnResult) -> None:
        """Generate all requests; an exception raised by ``on_result`` stops the pool and is re-raised.

        A request waiting out its back-off does not hold a worker: the worker takes other work."""
        queue = deque(requests)

        async def worker() -> None:
            while (job := await self._next(queue)) is not None:
                gen = await self.attempt(job)
                if gen is not None:
                    on_result(job.request, gen)

        tasks = [asyncio.create_task(worker()) for _ in range(min(self.concurrency, len(queue)))]
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
