"""``anthropic-batch:MODEL``: Anthropic Message Batches at batch prices.

At most 100,000 requests and 256 MB per batch. Each item carries the same parameters as
``anthropic:`` (system message, thinking, other ``-M`` keys); results are streamed from the
batch's results file. The shared flow (journal, polling, retries) is in
:mod:`evalkit.backends.batch_api`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evalkit.backends.anthropic_msgs import anthropic_body, from_anthropic
from evalkit.backends.batch_api import BatchBackend, BatchStatus, ItemResult
from evalkit.types import Generation, GenerationConfig, GenerationRequest

RETRY_ERRORS = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}


class AnthropicBatchBackend(BatchBackend):
    name = "anthropic-batch"
    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024
    key_env = "ANTHROPIC_API_KEY"

    def open_client(self) -> Any:
        """The ``anthropic`` SDK's synchronous client."""
        return self.sdk_client("anthropic", "Anthropic")

    def payload(self, custom_id: str, request: GenerationRequest, config: GenerationConfig) -> bytes:
        """One batch item: ``custom_id`` and the Messages parameters."""
        params = anthropic_body(self.model, request, config, self.extra_body())
        return json.dumps({"custom_id": custom_id, "params": params}, ensure_ascii=False).encode() + b"\n"

    def submit(self, client: Any, lines: list[bytes], tag: str) -> str:
        """Create the batch (never retried: a retry could pay twice). Message Batches keep no
        metadata, so ``tag`` is not sent and an interrupted creation cannot be found again."""
        batch = client.with_options(max_retries=0).messages.batches.create(requests=[json.loads(x) for x in lines])
        return str(batch.id)

    def poll(self, client: Any, batch_id: str) -> BatchStatus:
        """Processing status and request counts of the batch."""
        batch = client.messages.batches.retrieve(batch_id)
        counts = batch.request_counts
        numbers = {name: int(getattr(counts, name, 0) or 0)
                   for name in ("processing", "succeeded", "errored", "canceled", "expired")}
        numbers["total"] = sum(numbers.values())
        return BatchStatus(str(batch.processing_status), batch.processing_status == "ended", numbers)

    def results(self, client: Any, batch_id: str, status: BatchStatus) -> Iterator[ItemResult]:
        """The batch's results file, one item at a time."""
        for item in client.messages.batches.results(batch_id):
            yield parse_item(item)


def parse_item(item: Any) -> ItemResult:
    """One result of the results file as an item result."""
    custom_id = str(item.custom_id)
    result = item.result
    kind = getattr(result, "type", None)
    if kind == "succeeded":
        return ItemResult(custom_id, from_anthropic(result.message))
    if kind == "errored":
        detail = getattr(getattr(result, "error", None), "error", None)
        error_type = str(getattr(detail, "type", "error"))
        message = f"{error_type}: {getattr(detail, 'message', '')}".strip()
        return ItemResult(custom_id, Generation(error=message[:2000]), retry=error_type in RETRY_ERRORS)
    return ItemResult(custom_id, Generation(error=f"batch item {kind}"), retry=True)
