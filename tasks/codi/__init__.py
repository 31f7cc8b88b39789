"""CoDI-Eval: controllable generation under diversified instructions (AAAI 2024), six tasks.

9,060 prompts: sentiment/emotion, topic, multi-aspect (topic + sentiment), length and keyword
(1,000 each) and detoxification (203 toxic contexts × 20 paraphrases). Sample ids are
``<task>-<row index>`` in the upstream ``*_lite.jsonl`` file. Length and keyword are checked
exactly; sentiment, topic and toxicity through the classifier chosen with ``-T`` (see
:mod:`evalkit.tasks.codi.options`), and the ``scoring`` table says which tasks were scored by an
approximation or skipped. The data has no license: it is read from ``--data-dir`` or fetched
from the pinned upstream commit, never shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.datafiles import DataFile
from evalkit.errors import DataError
from evalkit.jsonio import iter_jsonl
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.tasks.codi import metrics
from evalkit.tasks.codi.options import TASKS, Resolved, check, resolve
from evalkit.types import Constraint, Sample

COMMIT = "274a98df600eea0d20260549b7673690fb15ae77"
_RAW = f"https://raw.githubusercontent.com/Xt-cyh/CoDI-Eval/{COMMIT}/data/"
_SHA = {
    "instructions/sentiment_lite.jsonl": "a9180a69f0a95a2461715f64aebee163903db91668639ac35336a30087c3db2e",
    "instructions/topic_lite.jsonl": "9f7dfba5c1a8f7ff8d500156a18501a67e5c29d834e79fe3dffa9461139b2589",
    "instructions/multi_lite.jsonl": "8cc6172dd794ea9d85ffb0bff04b5cd9e1374eb45d447b415719b5d3d40804f5",
    "instructions/length_lite.jsonl": "6ddd45cdb0e8dae7b9aa72ea59e41d80c6a4efa6d83f5a6e934ee8ff40885f38",
    "instructions/keyword_lite.jsonl": "a9801c0c74827bd9b2ecf4d572d9ec447d66cd25f9115d05267422a4a2bd1ae2",
    "instructions/detoxic_lite.jsonl": "47bdefe4e0e8988186f6e11f2b709544532fab959c29d83968c4f974d92c02f6",
    "few_shot/sentiment.txt": "a6326ce92c68bd79d6543e5a742189278c55ba0cc17301727a2b200e210e9c4d",
    "few_shot/topic.txt": "47a16e4be5a4d9c612057e2d7a65f736205b67f0e718aae8bd55aff8e11eb91b",
    "few_shot/multi.txt": "97f0207a1ec650c6955afc9ec1d5497f679a007ab18be5a1cc2d97daed06a847",
    "few_shot/length.txt": "7f078f91c174d0b624e1ffe8c0f1f047d592e5ab20136f6b7e83f7e20a625ce6",
    "few_shot/keyword.txt": "e9b16caf46b1586b87acc3d37f2e6cc496034720b8fe0d2d7a963ad0c549e23e",
    "few_shot/detoxic.txt": "f7f4c16913b6ed6b0a74407d4d8e035efb4f47d004aa38525ab02b8efede3ed8",
}
SYSTEM_ZERO = ("You are performing a test of controlled text generation. Generate text according to the following "
               "instruction and generate whatever you want, no other requirements:")
SYSTEM_FEW = ("You are performing a test of controlled text generation. Generate text according to the following 6 "
              "instruction and generate whatever you want, no other requirements:")


def instruction_file(task: str) -> str:
    """Path of ``task``'s instruction file inside the pack's data folder."""
    return f"instructions/{task}_lite.jsonl"


def messages(instruction: str, shot: str, demos: str = "") -> tuple[dict[str, str], ...]:
    """Upstream's API-model messages: system text plus ``Instruction: …\\nResponse:`` (zero-shot)
    or the five demos followed by ``\\n6.Instruction: …\\nResponse:`` (few-shot)."""
    if shot == "few":
        return ({"role": "system", "content": SYSTEM_FEW},
                {"role": "user", "content": f"{demos}\n6.Instruction: {instruction}\nResponse:"})
    return ({"role": "system", "content": SYSTEM_ZERO}, {"role": "user", "content": f"Instruction: {instruction}\nResponse:"})


def _keyword_constraint(row: dict[str, Any], lemmatizer: str) -> Constraint:
    params: dict[str, Any] = {"keywords": list(row["label"]), "lemmatizer": lemmatizer}
    if "anti_label" in row:
        params["anti_label"] = row["anti_label"]
    return Constraint("codi.keyword", params, {"aspect": "keyword"})


def _sentiment(label: str, res: Resolved) -> Constraint:
    kind = "sentiment" if label.endswith(" sentiment") else "emotion"
    return Constraint("codi.sentiment", {"label": label, "classifier": res.specs[kind]}, {"aspect": "sentiment"})


def row_to_parts(task: str, index: int, row: dict[str, Any], res: Resolved) -> tuple[list[Constraint], dict[str, Any]]:
    """The constraints and table metadata of row ``index`` of ``task``'s file."""
    meta: dict[str, Any] = {"task": task}
    if task == "sentiment":
        meta["label"] = row["label"]
        return [_sentiment(row["label"], res)], meta
    if task == "topic":
        meta["label"] = row["label"]
        return [Constraint("codi.topic", {"label": row["label"], "classifier": res.specs["topic"]}, {"aspect": "topic"})], meta
    if task == "multi":
        meta.update(topic=row["label1"], sentiment=row["label2"])
        topic = Constraint("codi.topic", {"label": row["label1"], "classifier": res.specs["topic"]}, {"aspect": "topic"})
        return [topic, _sentiment(row["label2"], res)], meta
    if task == "length":
        lo, hi = row["label"]
        meta["length_mode"] = row["mode"]
        return [Constraint("codi.length", {"lo": float(lo), "hi": float(hi)}, {"aspect": "length"})], meta
    if task == "keyword":
        meta["difficulty"] = "easy" if index < 500 else "hard"  # upstream's fixed split
        return [_keyword_constraint(row, res.lemmatizer)], meta
    meta["context_id"] = int(row["context_id"])
    return [Constraint("codi.toxicity", {"classifier": res.specs["toxicity"]}, {"aspect": "toxicity"})], meta


class CoDIEval(TaskPack):
    name = "codi"
    version = COMMIT[:7]
    description = "CoDI-Eval: 6 controllable-generation tasks, 9,060 prompts (classifier tasks need -T choices)"
    license = "none stated upstream (all rights reserved): data read from --data-dir or fetched, never shipped"
    source = f"github.com/Xt-cyh/CoDI-Eval @ {COMMIT[:7]} (data/instructions/*_lite.jsonl, data/few_shot/*.txt)"
    data_files = tuple(DataFile(path, sha, _RAW + path) for path, sha in _SHA.items())
    sample_tables = ("task",)
    declared_metrics = metrics.DECLARED_METRICS
    declared_tables = metrics.DECLARED_TABLES
    record_dims = ("task", "difficulty", "context_id")
    default_max_tokens = 300  # upstream max_tokens (75 for detoxic, not expressible per sample)

    def check_options(self, options: dict[str, str]) -> None:
        """Reject unknown ``-T`` options (see :mod:`evalkit.tasks.codi.options`)."""
        check(options)

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Read the instruction files of the selected tasks into samples, in file order."""
        res = resolve(options)
        samples = []
        for task in (t for t in TASKS if t in res.tasks):
            path = paths[instruction_file(task)]
            demos = paths[f"few_shot/{task}.txt"].read_text(encoding="utf-8") if res.shot == "few" else ""
            for index, (lineno, row) in enumerate(iter_jsonl(path)):
                try:
                    constraints, meta = row_to_parts(task, index, row, res)
                    msgs = messages(row["instruction"], res.shot, demos)
                except (KeyError, TypeError, ValueError) as exc:
                    raise DataError(f"{path} line {lineno}: bad {task} row ({type(exc).__name__}: {exc})") from None
                samples.append(Sample(id=f"{task}-{index}", pack=self.name, messages=msgs,
                                      constraints=tuple(constraints), meta=meta))
        return samples

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per sample: whether it was scored, passed, and its toxicity (see :mod:`.metrics`)."""
        return metrics.record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """The ``scoring`` table (backend, faithful or approximation, skipped) and breakdowns."""
        return metrics.tables(checks)


PACK = CoDIEval()
