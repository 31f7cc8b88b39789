"""``batches.jsonl``: the provider batches a run submitted, journaled the moment they exist.

One JSON object per line, appended and flushed:

- ``{"event": "submitted", "provider", "batch_id", "attempt", "at", "items": [[custom_id, pack,
  sample_id, epoch, request_hash], ...]}`` — written as soon as the provider returns the batch id;
- ``{"event": "state", "batch_id", "state", "counts", "at"}`` — a batch reached a final state.

A resumed run reads it back: every request still missing from ``generations.jsonl`` whose latest
batch holds the same request (same ``request_hash``) is collected from that batch (polled, then
its results downloaded again) instead of being submitted a second time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.store import Journal

Key = tuple[str, str, int]
FILE_NAME = "batches.jsonl"


@dataclass
class BatchRecord:
    """A submitted batch: its id, retry round and ``custom_id -> (key, request_hash)``."""

    batch_id: str
    attempt: int
    items: dict[str, tuple[Key, str]] = field(default_factory=dict)


def read_records(path: Path) -> list[BatchRecord]:
    """Submitted batches in journal order (a torn or unreadable line is skipped)."""
    if not path.is_file():
        return []
    out: list[BatchRecord] = []
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                break
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and row.get("event") == "submitted":
                items = {str(c): ((str(p), str(s), int(e)), str(h)) for c, p, s, e, h in row.get("items", [])}
                out.append(BatchRecord(str(row["batch_id"]), int(row.get("attempt", 0)), items))
    return out


class BatchJournal:
    """Appends batch events to ``RUN_DIR/batches.jsonl`` (nothing is written without a run dir)."""

    def __init__(self, run_dir: Path | None, provider: str) -> None:
        self.path = run_dir / FILE_NAME if run_dir is not None else None
        self.provider = provider

    def _append(self, row: dict[str, Any]) -> None:
        if self.path is None:
            return
        journal = Journal(self.path)
        try:
            journal.append({**row, "provider": self.provider, "at": round(time.time(), 3)})
        finally:
            journal.close()

    def submitted(self, record: BatchRecord) -> None:
        """Record a batch the provider accepted, with every item it holds."""
        items = [[c, *key, h] for c, (key, h) in record.items.items()]
        self._append({"event": "submitted", "batch_id": record.batch_id, "attempt": record.attempt, "items": items})

    def state(self, batch_id: str, state: str, counts: dict[str, int]) -> None:
        """Record the final state of a batch."""
        self._append({"event": "state", "batch_id": batch_id, "state": state, "counts": counts})

    def open_items(self, pending: dict[Key, str]) -> list[BatchRecord]:
        """Batches to collect again: for each pending key (-> its request hash), the latest journaled
        batch that holds the same request; each record keeps only those keys."""
        latest: dict[Key, tuple[int, str]] = {}
        records = read_records(self.path) if self.path is not None else []
        for index, record in enumerate(records):
            for custom_id, (key, digest) in record.items.items():
                if key in pending:
                    latest[key] = (index, custom_id) if pending[key] == digest else (-1, "")
        wanted: dict[int, BatchRecord] = {}
        for index, custom_id in latest.values():
            if index < 0:
                continue
            record = records[index]
            kept = wanted.setdefault(index, BatchRecord(record.batch_id, record.attempt))
            kept.items[custom_id] = record.items[custom_id]
        return list(wanted.values())
