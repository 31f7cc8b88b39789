"""The live progress bar on stderr (rich): done / failed / retrying / rate-limited, tokens/s.

Quiet when stderr is not a terminal (CI, pipes): then only a one-line summary is printed.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress


def _progress(bar: RunProgress) -> Progress:
    """The rich progress display (rich is imported only when a bar is shown)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class StatsColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(bar.line(), style="cyan")

    return Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), StatsColumn(),
                    console=Console(stderr=True), transient=False)


class RunProgress:
    """Counts results and backend events; renders a bar when ``enabled`` (stderr is a TTY)."""

    def __init__(self, total: int, stats: Counter[str], enabled: bool | None = None) -> None:
        self.total, self.stats = total, stats
        self.counts: Counter[str] = Counter()
        self.tokens = 0
        self.start = time.monotonic()
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Progress | None = None
        self._task: Any = None

    def line(self) -> str:
        """The status text: failed, retrying, rate-limited, in flight, tokens/s."""
        elapsed = max(1e-6, time.monotonic() - self.start)
        return (f"failed {self.counts['error']} · retrying {self.stats['retrying']} · "
                f"rate-limited {self.stats['rate_limited']} · in flight {self.stats['in_flight']} · "
                f"{self.tokens / elapsed:.0f} tok/s" + self.batch_line())

    def batch_line(self) -> str:
        """Provider batches per state (``stats["batch:STATE"]``), when the backend has batches."""
        states = sorted((k.removeprefix("batch:"), v) for k, v in self.stats.items() if k.startswith("batch:") and v)
        return " · batches " + ", ".join(f"{v} {k}" for k, v in states) if states else ""

    def __enter__(self) -> RunProgress:
        if self.enabled and self.total:
            self._progress = _progress(self)
            self._progress.start()
            self._task = self._progress.add_task("generating", total=self.total)
        return self

    def advance(self, status: str, completion_tokens: int | None) -> None:
        self.counts[status] += 1
        self.tokens += completion_tokens or 0
        if self._progress is not None:
            self._progress.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
