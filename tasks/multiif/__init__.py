"""Multi-IF (facebookresearch/Multi-IF @ 1cdb53e; data HF facebook/Multi-IF, CC-BY-NC-2.0).

4,501 conversations of three user turns in eight languages, built from IFEval: every turn adds
verifiable instructions, and the answer to turn k is checked against turn k's list. Each turn
is a sample (id ``<key>:turn<k>``) whose messages hold the earlier turns with the model's own
answers, filled in by the runner as they arrive (:mod:`evalkit.multiturn`). A turn the row does
not have is neither generated nor scored. Checkers ``multiif.<IFEval id>``
(:mod:`evalkit.verifiers.multiif`: language-aware counting); kwargs' nulls dropped, and a
missing argument fails at load (upstream would draw a random one).

Metrics per turn (``turn_k_overall`` for turns 1 and 3 are the headlines, as on the card):
prompt/instruction accuracy strict and loose and their mean, over all languages; the
``turn_language`` table has them per language. Upstream's bootstrap CIs are unseeded; evalkit
reports its own seeded CIs. Options: ``-T mode=strict|loose``, ``-T language=<name>`` (only
that language's conversations).
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import DataError, EvalkitError
from evalkit.multiturn import conversation
from evalkit.packs import TaskPack, validate_samples
from evalkit.records import CheckRow
from evalkit.tasks.multiif.data import (
    TURN_COUNT,
    local_file,
    read_csv,
    read_hub,
    turn_instructions,
    turn_prompt,
)
from evalkit.tasks.multiif.metrics import (
    DECLARED_METRICS,
    DECLARED_TABLES,
    record_values,
    turn_language_table,
)
from evalkit.types import Constraint, Sample

LANGUAGES = ("English", "French", "Spanish", "Portuguese", "Hindi", "Chinese", "Russian", "Italian")


def turn_id(key: str, k: int) -> str:
    """The sample id of turn ``k`` of conversation ``key``."""
    return f"{key}:turn{k}"


def conversation_samples(row: dict[str, Any], pack: str = "multiif") -> list[Sample]:
    """The samples of one conversation row, one per existing turn (ValueError when malformed)."""
    key, language = str(row.get("key", "")), str(row.get("language", ""))
    if not key:
        raise ValueError("no 'key'")
    present = [(k, text) for k in range(1, TURN_COUNT + 1) if (text := turn_prompt(row, k)) is not None]
    ids = [turn_id(key, k) for k, _ in present]
    samples = []
    for (k, _), messages, sid in zip(present, conversation([t for _, t in present], ids), ids, strict=True):
        instructions = turn_instructions(row, k) or []
        constraints = tuple(
            Constraint(checker=f"multiif.{iid}", params={a: v for a, v in kw.items() if v is not None},
                       dimensions={"instruction": iid, "category": iid.split(":", 1)[0]})
            for iid, kw in instructions)
        samples.append(Sample(id=sid, pack=pack, messages=messages, constraints=constraints,
                              meta={"turn": str(k), "language": language, "conversation": key}))
    return samples


class MultiIF(TaskPack):
    name = "multiif"
    version = "facebookresearch@1cdb53e"
    description = "Multi-IF: 4,501 three-turn conversations in 8 languages, IFEval constraints per turn"
    license = "code Apache-2.0; data CC-BY-NC-2.0 (HF facebook/Multi-IF), read at run time, never bundled"
    source = "github.com/facebookresearch/Multi-IF @ 1cdb53e; huggingface.co/datasets/facebook/Multi-IF"
    modes = ("strict", "loose")
    sample_tables = ("turn",)
    record_dims = ("turn", "language")
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    default_max_tokens = 1024  # upstream runners' max_new_tokens

    def check_options(self, options: dict[str, str]) -> None:
        """Accept ``mode`` (strict|loose) and ``language`` (one of the eight)."""
        for key, value in options.items():
            if key == "mode" and value not in self.modes:
                raise EvalkitError(f"pack 'multiif' has no mode {value!r} (modes: {', '.join(self.modes)})")
            if key == "language" and value not in LANGUAGES:
                raise EvalkitError(f"pack 'multiif': language={value!r} is not one of {', '.join(LANGUAGES)}")
            if key not in ("mode", "language"):
                raise EvalkitError(f"pack 'multiif' has no option {key!r} (known: mode, language)")

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """Samples of every turn of every conversation (local CSV first, else the hub)."""
        options = dict(options or {})
        self.check_options(options)
        path = local_file(data_dir)
        rows = read_csv(path) if path else read_hub()
        samples: list[Sample] = []
        for n, row in enumerate(rows, 1):
            if options.get("language") and row.get("language") != options["language"]:
                continue
            try:
                samples.extend(conversation_samples(row, self.name))
            except ValueError as exc:
                raise DataError(f"{path or 'facebook/Multi-IF'} row {n}: {exc}") from None
        validate_samples(samples)
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of the local CSV when one is used (the hub copy is identified by its id)."""
        from evalkit.datafiles import sha256_of

        path = local_file(data_dir)
        return {path.name: sha256_of(path)} if path else {}

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per answer: prompt- and instruction-level verdicts, strict and loose."""
        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """The per-turn, per-language table."""
        return {"turn_language": turn_language_table(checks)}

    def info(self) -> dict[str, Any]:
        """Pack metadata plus the language-identification settings that affect verdicts."""
        try:
            version: str | None = importlib.metadata.version("langdetect")
        except importlib.metadata.PackageNotFoundError:
            version = None
        return {**super().info(), "langdetect_seed": 0, "langdetect_version": version}


PACK = MultiIF()
