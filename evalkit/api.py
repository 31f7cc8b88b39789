"""The Python API behind the CLI: ``run``, ``score`` and ``score_responses``."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.backends import make_backend, parse_model_spec
from evalkit.backends.base import AsyncBackend
from evalkit.backends.pool import Limits
from evalkit.datafiles import locate
from evalkit.errors import EvalkitError
from evalkit.integrity import (
    check_response_ids,
    check_sample_ids,
    check_success,
    differing_settings,
)
from evalkit.jsonio import iter_jsonl, scrub_text
from evalkit.lock import RunLock
from evalkit.manifest import base_manifest, now
from evalkit.packs import TaskPack, get_pack
from evalkit.pricing import price_for
from evalkit.records import GenerationRow
from evalkit.redact import redact, remember_options
from evalkit.runner import THINK_TAGS, RunAborted, RunnerOptions, generate
from evalkit.store import RunDir
from evalkit.types import GenerationConfig, Sample

if TYPE_CHECKING:
    from evalkit.grading import EarlyGrader

DEFAULT_PACK = "starter"
DEFAULT_MODEL = "local:smollm2"


def load_pack(pack: TaskPack, data_dir: Path | None, task_args: dict[str, str]) -> list[Sample]:
    """A pack's samples, refusing data that is not UTF-8, holds no sample or repeats an id."""
    try:
        samples = pack.load(data_dir, task_args)
    except UnicodeDecodeError as exc:
        raise EvalkitError(f"pack {pack.name!r}: a data file is not valid UTF-8 ({exc.reason} at byte "
                           f"{exc.start + 1})") from None
    files: list[Path | str] = []
    for f in pack.data_files:
        try:
            files.append(locate(pack.name, f, data_dir))
        except EvalkitError:
            files.append(f.path)
    check_sample_ids(pack.name, samples, files)
    return samples


def _load_packs(names: list[str], data_dir: Path | None, task_args: dict[str, str],
                limit: int | None) -> dict[str, tuple[TaskPack, list[Sample]]]:
    loaded = {}
    for name in names:
        pack = get_pack(name)
        samples = load_pack(pack, data_dir, task_args)
        loaded[name] = (pack, samples[:limit] if limit else samples)
    return loaded


def _pack_entry(pack: TaskPack, n: int, data_dir: Path | None, task_args: dict[str, str],
                config: GenerationConfig | None = None) -> dict[str, Any]:
    entry = {**pack.info(), "mode": pack.mode(task_args), "options": task_args, "samples": n,
             "data_sha256": pack.data_hashes(data_dir)}
    if config is not None:
        entry["generation"] = asdict(config)
    return entry


def _freeze_heap_at_exit() -> None:
    """At interpreter exit, move every object to the permanent GC generation: the heap a run
    leaves (journal rows, verdicts, client state) then costs no collection passes at shutdown
    (about 0.1 s for 500 generations). Only cyclic garbage still unreached at exit is left
    to the ending process."""
    import atexit
    import gc

    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def run(packs: list[str] | None = None, model: str | None = None, *, out: Path | str,
        base_url: str | list[str] | None = None, concurrency: int = 8, limit: int | None = None, epochs: int = 1,
        config: GenerationConfig | None = None, model_args: dict[str, Any] | None = None,
        task_args: dict[str, str] | None = None, data_dir: Path | None = None, resume: bool = False,
        progress: bool | None = None, limits: Limits | None = None, max_errors: float | None = None,
        think_tags: tuple[str, str] | None = THINK_TAGS, use_cache: bool = True,
        judge: str | None = None, judge_args: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
    """Generate, judge (packs with judge checkers; ``judge`` overrides their default judge),
    grade and score; returns ``scores.json`` content. Re-running into ``out`` resumes.

    Raises RunAborted (after grading what finished) when failures exceed ``max_errors``.
    """
    model = model or DEFAULT_MODEL
    task_args = dict(task_args or {})
    remember_options({**(model_args or {}), **(judge_args or {}), "base_url": base_url})
    run_dir = RunDir(Path(out))
    _freeze_heap_at_exit()
    backend = make_backend(model, model_args, base_url=base_url, concurrency=concurrency, limits=limits)
    backend.preload()  # the SDK import overlaps pack loading
    loaded, configs = _prepare(packs, config, data_dir, task_args, limit)
    backend.preflight()
    from evalkit.judging import preflight_judges
    preflight_judges(loaded, judge, judge_args)
    user_config = config or GenerationConfig()
    manifest = {
        **base_manifest(), "name": name or model, "packs_requested": packs or [DEFAULT_PACK], "model": model,
        "backend": backend.info(),
        "generation": asdict(user_config), "epochs": epochs, "limit": limit, "seed": user_config.seed,
        "think_tags": list(think_tags) if think_tags else None, "max_errors": max_errors, "cache": use_cache,
        "data_dir": str(data_dir) if data_dir else None,
        "packs": {n: _pack_entry(p, len(s), data_dir, task_args, configs[n]) for n, (p, s) in loaded.items()},
    }
    with RunLock(run_dir.path):
        _start_manifest(run_dir, manifest, resume)
        return _run_locked(run_dir, manifest, loaded, configs, backend, task_args, epochs=epochs,
                           max_errors=max_errors, think_tags=think_tags, use_cache=use_cache, progress=progress,
                           judge=judge, judge_args=judge_args)


def _run_locked(run_dir: RunDir, manifest: dict[str, Any], loaded: dict[str, tuple[TaskPack, list[Sample]]],
                configs: dict[str, GenerationConfig], backend: Any, task_args: dict[str, str], *, epochs: int,
                max_errors: float | None, think_tags: tuple[str, str] | None, use_cache: bool,
                progress: bool | None, judge: str | None, judge_args: dict[str, Any] | None) -> dict[str, Any]:
    """Generate, judge, grade and score a run whose directory this process has locked."""
    all_samples = [s for _, samples in loaded.values() for s in samples]
    answered = threading.Event()
    options = RunnerOptions(epochs=epochs, max_errors=max_errors, think_tags=think_tags, use_cache=use_cache,
                            progress=progress, price=price_for(*parse_model_spec(manifest["model"])), answered=answered)
    aborted: RunAborted | None = None
    if hasattr(backend, "run_dir"):  # batch backends journal their batch ids in the run directory
        backend.run_dir = run_dir.path
    early = None
    if isinstance(backend, AsyncBackend):  # in-process engines need the CPU themselves
        from evalkit.grading import EarlyGrader
        early = EarlyGrader({n: (p.mode(task_args), s) for n, (p, s) in loaded.items()}, after=answered)
        options = replace(options, journaled=early.put)
    try:
        generate(all_samples, backend, configs, run_dir, options)
    except RunAborted as exc:
        aborted = exc
        manifest["aborted"] = str(exc)
    finally:
        backend.close()
        if early is not None:
            early.finish()
    if aborted is None:
        from evalkit.judging import judge_phase
        judge_phase(run_dir, manifest, loaded, task_args, judge, judge_args)
    scores = _grade_and_score(run_dir, manifest, loaded, task_args, early)
    if aborted is not None:
        raise aborted
    check_success(Counter(manifest.get("status_counts") or {}), run_dir.path)
    return scores


def _prepare(packs: list[str] | None, config: GenerationConfig | None, data_dir: Path | None,
             task_args: dict[str, str], limit: int | None
             ) -> tuple[dict[str, tuple[TaskPack, list[Sample]]], dict[str, GenerationConfig]]:
    """Load the packs and give each its generation config: ``max_tokens`` defaults to the pack's own."""
    config = config or GenerationConfig()
    loaded = _load_packs(packs or [DEFAULT_PACK], data_dir, task_args, limit)
    configs = {name: config if config.max_tokens is not None else replace(config, max_tokens=pack.default_max_tokens)
               for name, (pack, _) in loaded.items()}
    return loaded, configs


def _start_manifest(run_dir: RunDir, manifest: dict[str, Any], resume: bool) -> None:
    """Check a resumed run has the same settings (naming those that differ), then write the manifest."""
    if (run_dir.path / "run.json").is_file():
        previous = run_dir.read_manifest()
        if previous.get("responses_file") is not None:
            raise EvalkitError(f"{run_dir.path} holds graded --responses, not a run; choose another --out")
        differ = differing_settings(previous, redact(manifest))
        if differ:
            raise EvalkitError(f"{run_dir.path} holds a run with different settings ({', '.join(differ)}); "
                               "choose another --out")
        manifest["started"] = previous.get("started")
    elif resume:
        raise EvalkitError(f"--resume: {run_dir.path} holds no run to resume")
    run_dir.ensure()
    manifest["started"] = manifest.get("started") or now()
    run_dir.write_manifest(manifest)


def dry_run(packs: list[str] | None = None, model: str | None = None, *, epochs: int = 1,
            config: GenerationConfig | None = None, limit: int | None = None, data_dir: Path | None = None,
            task_args: dict[str, str] | None = None, out: Path | str | None = None) -> dict[str, Any]:
    """The requests a run would send (minus those ``out`` already holds), with estimated tokens and
    cost; sends nothing and writes nothing."""
    from evalkit.backends.base import chat_messages
    from evalkit.pricing import estimate_tokens
    from evalkit.runner import finished_keys, pending_requests

    model = model or DEFAULT_MODEL
    loaded, configs = _prepare(packs, config, data_dir, dict(task_args or {}), limit)
    samples = [s for _, ss in loaded.values() for s in ss]
    done = finished_keys(RunDir(Path(out))) if out is not None else set()
    requests: list[dict[str, Any]] = []
    prompt = completion = 0
    for r in pending_requests(samples, epochs, done):
        messages = chat_messages(r, configs[r.pack])
        prompt += estimate_tokens("".join(m["content"] for m in messages))
        completion += configs[r.pack].max_tokens or 0
        requests.append({"pack": r.pack, "sample_id": r.sample_id, "epoch": r.epoch, "messages": messages})
    price = price_for(*parse_model_spec(model))
    return {"model": model, "generation": asdict(config or GenerationConfig()),
            "generation_per_pack": {n: asdict(c) for n, c in configs.items()},
            "requests": requests, "n_requests": len(requests),
            "already_done": len(done), "est_prompt_tokens": prompt, "max_completion_tokens": completion,
            "est_cost_usd_max": price.cost(prompt, completion) if price else None,
            "price_model": price.model if price else None, **_standard_price(model, prompt, completion)}


def _standard_price(model: str, prompt: int, completion: int) -> dict[str, Any]:
    """For a batch backend, the estimate at the normal (non-batch) price too."""
    backend, name = parse_model_spec(model)
    standard = price_for(backend.removesuffix("-batch"), name) if backend.endswith("-batch") else None
    return {"est_cost_usd_max_standard": standard.cost(prompt, completion)} if standard else {}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block that builds many short-lived acyclic
    objects (rows, verdicts, records): the collections it would trigger walk the whole heap
    (samples, checkers, models) and cost about a quarter of grading 5,000 generations."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _grade_and_score(run_dir: RunDir, manifest: dict[str, Any], loaded: dict[str, tuple[TaskPack, list[Sample]]],
                     task_args: dict[str, str], early: EarlyGrader | None = None) -> dict[str, Any]:
    """Grade the journal (reusing ``early`` verdicts), score every pack and write the checks,
    records, scores and manifest."""
    with _collector_paused():
        return _grade_and_score_now(run_dir, manifest, loaded, task_args, early)


def _grade_and_score_now(run_dir: RunDir, manifest: dict[str, Any], loaded: dict[str, tuple[TaskPack, list[Sample]]],
                         task_args: dict[str, str], early: EarlyGrader | None) -> dict[str, Any]:
    from evalkit.grading import Grader
    from evalkit.judging import attach_usage, grading_judgements
    from evalkit.metrics import write_records
    from evalkit.scoring import build_scores, records_of, score_pack

    generations = run_dir.read_generations()
    judgements = grading_judgements(run_dir)
    per_pack: dict[str, dict[str, Any]] = {}
    all_checks = []
    for name, (pack, samples) in loaded.items():
        by_key = {(s.pack, s.id): s for s in samples}
        gens = [g for g in generations if g.pack == name and (g.pack, g.sample_id) in by_key]
        checks = Grader(pack.mode(task_args), judgements).grade_all(by_key, gens, early)
        all_checks.extend(checks)
        per_pack[name] = score_pack(pack, checks, dict(Counter(g.status for g in gens)))
    run_dir.write_checks(all_checks)
    attach_usage(run_dir, manifest, per_pack)
    scores = build_scores(per_pack)
    write_records(run_dir.path, records_of(per_pack))
    run_dir.write_scores(scores)
    manifest["finished"] = now()
    manifest["status_counts"] = dict(Counter(g.status for g in generations))
    manifest["usage"] = run_usage(generations)
    run_dir.write_manifest(manifest)
    return scores


def run_usage(generations: list[GenerationRow]) -> dict[str, Any]:
    """Tokens, cost (where priced), cache hits and attempts summed over the journal."""
    costs = [g.usage.cost_usd for g in generations if g.usage.cost_usd is not None]
    return {
        "prompt_tokens": sum(g.usage.prompt_tokens or 0 for g in generations),
        "completion_tokens": sum(g.usage.completion_tokens or 0 for g in generations),
        "reasoning_tokens": sum(g.usage.reasoning_tokens or 0 for g in generations),
        "cost_usd": round(sum(costs), 6) if costs else None,
        "cached": sum(1 for g in generations if g.cached),
        "attempts": sum(g.attempts or 0 for g in generations),
    }


def score(run_dir: Path | str, data_dir: Path | None = None, name: str | None = None) -> dict[str, Any]:
    """Re-grade and re-score an existing run directory (no model calls); ``name`` relabels it."""
    rd = RunDir(Path(run_dir))
    manifest = rd.read_manifest()
    if name:
        manifest["name"] = name
    task_args: dict[str, str] = {}
    for entry in manifest.get("packs", {}).values():
        task_args = dict(entry.get("options") or {})
    ddir = data_dir or (Path(manifest["data_dir"]) if manifest.get("data_dir") else None)
    loaded = _load_packs(list(manifest.get("packs", {})), ddir, task_args, manifest.get("limit"))
    for pack_name, (pack, _) in loaded.items():  # dataset code runs again: record where it runs now
        isolation = pack.info().get("dataset_code")
        if isolation is not None:
            manifest["packs"][pack_name]["dataset_code"] = isolation
    with RunLock(rd.path):
        return _grade_and_score(rd, manifest, loaded, task_args)


def read_responses(path: Path, pack: TaskPack, samples: list[Sample]) -> list[GenerationRow]:
    """Parse ``--responses``: the pack's upstream submission format if it recognises the file,
    else JSONL with one ``{"id", "response"}`` per line. Ids not in the pack, or answered twice,
    are an error; lone surrogates in a response are replaced (the row records how many)."""
    pairs = pack.parse_responses(path, samples)
    if pairs is None:
        pairs = []
        for lineno, obj in iter_jsonl(path):
            if not isinstance(obj, dict) or "id" not in obj or not isinstance(obj.get("response"), str):
                raise EvalkitError(f"{path} line {lineno}: expected {{\"id\": ..., \"response\": \"...\"}}")
            pairs.append((str(obj["id"]), obj["response"]))
    if not pairs:
        raise EvalkitError(f"{path}: no responses in the file")
    known = {s.id for s in samples}
    unknown = [sid for sid, _ in pairs if sid not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" … ({len(unknown)} in all)" if len(unknown) > 10 else "")
        raise EvalkitError(f"{path}: ids not in pack {pack.name!r}: {shown}")
    check_response_ids(path, [sid for sid, _ in pairs])
    prompts = {s.id: [dict(m) for m in s.messages] for s in samples}
    rows = []
    for sid, raw in pairs:
        text, replaced = scrub_text(raw)
        row = GenerationRow(pack=pack.name, sample_id=sid, status="ok" if text.strip() else "empty", response=text,
                            messages=prompts[sid])
        if replaced:
            row.text_repairs = {"response": replaced}  # type: ignore[attr-defined]
        rows.append(row)
    return rows


def score_responses(pack_name: str, responses: Path | str, *, out: Path | str, task_args: dict[str, str] | None = None,
                    data_dir: Path | None = None, judge: str | None = None,
                    judge_args: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
    """Grade externally produced responses and write a run directory with checks and scores.

    Judge verdicts the pack finds in ``responses`` (upstream judge outputs) are imported; other
    judge calls are made when ``judge`` is given, or, without it, for the judges a pack option
    chose (CoDI's ``-T judge=``/``-T toxicity=perspective``), which ``judge`` never overrides. ``out`` must be new, empty, or hold an
    earlier grading of ``--responses`` for the same pack (a run directory is refused). The
    results are built in a temporary folder beside ``out`` and moved into place at the end, so
    a failure leaves ``out`` as it was."""
    task_args = dict(task_args or {})
    remember_options(dict(judge_args or {}))
    pack = get_pack(pack_name)
    samples = load_pack(pack, data_dir, task_args)
    rows = read_responses(Path(responses), pack, samples)
    answered = {r.sample_id for r in rows}
    missing = len([s for s in samples if s.id not in answered])
    if missing:
        print(f"note: {missing} of {len(samples)} {pack_name} samples have no response and are not scored", file=sys.stderr)
    final = RunDir(Path(out))
    with RunLock(final.path):
        _refuse_other_run(final, pack_name)
        stage = RunDir(final.path.parent / f".{final.path.name}.{os.getpid()}.tmp")
        shutil.rmtree(stage.path, ignore_errors=True)
        try:
            stage.ensure()
            label = name or f"responses:{Path(responses).name}"
            scores = _score_rows(stage, pack, samples, rows, Path(responses), data_dir, task_args, judge, judge_args,
                                 label)
            _publish(stage.path, final.path)
        finally:
            shutil.rmtree(stage.path, ignore_errors=True)
    return scores


def _refuse_other_run(rd: RunDir, pack_name: str) -> None:
    """EvalkitError unless ``rd`` is empty or holds an earlier ``--responses`` grading of ``pack_name``."""
    if not rd.holds_run():
        return
    try:
        previous = rd.read_manifest()
    except EvalkitError:
        previous = {}
    if previous.get("responses_file") is None or previous.get("packs_requested") != [pack_name]:
        raise EvalkitError(f"{rd.path} holds another run; choose a new --out for graded --responses")


def _score_rows(rd: RunDir, pack: TaskPack, samples: list[Sample], rows: list[GenerationRow], responses: Path,
                data_dir: Path | None, task_args: dict[str, str], judge: str | None,
                judge_args: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """Write ``rows`` as the journal of ``rd``, import or ask judge verdicts, grade and score."""
    from evalkit.judging import has_own_judges, import_judgements, judge_phase

    journal = rd.journal()
    try:
        for row in rows:
            journal.append(row.model_dump(mode="json"))
    finally:
        journal.close()
    import_judgements(rd, pack.parse_judgements(responses, samples) or [])
    answered = {r.sample_id for r in rows}
    manifest = {**base_manifest(), "name": name, "packs_requested": [pack.name], "model": None,
                "responses_file": str(responses),
                "started": now(), "data_dir": str(data_dir) if data_dir else None, "limit": None,
                "packs": {pack.name: _pack_entry(pack, len(samples), data_dir, task_args)}}
    loaded = {pack.name: (pack, [s for s in samples if s.id in answered])}
    if judge is not None:
        judge_phase(rd, manifest, loaded, task_args, judge, judge_args)
    elif has_own_judges(loaded):
        judge_phase(rd, manifest, loaded, task_args, None, judge_args, own_only=True)
    return _grade_and_score(rd, manifest, loaded, task_args)


# files of an earlier grading that a new one replaces (other files in --out are left alone)
_GRADING_FILES = frozenset({"run.json", "generations.jsonl", "checks.jsonl", "scores.json", "judgements.jsonl",
                            "records.jsonl"})


def _publish(stage: Path, final: Path) -> None:
    """Move every file of ``stage`` into ``final``, replacing files of the same name and removing
    the run files an earlier grading left there that this one did not write."""
    try:
        written = {item.name for item in stage.iterdir()}
        for name in _GRADING_FILES - written:
            (final / name).unlink(missing_ok=True)
        for item in stage.iterdir():
            os.replace(item, final / item.name)
    except OSError as exc:
        raise EvalkitError(f"cannot write {final}: {exc.strerror or exc}") from None
