"""A run directory on disk: ``run.json``, ``generations.jsonl``, ``checks.jsonl``, ``scores.json``.

JSONL journals are append-only and flushed after every row, so a crash loses at most the line
being written. Readers never modify a journal: a torn last line (no newline, from a crash or a
write in progress) is skipped. Only a writer — the process holding the run's lock — cuts a torn
tail off before appending (:class:`Journal`). Whole files (manifest, checks, scores) are written
to a temporary file and renamed; the temporary file is removed when the write fails. The manifest
is redacted (:mod:`evalkit.redact`) on its way to disk.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from evalkit.errors import DataError, EvalkitError
from evalkit.records import CheckRow, GenerationRow

MANIFEST = "run.json"
GENERATIONS = "generations.jsonl"
CHECKS = "checks.jsonl"
SCORES = "scores.json"
_DISK_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}


def dumps_line(obj: Any) -> bytes:
    """One JSONL line as UTF-8 bytes; text holding lone surrogates is written \\u-escaped (still
    valid JSON that reads back to the same string) instead of failing."""
    text = json.dumps(obj, ensure_ascii=False, default=str)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(obj, ensure_ascii=True, default=str).encode("ascii") + b"\n"


def _check_line(row: CheckRow) -> bytes:
    """One ``checks.jsonl`` line, encoded by pydantic's serializer (compact JSON, several times
    faster than ``json.dumps``), or by :func:`dumps_line` for what that serializer refuses (lone
    surrogates, values of a type JSON lacks)."""
    try:
        return bytes(CheckRow.__pydantic_serializer__.to_json(row)) + b"\n"
    except PydanticSerializationError:
        return dumps_line(row.model_dump(mode="json"))


def disk_error(exc: OSError, path: Path) -> EvalkitError:
    """A one-line EvalkitError for a failed write (disk full, read-only filesystem…)."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    return EvalkitError(f"cannot write {path}: {reason}")


def _write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``path`` via a temporary file and rename; the temporary file never stays."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _DISK_ERRORS:
            raise disk_error(exc, path) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write ``obj`` as pretty JSON via a temporary file and rename (never a half-written file)."""
    text = json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n"
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = (json.dumps(obj, indent=2, ensure_ascii=True, default=str) + "\n").encode("ascii")
    _write_atomic(path, [data])


class RunDir:
    """Reads and writes the files of one run directory."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def ensure(self) -> None:
        """Create the run directory (and its parents) when missing."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in _DISK_ERRORS:
                raise disk_error(exc, self.path) from None
            raise

    def holds_run(self) -> bool:
        """True when this directory already holds a run (a manifest or a journal)."""
        return (self.path / MANIFEST).is_file() or (self.path / GENERATIONS).is_file()

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
        except UnicodeDecodeError:
            raise DataError(f"{path}: not valid UTF-8") from None
        if not isinstance(data, dict):
            raise DataError(f"{path}: expected a JSON object")
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``run.json`` atomically, with every secret masked."""
        from evalkit.redact import redact

        write_json_atomic(self.path / MANIFEST, redact(manifest))

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
        """Append one row to ``generations.jsonl`` (the caller holds the run lock)."""
        _append_lines(self.path / GENERATIONS, [row.model_dump(mode="json")])

    def journal(self) -> Journal:
        """The open ``generations.jsonl`` for appending (torn tail repaired); close it when done."""
        return Journal(self.path / GENERATIONS)

    # checks and scores --------------------------------------------------------------------
    def write_checks(self, rows: Iterable[CheckRow]) -> None:
        """Replace ``checks.jsonl`` with ``rows`` (grading is re-runnable, so it is rewritten whole)."""
        _write_atomic(self.path / CHECKS, (_check_line(row) for row in rows))

    def read_checks(self) -> list[CheckRow]:
        """Every row of ``checks.jsonl``."""
        return [CheckRow.model_validate(o) for o in _read_jsonl_tolerant(self.path / CHECKS)]

    def write_scores(self, scores: dict[str, Any]) -> None:
        """Write ``scores.json`` atomically."""
        write_json_atomic(self.path / SCORES, scores)

    def read_scores(self) -> dict[str, Any]:
        """The content of ``scores.json``; DataError when the run was never scored."""
        path = self.path / SCORES
        if not path.is_file():
            raise DataError(f"{self.path} has no {SCORES}; run `evalkit score {self.path}` first")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data


def repair_tail(path: Path) -> None:
    """Cut a torn last line (no newline, left by a crash) off ``path``; for writers only."""
    try:
        with path.open("r+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            if size == 0:
                return
            fh.seek(size - 1)
            if fh.read(1) == b"\n":
                return
            block = min(size, 1 << 16)
            while True:  # find the last newline, reading backwards
                fh.seek(size - block)
                cut = fh.read(block).rfind(b"\n")
                if cut != -1 or block == size:
                    break
                block = min(size, block * 2)
            fh.truncate(size - block + cut + 1 if cut != -1 else 0)
    except FileNotFoundError:
        return


class Journal:
    """One open append handle on a JSONL journal; the torn tail is repaired when it opens."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            repair_tail(path)
            self._fh: IO[bytes] | None = path.open("ab")
        except OSError as exc:
            raise disk_error(exc, path) if exc.errno in _DISK_ERRORS else exc from None

    def write(self, lines: Iterable[bytes]) -> None:
        """Append encoded lines and flush them to the operating system."""
        if self._fh is None:
            raise ValueError("journal is closed")
        try:
            self._fh.write(b"".join(lines))
            self._fh.flush()
        except OSError as exc:
            raise disk_error(exc, self.path) if exc.errno in _DISK_ERRORS else exc from None

    def append(self, obj: Any) -> None:
        """Append one row."""
        self.write([dumps_line(obj)])

    def close(self) -> None:
        """Close the handle (idempotent)."""
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None


def _append_lines(path: Path, objs: list[dict[str, Any]]) -> None:
    """Append rows to a journal (a writer: a torn tail is repaired first)."""
    journal = Journal(path)
    try:
        journal.write(dumps_line(obj) for obj in objs)
    finally:
        journal.close()


def _iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every complete line; a torn last line is skipped, never cut."""
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.endswith(b"\n"):
                return
            yield lineno, line


def _read_jsonl_tolerant(path: Path) -> list[Any]:
    """Rows of a JSONL file, skipping a torn final line (the file is left as it is)."""
    if not path.is_file():
        return []
    out = []
    for lineno, line in _iter_lines(path):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{path} line {lineno}: invalid JSON ({getattr(exc, 'msg', exc)})") from None
    return out
