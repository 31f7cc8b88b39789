"""KITAB: book-list retrieval under constraints (microsoft/kitab), scored as eureka's KitabMetric.

One sample per query; its single constraint, ``kitab.query``, returns upstream's per-query
satisfied / unsatisfied / not-from-author rates, completeness and all-correct. Options (``-T``):
``subset`` (``one-book`` default, ``two-book``), ``prompt`` (``no-context`` default,
``with-context``, ``self-context``), ``entities`` (``offline`` approximation default, ``azure`` as
upstream), ``source`` (``auto``: local files if present else the hub; ``local``; ``hub``),
``revision`` (hub revision, default ``main``), ``mode`` (``compat`` default, ``strict``).

Local files: ``<data dir>/kitab/[data/]KITAB-ONE-BOOK-CONSTRAINTS.json[l]`` (JSON lines or a JSON
array in the dataset's schema), optional ``gpt_4_name_data_processed.csv`` (the GPT-4 human-name
title list upstream downloads) and ``cities1000.txt`` (GeoNames, for the offline checker).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalkit.datafiles import sha256_of
from evalkit.errors import DataError, EvalkitError
from evalkit.packs import TaskPack, validate_samples
from evalkit.records import CheckRow
from evalkit.tasks.kitab.metrics import (
    DECLARED_METRICS,
    DECLARED_TABLES,
    kitab_tables,
    record_values,
)
from evalkit.tasks.kitab.prompts import TEMPLATES, render
from evalkit.types import Constraint, Sample
from evalkit.verifiers.kitab_entities import entity_checker_names

HF_DATASET = "microsoft/kitab"
SUBSETS = {"one-book": ("one-book-constraints", "KITAB-ONE-BOOK-CONSTRAINTS"),
           "two-book": ("two-book-constraints", "KITAB-TWO-BOOK-CONSTRAINTS")}
NAMES_FILES = ("gpt_4_name_data_processed.csv", "code/utils/gpt_4_name_data_processed.csv")
CITIES_FILES = ("cities1000.txt",)
OPTIONS = {"mode", "subset", "prompt", "entities", "source", "revision"}


class KitabRow(BaseModel):
    """One row of the one-/two-book constraint files (fields read by the scorer; others kept)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    author: str = Field(alias="Author")
    birth_year: int | float | str | None = Field(default=None, alias="Birth Year")
    sitelinks: int | float | None = Field(default=None, alias="# of sitelinks")
    constraint_type: str
    constraints: str
    all_books: str
    mapped_books: str
    raw_books: str


def _literal_list(text: str, what: str) -> list[str]:
    value = ast.literal_eval(text)
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list literal")
    return [str(v) for v in value]


def _bin(value: float | None, edges: Sequence[float], labels: Sequence[str]) -> str:
    if value is None:
        return "n/a"
    for edge, label in zip(edges, labels, strict=False):
        if value < edge:
            return label
    return labels[-1]


POPULARITY = ((10, 20, 40, 80), ("0-9", "10-19", "20-39", "40-79", "80+"))
CONSTRAINEDNESS = ((0.25, 0.5, 0.75), ("0-0.25", "0.25-0.5", "0.5-0.75", "0.75-1"))


def to_sample(row: KitabRow, index: int, subset: str, options: dict[str, str], files: dict[str, str]) -> Sample:
    """One query as a Sample (id ``<subset>-<row index>``); list fields parsed with literal_eval."""
    all_books = _literal_list(row.all_books, "all_books")
    mapped = _literal_list(row.mapped_books, "mapped_books")
    raw = _literal_list(row.raw_books, "raw_books")
    prompt = options.get("prompt", "no-context")
    kappa = 1 - len(mapped) / len(all_books) if all_books else None
    params = {"constraints": row.constraints, "constraint_type": row.constraint_type,
              "entities": options.get("entities", "offline"), **files}
    return Sample(
        id=f"{subset}-{index}", pack="kitab",
        messages=({"role": "user", "content": render(prompt, row.author, row.birth_year, row.constraints, all_books)},),
        constraints=(Constraint("kitab.query", params, {"constraint_type": row.constraint_type}),),
        reference={"all_books": all_books, "mapped_books": mapped, "raw_books": raw},
        meta={"constraint_type": row.constraint_type, "subset": subset, "prompt": prompt, "author": row.author,
              "popularity": _bin(float(row.sitelinks) if row.sitelinks is not None else None, *POPULARITY),
              "constrainedness": _bin(kappa, *CONSTRAINEDNESS)},
    )


def _roots(data_dir: Path | None) -> list[Path]:
    env = os.environ.get("EVALKIT_DATA_DIR")
    return [r / "kitab" for r in (data_dir, Path(env) if env else None) if r is not None]


def _find(data_dir: Path | None, names: Sequence[str]) -> Path | None:
    for root in _roots(data_dir):
        for name in names:
            if (root / name).is_file():
                return root / name
    return None


def _local_names(subset: str) -> list[str]:
    stem = SUBSETS[subset][1]
    return [f"{prefix}{stem}{ext}" for prefix in ("", "data/") for ext in (".json", ".jsonl")]


def read_local(path: Path) -> list[dict[str, Any]]:
    """Rows of a local constraint file: a JSON array or JSON lines (DataError names file and line)."""
    from evalkit.jsonio import iter_jsonl, read_json

    with path.open(encoding="utf-8") as fh:
        head = fh.read(4096).lstrip()
    rows = read_json(path) if head.startswith("[") else [obj for _, obj in iter_jsonl(path)]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(f"{path}: expected KITAB rows (JSON objects)")
    return rows


def read_hub(subset: str, revision: str) -> list[dict[str, Any]]:
    """Rows of ``microsoft/kitab`` from the Hugging Face hub (needs the ``data`` extra)."""
    try:
        import datasets
    except ImportError:
        raise EvalkitError("loading KITAB from the hub needs `datasets`: pip install 'evalkit-if[data]' "
                           "(or put the files under <data dir>/kitab/)") from None
    config = SUBSETS[subset][0]
    try:
        ds = datasets.load_dataset(HF_DATASET, config, split="test", revision=revision)
    except ValueError:  # older revisions call the split "train"
        ds = datasets.load_dataset(HF_DATASET, config, split="train", revision=revision)
    return [dict(r) for r in ds]


class Kitab(TaskPack):
    name = "kitab"
    version = "eureka-2ff37bd"
    description = "KITAB constrained book-list retrieval (one-/two-book constraints; no/with/self context)"
    license = "data MIT per the HF card (code CDLA-Permissive-2.0); downloaded at run time, not redistributed"
    source = "huggingface.co/datasets/microsoft/kitab; scorer: microsoft/eureka-ml-insights @ 2ff37bd kitab_metrics.py"
    modes = ("compat", "strict")
    declared_metrics = DECLARED_METRICS
    declared_tables = DECLARED_TABLES
    record_dims = ("constraint_type", "popularity", "constrainedness")
    default_max_tokens = 4096
    defaults: ClassVar[dict[str, str]] = {"subset": "one-book", "prompt": "no-context", "entities": "offline",
                                          "source": "auto", "revision": "main"}

    def check_options(self, options: dict[str, str]) -> None:
        """Reject unknown ``-T`` keys and values (see the module docstring for the options)."""
        for key in options:
            if key not in OPTIONS:
                raise EvalkitError(f"pack 'kitab' has no option {key!r} (known: {', '.join(sorted(OPTIONS))})")
        allowed = {"mode": self.modes, "subset": tuple(SUBSETS), "prompt": tuple(TEMPLATES),
                   "entities": tuple(entity_checker_names()), "source": ("auto", "local", "hub")}
        for key, values in allowed.items():
            value = options.get(key, self.defaults.get(key, self.modes[0]))
            if value not in values:
                raise EvalkitError(f"pack 'kitab': {key}={value!r} is not one of {', '.join(values)}")

    def _source(self, data_dir: Path | None, options: dict[str, str]) -> Path | None:
        subset, source = options.get("subset", "one-book"), options.get("source", "auto")
        local = None if source == "hub" else _find(data_dir, _local_names(subset))
        if local is None and source == "local":
            looked = ", ".join(str(r / n) for r in _roots(data_dir) for n in _local_names(subset)) or "no data dir given"
            raise DataError(f"kitab {subset} file not found (looked in {looked})")
        return local

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """Read the queries of ``subset`` (local files first unless ``source=hub``) as samples."""
        options = dict(options or {})
        self.check_options(options)
        subset = options.get("subset", "one-book")
        local = self._source(data_dir, options)
        rows = read_local(local) if local else read_hub(subset, options.get("revision", "main"))
        files = {}
        for key, names in (("names_file", NAMES_FILES), ("cities_file", CITIES_FILES)):
            found = _find(data_dir, names)
            if found is not None:
                files[key] = str(found.resolve())
        samples = []
        where = str(local) if local else f"{HF_DATASET} {subset}"
        for i, raw in enumerate(rows):
            try:
                samples.append(to_sample(KitabRow.model_validate(raw), i, subset, options, files))
            except (ValidationError, ValueError, SyntaxError) as exc:
                raise DataError(f"{where}: row #{i}: {str(exc).splitlines()[0]}") from None
        validate_samples(samples)
        return samples

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of every local KITAB file found, keyed by its name under the ``kitab/`` data
        folder (so copies of the same files in two folders hash the same; the hub revision is in
        the run's options)."""
        names = [n for s in SUBSETS for n in _local_names(s)] + [*NAMES_FILES, *CITIES_FILES]
        return {n: sha256_of(p) for n in names if (p := _find(data_dir, [n])) is not None}

    def record_values(self, checks: Sequence[CheckRow]) -> dict[tuple[str, int], dict[str, Any]]:
        """Per query: whether it was scored and its five upstream figures."""
        return record_values(checks)

    def compute_tables(self, checks: Sequence[CheckRow]) -> dict[str, list[dict[str, Any]]]:
        """Per constraint type, popularity and constrainedness bin; which types were approximated."""
        return kitab_tables(checks)


PACK = Kitab()
