"""The request cache: keys are the documented digest, lookups in an empty cache create nothing, a\nbatch is one transaction, and entries of the older one-file-per-entry layout are still found."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import asdict
from pathlib import Path

from evalkit.backends.base import chat_messages
from evalkit.cache import DATABASE, RequestCache, request_key, request_keys, serve_cached
from evalkit.types import Generation, GenerationConfig, GenerationRequest


def _requests() -> list[GenerationRequest]:
    shared = [{"role": "user", "content": "Write a haiku about \u2603 in five lines."}]
    turns = [{"role": "user", "content": "First"}, {"role": "assistant", "content": "Answer \ud800"},
             {"role": "user", "content": "Second"}]
    out = [GenerationRequest("a", f"s{i}", e, shared if i % 2 else [dict(m) for m in shared])
           for i in range(4) for e in range(3)]
    out += [GenerationRequest("b", "t1", e, turns) for e in range(2)]
    out += [GenerationRequest("b", "t2", 0, [{"role": "system", "content": "own"}, *turns])]
    return out


def test_request_keys_equal_request_key_for_every_request() -> None:
    identity = {"backend": "openai", "model": "m\u00fc", "options": {"reasoning_effort": "low"}}
    configs = {"a": GenerationConfig(max_tokens=17, system_message="Be brief \u2603"),
               "b": GenerationConfig(temperature=0.7, system_message="S \udc80")}
    requests = _requests()
    keys = request_keys(identity, configs, requests)
    assert keys[("a", "s0", 0)] != keys[("a", "s0", 1)] != keys[("b", "t1", 1)]
    assert keys[("a", "s0", 0)] == keys[("a", "s1", 0)]  # the key is the content, not the sample id
    for r in requests:
        doc = {"identity": identity, "config": asdict(configs[r.pack]),
               "messages": chat_messages(r, configs[r.pack]), "epoch": r.epoch}
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
        expected = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        assert keys[(r.pack, r.sample_id, r.epoch)] == expected == request_key(identity, configs[r.pack], r)


def test_lookups_in_a_missing_cache_create_nothing_and_a_stored_entry_is_found(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    cache = RequestCache(root)
    requests = _requests()[:3]
    keys = request_keys({"model": "x"}, {"a": GenerationConfig()}, requests)
    served: list[tuple[str, str]] = []
    misses = serve_cached(requests, cache, lambda r: keys[(r.pack, r.sample_id, r.epoch)],
                          lambda r, g: served.append((r.sample_id, g.text)))
    assert misses == requests and served == [] and not root.exists()

    first = keys[("a", "s0", 0)]
    cache.put(first, Generation(text="stored"))
    cache.put("bad", Generation(error="HTTP 500"))  # errors are never stored
    assert cache.get(first) is not None and cache.get(first).text == "stored"  # type: ignore[union-attr]
    fresh = RequestCache(root)
    hit = fresh.get(first)
    assert hit is not None and hit.cached and hit.text == "stored" and fresh.hits == 1
    assert fresh.get(keys[("a", "s0", 1)]) is None and fresh.get("bad") is None
    cache.close()
    fresh.close()


def test_a_batch_is_one_transaction_shared_by_concurrent_writers(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    writers = [RequestCache(root) for _ in range(4)]
    threads = [threading.Thread(target=w.put_many, args=([(f"{i}-{j}", Generation(text=f"t{i}{j}"))
                                                            for j in range(200)],)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader = RequestCache(root)
    found = reader.get_many([f"{i}-{j}" for i in range(4) for j in range(200)])
    assert len(found) == 800 and found["3-199"].text == "t3199"
    # what a reader outside evalkit sees: one table, whole JSON documents
    with sqlite3.connect(root / DATABASE) as db:
        assert db.execute("SELECT count(*) FROM entries").fetchone() == (800,)
    for c in [*writers, reader]:
        c.close()


def test_entries_of_the_one_file_per_entry_layout_are_still_found(tmp_path: Path) -> None:
    key = "ab" + "0" * 62
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / f"{key}.json").write_text(json.dumps({"text": "old \ud800 entry", "finish_reason": "stop"}))
    (tmp_path / "cd").mkdir()
    (tmp_path / "cd" / ("cd" + "1" * 62 + ".json")).write_text("{not json")
    cache = RequestCache(tmp_path)
    old = cache.get(key)
    assert old is not None and old.text == "old \ud800 entry" and old.cached
    assert cache.get("cd" + "1" * 62) is None and cache.get("ef" + "2" * 62) is None
    cache.put("ef" + "2" * 62, Generation(text="new"))
    assert RequestCache(tmp_path).get_many(["ef" + "2" * 62, key]).keys() == {"ef" + "2" * 62, key}
    cache.close()


def test_a_corrupt_database_is_a_miss_and_never_fails_a_write(tmp_path: Path) -> None:
    (tmp_path / DATABASE).write_bytes(b"this is not a database" * 100)
    cache = RequestCache(tmp_path)
    assert cache.get("k") is None
    cache.put("k", Generation(text="x"))  # ignored, no exception
    cache.close()
