"""A run directory on disk: ``run.json``, ``generations.jsonl``, ``checks.jsonl``, ``scores.json``.

JSONL files are append-only and flushed after every row, so a crash loses at most the line being
written; a torn last line is dropped (and cut off) when the file is read back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalkit.errors import DataError
from evalkit.records import CheckRow, GenerationRow

MANIFEST = "run.json"
GENERATIONS = "generations.jsonl"
CHECKS = "checks.jsonl"
SCORES = "scores.json"


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as pretty JSON via a temporary file and rename (never a half-written file)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class RunDir:
    """Reads and writes the files of one run directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def ensure(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)

    # manifest -----------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        """The run manifest; DataError when missing or unreadable."""
        path = self.path / MANIFEST
        if not path.is_file():
            raise DataError(f"{self.path} is not a run directory (no {MANIFEST})")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {exc.lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise DataError(f"{path}: expected a JSON object")
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json_atomic(self.path / MANIFEST, manifest)

    # generations --------------------------------------------------------------------------
    def read_generations(self) -> list[GenerationRow]:
        """All journaled generations; for a repeated (pack, sample, epoch) the last row wins."""
        rows: dict[tuple[str, str, int], GenerationRow] = {}
        for obj in _read_jsonl_tolerant(self.path / GENERATIONS):
            try:
                row = GenerationRow.model_validate(obj)
            except ValidationError as exc:
                raise DataError(f"{self.path / GENERATIONS}: bad row ({exc.errors()[0]['msg']})") from None
            rows[row.key] = row
        return list(rows.values())

    def append_generation(self, row: GenerationRow) -> None:
        _append_lines(self.path / GENERATIONS, [row.model_dump(mode="json")])

    # checks and scores --------------------------------------------------------------------
    def write_checks(self, rows: Iterable[CheckRow]) -> None:
        """Replace ``checks.jsonl`` with ``rows`` (grading is re-runnable, so it is rewritten whole)."""
        path = self.path / CHECKS
        tmp = path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row.model_dump(mode="json"), ensure_ascii=False) + "\n")
        os.replace(tmp, path)

    def read_checks(self) -> list[CheckRow]:
        return [CheckRow.model_validate(o) for o in _read_jsonl_tolerant(self.path / CHECKS)]

    def write_scores(self, scores: dict[str, Any]) -> None:
        write_json_atomic(self.path / SCORES, scores)

    def read_scores(self) -> dict[str, Any]:
        path = self.path / SCORES
        if not path.is_file():
            raise DataError(f"{self.path} has no {SCORES}; run `evalkit score {self.path}` first")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data


def _append_lines(path: Path, objs: list[dict[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        for obj in objs:
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
        fh.flush()


def _read_jsonl_tolerant(path: Path) -> list[Any]:
    """Rows of a JSONL file; a torn final line (no newline, from a crash) is cut off the file."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as fh:
            fh.truncate(cut)
        data = data[:cut]
    out = []
    for lineno, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {lineno}: invalid JSON ({exc.msg})") from None
    return out
