"""The request cache: a finished generation stored under a hash of everything that decides it.

Key: backend identity (backend, model, output-affecting ``-M`` options), the generation config of
the request's pack (its own ``max_tokens``), the messages actually sent (system message
included) and the epoch. Secrets never enter an entry: ``-M api_key`` is a transport option,
and entries hold only the generation. One small JSON file per
entry under ``$EVALKIT_REQUEST_CACHE_DIR``, else ``<cache dir>/requests/`` (``$EVALKIT_CACHE_DIR``
or ``~/.cache/evalkit``), written
atomically, so concurrent runs and ``kill -9`` never leave a half entry. Errors are never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from evalkit.backends.base import chat_messages
from evalkit.datafiles import cache_dir
from evalkit.types import Generation, GenerationConfig, GenerationRequest

_STORED = [f.name for f in fields(Generation) if f.name not in {"latency_s", "attempts", "cached", "error"}]


def request_key(identity: dict[str, Any], config: GenerationConfig, request: GenerationRequest,
                config_doc: dict[str, Any] | None = None) -> str:
    """sha256 of (backend identity, generation config, messages sent, epoch); ``config_doc`` is
    ``asdict(config)`` when the caller has it already."""
    doc = {"identity": identity, "config": config_doc if config_doc is not None else asdict(config),
           "messages": chat_messages(request, config), "epoch": request.epoch}
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def request_keys(identity: dict[str, Any], configs: dict[str, GenerationConfig],
                 requests: Sequence[GenerationRequest]) -> dict[tuple[str, str, int], str]:
    """:func:`request_key` of every request by (pack, sample id, epoch), each config converted once."""
    docs = {pack: asdict(config) for pack, config in configs.items()}
    return {(r.pack, r.sample_id, r.epoch): request_key(identity, configs[r.pack], r, docs[r.pack]) for r in requests}


class RequestCache:
    """Get and put generations by request key."""

    def __init__(self, root: Path | None = None) -> None:
        env = os.environ.get("EVALKIT_REQUEST_CACHE_DIR")
        self.root = root or (Path(env) if env else cache_dir() / "requests")
        self.hits = 0
        self._made: set[Path] = set()  # shard folders known to exist

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Generation | None:
        """The cached generation, marked ``cached``, or None (a corrupt entry counts as a miss)."""
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
            gen = Generation(**{k: data[k] for k in _STORED if k in data}, cached=True)
        except (OSError, ValueError, TypeError):
            return None
        self.hits += 1
        return gen

    def put(self, key: str, gen: Generation) -> None:
        """Store a successful generation (errors are skipped); failures to write are ignored."""
        if gen.error is not None:
            return
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
            # ASCII JSON: text the model returned with lone surrogates is stored exactly, never fails
            tmp.write_bytes(json.dumps({k: getattr(gen, k) for k in _STORED}).encode("ascii"))
            os.replace(tmp, path)
        except (OSError, ValueError):
            tmp.unlink(missing_ok=True)


def serve_cached(requests: Sequence[GenerationRequest], cache: RequestCache | None,
                 key: Callable[[GenerationRequest], str],
                 on_result: Callable[[GenerationRequest, Generation], None]) -> list[GenerationRequest]:
    """Hand every request the cache already answers to ``on_result``; return the ones that need a call."""
    if cache is None:
        return list(requests)
    misses = []
    for request in requests:
        hit = cache.get(key(request))
        if hit is None:
            misses.append(request)
        else:
            on_result(request, hit)
    return misses
