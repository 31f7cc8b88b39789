"""``openai-batch:MODEL``: the OpenAI Batch API (JSONL file + ``/v1/batches``) at batch prices.

Requests are written as a JSONL file (at most 50,000 requests and 200 MB per file), uploaded with
``purpose="batch"`` and run as a batch against ``/v1/chat/completions`` with a 24 h completion
window (``-M completion_window``). Results and errors are read from the batch's output and error
files. The shared flow (journal, polling, retries) is in :mod:`evalkit.backends.batch_api`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from evalkit.backends.batch_api import BatchBackend, BatchStatus, ItemResult
from evalkit.backends.openai_chat import from_openai, openai_body
from evalkit.types import Generation, GenerationConfig, GenerationRequest

ENDED = {"completed", "failed", "expired", "cancelled"}
TAG_KEY = "evalkit_submission"  # batch metadata naming the journaled submission
FIND_LIMIT = 1000  # recent batches searched for an interrupted submission
RETRY_CODES = {"batch_expired", "batch_cancelled", "rate_limit_exceeded", "server_error"}


class OpenAIBatchBackend(BatchBackend):
    name = "openai-batch"
    max_requests = 50_000
    max_bytes = 200 * 1024 * 1024
    key_env = "OPENAI_API_KEY"

    def open_client(self) -> Any:
        """The ``openai`` SDK's synchronous client."""
        return self.sdk_client("openai", "OpenAI")

    def payload(self, custom_id: str, request: GenerationRequest, config: GenerationConfig) -> bytes:
        """One ``/v1/chat/completions`` batch line."""
        body = openai_body(self.model, request, config, {})
        body.update(self.extra_body())
        line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
        return json.dumps(line, ensure_ascii=False).encode() + b"\n"

    def submit(self, client: Any, lines: list[bytes], tag: str) -> str:
        """Upload the JSONL file, then create the batch with ``tag`` in its metadata (never
        retried: a retry could pay twice)."""
        uploaded = client.files.create(file=("evalkit-batch.jsonl", b"".join(lines)), purpose="batch")
        batch = client.with_options(max_retries=0).batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions",
            completion_window=str(self.options.get("completion_window", "24h")),
            metadata={"created_by": "evalkit", TAG_KEY: tag})
        return str(batch.id)

    def find(self, client: Any, tag: str) -> str | None:
        """The batch whose metadata holds ``tag``, among the most recent ones."""
        for seen, batch in enumerate(client.batches.list(limit=100)):
            if (getattr(batch, "metadata", None) or {}).get(TAG_KEY) == tag:
                return str(batch.id)
            if seen >= FIND_LIMIT:
                break
        return None

    def poll(self, client: Any, batch_id: str) -> BatchStatus:
        """Status and request counts of the batch."""
        batch = client.batches.retrieve(batch_id)
        counts = batch.request_counts
        numbers = {"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {}
        errors = getattr(getattr(batch, "errors", None), "data", None) or []
        note = "; ".join(str(getattr(e, "message", "") or getattr(e, "code", "")) for e in errors[:3])
        return BatchStatus(str(batch.status), batch.status in ENDED, numbers, note)

    def results(self, client: Any, batch_id: str, status: BatchStatus) -> Iterator[ItemResult]:
        """Lines of the output file, then of the error file."""
        batch = client.batches.retrieve(batch_id)
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            with client.files.with_streaming_response.content(file_id) as response:
                for line in response.iter_lines():
                    if line.strip():
                        yield parse_line(json.loads(line))


def parse_line(obj: dict[str, Any]) -> ItemResult:
    """One line of an output or error file as an item result."""
    from openai.types.chat import ChatCompletion

    custom_id = str(obj.get("custom_id"))
    error = obj.get("error")
    if error:
        code = str(error.get("code") or "")
        return ItemResult(custom_id, Generation(error=f"{code}: {error.get('message') or ''}".strip()),
                          retry=code in RETRY_CODES)
    response = obj.get("response") or {}
    status = int(response.get("status_code") or 0)
    body = response.get("body") or {}
    if status == 200:
        try:
            return ItemResult(custom_id, from_openai(ChatCompletion.model_validate(body)))
        except ValueError as exc:
            return ItemResult(custom_id, Generation(error=f"malformed result: {exc}"[:500]))
    message = (body.get("error") or {}).get("message") if isinstance(body, dict) else None
    retry = status in (408, 409, 429) or status >= 500
    return ItemResult(custom_id, Generation(error=f"HTTP {status}: {message or body}"[:2000]), retry=retry)
