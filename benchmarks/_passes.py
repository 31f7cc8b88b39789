"""Shared by the checks-per-second scripts: how a timed pass runs.

A reported pass calls no clock per check (``time.process_time`` is a system call here: timing
every check slowed the pass it measured by up to a tenth); per-checker figures come from one
extra pass timed check by check with the wall clock. Timed passes run with Python's cyclic
garbage collector paused, as ``evalkit run`` and ``evalkit score`` grade; ``--with-gc`` leaves it
on (its collections walk the whole heap and make single passes slower at random).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any


def add_gc_option(parser: argparse.ArgumentParser) -> None:
    """``--with-gc``: leave the cyclic garbage collector on during timed passes."""
    parser.add_argument("--with-gc", action="store_true", help="leave the cyclic garbage collector on")


@contextmanager
def collector(with_gc: bool) -> Iterator[None]:
    """Pause the cyclic garbage collector (after a full collection) unless ``with_gc``."""
    if with_gc:
        yield
        return
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed_pass(check: Callable[[Any], Any], work: Iterable[Any], with_gc: bool) -> tuple[list[Any], float]:
    """(``check(item)`` for every item, the CPU seconds the pass took)."""
    with collector(with_gc):
        start = time.process_time()
        results = [check(item) for item in work]
        return results, time.process_time() - start


def per_key(check: Callable[[Any], Any], work: Iterable[Any], key: Callable[[Any], Hashable],
            with_gc: bool) -> dict[Hashable, tuple[float, int]]:
    """One more pass, each check timed with the wall clock: key -> (seconds, checks)."""
    seconds: dict[Hashable, float] = defaultdict(float)
    counts: dict[Hashable, int] = defaultdict(int)
    with collector(with_gc):
        for item in work:
            t0 = time.perf_counter()
            check(item)
            seconds[key(item)] += time.perf_counter() - t0
            counts[key(item)] += 1
    return {k: (seconds[k], counts[k]) for k in seconds}
