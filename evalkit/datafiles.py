"""Locating a pack's data: a local folder, the download cache, or the pinned upstream URL.

Search order for ``<pack>/<file>``: ``--data-dir``, then ``$EVALKIT_DATA_DIR``, then the cache
(``$EVALKIT_CACHE_DIR`` or ``~/.cache/evalkit``), then a download from the file's upstream URL,
checked against its pinned sha256 before it enters the cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from evalkit.errors import DataError


@dataclass(frozen=True)
class DataFile:
    """One upstream data file: its path inside the pack folder, pinned sha256 and download URL."""

    path: str
    sha256: str | None = None
    url: str | None = None


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where downloaded data files are kept."""
    env = os.environ.get("EVALKIT_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "evalkit"


def download(url: str, dest: Path, sha256: str | None, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` atomically, refusing it when its sha256 differs from the pin."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (pinned URL)
                for block in iter(lambda: resp.read(1 << 20), b""):
                    tmp.write(block)
        except Exception:
            tmp_path.unlink(missing_ok=True)
            raise
    got = sha256_of(tmp_path)
    if sha256 and got != sha256:
        tmp_path.unlink(missing_ok=True)
        raise DataError(f"download of {url} has sha256 {got}, expected {sha256}; not used")
    os.replace(tmp_path, dest)
    return dest


def locate(pack: str, file: DataFile, data_dir: Path | None) -> Path:
    """Return a local path for ``file`` of ``pack``, downloading it if needed; DataError if impossible."""
    looked: list[str] = []
    roots = [data_dir, Path(os.environ["EVALKIT_DATA_DIR"]) if os.environ.get("EVALKIT_DATA_DIR") else None]
    for root in roots:
        if root is None:
            continue
        candidate = root / pack / file.path
        looked.append(str(candidate))
        if candidate.is_file():
            if file.sha256 and sha256_of(candidate) != file.sha256:
                print(f"warning: {candidate} differs from the pinned upstream version (sha256)", file=sys.stderr)
            return candidate
    cached = cache_dir() / pack / file.path
    looked.append(str(cached))
    if cached.is_file() and (not file.sha256 or sha256_of(cached) == file.sha256):
        return cached
    if not file.url:
        raise DataError(f"{pack} data file {file.path!r} not found (looked in {', '.join(looked)}); pass --data-dir")
    try:
        return download(file.url, cached, file.sha256)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(
            f"{pack} data file {file.path!r} not found locally (looked in {', '.join(looked)}) "
            f"and the download from {file.url} failed ({type(exc).__name__}: {exc}); pass --data-dir"
        ) from None
