"""MulDimIF: multi-dimensional constraint following (levels I–IV), scored as upstream.

Each sample carries 1–7 natural-language constraints; each is checked by one of 12 upstream
checker classes that parse the constraint text. Headline: the share of samples whose
constraints all pass; tables per level, pattern, category (per sample and category) and type.
``-T split=train`` loads the 7,906-sample RL training split (``Data/train.json``, same record
schema) instead of the test set, e.g. for ``evalkit export-rl``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from evalkit.datafiles import DataFile, locate
from evalkit.errors import EvalkitError
from evalkit.jsonio import read_json_records
from evalkit.metrics import PASSED, Column, N, Table
from evalkit.packs import TaskPack, validate_samples
from evalkit.records import CheckRow
from evalkit.tasks.muldimif.mapping import RAW_KEYS
from evalkit.types import Constraint, Sample

LEVELS = {"Level 1": "I", "Level 2": "II", "Level 3": "III", "Level 4": "IV"}
TEST_FILE = DataFile(
    path="test.json",
    sha256="37de38b3eb8eec449f3f95dcc0bb0b4fa63a9351988a44d7b232d13348711c5b",
    url="https://raw.githubusercontent.com/Junjie-Ye/MulDimIF/"
    "efd0c02f144aefd776ac4947b073fa951acb8c63/Data/test.json",
)
# the training split: pinned by commit (git blob 53d78db1d2f688bc79b071760f14e4e30ee2d46f)
TRAIN_FILE = DataFile(
    path="train.json",
    url="https://raw.githubusercontent.com/Junjie-Ye/MulDimIF/"
    "efd0c02f144aefd776ac4947b073fa951acb8c63/Data/train.json",
)
SPLITS = {"test": TEST_FILE, "train": TRAIN_FILE}


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    content: str


class RawSample(BaseModel):
    """One record of ``Data/test.json`` or ``Data/train.json`` (exactly these five keys)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    conversations: list[_Message]
    constraints: list[tuple[str, str, str]]
    constraint_pattern: str
    difficulty: str


def to_sample(raw: RawSample, pack: str = "muldimif") -> Sample:
    """Turn one upstream record into a Sample; unknown constraint keys raise ValueError."""
    constraints = []
    for category, subtype, text in raw.constraints:
        key = f"{category}_{subtype}"
        if key not in RAW_KEYS:
            raise ValueError(f"unknown constraint key {key!r}")
        checker, canonical = RAW_KEYS[key]
        constraints.append(Constraint(
            checker=checker,
            params={"constraint": text},
            dimensions={"category": canonical.split("_", 1)[0], "type": canonical, "raw": key},
        ))
    if raw.difficulty not in LEVELS:
        raise ValueError(f"unknown difficulty {raw.difficulty!r}")
    turns, reference = list(raw.conversations), getattr(raw, "reference", None)
    if len(turns) > 1 and turns[-1].role == "assistant":  # a training record's answer: the reference
        reference = turns.pop().content
    return Sample(
        id=raw.id, pack=pack, reference=reference,
        messages=tuple({"role": m.role, "content": m.content} for m in turns),
        constraints=tuple(constraints),
        meta={"level": LEVELS[raw.difficulty], "pattern": raw.constraint_pattern},
    )


class MulDimIF(TaskPack):
    name = "muldimif"
    version = "efd0c02"
    description = "MulDimIF test set: 1,200 prompts, 4,180 code-verified constraints, levels I–IV"
    license = "data CC BY 4.0 (Junjie-Ye/MulDimIF)"
    source = "github.com/Junjie-Ye/MulDimIF @ efd0c02 (Data/test.json); HF Junjie-Ye/MulDimIF"
    data_files = (TEST_FILE,)
    modes = ("compat", "strict")
    sample_tables = ("level", "pattern")
    group_tables = ("category",)
    constraint_tables = ("type",)
    declared_tables = (Table("strict_vs_compat", "strict_vs_compat",
                             "strict mode: per checker, constraints judged the same in both modes (passed, rate) and "
                             "how compat judged those strict mode skipped",
                             (N, PASSED, Column("rate", "share judged the same way in both modes"),
                              Column("compat_passed", "skipped in strict, passed in compat", "count"),
                              Column("compat_failed", "skipped in strict, failed in compat", "count"))),)
    default_max_tokens = 8192  # the paper's max_new_tokens

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """In strict mode, ``strict_vs_compat``: per checker, how many verdicts differ from compat."""
        if any(c.status == "skipped" and c.details and "compat_passed" in c.details for c in checks):
            return {"strict_vs_compat": strict_deviations(checks)}
        return {}

    def check_options(self, options: dict[str, str]) -> None:
        """Accept ``mode`` (compat/strict) and ``split`` (test/train)."""
        for key in options:
            if key not in ("mode", "split"):
                raise EvalkitError(f"pack {self.name!r} has no option {key!r} (known: mode, split)")
        if self.mode(options) not in self.modes:
            raise EvalkitError(f"pack {self.name!r} has no mode {self.mode(options)!r} (modes: {', '.join(self.modes)})")
        if options.get("split", "test") not in SPLITS:
            raise EvalkitError(f"pack {self.name!r}: split must be one of {', '.join(SPLITS)}, not {options['split']!r}")

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """As :meth:`TaskPack.load`, locating only the file of ``-T split`` (``test.json`` by default)."""
        options = dict(options or {})
        self.check_options(options)
        file = SPLITS[options.get("split", "test")]
        self.data_files = (file,)  # type: ignore[misc]  # what data_hashes and readers see: this split's file
        samples = self.load_samples({file.path: locate(self.name, file, data_dir)}, options)
        validate_samples(samples)
        return samples

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse ``test.json`` or ``train.json`` (a JSON array of upstream records)."""
        return read_json_records(paths[SPLITS[options.get("split", "test")].path],
                                 lambda record: to_sample(RawSample.model_validate(record), self.name), "sample")


def strict_deviations(checks: Sequence[CheckRow]) -> list[dict[str, Any]]:
    """Per checker: constraints strict mode skipped (upstream's vacuous default) and how compat judged them."""
    rows: dict[str, dict[str, Any]] = {}
    for c in checks:
        row = rows.setdefault(c.checker, {"strict_vs_compat": c.checker, "n": 0, "passed": 0, "compat_passed": 0, "compat_failed": 0})
        row["n"] += 1
        compat = (c.details or {}).get("compat_passed") if c.status == "skipped" else None
        if compat is None:
            row["passed"] += 1  # same verdict in both modes
        else:
            row["compat_passed" if compat else "compat_failed"] += 1
    for row in rows.values():
        row["rate"] = row["passed"] / row["n"]  # share of constraints judged the same way in both modes
        row["ci_low"] = row["ci_high"] = None
    return sorted(rows.values(), key=lambda r: str(r["strict_vs_compat"]))


PACK = MulDimIF()
