"""Provider batch APIs (OpenAI Batch, Anthropic Message Batches): half price, results within 24 h.

:class:`BatchBackend` holds what both providers share; a provider module says how to submit a
batch, poll it and read its results. The flow of ``generate``:

1. requests a journaled batch already holds (same request hash, see :mod:`batch_journal`) are
   collected from that batch — a killed run never pays twice;
2. the others are split into batches within the provider's limits (requests and bytes per batch,
   ``-M batch_size=N`` lowers the request limit) and submitted; each batch id is appended to
   ``RUN_DIR/batches.jsonl`` as soon as the provider returns it;
3. every ``-M poll_interval`` seconds (default 30) each open batch is polled; the progress line
   shows how many batches are in each state;
4. an ended batch's results are downloaded and each one is handed to the runner (journaled)
   as it is read; expired, cancelled and transiently failed items (rate limit, overload, server
   error) go into a new batch, at most ``-M batch_retries`` times (default 2), then become
   ``status: "error"`` rows. Items the provider rejects (invalid request) are error rows at once.
"""

from __future__ import annotations

import importlib
import sys
import time
import uuid
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from evalkit.backends.base import Backend, OnResult, api_key, number_option
from evalkit.backends.batch_journal import BatchJournal, BatchRecord, Key
from evalkit.errors import EvalkitError
from evalkit.integrity import request_hash
from evalkit.types import Generation, GenerationConfig, GenerationRequest


@dataclass(frozen=True)
class BatchStatus:
    """A polled batch: provider state, whether it ended, request counts the provider reports."""

    state: str
    ended: bool
    counts: dict[str, int]
    note: str = ""  # why a batch failed as a whole, when the provider says


@dataclass(frozen=True)
class ItemResult:
    """One downloaded result: the generation (``error`` set on failure) and whether to retry it."""

    custom_id: str
    generation: Generation
    retry: bool = False


def _key(request: GenerationRequest) -> Key:
    return (request.pack, request.sample_id, request.epoch)


class BatchBackend(Backend):
    """A backend that sends requests through a provider's asynchronous batch API."""

    max_requests: int = 50_000  # provider limit per batch
    max_bytes: int = 200 * 1024 * 1024  # provider limit per batch (request payload)
    transport_options = frozenset({"api_key", "api_key_env", "poll_interval", "batch_size", "batch_retries",
                                   "max_retries", "timeout", "completion_window"})
    run_dir: Path | None = None  # set by the run: batches.jsonl lives there
    key_env: str  # environment variable read for the API key (``-M api_key_env=NAME`` overrides it)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.poll_interval = number_option(self.options, "poll_interval", 30.0, "-M", positive=True)
        self.batch_size = int(number_option(self.options, "batch_size", self.max_requests, "-M", integer=True,
                                            positive=True))
        if self.batch_size > self.max_requests:
            raise EvalkitError(f"-M batch_size: {self.name} takes at most {self.max_requests} requests per batch")
        self.batch_retries = int(number_option(self.options, "batch_retries", 2, "-M", integer=True))
        self._states: dict[str, str] = {}

    def extra_body(self) -> dict[str, Any]:
        """``-M`` options sent with every request (all but the transport options)."""
        return {k: v for k, v in self.options.items() if k not in self.transport_options}

    def provider_key(self) -> str:
        """The API key (``-M api_key``, else the ``key_env`` variable, else a placeholder when
        ``--base-url`` is given); EvalkitError when none is set."""
        return api_key(str(self.options.get("api_key_env", self.key_env)), self.base_url, self.name, self.options)

    def preflight(self) -> None:
        """Fails when no API key is set and no ``--base-url`` is given."""
        self.provider_key()

    def sdk_client(self, module: str, class_name: str) -> Any:
        """An instance of the SDK client class ``module.class_name`` with the API key, ``--base-url``,
        ``--timeout`` and ``max_retries``; EvalkitError naming the 'api' extra when the SDK is missing."""
        try:
            client_class = getattr(importlib.import_module(module), class_name)
        except ImportError:
            raise EvalkitError(f"the {self.name} backend needs the 'api' extra: pip install 'evalkit-if[api]'") from None
        return client_class(api_key=self.provider_key(), base_url=self.base_url, timeout=self.limits.timeout_s,
                            max_retries=self.limits.max_retries)

    @abstractmethod
    def open_client(self) -> Any:
        """The provider's synchronous SDK client; EvalkitError names a missing extra."""

    @abstractmethod
    def payload(self, custom_id: str, request: GenerationRequest, config: GenerationConfig) -> bytes:
        """One request as the provider's batch item (a JSON line, newline included)."""

    @abstractmethod
    def submit(self, client: Any, lines: list[bytes], tag: str) -> str:
        """Create a batch of ``lines`` (labelled ``tag`` where the provider keeps metadata); its id."""

    def find(self, client: Any, tag: str) -> str | None:
        """The id of a batch created with ``tag``, if the provider can tell (None by default)."""
        return None

    @abstractmethod
    def poll(self, client: Any, batch_id: str) -> BatchStatus:
        """The batch's current state."""

    @abstractmethod
    def results(self, client: Any, batch_id: str, status: BatchStatus) -> Iterator[ItemResult]:
        """The ended batch's results, read as they download."""

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                 on_result: OnResult) -> None:
        """Collect journaled batches, submit the rest in new batches, poll until all are handed on."""
        if not requests:
            return
        client = self.open_client()
        identity = self.cache_identity()
        by_key = {_key(r): r for r in requests}
        hashes = {k: request_hash(identity, config, r) for k, r in by_key.items()}
        journal = BatchJournal(self.run_dir, self.name)
        active = self._confirm(client, journal.open_items(hashes), journal)
        resumed = {key for record in active for key, _ in record.items.values()}
        for record in active:  # a resumed run resubmits transient failures with its own retry rounds
            record.attempt = -1
        if active:
            print(f"{self.name}: collecting {len(resumed)} requests from {len(active)} batch(es) submitted "
                  "earlier (not sent again)", file=sys.stderr)
        fresh = [r for k, r in by_key.items() if k not in resumed]
        active += self._submit_all(client, fresh, 0, config, hashes, journal)
        self._drive(client, active, by_key, config, hashes, journal, on_result)

    def _confirm(self, client: Any, records: list[BatchRecord], journal: BatchJournal) -> list[BatchRecord]:
        """Journaled batches with an id; one whose creation was cut short is looked up by its tag
        (found: journaled now; not found: dropped, so its requests are submitted again)."""
        out = []
        for record in records:
            if not record.batch_id:
                try:
                    record.batch_id = self.find(client, record.tag) or ""
                except Exception as exc:  # noqa: BLE001 - the SDK's errors become one line
                    raise EvalkitError(f"{self.name}: looking up an interrupted batch submission failed "
                                       f"({type(exc).__name__}: {exc})"[:500]) from None
                if not record.batch_id:
                    continue
                journal.submitted(record)
                print(f"{self.name}: found batch {record.batch_id}, whose creation was interrupted", file=sys.stderr)
            out.append(record)
        return out

    def _chunks(self, lines: list[tuple[str, Key, bytes]]) -> Iterator[list[tuple[str, Key, bytes]]]:
        """Lines split into batches of at most ``batch_size`` items and ``max_bytes`` bytes."""
        chunk: list[tuple[str, Key, bytes]] = []
        size = 0
        for item in lines:
            if len(item[2]) > self.max_bytes:
                raise EvalkitError(f"{self.name}: request {item[1]} is larger than a whole batch may be")
            if chunk and (len(chunk) >= self.batch_size or size + len(item[2]) > self.max_bytes):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += len(item[2])
        if chunk:
            yield chunk

    def _submit_all(self, client: Any, requests: Sequence[GenerationRequest], attempt: int,
                    config: GenerationConfig, hashes: dict[Key, str], journal: BatchJournal) -> list[BatchRecord]:
        """Submit ``requests`` in as many batches as the limits need, journaling each id at once."""
        lines = [(f"a{attempt}-{i}", _key(r), self.payload(f"a{attempt}-{i}", r, config))
                 for i, r in enumerate(requests)]
        records = []
        for chunk in self._chunks(lines):
            record = BatchRecord("", attempt, {c: (k, hashes[k]) for c, k, _ in chunk}, uuid.uuid4().hex)
            journal.submitting(record)
            try:
                record.batch_id = self.submit(client, [line for _, _, line in chunk], record.tag)
            except EvalkitError:
                raise
            except Exception as exc:  # noqa: BLE001 - the SDK's errors become one line
                raise EvalkitError(f"{self.name}: submitting a batch of {len(chunk)} requests failed: "
                                   f"{type(exc).__name__}: {exc}"[:500]) from None
            journal.submitted(record)
            records.append(record)
            print(f"{self.name}: submitted batch {record.batch_id} ({len(chunk)} requests)", file=sys.stderr)
        return records

    def _poll(self, client: Any, batch_id: str, failures: dict[str, int]) -> BatchStatus | None:
        """Poll once; None after a transient failure, EvalkitError after too many in a row."""
        try:
            status = self.poll(client, batch_id)
        except Exception as exc:  # noqa: BLE001 - polling is retried on the next round
            failures[batch_id] = failures.get(batch_id, 0) + 1
            if failures[batch_id] > self.limits.max_retries:
                raise EvalkitError(f"{self.name}: polling batch {batch_id} failed {failures[batch_id]} times "
                                   f"({type(exc).__name__}: {exc}); it is journaled in batches.jsonl, "
                                   "re-run with --resume to collect it"[:600]) from None
            return None
        failures.pop(batch_id, None)
        if self._states.get(batch_id) != status.state:
            self._states[batch_id] = status.state
            done = sum(v for k, v in status.counts.items() if k not in ("total", "processing"))
            print(f"{self.name}: batch {batch_id} {status.state} ({done}/{status.counts.get('total', '?')} done)",
                  file=sys.stderr)
            self._show_states()
        return status

    def _show_states(self) -> None:
        """Batch counts per state, for the progress line (``stats["batch:STATE"]``)."""
        for name in [k for k in self.stats if k.startswith("batch:")]:
            del self.stats[name]
        for state in self._states.values():
            self.stats[f"batch:{state}"] += 1

    def _drive(self, client: Any, active: list[BatchRecord], by_key: dict[Key, GenerationRequest],
               config: GenerationConfig, hashes: dict[Key, str], journal: BatchJournal, on_result: OnResult) -> None:
        """Poll open batches until every one has ended and its results were handed on."""
        failures: dict[str, int] = {}
        while active:
            waiting: list[BatchRecord] = []
            retry: dict[int, list[tuple[GenerationRequest, str]]] = {}
            for record in active:
                status = self._poll(client, record.batch_id, failures)
                if status is None or not status.ended:
                    waiting.append(record)
                    continue
                journal.state(record.batch_id, status.state, status.counts)
                retry.setdefault(record.attempt + 1, []).extend(
                    self._collect(client, record, status, by_key, on_result))
            for attempt, items in retry.items():
                waiting += self._retry(client, attempt, items, by_key, config, hashes, journal, on_result)
            active = waiting
            if active:
                time.sleep(self.poll_interval)

    def _collect(self, client: Any, record: BatchRecord, status: BatchStatus,
                 by_key: dict[Key, GenerationRequest], on_result: OnResult) -> list[tuple[GenerationRequest, str]]:
        """Hand on the results of an ended batch; returns the items to retry, with the reason."""
        retry: list[tuple[GenerationRequest, str]] = []
        try:
            for item in self.results(client, record.batch_id, status):
                key = record.items.get(item.custom_id, (None, ""))[0]
                request = by_key.get(key) if key is not None else None
                if request is None:
                    continue  # not ours, or already handed on
                if item.retry:
                    retry.append((request, item.generation.error or "failed"))
                else:
                    on_result(request, replace(item.generation, attempts=max(1, record.attempt + 1)))
                del by_key[_key(request)]
        except EvalkitError:
            raise
        except Exception as exc:  # noqa: BLE001 - the SDK's errors become one line
            raise EvalkitError(f"{self.name}: downloading the results of batch {record.batch_id} failed "
                               f"({type(exc).__name__}: {exc}); finished results are journaled, re-run with "
                               "--resume to collect the rest"[:600]) from None
        reason = f"no result in batch {record.batch_id} ({status.state}{': ' + status.note if status.note else ''})"
        for key, _ in record.items.values():
            if key in by_key:
                retry.append((by_key.pop(key), reason))
        return retry

    def _retry(self, client: Any, attempt: int, items: list[tuple[GenerationRequest, str]],
               by_key: dict[Key, GenerationRequest], config: GenerationConfig, hashes: dict[Key, str],
               journal: BatchJournal, on_result: OnResult) -> list[BatchRecord]:
        """Resubmit failed items in a new batch, or report them as errors when out of retries."""
        if not items:
            return []
        if attempt > self.batch_retries:
            for request, reason in items:
                on_result(request, Generation(error=f"{reason}; gave up after {attempt} batches", attempts=attempt))
            return []
        requests = [request for request, _ in items]
        self.stats["retries"] += len(requests)
        print(f"{self.name}: retrying {len(requests)} requests in a new batch ({items[0][1]})", file=sys.stderr)
        by_key.update((_key(r), r) for r in requests)  # handed on from the new batches
        return self._submit_all(client, requests, attempt, config, hashes, journal)
