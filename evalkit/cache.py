"""The request cache: a finished generation stored under a hash of everything that decides it.

Key: backend identity (backend, model, output-affecting ``-M`` options), the generation config of
the request's pack (its own ``max_tokens``), the messages actually sent (system message
included) and the epoch. Secrets never enter an entry: ``-M api_key`` is a transport option,
and entries hold only the generation. Errors are never cached.

Entries live in one SQLite database, ``requests.sqlite3`` under ``$EVALKIT_REQUEST_CACHE_DIR``,
else ``<cache dir>/requests/`` (``$EVALKIT_CACHE_DIR`` or ``~/.cache/evalkit``): each batch of
answers is one transaction, so concurrent runs and ``kill -9`` never leave a half entry, and a
run costs a few file operations per batch rather than a file per answer. Entries written by
earlier versions (one JSON file per entry in two-character shard folders) are still found.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from evalkit.backends.base import chat_messages
from evalkit.datafiles import cache_dir
from evalkit.types import Generation, GenerationConfig, GenerationRequest

_STORED = [f.name for f in fields(Generation) if f.name not in {"latency_s", "attempts", "cached", "error"}]


def request_key(identity: dict[str, Any], config: GenerationConfig, request: GenerationRequest) -> str:
    """The cache key of one request (see :func:`request_keys`)."""
    return request_keys(identity, {request.pack: config}, [request])[(request.pack, request.sample_id, request.epoch)]


def request_keys(identity: dict[str, Any], configs: dict[str, GenerationConfig],
                 requests: Sequence[GenerationRequest]) -> dict[tuple[str, str, int], str]:
    """The cache key of every request by (pack, sample id, epoch): the sha256 of the JSON document
    ``{"config", "epoch", "identity", "messages"}`` (keys sorted, non-ASCII as is, lone surrogates
    passed through): the pack's generation config, the epoch, the backend identity and the
    messages sent. The JSON around the epoch is encoded once per (pack, messages), not per epoch."""
    def enc(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)

    heads = {pack: hashlib.sha256(f'{{"config": {enc(asdict(config))}, "epoch": '.encode("utf-8", "surrogatepass"))
             for pack, config in configs.items()}
    identity_text = enc(identity)
    tails: dict[tuple[str, int], tuple[GenerationRequest, bytes]] = {}
    out = {}
    for r in requests:
        found = tails.get((r.pack, id(r.messages)))
        if found is None or found[0].messages is not r.messages:
            messages = enc(chat_messages(r, configs[r.pack]))
            tail = f', "identity": {identity_text}, "messages": {messages}}}'.encode("utf-8", "surrogatepass")
            found = tails[(r.pack, id(r.messages))] = (r, tail)
        digest = heads[r.pack].copy()
        digest.update(str(r.epoch).encode())
        digest.update(found[1])
        out[(r.pack, r.sample_id, r.epoch)] = digest.hexdigest()
    return out


DATABASE = "requests.sqlite3"
_BUSY_TIMEOUT_MS = 30_000  # another run writing the same cache: wait rather than skip


class RequestCache:
    """Get and put generations by request key (thread-safe; failures to read or write count as
    misses and are otherwise ignored: the cache never fails a run)."""

    def __init__(self, root: Path | None = None) -> None:
        env = os.environ.get("EVALKIT_REQUEST_CACHE_DIR")
        self.root = root or (Path(env) if env else cache_dir() / "requests")
        self.hits = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._legacy: set[str] | None = None  # shard folders of one-file-per-entry caches

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        """The open database (created when ``create``), or None."""
        if self._db is not None:
            return self._db
        path = self.root / DATABASE
        if not create and not path.is_file():
            return None
        self.root.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
            try:  # readers never wait for writers; commits need no fsync (a crash keeps whole batches)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.DatabaseError:  # filesystems without shared memory: the default journal
                pass
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        except sqlite3.DatabaseError:
            db.close()
            raise
        self._db = db
        return db

    def _legacy_get(self, key: str) -> dict[str, Any] | None:
        if self._legacy is None:
            try:
                self._legacy = {e.name for e in os.scandir(self.root) if len(e.name) == 2 and e.is_dir()}
            except OSError:
                self._legacy = set()
        if key[:2] not in self._legacy:
            return None
        try:
            found = json.loads((self.root / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def get_many(self, keys: Sequence[str]) -> dict[str, Generation]:
        """The cached generation (marked ``cached``) of each key that has one; a corrupt entry is a miss."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            try:
                db = self._connect(create=False)
                for start in range(0, len(wanted) if db is not None else 0, 500):
                    chunk = wanted[start:start + 500]
                    rows = db.execute(  # type: ignore[union-attr]
                        f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                    for key, value in rows:
                        try:
                            data = json.loads(value)
                        except ValueError:
                            continue
                        if isinstance(data, dict):
                            found[key] = data
            except (OSError, sqlite3.Error):
                found = {}
            for key in wanted:
                if key not in found and (data := self._legacy_get(key)) is not None:
                    found[key] = data
        out = {}
        for key, data in found.items():
            try:
                out[key] = Generation(**{k: data[k] for k in _STORED if k in data}, cached=True)
            except TypeError:
                continue
        self.hits += sum(1 for key in keys if key in out)
        return out

    def get(self, key: str) -> Generation | None:
        """The cached generation, marked ``cached``, or None (a corrupt entry counts as a miss)."""
        return self.get_many([key]).get(key)

    def put_many(self, items: Sequence[tuple[str, Generation]]) -> None:
        """Store the successful generations among ``items`` in one transaction (errors are skipped)."""
        # ASCII JSON: text the model returned with lone surrogates is stored exactly, never fails
        rows = [(key, json.dumps({k: getattr(gen, k) for k in _STORED})) for key, gen in items if gen.error is None]
        if not rows:
            return
        with self._lock:
            try:
                db = self._connect(create=True)
                if db is None:
                    return
                with db:
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows)
            except (OSError, sqlite3.Error, ValueError):
                return

    def put(self, key: str, gen: Generation) -> None:
        """Store a successful generation (errors are skipped); failures to write are ignored."""
        self.put_many([(key, gen)])

    def close(self) -> None:
        """Close the database (a later call opens it again)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def serve_cached(requests: Sequence[GenerationRequest], cache: RequestCache | None,
                 key: Callable[[GenerationRequest], str],
                 on_result: Callable[[GenerationRequest, Generation], None]) -> list[GenerationRequest]:
    """Hand every request the cache already answers to ``on_result``; return the ones that need a call."""
    if cache is None:
        return list(requests)
    keys = [key(request) for request in requests]
    hits = cache.get_many(keys)
    misses = []
    for request, k in zip(requests, keys, strict=True):
        hit = hits.get(k)
        if hit is None:
            misses.append(request)
        else:
            on_result(request, replace(hit))  # each request its own copy
    return misses
