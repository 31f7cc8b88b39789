"""The LR²Bench leaderboard submission format: reading it as responses, and writing it.

A submission is ``{"config": {...}, "results": {task: [{"level", "tag", "answer"}]}}`` where
``answer`` is the string upstream's extraction produced. Each answer is turned into a response
``<Answer>answer</Answer>`` (``<Mapping>`` for cryptogram) whose extraction gives the same string
back, which holds for every string upstream's extraction can produce (checked per entry: an
answer that would not come back unchanged, e.g. with surrounding spaces, is refused with its
task, level and tag). The sample id is ``<task>/<level>/<str(tag)>``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.records import CheckRow
from evalkit.tasks.lr2bench.files import TASK_DIRS
from evalkit.verifiers.lr2bench.extract import DEFAULTS, roundtrips, wrap_answer


def sample_id(task: str, level: str, tag: object) -> str:
    """The evalkit sample id of an LR²Bench puzzle."""
    return f"{task}/{level}/{tag}"


def read_submission(path: Path) -> dict[str, Any] | None:
    """The submission object in ``path``, or None when the file is not one JSON object with a
    ``results`` mapping (e.g. evalkit's JSONL responses)."""
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.read(1 << 16).lstrip()
    except (OSError, UnicodeDecodeError):
        return None
    if not head.startswith("{"):
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(obj, dict) and isinstance(obj.get("results"), dict) and "response" not in obj:
        return obj
    return None


def _entry_pair(path: Path, task: str, index: int, entry: Any) -> tuple[str, str]:
    where = f"{path}: results.{task}[{index}]"
    if not isinstance(entry, dict) or not {"level", "tag", "answer"} <= entry.keys():
        raise EvalkitError(f"{where}: expected an object with level, tag and answer")
    answer = entry["answer"]
    if not isinstance(answer, str):
        raise EvalkitError(f"{where}: answer must be a string, got {type(answer).__name__}")
    if not roundtrips(task, answer):
        raise EvalkitError(f"{where} (level {entry['level']}, tag {entry['tag']}): answer {answer[:60]!r} is not "
                           "a string upstream extraction can produce (stray text or surrounding whitespace)")
    return sample_id(task, str(entry["level"]), str(entry["tag"])), wrap_answer(task, answer)


def submission_pairs(path: Path, submission: dict[str, Any]) -> list[tuple[str, str]]:
    """(sample id, response) for every entry of a submission; duplicate entries and unknown
    tasks raise EvalkitError naming the entry."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for task, entries in submission["results"].items():
        if task not in TASK_DIRS:
            raise EvalkitError(f"{path}: unknown LR2Bench task {task!r} (tasks: {', '.join(TASK_DIRS)})")
        if not isinstance(entries, list):
            raise EvalkitError(f"{path}: results.{task} must be a list")
        for index, entry in enumerate(entries):
            sid, response = _entry_pair(path, task, index, entry)
            if sid in seen:
                raise EvalkitError(f"{path}: results.{task}[{index}]: {sid} appears twice")
            seen.add(sid)
            pairs.append((sid, response))
    return pairs


def build_submission(checks: Sequence[CheckRow], config: dict[str, Any] | None = None) -> dict[str, Any]:
    """A leaderboard submission from LR²Bench check rows (epoch 0 only; each answer is the
    extracted string kept in the check's details). A unit without a stored extraction (failed
    generation or checker error) gets the task's default answer; a truncated one raises."""
    results: dict[str, list[dict[str, Any]]] = {task: [] for task in TASK_DIRS}
    for row in checks:
        extra = row.model_extra or {}
        if row.epoch != 0 or extra.get("task") not in TASK_DIRS:
            continue
        task = str(extra["task"])
        details = row.details or {}
        if details.get("extracted_truncated"):
            raise EvalkitError(f"{row.sample_id}: the extracted answer was truncated; cannot build a submission")
        answer = details.get("extracted", DEFAULTS[task]) if row.status == "ok" else DEFAULTS[task]
        results[task].append({"level": extra.get("level"), "tag": extra.get("tag"), "answer": answer})
    conf = {"model_name": None, "link": None, "Params": None, "show_on_leaderboard": False}
    conf.update(config or {})
    return {"config": conf, "results": results}
