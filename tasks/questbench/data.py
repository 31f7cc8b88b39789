"""Reading QuestBench CSV files safely (``ast.literal_eval``/``json``, never ``eval``), and fetching
the full Planning-Q file out of the upstream tarball when it is not on disk."""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from evalkit.datafiles import DataFile, cache_dir, locate
from evalkit.errors import DataError

TARBALL = DataFile(path="questbench_data.tar.gz", url="https://storage.googleapis.com/questbench/questbench_data.tar.gz")
_FROZENSET = re.compile(r"^\s*frozenset\((.*)\)\s*$", re.S)


def literal(text: str) -> Any:
    """A Python literal column; ``frozenset({...})`` is read as a set (``frozenset()`` as empty)."""
    match = _FROZENSET.match(text)
    if match:
        inner = match.group(1).strip()
        return set(ast.literal_eval(inner)) if inner else set()
    return ast.literal_eval(text)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number from 0, row) of a CSV file with a header; DataError on a malformed file."""
    csv.field_size_limit(1 << 30)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            yield from enumerate(csv.DictReader(fh))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: {exc}") from None


def parse_row(path: Path, index: int, raw: dict[str, str], literal_cols: tuple[str, ...],
              json_cols: tuple[str, ...]) -> dict[str, Any]:
    """Decode the listed literal / JSON columns of one row; DataError naming file, row and column."""
    row: dict[str, Any] = dict(raw)
    decoders: list[tuple[str, Callable[[str], Any]]] = [*((c, literal) for c in literal_cols),
                                                        *((c, json.loads) for c in json_cols)]
    for col, decode in decoders:
        if raw.get(col) is None:
            raise DataError(f"{path}: row {index}: column {col!r} missing")
        try:
            row[col] = decode(raw[col])
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            raise DataError(f"{path}: row {index}: column {col!r}: {type(exc).__name__}: {exc}") from None
    return row


def _extract(tarball: Path, member: str, dest: Path) -> Path:
    with tarfile.open(tarball, "r:gz") as tar:
        names = [n for n in tar.getnames() if n.endswith("/" + member) or n == member]
        if not names:
            raise DataError(f"{tarball} has no member ending in {member}")
        src = tar.extractfile(names[0])
        if src is None:
            raise DataError(f"{tarball}: {names[0]} is not a regular file")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(dest.suffix + ".part")
        with src, tmp.open("wb") as out:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
        tmp.replace(dest)
    return dest


def find_optional(pack: str, file: DataFile, data_dir: Path | None, allow_download: bool) -> tuple[Path | None, str]:
    """Locate ``file`` (a member of the upstream tarball) locally, else (when ``allow_download``)
    download the tarball into the cache and extract it; (None, why) when neither works."""
    try:
        return locate(pack, DataFile(file.path, file.sha256), data_dir), "found"
    except DataError:
        pass
    if not allow_download:
        return None, "not on disk (download disabled)"
    try:
        tarball = locate(pack, TARBALL, data_dir)
    except DataError as exc:
        return None, f"not on disk and the tarball download failed: {exc}"
    try:
        return _extract(tarball, file.path, cache_dir() / pack / file.path), "extracted from the tarball"
    except (DataError, tarfile.TarError, OSError) as exc:
        return None, f"tarball {tarball} unusable: {exc}"


def note(message: str) -> None:
    """A one-line note on stderr."""
    print(f"note: questbench: {message}", file=sys.stderr)
