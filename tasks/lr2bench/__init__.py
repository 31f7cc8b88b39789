"""LR²Bench: long-chain reflective reasoning on six constraint-satisfaction puzzle tasks.

850 puzzles (crossword 3 levels, acrostic 2, logic 4, cryptogram 2, sudoku 4, drop quote 2; 50
per level). Prompts are upstream's few-shot chat templates with ``<example>`` replaced by the
puzzle (``-T prompt=two_shot``, upstream's setting; also ``zero_shot``, and ``api_two_shot`` /
``api_zero_shot``: the single-user-message ``prompt_api.json`` used for Gemini). A trailing
assistant turn ("Let's start solving…") is removed, as upstream does at inference; the system
message is kept (upstream's vLLM path; its OpenAI path drops it).

Each sample has one constraint, ``lr2bench.<task>``, checked against the gold from
``answer.json``; it passes on an exact match (EM). The pack's metrics are upstream's CR, S-Acc,
EM and PM-0.5 per level, averaged per task, then over the six tasks (headline: ``EM``); see
:mod:`.metrics`. ``--responses`` also accepts a leaderboard submission JSON (:mod:`.submission`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import iter_jsonl, read_json
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.tasks.lr2bench import metrics
from evalkit.tasks.lr2bench.files import ANSWER_FILE, TASK_DIRS, all_files, level_file
from evalkit.tasks.lr2bench.submission import read_submission, sample_id, submission_pairs
from evalkit.types import Constraint, Sample
from evalkit.verifiers.lr2bench import CHECKER_IDS
from evalkit.verifiers.lr2bench.grade import dict_total, drop_total, grid_total, logic_total

PROMPTS: dict[str, tuple[str, str]] = {  # -T prompt=… -> (file, setting)
    "two_shot": ("prompt.json", "two_shot"),
    "zero_shot": ("prompt.json", "zero_shot"),
    "api_two_shot": ("prompt_api.json", "two_shot"),
    "api_zero_shot": ("prompt_api.json", "zero_shot"),
}


def subtask_count(task: str, gold: Any) -> int:
    """n, the number of scored subtasks of a gold answer (see the checkers' rules)."""
    if task == "logic":
        return logic_total(gold)
    if task == "sudoku":
        return grid_total(gold["grid"])
    if task == "drop":
        return drop_total(gold)
    return dict_total(gold)


def load_gold(path: Path) -> dict[tuple[str, str, str], Any]:
    """``answer.json`` as ``{(task, level, str(tag)): parsed gold answer}``."""
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise DataError(f"{path}: expected an object of tasks")
    gold: dict[tuple[str, str, str], Any] = {}
    for task, rows in raw.items():
        for i, row in enumerate(rows):
            try:
                gold[(task, str(row["level"]), str(row["tag"]))] = json.loads(row["answer"])
            except (KeyError, TypeError, json.JSONDecodeError) as exc:
                raise DataError(f"{path}: {task}[{i}]: bad gold entry ({type(exc).__name__}: {exc})") from None
    return gold


def build_messages(template: list[dict[str, str]], example: str) -> tuple[dict[str, str], ...]:
    """The chat for one puzzle: the template without a trailing assistant turn, ``<example>`` replaced."""
    if template and template[-1]["role"] == "assistant":
        template = template[:-1]
    return tuple({"role": m["role"], "content": m["content"].replace("<example>", example)} for m in template)


def _template(path: Path, setting: str) -> list[dict[str, str]]:
    prompts = read_json(path)
    template = prompts.get(setting) if isinstance(prompts, dict) else None
    if not isinstance(template, list) or not all(isinstance(m, dict) and {"role", "content"} <= m.keys() for m in template):
        raise DataError(f"{path}: no chat template {setting!r}")
    if "<example>" not in build_messages(template, "<example>")[-1]["content"]:
        raise DataError(f"{path}: the last message of template {setting!r} has no <example> placeholder")
    return template


def _level_samples(task: str, level: str, paths: dict[str, Path], template: list[dict[str, str]],
                   gold: dict[tuple[str, str, str], Any]) -> list[Sample]:
    data_path = paths[level_file(task, level, "data.jsonl").path]
    samples = []
    for lineno, row in iter_jsonl(data_path):
        if not isinstance(row, dict) or "tag" not in row or not isinstance(row.get("example_text"), str):
            raise DataError(f"{data_path} line {lineno}: expected an object with tag and example_text")
        key = (task, level, str(row["tag"]))
        if key not in gold:
            raise DataError(f"{data_path} line {lineno}: no gold answer for tag {row['tag']!r} in answer.json")
        samples.append(Sample(
            id=sample_id(*key), pack="lr2bench", messages=build_messages(template, row["example_text"]),
            constraints=(Constraint(CHECKER_IDS[task], {}, {}),), reference=gold[key],
            meta={"task": task, "level": level, "tag": row["tag"], "subtasks": subtask_count(task, gold[key])},
        ))
    return samples


class LR2Bench(TaskPack):
    """The LR²Bench pack: 850 puzzles, one exact-match checker each, upstream CR/S-Acc/EM/PM-0.5."""

    name = "lr2bench"
    version = "c426beb"
    description = "LR²Bench: 850 constraint-satisfaction puzzles (6 tasks × levels), scored CR / S-Acc / EM / PM-0.5"
    license = "none stated upstream (research use; data not redistributed, read from --data-dir or GitHub)"
    source = "github.com/ZNLP/LR2Bench @ c426beb (data/); leaderboard HF space UltraRonin/LR2Bench"
    data_files = all_files()
    modes = ("compat",)
    declared_metrics = metrics.DECLARED_METRICS
    declared_tables = metrics.DECLARED_TABLES
    record_dims = ("task", "level")
    default_max_tokens = 32768  # upstream max_tokens

    def check_options(self, options: dict[str, str]) -> None:
        """Accept ``mode`` and ``prompt`` (two_shot, zero_shot, api_two_shot, api_zero_shot)."""
        prompt = options.get("prompt", "two_shot")
        if prompt not in PROMPTS:
            raise EvalkitError(f"pack 'lr2bench' has no prompt {prompt!r} (prompts: {', '.join(PROMPTS)})")
        super().check_options({k: v for k, v in options.items() if k != "prompt"})

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Read every level's ``data.jsonl`` and prompt template, joined with ``answer.json``."""
        file_name, setting = PROMPTS[options.get("prompt", "two_shot")]
        gold = load_gold(paths[ANSWER_FILE.path])
        samples: list[Sample] = []
        for task, (_, levels) in TASK_DIRS.items():
            for level in levels:
                template = _template(paths[level_file(task, level, file_name).path], setting)
                samples.extend(_level_samples(task, level, paths, template, gold))
        return samples

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per puzzle: answered, subtasks right of all, exact and half (see :mod:`.metrics`)."""
        return metrics.record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """``task`` and ``level`` tables of CR, S-Acc, EM, PM-0.5 (upstream means; see :mod:`.metrics`)."""
        return metrics.tables(checks)

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """A leaderboard submission JSON as (sample id, response) pairs; None for other files."""
        submission = read_submission(path)
        return None if submission is None else submission_pairs(path, submission)


PACK = LR2Bench()
