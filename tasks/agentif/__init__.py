"""AgentIF: 707 agentic instructions (long system prompts, tool specs), ~8.4k constraints checked
by code, LLM-judge and hybrid chains, some conditional (``verifiers.agentif``).

Data: ``eval.json`` (GitHub ``data/eval.json`` layout or the HF ``THU-KEG/AgentIF`` layout), read
from ``--data-dir``/``agentif/`` or downloaded from GitHub at the pinned commit. The data licence
is unclear (treated as CC BY-NC 4.0): it is never shipped. The file is pinned by its git blob id
(``git hash-object eval.json``); a copy that differs is used with a warning naming both hashes.

Dataset code (``check_following`` snippets) runs only in :mod:`evalkit.sandbox`, under
bubblewrap. Where no isolation layer works the pack refuses to load unless ``-T
unsafe_dataset_code=allow`` (the snippets then run with resource limits only). Metrics: CSR (pooled over scored constraints) and ISR (instances whose
scored constraints all pass), per constraint dimension (vanilla / condition / example) and type
(formatting / semantic / tool; a list-typed constraint counts in each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evalkit.datafiles import DataFile
from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import read_json, read_json_records
from evalkit.packs import TaskPack
from evalkit.records import CheckRow
from evalkit.tasks.agentif.metrics import DECLARED_METRICS, DECLARED_TABLES
from evalkit.types import Constraint, Sample

DATA = DataFile(  # pinned by git blob id below (the sha256 is recorded in each run's manifest)
    path="eval.json",
    url="https://raw.githubusercontent.com/THU-KEG/AgentIF/e00af1b61ff2c5ae2e9dc7ce03a08304ddf5ce40/data/eval.json",
)
GIT_BLOB = "fc8df4e45cdbac29e88e71eb32fc307a655e3b3d"  # data/eval.json at e00af1b
UNSAFE_OPTION = "unsafe_dataset_code"
DIMENSIONS = {"unconditional": "vanilla", "conditional": "condition", "example_driven": "example"}
TYPES = {"formatting": "formatting", "semantic": "semantic", "resource": "tool"}
STEP_TYPES = ("code", "llm", "llm_conditional_check")


def sample_id(row: dict[str, Any]) -> str:
    """The HF ``id``, else ``domain:query_id:turn_id:prompt_type`` (GitHub layout)."""
    if row.get("id"):
        return str(row["id"])
    return ":".join(str(row.get(k, "")) for k in ("domain", "query_id", "turn_id", "prompt_type"))


def _types(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [TYPES.get(str(v), str(v)) for v in values]


def _constraint(c: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, str]]:
    steps = []
    for step in c.get("evaluation") or []:
        if step.get("type") not in STEP_TYPES or not isinstance(step.get("exec"), str):
            raise DataError(f"{where}: bad evaluation step {str(step)[:80]!r}")
        steps.append({"type": step["type"], "exec": step["exec"]})
    ref = {"steps": steps, "prescored": "score" in c, "score": c.get("score")}
    dims = {"dimension": DIMENSIONS.get(str(c.get("dimension")), str(c.get("dimension"))),
            "type": ",".join(_types(c.get("type"))), "is_meta": str(bool(c.get("is_meta"))).lower()}
    return ref, dims


def to_sample(row: dict[str, Any], pack: str = "agentif") -> Sample:
    """One instance as a Sample: one ``agentif.constraint`` per constraint, steps in the reference."""
    sid = sample_id(row)
    messages = tuple({"role": str(m["role"]), "content": str(m["content"])} for m in row["input"])
    refs, constraints = [], []
    for i, c in enumerate(row["constraints"]):
        ref, dims = _constraint(c, f"instance {sid} constraint {i}")
        refs.append(ref)
        constraints.append(Constraint("agentif.constraint", {"index": i}, dims))
    return Sample(id=sid, pack=pack, messages=messages, constraints=tuple(constraints),
                  reference={"constraints": refs}, meta={"domain": str(row.get("domain", sid.split(":")[1] if
                                                                               sid.startswith("agentif:") else ""))})


def git_blob_id(path: Path) -> str:
    """``git hash-object`` of a file: sha1 of ``blob <size>\0`` followed by its bytes."""
    import hashlib

    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's content id


def check_pin(path: Path) -> None:
    """Warn (stderr) when ``path`` is not upstream's pinned file, naming both hashes."""
    import sys

    from evalkit.datafiles import sha256_of

    got = git_blob_id(path)
    if got != GIT_BLOB:
        print(f"warning: {path} is not the pinned AgentIF data (git blob {got}, sha256 {sha256_of(path)}; "
              f"pinned git blob {GIT_BLOB}); its dataset code runs as given", file=sys.stderr)


def code_permission(options: dict[str, str]) -> bool:
    """Whether snippets may run unisolated; EvalkitError when no isolation layer works and the
    user did not allow that."""
    from evalkit.sandbox import refusal

    allowed = options.get(UNSAFE_OPTION, "refuse") == "allow"
    refused = refusal()
    if refused and not allowed:
        raise EvalkitError(f"pack 'agentif': {refused}")
    return bool(refused) and allowed


class AgentIF(TaskPack):
    name = "agentif"
    version = "e00af1b"
    description = "AgentIF: 707 agentic instructions, code / LLM / hybrid / conditional constraint checks"
    license = "unclear (Apache-2.0 removed; HF card CC BY-NC 4.0): never shipped, downloaded at run time"
    source = "github.com/THU-KEG/AgentIF @ e00af1b (data/eval.json); HF THU-KEG/AgentIF"
    data_files = (DATA,)
    modes = ("compat", "strict")
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    default_max_tokens = 8192

    def check_options(self, options: dict[str, str]) -> None:
        """``mode`` and ``unsafe_dataset_code`` (``refuse`` or ``allow``)."""
        value = options.get(UNSAFE_OPTION, "refuse")
        if value not in ("refuse", "allow"):
            raise EvalkitError(f"pack 'agentif': {UNSAFE_OPTION}={value!r} not one of refuse, allow")
        super().check_options({k: v for k, v in options.items() if k != UNSAFE_OPTION})

    def load_samples(self, paths: dict[str, Path], options: dict[str, str]) -> list[Sample]:
        """Parse ``eval.json`` (a JSON array of instances, either layout) after checking its pin
        and that its dataset code can run isolated (or was allowed to run without)."""
        unisolated = code_permission(options)
        check_pin(paths[DATA.path])
        samples = read_json_records(paths[DATA.path], lambda row: to_sample(row, self.name), "instance")
        if unisolated:
            import sys

            print("warning: AgentIF dataset code runs WITHOUT isolation (-T unsafe_dataset_code=allow)",
                  file=sys.stderr)
            samples = [replace(s, reference={**(s.reference or {}), "unsafe_dataset_code": True}) for s in samples]
        return samples

    def info(self) -> dict[str, Any]:
        """The common fields plus ``dataset_code``: the isolation layer the snippets run under
        here (``"none"`` and why, when they run unisolated by ``-T unsafe_dataset_code=allow``)
        and their limits."""
        from evalkit.sandbox import describe
        from evalkit.verifiers.agentif import LIMITS

        return {**super().info(), "dataset_code": describe(LIMITS)}

    def parse_responses(self, path: Path, samples: Sequence[Sample]) -> list[tuple[str, str]] | None:
        """Upstream prediction files: a JSON array of instances with ``output.content``."""
        if path.suffix != ".json":
            return None
        rows = read_json(path)
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("output"), dict) for r in rows):
            return None
        return [(sample_id(r), str(r["output"].get("content") or "")) for r in rows]

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per instance: constraints satisfied of those scored (upstream's None scores left out)."""
        from evalkit.tasks.agentif.metrics import record_values

        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """CSR per constraint dimension and per type, and the outcome counts."""
        from evalkit.tasks.agentif.metrics import outcome_table, tables

        return {**tables(checks), "outcomes": outcome_table(checks)}


PACK = AgentIF()
