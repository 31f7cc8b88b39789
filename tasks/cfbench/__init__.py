"""CFBench: 1,000 Chinese prompts with judge checklists (easy / hard), scored as upstream.

Each sample's checklist items (primary 主需 / secondary 次需, with a constraint type and
subtype) are scored 0/1 by one LLM-judge call per sample (``verifiers.cfbench``); CSR, ISR and
PSR are computed per sample and averaged per split (``tasks.cfbench.metrics``). Upstream output
files (``output/judge/*_eval.json``) can be graded directly: their responses are read by
``parse_responses`` and their stored judge texts imported as judgements.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from evalkit.datafiles import DataFile
from evalkit.jsonio import read_json, read_json_records
from evalkit.judging import JudgementRow
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.tasks.cfbench.metrics import (
    DECLARED_METRICS,
    DECLARED_TABLES,
    parse_flags,
    per_sample,
    record_values,
    table,
)
from evalkit.types import Constraint, Sample
from evalkit.verifiers.cfbench import GROUP

DATA = DataFile(
    path="cfbench_data.json",
    sha256="f28bfe94420ff61063183712179988718c6caedcdd3d0635cc6d0383289796fc",
    url="https://raw.githubusercontent.com/PKU-Baichuan-MLSystemLab/CFBench/"
    "0bcbf9b0bcf21113a9813f86ed51a2135b328e41/data/cfbench_data.json",
)
UPSTREAM_JUDGE = "upstream:gpt-4o"  # the judge recorded for imported upstream verdicts


class RawSample(BaseModel):
    """One record of ``data/cfbench_data.json``."""

    model_config = ConfigDict(extra="forbid")
    idx: int
    prompt: str
    isanswer: str
    gold: str
    doamin: str  # sic
    scenario: str
    source: str
    split: str
    criteria: list[tuple[str, str, str, str]]


def to_sample(raw: RawSample, pack: str = "cfbench") -> Sample:
    """One upstream record as a Sample: one judge constraint per checklist item."""
    constraints = tuple(
        Constraint("cfbench.checklist_item", {"index": i},
                   {"priority": prio, "type": kind or "(none)", "subtype": sub or "(none)"})
        for i, (_, prio, kind, sub) in enumerate(raw.criteria))
    reference = {"prompt": raw.prompt, "gold": raw.gold, "criteria": [c[0] for c in raw.criteria]}
    return Sample(id=str(raw.idx), pack=pack, messages=({"role": "user", "content": raw.prompt},),
                  constraints=constraints, reference=reference,
                  meta={"split": raw.split, "domain": raw.doamin, "source": raw.source, "scenario": raw.scenario})


def _records(path: Path) -> list[Any] | None:
    """The JSON array of an upstream output file, or None when ``path`` is not one."""
    if path.suffix != ".json":
        return None
    data = read_json(path)
    if not isinstance(data, list) or not all(isinstance(r, dict) and "idx" in r for r in data):
        return None
    return data


class CFBench(TaskPack):
    name = "cfbench"
    version = "0bcbf9b"
    description = "CFBench: 1,000 Chinese prompts, 4,237 judge-checklist items (easy/hard), CSR/ISR/PSR"
    license = "unclear: upstream has no license; data read from a user path or GitHub at run time"
    source = "github.com/PKU-Baichuan-MLSystemLab/CFBench @ 0bcbf9b (data/cfbench_data.json)"
    data_files = (DATA,)
    modes = ("compat", "strict")
    constraint_tables = ("priority", "type", "subtype")
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    record_dims = ("split", "domain", "source", "scenario")
    default_max_tokens = 4096

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse ``cfbench_data.json`` (a JSON array of upstream records)."""
        return read_json_records(paths[DATA.path],
                                 lambda record: to_sample(RawSample.model_validate(record), self.name), "sample")

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream ``*_infer.json`` / ``*_eval.json`` (JSON arrays with ``idx`` and ``response``)."""
        records = _records(path)
        if records is None:
            return None
        return [(str(r["idx"]), str(r.get("response") or "")) for r in records]

    def parse_judgements(self, path: Path, samples: Sequence[Sample]) -> list[Any] | None:
        """The ``judge_response`` texts of an upstream ``*_eval.json``, as imported judgements."""
        records = _records(path)
        if records is None:
            return None
        return [JudgementRow(pack=self.name, sample_id=str(r["idx"]), group=GROUP, judge=UPSTREAM_JUDGE, status="ok",
                             text=str(r["judge_response"]), imported=path.name)
                for r in records if isinstance(r.get("judge_response"), str)]

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per judged unit: upstream's CSR / ISR / PSR (see :mod:`.metrics`)."""
        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """CSR / ISR / PSR per split, domain, source and scenario, and samples per parse flag."""
        scores = per_sample(checks)
        tables = {d: table(scores, d) for d in ("split", "domain", "source", "scenario")}
        tables["judge_parsing"] = parse_flags(checks)
        return tables


PACK = CFBench()
