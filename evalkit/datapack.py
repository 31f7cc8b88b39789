"""Data-only packs: prompts and constraints as plain JSONL, no Python.

``evalkit run --pack PATH`` where PATH is a ``.jsonl`` file, or a folder holding ``pack.json``
and ``samples.jsonl``. One sample per line::

    {"id": "q1", "prompt": "…" | "messages": [{"role": "user", "content": "…"}],
     "constraints": [{"checker": "<id from evalkit list checkers>", "params": {…},
                      "dimensions": {"category": "…"}}],
     "meta": {"level": "I", …}, "reference": …}

``pack.json`` names the pack, its version, and which ``meta`` keys are tables (``tables``);
optional ``group_tables`` / ``constraint_tables`` name constraint ``dimensions``. A bare
``.jsonl`` file uses every scalar ``meta`` key as a table. Every line is checked when the pack
loads: unknown fields or checkers, params a checker does not take, duplicate ids — each is one
error naming the file, the line and, where one is close, a "did you mean".
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evalkit.checking import build_checker
from evalkit.datafiles import sha256_of
from evalkit.errors import DataError, EvalkitError
from evalkit.jsonio import decode_utf8
from evalkit.packs import TaskPack
from evalkit.types import Constraint, Sample

SAMPLES = "samples.jsonl"
HEADER = "pack.json"


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    content: str


class ConstraintSpec(BaseModel):
    """One constraint of a data-only sample: a checker id, its params, optional table dimensions."""

    model_config = ConfigDict(extra="forbid")
    checker: str
    params: dict[str, Any] = Field(default_factory=dict)
    dimensions: dict[str, str] = Field(default_factory=dict)


class SampleSpec(BaseModel):
    """One line of a data-only pack: ``prompt`` or ``messages``, constraints, meta, reference."""

    model_config = ConfigDict(extra="forbid")
    id: str | int
    prompt: str | None = None
    messages: list[_Message] | None = None
    constraints: list[ConstraintSpec]
    meta: dict[str, Any] = Field(default_factory=dict)
    reference: Any = None

    @model_validator(mode="after")
    def _one_prompt(self) -> SampleSpec:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give exactly one of 'prompt' and 'messages'")
        if self.messages is not None and not self.messages:
            raise ValueError("'messages' is empty")
        return self


class PackHeader(BaseModel):
    """``pack.json``: the pack's name, version, tables and (for generated packs) its generator."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: str = "1"
    description: str = ""
    license: str = ""
    tables: list[str] = Field(default_factory=list)
    group_tables: list[str] = Field(default_factory=list)
    constraint_tables: list[str] = Field(default_factory=list)
    default_max_tokens: int = Field(default=1024, ge=1)
    generator: dict[str, Any] | None = None


def _validation_message(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first pydantic error as one phrase, with a "did you mean" for an unknown field."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        names = _field_names(model, err["loc"])
        close = difflib.get_close_matches(str(err["loc"][-1]), names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(names)})"
        return f"unknown field {loc!r}{hint}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    if "constraints" in loc:
        return list(ConstraintSpec.model_fields)
    if "messages" in loc:
        return list(_Message.model_fields)
    return list(model.model_fields)


def read_header(path: Path) -> PackHeader:
    """Parse ``pack.json``; DataError naming the file on any problem."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return PackHeader.model_validate(raw)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except ValidationError as exc:
        raise DataError(f"{path}: {_validation_message(exc, PackHeader)}") from None


def _check_constraints(spec: SampleSpec) -> None:
    for i, c in enumerate(spec.constraints):
        try:
            build_checker(c.checker, c.params)
        except EvalkitError as exc:
            raise EvalkitError(f"constraint {i}: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise EvalkitError(f"constraint {i}: checker {c.checker!r}: {exc}") from None


def _to_sample(spec: SampleSpec, pack: str) -> Sample:
    if spec.messages is not None:
        messages = tuple({"role": m.role, "content": m.content} for m in spec.messages)
    else:
        messages = ({"role": "user", "content": str(spec.prompt)},)
    constraints = tuple(Constraint(c.checker, dict(c.params), dict(c.dimensions)) for c in spec.constraints)
    return Sample(id=str(spec.id), pack=pack, messages=messages, constraints=constraints,
                  reference=spec.reference, meta=dict(spec.meta))


def _parse_line(path: Path, lineno: int, line: str, pack: str) -> Sample:
    try:
        spec = SampleSpec.model_validate(json.loads(line))
        _check_constraints(spec)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} line {lineno}: invalid JSON: {exc.msg}") from None
    except ValidationError as exc:
        raise DataError(f"{path} line {lineno}: {_validation_message(exc, SampleSpec)}") from None
    except EvalkitError as exc:
        raise DataError(f"{path} line {lineno}: {exc}") from None
    return _to_sample(spec, pack)


def _read_text(path: Path) -> str:
    """The text of ``path``; DataError naming the file (and the line of a byte that is not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    return decode_utf8(data, path)


def read_samples(path: Path, pack: str) -> list[Sample]:
    """Every sample of a JSONL file (blank lines skipped), each line validated in full."""
    text = _read_text(path)
    samples: list[Sample] = []
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        sample = _parse_line(path, lineno, line, pack)
        if sample.id in first_line:
            raise DataError(f"{path} line {lineno}: duplicate id {sample.id!r} (first on line {first_line[sample.id]})")
        first_line[sample.id] = lineno
        samples.append(sample)
    if not samples:
        raise DataError(f"{path}: no samples")
    return samples


class DataPack(TaskPack):
    """A pack read from a data-only folder or ``.jsonl`` file (see the module docstring)."""

    modes: ClassVar[tuple[str, ...]] = ("compat", "strict")
    samples_path: ClassVar[Path] = Path()
    header_path: ClassVar[Path | None] = None
    title: ClassVar[str] = ""
    generator: ClassVar[dict[str, Any] | None] = None

    def load(self, data_dir: Path | None = None, options: dict[str, str] | None = None) -> list[Sample]:
        """Read and validate every sample (``data_dir`` does not apply)."""
        self.check_options(dict(options or {}))
        return read_samples(self.samples_path, self.name)

    def data_hashes(self, data_dir: Path | None = None) -> dict[str, str]:
        """sha256 of ``samples.jsonl`` (and ``pack.json``)."""
        files = [self.samples_path] + ([self.header_path] if self.header_path else [])
        return {p.name: sha256_of(p) for p in files}

    def info(self) -> dict[str, Any]:
        """The base info plus the pack's own title and, for a generated pack, its generator."""
        out = super().info()
        out["title"] = self.title
        if self.generator is not None:
            out["generator"] = self.generator
        return out


def is_data_pack(spec: str) -> bool:
    """True when ``spec`` names a data-only pack: ends in ``.jsonl``, is a path (has a ``/``) or is
    a folder holding ``pack.json``."""
    return spec.endswith(".jsonl") or "/" in spec or os.sep in spec or (Path(spec) / HEADER).is_file()


def _scalar_meta_keys(path: Path) -> list[str]:
    keys: dict[str, None] = {}
    for line in _read_text(path).splitlines()[:1000]:
        try:
            meta = json.loads(line).get("meta") or {}
        except (json.JSONDecodeError, AttributeError):
            continue
        keys.update({k: None for k, v in meta.items() if isinstance(v, str | int | bool)})
    return list(keys)


def data_pack(path: Path, name: str) -> DataPack:
    """The data-only pack stored at ``path`` (a folder or a ``.jsonl`` file), called ``name``;
    EvalkitError when the path holds no such pack."""
    header_path: Path | None = None
    if path.is_dir():
        header_path, samples = path / HEADER, path / SAMPLES
        if not header_path.is_file() or not samples.is_file():
            raise EvalkitError(f"{path}: a data-only pack folder needs {HEADER} and {SAMPLES}")
        header = read_header(header_path)
    elif path.is_file():
        samples = path
        header = PackHeader(name=path.stem, tables=_scalar_meta_keys(path))
    else:
        raise EvalkitError(f"data-only pack {str(path)!r} not found (a .jsonl file or a folder with {HEADER})")
    attrs = {"name": name, "version": header.version, "title": header.name, "license": header.license,
             "description": header.description or f"data-only pack {header.name}", "source": str(path),
             "sample_tables": tuple(header.tables), "group_tables": tuple(header.group_tables),
             "constraint_tables": tuple(header.constraint_tables),
             "default_max_tokens": header.default_max_tokens, "samples_path": samples,
             "header_path": header_path, "generator": header.generator}
    return type("DataPack", (DataPack,), attrs)()  # type: ignore[no-any-return]


def load_data_pack(spec: str) -> DataPack:
    """The data-only pack at the path ``spec``, named ``spec`` as given (so a run directory can
    load it again by the name it records)."""
    return data_pack(Path(spec), spec)
