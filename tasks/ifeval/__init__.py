"""IFEval: 541 prompts with 834 verifiable instructions (25 types), scored as upstream.

Data: google-research ``instruction_following_eval/data/input_data.jsonl`` (current wording;
key 2785 asks for "at least 3 placeholders"). Each instruction becomes a constraint
``ifeval.<instruction id>`` whose parameters are its upstream kwargs (``None`` values, as in the
HF copy, dropped). Modes: ``strict`` (default) and ``loose`` pick which verdict is ``passed``;
both verdicts are always kept, and the metrics ``prompt_strict`` (headline), ``inst_strict``,
``prompt_loose`` and ``inst_loose`` are always reported, with instruction-level tables per
instruction type and per group. Language identification is langdetect seeded with 0.
Responses: evalkit's ``{"id", "response"}``, or upstream's ``{"key", "response"}`` /
``{"prompt", "response"}`` JSONL (see :mod:`.responses`).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.datafiles import DataFile
from evalkit.jsonio import read_jsonl_records
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.tasks.ifeval.metrics import (
    DECLARED_METRICS,
    DECLARED_TABLES,
    ifeval_tables,
    mode_of,
    record_values,
)
from evalkit.tasks.ifeval.responses import parse_upstream
from evalkit.types import Constraint, Sample
from evalkit.verifiers.ifeval._text import LANGDETECT_SEED

INPUT_FILE = DataFile(
    path="input_data.jsonl",
    sha256="67ffeee0fcb87c317c5b08a2de85557b4a7e96ada6178aa645b4954fe4b53d49",
    url="https://raw.githubusercontent.com/josejg/instruction_following_eval/"
    "0c495b2f95155e8b10acb919ae283bfb4d5be6e2/instruction_following_eval/data/input_data.jsonl",
)


def to_sample(record: Any, pack: str = "ifeval") -> Sample:
    """One ``input_data.jsonl`` record as a Sample; ValueError when its fields are malformed."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    key, prompt = record.get("key"), record.get("prompt")
    ids, kwargs = record.get("instruction_id_list"), record.get("kwargs")
    if not isinstance(key, int) or not isinstance(prompt, str):
        raise ValueError("needs an integer 'key' and a string 'prompt'")
    if not isinstance(ids, list) or not isinstance(kwargs, list) or len(ids) != len(kwargs):
        raise ValueError("'instruction_id_list' and 'kwargs' must be lists of the same length")
    constraints = []
    for iid, kw in zip(ids, kwargs, strict=True):
        if not isinstance(iid, str) or ":" not in iid or not isinstance(kw, dict):
            raise ValueError(f"bad instruction {iid!r} / kwargs {kw!r}")
        params = {k: v for k, v in kw.items() if v is not None}
        constraints.append(Constraint(checker=f"ifeval.{iid}", params=params,
                                      dimensions={"instruction": iid, "group": iid.split(":", 1)[0]}))
    return Sample(id=str(key), pack=pack, messages=({"role": "user", "content": prompt},),
                  constraints=tuple(constraints), meta={"n_instructions": str(len(constraints))})


class IFEval(TaskPack):
    name = "ifeval"
    version = "google-research@0c495b2"
    description = "IFEval: 541 prompts, 834 verifiable instructions of 25 types; strict and loose"
    license = "Apache-2.0 (google-research instruction_following_eval)"
    source = ("github.com/google-research/google-research instruction_following_eval "
              "(input_data.jsonl; byte-identical in josejg/instruction_following_eval @ 0c495b2); HF google/IFEval")
    data_files = (INPUT_FILE,)
    modes = ("strict", "loose")
    sample_tables = ("n_instructions",)
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    default_max_tokens = 1280  # lm-eval's max_gen_toks

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse ``input_data.jsonl`` (one upstream record per line)."""
        return read_jsonl_records(paths[INPUT_FILE.path], lambda record: to_sample(record, self.name))

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per unit: prompt- and instruction-level verdicts, strict and loose (both modes always)."""
        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """Instruction-level tables per instruction type and per group."""
        return ifeval_tables(checks, mode_of(checks))

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream ``{"key"|"prompt", "response"}`` JSONL (see :mod:`.responses`); None otherwise."""
        return parse_upstream(path, samples)

    def info(self) -> dict[str, Any]:
        """Pack metadata plus the language-identification settings that affect verdicts."""
        try:
            version: str | None = importlib.metadata.version("langdetect")
        except importlib.metadata.PackageNotFoundError:
            version = None
        return {**super().info(), "langdetect_seed": LANGDETECT_SEED, "langdetect_version": version}


PACK = IFEval()
