"""FollowBench: 820 English (``-T lang=en``, default) or 790 Chinese (``-T lang=zh``) multi-level
instructions, rule-checked or LLM-judged, HSR/SSR/CSL.

Six files (content, situation, style, format, example, mixed); a group is a run of rows with the
same ``example_id`` in one file, level 0 (the initial instruction, not evaluated) up to level 5,
each level adding one constraint. Sample id: ``<file category>/<example_id>/<level>``, prefixed
``zh/`` for Chinese.

Checked by rule (``verifiers.followbench``): the 13 upstream rule sources, format rows with
example id 22 or 30, and the whole example category — one check per instruction. Every other
instruction is judged (``verifiers.followbench_judge``): one judge call per instruction, one
check per added constraint. Metrics in ``tasks.followbench.metrics``. Modes: ``compat``
(upstream, quirks kept) and ``strict`` (DOTALL example templates; unparseable verdicts
re-asked, then left out of the rates).

Chinese (upstream ``code_zh/`` on ``data_zh/``): the same 13 rule sources with the Chinese rules
(``followbench.rule_zh``), format example id 22 only (``followbench.format_rule_zh``; id 30 is
judged), the example category as in English, everything else judged with the Chinese prompt and
parser (``followbench.judge_zh``, default judge ``gpt-4``): 330 rule-checked + 460 judged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from evalkit.datafiles import DataFile, locate, sha256_of
from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import iter_jsonl, read_json_records
from evalkit.packs import TaskPack, validate_samples
from evalkit.records import CheckRow
from evalkit.tasks.followbench import metrics
from evalkit.types import Constraint, Sample
from evalkit.verifiers.followbench import RULE_SOURCES

COMMIT = "6278f4c1377b4eafab737267b8b21acd52ea0e52"
SHA256 = {
    "content": "dedf04579bf205c1422e18ee1033d0372b02196ca4b5e921a3a65dca714e226b",
    "situation": "cab0e31e3f8dd69ba71018dde3eb63f3336b8aea6df82c7997da6abcbc159fb4",
    "style": "5a9a049a24a9a53e67b4ad97f1fb7633b4629f6ce461662888804313cc90c27a",
    "format": "3b93ee931186edcb4e0a5f260de18cd550586c985192da39262fd023e90d8a76",
    "example": "205d10ecde31b974f0c1537be4952b5e075ae5ca58008dc08aef1c442c32bada",
    "mixed": "eae529546e0ef6a4a4936b6221cd25da9debaf261272409ed1fd57e8260bf820",
}
FILES = {cat: DataFile(path=f"data/{cat}_constraints.json", sha256=sha,
                       url=f"https://raw.githubusercontent.com/YJiangcm/FollowBench/{COMMIT}/data/{cat}_constraints.json")
         for cat, sha in SHA256.items()}
SHA256_ZH = {
    "content": "f0baaee245a24fe3f38e4e7bd18c44700f67557397989c46c58ab4482d46f28f",
    "situation": "2bb26ae2df58d63ccfd2b512adb0c66c33f1fe5c8a1368c3c0bc9aff5d87689c",
    "style": "7e9ee17fa2520c8187438fc0a66e63bc6831bf4e51c2ee6429b46b0bfdec6a27",
    "format": "65400edb71326ad8e69474701ab14252c4d3d2e9b8b49643716d897967d6636e",
    "example": "33a0f6f2b72b530de42907fbdde6947b70c7676ee6e78a9078ecd63bca97c437",
    "mixed": "5495223e7f93d0fccc2b63ffd951b07825b1b7c82b4a009d99efae56b312dd53",
}
FILES_ZH = {cat: DataFile(path=f"data_zh/{cat}_constraints.json", sha256=sha,
                          url=f"https://raw.githubusercontent.com/YJiangcm/FollowBench/{COMMIT}/data_zh/{cat}_constraints.json")
            for cat, sha in SHA256_ZH.items()}
LANG_FILES: dict[str, dict[str, DataFile]] = {"en": FILES, "zh": FILES_ZH}
# upstream ``code/`` vs ``code_zh/``: format example ids checked by rule, and the checker ids
FORMAT_RULE_IDS = {"en": (22, 30), "zh": (22,)}
CHECKERS = {"en": ("followbench.rule", "followbench.format_rule", "followbench.judge"),
            "zh": ("followbench.rule_zh", "followbench.format_rule_zh", "followbench.judge_zh")}


class RawRow(BaseModel):
    """One record of ``data/<category>_constraints.json``."""

    model_config = ConfigDict(extra="forbid")
    example_id: int
    category: str
    source: str
    level: int
    instruction: str
    target: str
    answer: str | None = None


def constraints_for(kind: str, row: RawRow, lang: str = "en") -> tuple[tuple[Constraint, ...], str]:
    """The row's constraints and method (``rule`` / ``judge``), chosen as upstream does for
    ``lang`` (``code/`` for en, ``code_zh/`` for zh)."""
    rule, format_rule, judge = CHECKERS[lang]
    if kind == "example":
        return (Constraint("followbench.example_template", {"template": row.target}),), "rule"
    if row.source in RULE_SOURCES:
        return (Constraint(rule, {"source": row.source, "level": row.level, "target": row.target}),), "rule"
    if row.category == "format" and row.example_id in FORMAT_RULE_IDS[lang]:
        return (Constraint(format_rule, {"example_id": row.example_id, "level": row.level}),), "rule"
    return tuple(Constraint(judge, {"index": i, "level": row.level}, {"added": str(i + 1)})
                 for i in range(row.level)), "judge"


def file_samples(kind: str, rows: list[RawRow], pack: str = "followbench", lang: str = "en") -> list[Sample]:
    """Samples of one file: level > 0 rows; the evolution path of a row is upstream's — the
    instructions of the run of consecutive rows with its ``example_id``, up to itself. Ids of
    Chinese samples start with ``zh/``."""
    prefix = "" if lang == "en" else f"{lang}/"
    out: list[Sample] = []
    evolution: list[str] = []
    previous: int | None = None
    for row in rows:
        evolution = [*evolution, row.instruction] if row.example_id == previous else [row.instruction]
        previous = row.example_id
        if row.level <= 0:
            continue
        constraints, method = constraints_for(kind, row, lang)
        out.append(Sample(
            id=f"{prefix}{kind}/{row.example_id}/{row.level}", pack=pack,
            messages=({"role": "user", "content": row.instruction},), constraints=constraints,
            reference={"kind": kind, "evolution": evolution, "target": row.target},
            meta={"category": kind, "level": row.level, "example_id": row.example_id, "source": row.source,
                  "method": method}))
    return out


def read_rows(path: Path) -> list[RawRow]:
    """The validated records of one data file."""
    return read_json_records(path, RawRow.model_validate)


class FollowBench(TaskPack):
    name = "followbench"
    version = "6278f4c"
    description = ("FollowBench: English 820 instructions, levels 1–5, 350 rule-checked + 470 LLM-judged "
                   "(-T lang=zh: Chinese 790, 330 + 460); HSR/SSR/CSL")
    license = "Apache-2.0 (repo); instructions from many public datasets, each with its own terms"
    source = (f"github.com/YJiangcm/FollowBench @ {COMMIT[:7]} (data/*_constraints.json, data_zh/ with lang=zh); "
              "HF YuxinJiang/FollowBench")
    data_files = tuple(FILES.values())
    modes = ("compat", "strict")
    sample_tables = ("category", "level", "method")
    constraint_tables = ("added",)
    declared_metrics = metrics.DECLARED_METRICS
    declared_tables = metrics.DECLARED_TABLES
    record_dims = ("category", "level", "method", "example_id")
    default_max_tokens = 2048

    def __init__(self) -> None:
        self._lang = "en"  # of the last load: which files data_hashes reports

    def check_options(self, options: dict[str, str]) -> None:
        """Accept ``mode`` (compat/strict) and ``lang`` (en/zh)."""
        for key in options:
            if key not in ("mode", "lang"):
                raise EvalkitError(f"pack {self.name!r} has no option {key!r} (known: mode, lang)")
        mode, lang = self.mode(options), options.get("lang", "en")
        if mode not in self.modes:
            raise EvalkitError(f"pack {self.name!r} has no mode {mode!r} (modes: {', '.join(self.modes)})")
        if lang not in LANG_FILES:
            raise EvalkitError(f"pack {self.name!r}: lang must be one of {', '.join(LANG_FILES)}, not {lang!r}")

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """As :meth:`TaskPack.load`, locating only the files of ``-T lang`` (``data/`` for en,
        ``data_zh/`` for zh)."""
        options = dict(options or {})
        self.check_options(options)
        self._lang = options.get("lang", "en")
        paths = {f.path: locate(self.name, f, data_dir) for f in LANG_FILES[self._lang].values()}
        samples = self.load_samples(paths, options)
        validate_samples(samples)
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of each data file of the language last loaded (English before any load)."""
        return {f.path: sha256_of(locate(self.name, f, data_dir)) for f in LANG_FILES[self._lang].values()}

    def load_samples(self, paths: Mapping[str, Path], options: dict[str, str]) -> list[Sample]:
        """Every level > 0 instruction of the six files of ``lang``, file by file in upstream order."""
        lang = options.get("lang", "en")
        samples: list[Sample] = []
        for kind, file in LANG_FILES[lang].items():
            samples.extend(file_samples(kind, read_rows(paths[file.path]), self.name, lang))
        return samples

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream ``api_output`` JSONL (``{"prompt": instruction, "choices": [{"message":
        {"content": …}}]}``; ``code_zh`` names the key ``prompt_new``), matched by exact
        instruction text as upstream (first sample wins)."""
        first = _first_object(path)
        if first is None or "choices" not in first:
            return None
        key = "prompt" if "prompt" in first else "prompt_new"
        if key not in first:
            return None
        by_text: dict[str, str] = {}
        for s in samples:
            by_text.setdefault(s.messages[-1]["content"], s.id)
        pairs = []
        for lineno, obj in iter_jsonl(path):
            try:
                text = obj["choices"][0]["message"]["content"]
            except (KeyError, IndexError, TypeError):
                raise DataError(f"{path} line {lineno}: expected choices[0].message.content") from None
            sid = by_text.get(str(obj.get(key)))
            if sid is not None:
                pairs.append((sid, str(text)))
        return pairs

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per instruction: hard and soft satisfaction (see :mod:`.metrics`)."""
        return metrics.record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """HSR and SSR per category × level, CSL per category, instruction status counts."""
        return metrics.tables(checks)


def _first_object(path: Path) -> dict[str, Any] | None:
    """The first JSON line of ``path`` when it is an object, else None."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    return None
                return obj if isinstance(obj, dict) else None
    return None


PACK = FollowBench()
