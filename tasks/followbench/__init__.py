"""FollowBench (English): 820 multi-level instructions, rule-checked or LLM-judged, HSR/SSR/CSL.

Six files (content, situation, style, format, example, mixed); a group is a run of rows with the
same ``example_id`` in one file, level 0 (the initial instruction, not evaluated) up to level 5,
each level adding one constraint. Sample id: ``<file category>/<example_id>/<level>``.

Checked by rule (``verifiers.followbench``): the 13 upstream rule sources, format rows with
example id 22 or 30, and the whole example category — one check per instruction. Every other
instruction is judged (``verifiers.followbench_judge``): one judge call per instruction, one
check per added constraint. Metrics in ``tasks.followbench.metrics``. Modes: ``compat``
(upstream, quirks kept) and ``strict`` (DOTALL example templates; unparseable verdicts
re-asked, then left out of the rates).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from evalkit.datafiles import DataFile
from evalkit.errors import DataError
from evalkit.jsonio import iter_jsonl, read_json_records
from evalkit.packs import TaskPack
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


def constraints_for(kind: str, row: RawRow) -> tuple[tuple[Constraint, ...], str]:
    """The row's constraints and method (``rule`` / ``judge``), chosen as upstream does."""
    if kind == "example":
        return (Constraint("followbench.example_template", {"template": row.target}),), "rule"
    if row.source in RULE_SOURCES:
        return (Constraint("followbench.rule", {"source": row.source, "level": row.level, "target": row.target}),), "rule"
    if row.category == "format" and row.example_id in (22, 30):
        return (Constraint("followbench.format_rule", {"example_id": row.example_id, "level": row.level}),), "rule"
    return tuple(Constraint("followbench.judge", {"index": i, "level": row.level}, {"added": str(i + 1)})
                 for i in range(row.level)), "judge"


def file_samples(kind: str, rows: list[RawRow], pack: str = "followbench") -> list[Sample]:
    """Samples of one file: level > 0 rows; the evolution path of a row is upstream's — the
    instructions of the run of consecutive rows with its ``example_id``, up to itself."""
    out: list[Sample] = []
    evolution: list[str] = []
    previous: int | None = None
    for row in rows:
        evolution = [*evolution, row.instruction] if row.example_id == previous else [row.instruction]
        previous = row.example_id
        if row.level <= 0:
            continue
        constraints, method = constraints_for(kind, row)
        out.append(Sample(
            id=f"{kind}/{row.example_id}/{row.level}", pack=pack,
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
    description = "FollowBench (English): 820 instructions, levels 1–5, 350 rule-checked + 470 LLM-judged; HSR/SSR/CSL"
    license = "Apache-2.0 (repo); instructions from many public datasets, each with its own terms"
    source = f"github.com/YJiangcm/FollowBench @ {COMMIT[:7]} (data/*_constraints.json); HF YuxinJiang/FollowBench"
    data_files = tuple(FILES.values())
    modes = ("compat", "strict")
    sample_tables = ("category", "level", "method")
    constraint_tables = ("added",)
    headline = "HSR"
    default_max_tokens = 2048

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Every level > 0 instruction of the six English files, file by file in upstream order."""
        samples: list[Sample] = []
        for kind, file in FILES.items():
            samples.extend(file_samples(kind, read_rows(paths[file.path]), self.name))
        return samples

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream ``api_output`` JSONL (``{"prompt": instruction, "choices": [{"message":
        {"content": …}}]}``), matched by exact instruction text as upstream (first sample wins)."""
        first = _first_object(path)
        if first is None or "prompt" not in first or "choices" not in first:
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
            sid = by_text.get(str(obj.get("prompt")))
            if sid is not None:
                pairs.append((sid, str(text)))
        return pairs

    def pack_metrics(self, checks: Sequence[CheckRow]) -> dict[str, float | None]:
        """HSR / SSR overall, per level and category; CSL / 5; upstream's level-weighted scores."""
        return metrics.metrics(checks)

    def pack_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
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
