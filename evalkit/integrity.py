"""Run integrity checks: what a resumed run must share with the run it continues, sample sets
without duplicate ids, and the share of successful generations a run needs to count.

Resume compares two things. The manifest's *settings* (model, packs and their ``-T`` options and
data sha256, the generation config of each pack, output-affecting ``-M`` options, thinking tags,
epochs, limit) name what differs; and every journal row holds ``request_hash``, the sha256 of
the request actually sent (messages, generation config and output-affecting options), so a
change no setting names (edited data, a different prompt template) is caught as well.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.types import GenerationConfig, GenerationRequest, Sample

# A run exits with status 2 when fewer than this share of its generations succeeded.
MIN_SUCCESS_SHARE = 0.5


class RunFailed(EvalkitError):
    """Too few generations succeeded for the run's scores to mean anything (exit status 2)."""


def request_hash(identity: dict[str, Any], config: GenerationConfig, request: GenerationRequest) -> str:
    """sha256 of what decides a request's output: backend identity (model, output-affecting
    options), generation config and the messages sent (system message included)."""
    from evalkit.backends.base import chat_messages

    doc = {"identity": identity, "config": asdict(config), "messages": chat_messages(request, config)}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def resume_settings(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest fields a resumed run must share, flattened to named settings."""
    backend = manifest.get("backend") or {}
    out: dict[str, Any] = {
        "--model": manifest.get("model"), "--pack": manifest.get("packs_requested"),
        "--epochs": manifest.get("epochs"), "--limit": manifest.get("limit"),
        "--think-tags": manifest.get("think_tags"), "-M": backend.get("output_options", backend.get("options")),
    }
    generation = manifest.get("generation") or {}
    for key in ("temperature", "top_p", "seed", "system_message"):
        out[f"--{key.replace('_', '-')}"] = generation.get(key)
    for name, entry in sorted((manifest.get("packs") or {}).items()):
        out[f"{name}: -T"] = entry.get("options") or {}
        out[f"{name}: data (sha256, --data-dir)"] = entry.get("data_sha256")
        out[f"{name}: max tokens"] = (entry.get("generation") or {}).get("max_tokens", generation.get("max_tokens"))
        out[f"{name}: version"] = entry.get("version")
    return out


def differing_settings(previous: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Names of the settings that differ between two manifests (empty when resume is safe)."""
    old, new = resume_settings(previous), resume_settings(current)
    return [name for name in new if _norm(old.get(name)) != _norm(new.get(name))] + \
        [name for name in old if name not in new]


def _norm(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def check_journal_hashes(rows: Iterable[Any], expected: dict[tuple[str, str, int], str], where: Path) -> None:
    """Refuse to resume when journaled rows were generated from other requests than this run sends."""
    changed = [row.key for row in rows
               if getattr(row, "request_hash", None) and row.key in expected
               and row.request_hash != expected[row.key]]
    if changed:
        shown = ", ".join(f"{p}/{s}#{e}" for p, s, e in changed[:5]) + (" …" if len(changed) > 5 else "")
        raise EvalkitError(f"{where} holds {len(changed)} generations made from other requests than this run "
                           f"would send (prompts or generation settings changed: {shown}); choose another --out")


def check_sample_ids(pack: str, samples: Sequence[Sample], files: Sequence[Path | str]) -> None:
    """EvalkitError naming the data file(s) and ids when a pack's samples repeat an id, or are none."""
    where = ", ".join(str(f) for f in files) or f"the {pack} data"
    if not samples:
        raise EvalkitError(f"{where}: no samples in pack {pack!r} (empty data file?)")
    repeated = [sid for sid, n in Counter(s.id for s in samples).items() if n > 1]
    if repeated:
        raise EvalkitError(f"{where}: duplicate sample ids in pack {pack!r}: {_show(repeated)}")


def check_response_ids(path: Path, ids: Sequence[str]) -> None:
    """EvalkitError naming the file and ids when a responses file answers a sample twice."""
    repeated = [sid for sid, n in Counter(ids).items() if n > 1]
    if repeated:
        raise EvalkitError(f"{path}: more than one response for ids {_show(repeated)}")


def check_success(statuses: Counter[str], run_dir: Path) -> None:
    """RunFailed when fewer than ``MIN_SUCCESS_SHARE`` of the generations succeeded."""
    total = sum(statuses.values())
    failed = statuses.get("error", 0)
    if total and (total - failed) / total < MIN_SUCCESS_SHARE:
        raise RunFailed(f"{failed} of {total} generations failed (a run needs at least "
                        f"{MIN_SUCCESS_SHARE:.0%} to succeed); scores in {run_dir} are not meaningful — "
                        "see the errors in generations.jsonl, then re-run into the same --out to retry them")


def _show(ids: Sequence[str]) -> str:
    return ", ".join(map(str, ids[:10])) + (f" … ({len(ids)} in all)" if len(ids) > 10 else "")
