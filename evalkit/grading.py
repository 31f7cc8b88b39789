"""The grader: generations × constraints → per-constraint verdict rows (``checks.jsonl``)."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from evalkit.checking import CheckContext, Checker, CheckResult, build_checker, checker_class
from evalkit.records import CheckRow, GenerationRow
from evalkit.types import Sample


class Grader:
    """Applies each sample's checkers to its generations; a checker that raises gives an error row."""

    def __init__(self, mode: str = "compat", judgements: dict[tuple[str, str, int], dict[str, Any]] | None = None) -> None:
        self.mode = mode
        self.judgements = judgements or {}  # stored judge verdicts per (pack, sample, epoch)

    def check_one(self, checker: Checker, response: str, ctx: CheckContext) -> CheckResult:
        """Run one checker, turning an exception into ``status="error"`` with the reason."""
        try:
            result = checker.check(response, ctx)
        except Exception as exc:  # noqa: BLE001 - a checker bug must not stop the run
            return CheckResult(None, f"checker raised {type(exc).__name__}: {exc}", "error")
        if not isinstance(result, CheckResult):
            return CheckResult(None, f"checker returned {type(result).__name__}, not CheckResult", "error")
        return result

    def results(self, sample: Sample, generation: GenerationRow) -> list[CheckResult]:
        """The verdict of each constraint of ``sample`` for ``generation`` (skipped when it failed)."""
        if generation.status == "error":
            skipped = CheckResult(None, f"no response: {generation.error or 'generation failed'}", "skipped")
            return [skipped for _ in sample.constraints]
        ctx = CheckContext(mode=self.mode, sample_id=sample.id, meta=sample.meta, reference=sample.reference,
                           judgements=self.judgements.get((sample.pack, sample.id, generation.epoch)), memo={})
        return [self.check_one(build_checker(c.checker, c.params), generation.response, ctx)
                for c in sample.constraints]

    @staticmethod
    def rows(sample: Sample, generation: GenerationRow, results: list[CheckResult]) -> Iterator[CheckRow]:
        """One ``checks.jsonl`` row per constraint of ``sample`` from its verdict in ``results``."""
        for index, (constraint, result) in enumerate(zip(sample.constraints, results, strict=True)):
            fields: dict[str, Any] = {**sample.meta, **constraint.dimensions}
            fields.update(pack=sample.pack, sample_id=sample.id, epoch=generation.epoch, constraint_index=index,
                          checker=constraint.checker, params=constraint.params, passed=result.passed,
                          status=result.status, reason=result.reason)
            if result.details is not None:
                fields["details"] = result.details
            yield CheckRow.model_construct(**fields)

    def grade(self, sample: Sample, generation: GenerationRow) -> Iterator[CheckRow]:
        """One row per constraint of ``sample`` for ``generation`` (skipped rows when it failed)."""
        return self.rows(sample, generation, self.results(sample, generation))

    def grade_all(self, samples: dict[tuple[str, str], Sample], generations: Iterable[GenerationRow],
                  early: EarlyGrader | None = None) -> list[CheckRow]:
        """Grade every generation whose (pack, sample id) is in ``samples``, in generation order;
        ``early`` holds verdicts already computed for generations no judge verdict applies to."""
        rows: list[CheckRow] = []
        for gen in generations:
            sample = samples.get((gen.pack, gen.sample_id))
            if sample is None:
                continue
            ready = None
            if early is not None and (sample.pack, sample.id, gen.epoch) not in self.judgements:
                ready = early.take(gen)
            rows.extend(self.rows(sample, gen, self.results(sample, gen) if ready is None else ready))
        return rows


def prepare_in_background(samples: Iterable[Sample], after: threading.Event | None = None) -> threading.Thread:
    """Run ``prepare`` of every checker class the samples use on a daemon thread, once ``after``
    is set (e.g. the first answer arrived: the first requests are out), so grading finds
    tokenizers and models loaded; meant for the time an API backend waits on the network."""
    ids = {c.checker for sample in samples for c in sample.constraints}

    def prepare() -> None:
        if after is not None:
            after.wait()
        for checker_id in sorted(ids):
            cls = checker_class(checker_id)
            try:
                if cls is not None:
                    cls.prepare()
            except Exception:  # noqa: BLE001 - grading reports the checker's own error later
                continue

    thread = threading.Thread(target=prepare, name="evalkit-prepare-checkers", daemon=True)
    thread.start()
    return thread


_DONE = object()
# The early grader wakes at most this often while answers arrive (it shares the interpreter lock
# with the request loop, so it takes answers in batches rather than one thread switch each).
_PAUSE_S = 0.05
_Verdict = tuple[bool | None, str, str, dict[str, Any] | None]  # CheckResult's fields


def _fingerprint(row: GenerationRow) -> bytes:
    """SHA-256 of what grading reads from a generation (status, response, error): kept instead
    of the texts so early verdicts cost no second copy of every response."""
    digest = hashlib.sha256()
    for part in (row.status, row.response, row.error or ""):
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    digest.update(b"\x01" if row.error is None else b"\x00")
    return digest.digest()


def _import_scoring() -> None:
    """Import what scoring and reporting a run need (numpy among them) ahead of time."""
    import importlib

    for name in ("numpy", "evalkit.judging", "evalkit.scoring", "evalkit.resample", "evalkit.reporting"):
        try:
            importlib.import_module(name)
        except ImportError:  # scoring reports it when it needs the module
            continue


class EarlyGrader:
    """Grades each generation on a daemon thread as soon as it is journaled (after the checkers'
    ``prepare``), so the verdicts are ready when generation ends. A stored verdict is used only
    for the very generation it was computed from (same key, status, response and error) and only
    when no judge verdict applies to it, so it equals what grading the journal afterwards gives."""

    def __init__(self, packs: dict[str, tuple[str, list[Sample]]], after: threading.Event | None = None) -> None:
        self._graders = {name: Grader(mode) for name, (mode, _) in packs.items()}
        self._samples = {(s.pack, s.id): s for _, samples in packs.values() for s in samples}
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._results: dict[tuple[str, str, int], tuple[bytes, tuple[_Verdict, ...]]] = {}
        self._after = after
        self._finishing = threading.Event()  # set by finish(): stop pausing between batches
        all_samples = list(self._samples.values())
        self._thread = threading.Thread(target=self._loop, args=(all_samples, after), daemon=True,
                                        name="evalkit-early-grading")
        self._thread.start()

    def put(self, row: GenerationRow) -> None:
        """Queue a journaled generation for grading (called from the journal writer thread); only
        what grading reads is queued, so a backlog holds no messages or usage."""
        self._queue.put(GenerationRow.model_construct(pack=row.pack, sample_id=row.sample_id, epoch=row.epoch,
                                                      status=row.status, response=row.response, error=row.error))

    def _loop(self, samples: list[Sample], after: threading.Event | None) -> None:
        prepare_in_background(samples, after).join()
        _import_scoring()
        done = False
        while not done:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get())
            for row in batch:
                if row is _DONE:
                    done = True
                else:
                    self._grade(row)
            if not done:
                self._finishing.wait(_PAUSE_S)  # answers gather meanwhile: one thread switch per batch, not per answer

    def _grade(self, row: GenerationRow) -> None:
        sample = self._samples.get((row.pack, row.sample_id))
        grader = self._graders.get(row.pack)
        if sample is None or grader is None:
            return
        try:
            results = grader.results(sample, row)
        except Exception:  # noqa: BLE001 - the final grading reports it
            return
        verdicts = tuple((r.passed, r.reason, r.status, r.details) for r in results)  # compact while held
        self._results[row.key] = (_fingerprint(row), verdicts)

    def finish(self) -> None:
        """Grade what is still queued and stop the thread (which no longer waits for ``after``)."""
        self._finishing.set()
        if self._after is not None:
            self._after.set()
        self._queue.put(_DONE)
        self._thread.join()

    def take(self, generation: GenerationRow) -> list[CheckResult] | None:
        """The verdicts computed for exactly this generation, or None."""
        found = self._results.pop(generation.key, None)
        if found is None or found[0] != _fingerprint(generation):
            return None
        return [CheckResult(*verdict) for verdict in found[1]]
