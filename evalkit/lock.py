"""One live process per run directory: an exclusive lock on ``RUN_DIR/.lock``.

The lock is an ``flock`` on an open file, so the kernel releases it when its process ends —
even after ``kill -9``: a lock left behind by a crashed run is simply taken over. The file holds
the owner's pid, which the refusal names. Where ``fcntl`` is unavailable (Windows) no lock is
taken.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import IO

from evalkit.errors import EvalkitError

LOCK_NAME = ".lock"


class RunLocked(EvalkitError):
    """Another live process is writing to this run directory."""


class RunLock:
    """Holds ``path/.lock`` from :meth:`acquire` until :meth:`release` (or the process ends)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None
        self._created = False  # the directory did not exist before the lock made it

    def acquire(self) -> RunLock:
        """Take the lock, creating the run directory; RunLocked when a live process holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self
        self._created = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fh = (self.path / LOCK_NAME).open("a+", encoding="utf-8")
        except OSError as exc:
            raise EvalkitError(f"cannot create {self.path / LOCK_NAME}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            owner = fh.read().strip() or "unknown"
            fh.close()
            raise RunLocked(f"{self.path} is in use by another evalkit process (pid {owner}); "
                            "wait for it to finish or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        """Give the lock up (the file stays; an unlocked file means nobody holds the run)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
        if exc is not None and self._created:  # a run that failed before writing anything leaves no folder
            try:
                (self.path / LOCK_NAME).unlink(missing_ok=True)
                self.path.rmdir()  # only when nothing else was written
            except OSError:
                pass
