"""Reading JSON and JSONL data files with errors that name the file and line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from evalkit.errors import DataError


def read_json(path: Path) -> Any:
    """Parse a whole JSON file; DataError names the file, line and column on bad syntax."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text = decode_utf8(data, path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})") from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, object)`` for each non-blank line; DataError names a bad line."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"{path} line {lineno}: not valid UTF-8 (byte {exc.start + 1})") from None
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path} line {lineno}: invalid JSON ({exc.msg})") from None


def decode_utf8(data: bytes, path: Path) -> str:
    """``data`` decoded as UTF-8 (a leading BOM dropped); DataError names the file and line of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{path} line {line}: not valid UTF-8 (byte {exc.start + 1})") from None


def scrub_text(text: str) -> tuple[str, int]:
    """``text`` with lone surrogates (unencodable in UTF-8) replaced by U+FFFD, and how many were replaced."""
    try:
        text.encode("utf-8")
        return text, 0
    except UnicodeEncodeError:
        pass
    out = []
    replaced = 0
    for ch in text:
        if "\ud800" <= ch <= "\udfff":
            out.append("\ufffd")
            replaced += 1
        else:
            out.append(ch)
    return "".join(out), replaced


T = TypeVar("T")


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc)


def read_json_records(path: Path, convert: Callable[[Any], T], what: str = "record") -> list[T]:
    """Convert each element of a JSON-array file; DataError names the file, element and problem.

    ``convert`` may raise pydantic's ValidationError, ValueError, KeyError or TypeError for a bad
    element; the error reports the element's position (and its ``id`` when it has one).
    """
    records = read_json(path)
    if not isinstance(records, list):
        raise DataError(f"{path}: expected a JSON array of {what}s")
    out = []
    for i, record in enumerate(records):
        try:
            out.append(convert(record))
        except (ValidationError, ValueError, KeyError, TypeError) as exc:
            rid = f" (id {record['id']})" if isinstance(record, dict) and "id" in record else ""
            raise DataError(f"{path}: {what} #{i}{rid}: {_problem(exc)}") from None
    return out


def read_jsonl_records(path: Path, convert: Callable[[Any], T]) -> list[T]:
    """``convert`` applied to each non-blank line of a JSONL file, in order; a ValueError it raises
    becomes a DataError naming the file and line."""
    out = []
    for lineno, record in iter_jsonl(path):
        try:
            out.append(convert(record))
        except ValueError as exc:
            raise DataError(f"{path} line {lineno}: {exc}") from None
    return out
