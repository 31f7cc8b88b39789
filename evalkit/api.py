"""The Python API behind the CLI: ``run``, ``score`` and ``score_responses``."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from evalkit.backends import make_backend
from evalkit.errors import EvalkitError
from evalkit.grading import Grader
from evalkit.jsonio import iter_jsonl
from evalkit.manifest import base_manifest, now
from evalkit.packs import TaskPack, get_pack
from evalkit.records import GenerationRow
from evalkit.runner import generate
from evalkit.scoring import build_scores, score_pack
from evalkit.store import RunDir
from evalkit.types import GenerationConfig, Sample

DEFAULT_PACK = "starter"
DEFAULT_MODEL = "local:smollm2"


def _load_packs(names: list[str], data_dir: Path | None, task_args: dict[str, str],
                limit: int | None) -> dict[str, tuple[TaskPack, list[Sample]]]:
    loaded = {}
    for name in names:
        pack = get_pack(name)
        samples = pack.load(data_dir, task_args)
        loaded[name] = (pack, samples[:limit] if limit else samples)
    return loaded


def _pack_entry(pack: TaskPack, n: int, data_dir: Path | None, task_args: dict[str, str]) -> dict[str, Any]:
    return {**pack.info(), "mode": pack.mode(task_args), "options": task_args, "samples": n,
            "data_sha256": pack.data_hashes(data_dir)}


def _comparable(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: manifest.get(k) for k in ("packs_requested", "model", "generation", "epochs", "limit")}


def run(packs: list[str] | None = None, model: str | None = None, *, out: Path | str, base_url: str | None = None,
        concurrency: int = 8, limit: int | None = None, epochs: int = 1, config: GenerationConfig | None = None,
        model_args: dict[str, Any] | None = None, task_args: dict[str, str] | None = None,
        data_dir: Path | None = None, resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Generate, grade and score; returns ``scores.json`` content. Re-running into ``out`` resumes."""
    packs = packs or [DEFAULT_PACK]
    model = model or DEFAULT_MODEL
    config = config or GenerationConfig()
    task_args = dict(task_args or {})
    run_dir = RunDir(Path(out))
    loaded = _load_packs(packs, data_dir, task_args, limit)
    if config.max_tokens is None:
        config = replace(config, max_tokens=max(p.default_max_tokens for p, _ in loaded.values()))
    backend = make_backend(model, model_args, base_url=base_url, concurrency=concurrency)
    manifest = {
        **base_manifest(), "packs_requested": packs, "model": model, "backend": backend.info(),
        "generation": asdict(config), "epochs": epochs, "limit": limit, "seed": config.seed,
        "data_dir": str(data_dir) if data_dir else None,
        "packs": {n: _pack_entry(p, len(s), data_dir, task_args) for n, (p, s) in loaded.items()},
    }
    if (run_dir.path / "run.json").is_file():
        previous = run_dir.read_manifest()
        if _comparable(previous) != _comparable(manifest):
            raise EvalkitError(f"{run_dir.path} holds a run with different settings; choose another --out")
        manifest["started"] = previous.get("started")
    elif resume:
        raise EvalkitError(f"--resume: {run_dir.path} holds no run to resume")
    run_dir.ensure()
    manifest.setdefault("started", None)
    manifest["started"] = manifest["started"] or now()
    run_dir.write_manifest(manifest)
    all_samples = [s for _, samples in loaded.values() for s in samples]
    try:
        generate(all_samples, backend, config, run_dir, epochs=epochs, progress=progress)
    finally:
        backend.close()
    return _grade_and_score(run_dir, manifest, loaded, task_args)


def _grade_and_score(run_dir: RunDir, manifest: dict[str, Any], loaded: dict[str, tuple[TaskPack, list[Sample]]],
                     task_args: dict[str, str]) -> dict[str, Any]:
    generations = run_dir.read_generations()
    per_pack: dict[str, dict[str, Any]] = {}
    all_checks = []
    for name, (pack, samples) in loaded.items():
        by_key = {(s.pack, s.id): s for s in samples}
        gens = [g for g in generations if g.pack == name and (g.pack, g.sample_id) in by_key]
        checks = Grader(pack.mode(task_args)).grade_all(by_key, gens)
        all_checks.extend(checks)
        per_pack[name] = score_pack(pack, checks, dict(Counter(g.status for g in gens)))
    run_dir.write_checks(all_checks)
    scores = build_scores(per_pack)
    run_dir.write_scores(scores)
    manifest["finished"] = now()
    manifest["status_counts"] = dict(Counter(g.status for g in generations))
    manifest["usage"] = {
        "prompt_tokens": sum(g.usage.prompt_tokens or 0 for g in generations),
        "completion_tokens": sum(g.usage.completion_tokens or 0 for g in generations),
    }
    run_dir.write_manifest(manifest)
    return scores


def score(run_dir: Path | str, data_dir: Path | None = None) -> dict[str, Any]:
    """Re-grade and re-score an existing run directory (no model calls)."""
    rd = RunDir(Path(run_dir))
    manifest = rd.read_manifest()
    task_args: dict[str, str] = {}
    for entry in manifest.get("packs", {}).values():
        task_args = dict(entry.get("options") or {})
    ddir = data_dir or (Path(manifest["data_dir"]) if manifest.get("data_dir") else None)
    loaded = _load_packs(list(manifest.get("packs", {})), ddir, task_args, manifest.get("limit"))
    return _grade_and_score(rd, manifest, loaded, task_args)


def read_responses(path: Path, pack: TaskPack, samples: list[Sample]) -> list[GenerationRow]:
    """Parse ``--responses``: the pack's upstream submission format if it recognises the file,
    else JSONL with one ``{"id", "response"}`` per line. Ids not in the pack are an error."""
    pairs = pack.parse_responses(path, samples)
    if pairs is None:
        pairs = []
        for lineno, obj in iter_jsonl(path):
            if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("response"), str):
                raise EvalkitError(f"{path} line {lineno}: expected {{\"id\": ..., \"response\": \"...\"}}")
            pairs.append((str(obj["id"]), obj["response"]))
    known = {s.id for s in samples}
    unknown = [sid for sid, _ in pairs if sid not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" … ({len(unknown)} in all)" if len(unknown) > 10 else "")
        raise EvalkitError(f"{path}: ids not in pack {pack.name!r}: {shown}")
    return [GenerationRow(pack=pack.name, sample_id=sid, status="ok" if text.strip() else "empty", response=text)
            for sid, text in pairs]


def score_responses(pack_name: str, responses: Path | str, *, out: Path | str, task_args: dict[str, str] | None = None,
                    data_dir: Path | None = None) -> dict[str, Any]:
    """Grade externally produced responses and write a run directory with checks and scores."""
    task_args = dict(task_args or {})
    pack = get_pack(pack_name)
    samples = pack.load(data_dir, task_args)
    rows = read_responses(Path(responses), pack, samples)
    answered = {r.sample_id for r in rows}
    missing = len([s for s in samples if s.id not in answered])
    if missing:
        print(f"note: {missing} of {len(samples)} {pack_name} samples have no response and are not scored", file=sys.stderr)
    rd = RunDir(Path(out))
    rd.ensure()
    (rd.path / "generations.jsonl").unlink(missing_ok=True)
    for row in rows:
        rd.append_generation(row)
    manifest = {**base_manifest(), "packs_requested": [pack_name], "model": None, "responses_file": str(responses),
                "started": now(), "data_dir": str(data_dir) if data_dir else None, "limit": None,
                "packs": {pack_name: _pack_entry(pack, len(samples), data_dir, task_args)}}
    return _grade_and_score(rd, manifest, {pack_name: (pack, [s for s in samples if s.id in answered])}, task_args)
