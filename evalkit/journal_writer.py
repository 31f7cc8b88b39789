"""Journal and cache writes on a thread of their own, off the event loop that talks to the model.

The runner hands each finished row to :class:`JournalWriter`; the writer thread appends every
row waiting a few milliseconds after the first one came, with one write and one flush on the run's single open journal handle,
then stores the cache entries and only then reports the rows done (progress, counts). A row is
therefore on disk before the run reports it finished, as when rows were written one by one; a
crash loses at most rows that were not yet reported. A failed write (disk full, read-only
filesystem) stops the writer; the runner raises it at its next result and when it closes.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from evalkit.cache import RequestCache
from evalkit.records import GenerationRow
from evalkit.store import Journal, dumps_line
from evalkit.types import Generation

Written = Callable[[GenerationRow], None]
_STOP = None
# How long the writer lets rows gather after the first one: one write and one thread switch per
# burst of answers instead of per answer (the loop and this thread share the interpreter lock).
LINGER_S = 0.005


class JournalWriter:
    """Appends rows to ``journal`` (and generations to ``cache``) on a background thread."""

    def __init__(self, journal: Journal, cache: RequestCache | None, on_written: Written,
                 linger: float = LINGER_S) -> None:
        self.journal, self.cache, self.on_written, self.linger = journal, cache, on_written, linger
        self.error: BaseException | None = None
        self._queue: queue.SimpleQueue[tuple[GenerationRow, str | None, Generation] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="evalkit-journal", daemon=True)
        self._thread.start()

    def put(self, row: GenerationRow, cache_key: str | None = None, gen: Generation | None = None) -> None:
        """Queue ``row`` (and, with ``cache_key``, ``gen`` for the cache); raise an earlier write error."""
        if self.error is not None:
            raise self.error
        self._queue.put((row, cache_key, gen or Generation()))

    def _batch(self) -> tuple[list[tuple[GenerationRow, str | None, Generation]], bool]:
        """Every item waiting ``linger`` seconds after the first arrived (blocking for the first),
        and whether the stop mark came."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        items = [first]
        if self.linger > 0 and self._queue.empty():
            time.sleep(self.linger)  # let a burst of answers gather: one write and one wake-up for all
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items, False
            if item is _STOP:
                return items, True
            items.append(item)

    def _loop(self) -> None:
        stop = False
        while not stop:
            items, stop = self._batch()
            if not items or self.error is not None:
                continue
            try:
                self.journal.write([dumps_line(row.model_dump(mode="json")) for row, _, _ in items])
            except BaseException as exc:  # noqa: BLE001 - handed to the runner, which raises it
                self.error = exc
                continue
            if self.cache is not None:
                self.cache.put_many([(key, gen) for _, key, gen in items if key is not None])
            for row, _, _ in items:
                self._report(row)

    def _report(self, row: GenerationRow) -> None:
        try:
            self.on_written(row)
        except Exception:  # noqa: BLE001 - a display error must not stop journaling
            return

    def close(self) -> None:
        """Write everything queued, stop the thread and close the journal; raise a write error."""
        self._queue.put(_STOP)
        self._thread.join()
        self.journal.close()
        if self.cache is not None:
            self.cache.close()
        if self.error is not None:
            raise self.error

