"""``batches.jsonl``: the provider batches a run submitted, journaled the moment they exist.

One JSON object per line, appended and flushed:

- ``{"event": "submitting", "provider", "tag", "attempt", "at", "items": [[custom_id, pack,
  sample_id, epoch, request_hash], ...]}`` — written just before a batch is created; ``tag`` is
  a fresh id sent with the batch where the provider keeps metadata (OpenAI);
- ``{"event": "submitted", "tag", "batch_id", "at"}`` — written as soon as the provider returns
  the batch id;
- ``{"event": "state", "batch_id", "state", "counts", "at"}`` — a batch reached a final state.

A resumed run reads it back: every request still missing from ``generations.jsonl`` whose latest
batch holds the same request (same ``request_hash``) is collected from that batch (polled, then
its results downloaded again) instead of being submitted a second time. A submission without its
``submitted`` line (the run was killed while the batch was being created) is looked up by its tag
at the provider; when the provider cannot tell, its requests are submitted again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.store import Journal

Key = tuple[str, str, int]
FILE_NAME = "batches.jsonl"


@dataclass
class BatchRecord:
    """A submitted batch: its id ("" while unconfirmed), retry round, tag and
    ``custom_id -> (key, request_hash)``."""

    batch_id: str
    attempt: int
    items: dict[str, tuple[Key, str]] = field(default_factory=dict)
    tag: str = ""


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    """Complete, readable JSON object lines of ``path`` (a torn last line is skipped)."""
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                return
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                yield row


def read_records(path: Path) -> list[BatchRecord]:
    """Batches in submission order; those never confirmed keep ``batch_id`` "" (and their tag)."""
    if not path.is_file():
        return []
    by_tag: dict[str, BatchRecord] = {}
    for row in _rows(path):
        if row.get("event") == "submitting":
            items = {str(c): ((str(p), str(s), int(e)), str(h)) for c, p, s, e, h in row.get("items", [])}
            by_tag[str(row["tag"])] = BatchRecord("", int(row.get("attempt", 0)), items, str(row["tag"]))
        elif row.get("event") == "submitted" and str(row.get("tag")) in by_tag:
            by_tag[str(row["tag"])].batch_id = str(row["batch_id"])
    return list(by_tag.values())


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

    def submitting(self, record: BatchRecord) -> None:
        """Record a batch about to be created, with its tag and every item it holds."""
        items = [[c, *key, h] for c, (key, h) in record.items.items()]
        self._append({"event": "submitting", "tag": record.tag, "attempt": record.attempt, "items": items})

    def submitted(self, record: BatchRecord) -> None:
        """Record the id the provider gave the batch."""
        self._append({"event": "submitted", "tag": record.tag, "batch_id": record.batch_id})

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
            kept = wanted.setdefault(index, BatchRecord(record.batch_id, record.attempt, tag=record.tag))
            kept.items[custom_id] = record.items[custom_id]
        return list(wanted.values())
