"""LLM judges as checkers: requests built purely, calls made in a phase before grading.

A :class:`JudgeChecker` declares two pure functions: ``judge_call(response, ctx)`` builds the
judge request (a *group* name plus chat messages; constraints of one sample that return the same
group share one call, e.g. CFBench judges a whole checklist at once) and
``parse_verdict(text, response, ctx)`` turns the judge's raw text into a verdict.

The judge phase (:func:`judge_run`) collects the calls of every (pack, sample, epoch, group),
skips those ``judgements.jsonl`` already holds, sends the rest through an evalkit backend's batch
interface (concurrency, retries, request cache and usage as for the model under test) and appends
each raw verdict to ``judgements.jsonl`` as it arrives. Grading then reads the stored text
through ``CheckContext.judgements``: ``evalkit score RUN_DIR`` re-parses without a call.
An unparseable verdict (:class:`VerdictError`) is a ``status="error"`` row holding the raw text.
A reply whose content was JSON null is journaled with ``null: true`` (its ``text`` is "") and
graded by the checker's :meth:`JudgeChecker.null_reply` (by default: read as an empty text).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from evalkit.checking import CheckContext, Checker, CheckResult, build_checker
from evalkit.errors import EvalkitError
from evalkit.records import GenerationRow, Usage
from evalkit.store import RunDir, _append_lines, _read_jsonl_tolerant
from evalkit.types import Generation, GenerationConfig, GenerationRequest, Sample

JUDGEMENTS = "judgements.jsonl"
NO_JUDGE = "none"
# -J keys the judge phase itself uses; any other -J key goes to the judge backend (like -M)
PHASE_KEYS = frozenset({"temperature", "max_tokens", "concurrency", "base_url", "rejudge", "cache", "seed",
                        "max_retries", "timeout"})


# numeric judge-phase keys: (whole number, lowest allowed value, whether the lowest is excluded)
_NUMERIC = {"max_tokens": (True, 0, True), "temperature": (False, 0, False), "concurrency": (True, 0, True),
            "rejudge": (True, 0, False), "max_retries": (True, 0, False), "timeout": (False, 0, True),
            "seed": (True, None, False)}


def judge_settings(judge_args: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of ``judge_args`` with the judge phase's numeric keys as numbers (numeric strings
    accepted, as the Python API may pass them); a one-line EvalkitError naming the ``-J`` key
    for a value that is not a number of the right kind and range."""
    args = dict(judge_args or {})
    for key, (integer, low, strict) in _NUMERIC.items():
        if key not in args:
            continue
        value = args[key]
        kind = "a whole number" if integer else "a number"
        bound = "" if low is None else f" {'>' if strict else '>='} {low}"
        try:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError
            number = float(value)
            if number != number or (integer and not number.is_integer()):
                raise ValueError
        except (ValueError, OverflowError):
            raise EvalkitError(f"-J {key} expects {kind}{bound}, got {value!r}") from None
        if low is not None and (number <= low if strict else number < low):
            raise EvalkitError(f"-J {key} expects {kind}{bound}, got {value!r}")
        args[key] = int(number) if integer else number
    return args


class VerdictError(ValueError):
    """Raised by ``parse_verdict`` when the judge's text cannot be read as a verdict; ``details``
    (e.g. upstream's parse flag) are kept with the error row."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


@dataclass(frozen=True)
class JudgeDefaults:
    """A judge checker's upstream judge: model spec, sampling and re-judge rounds (``rejudge``
    counts the calls after the first, so a verdict costs at most ``1 + rejudge`` calls)."""

    model: str
    temperature: float = 0.0
    max_tokens: int = 2048
    rejudge: int = 0  # extra rounds (identical prompt, no cache) for verdicts ``accepts`` rejects


@dataclass(frozen=True)
class JudgeCall:
    """One judge request: ``group`` names it within its (sample, epoch). ``judge`` and
    ``base_url``, when set, are the judge this call must go to (a pack option chose it); they
    take precedence over ``--judge`` and the checker's default."""

    group: str
    messages: tuple[dict[str, str], ...]
    judge: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class Judgement:
    """A stored judge verdict as graders see it: raw text, or the error of the call."""

    text: str
    model: str | None = None
    error: str | None = None
    null: bool = False  # the judge's reply content was null (``text`` is "")


class JudgeChecker(Checker):
    """Base of judge checkers: subclasses implement ``judge_call`` and ``parse_verdict``."""

    judge_defaults: ClassVar[JudgeDefaults]

    def judge_call(self, response: str, ctx: CheckContext) -> JudgeCall | None:  # pragma: no cover
        """The next judge request this constraint needs, given the verdicts already in
        ``ctx.judgements`` (pure); None when it needs no (further) call. A chain of judge steps
        is asked one round at a time, each round seeing the previous rounds' verdicts."""
        raise NotImplementedError

    def parse_verdict(self, text: str, response: str, ctx: CheckContext) -> CheckResult:  # pragma: no cover
        """The verdict read from the judge's raw ``text``; raise VerdictError when unreadable."""
        raise NotImplementedError

    def accepts(self, text: str, ctx: CheckContext) -> bool:
        """Whether ``text`` needs no re-judge round (upstream re-asks when its strict parse fails)."""
        return True

    def null_reply(self, response: str, ctx: CheckContext) -> CheckResult | None:
        """The verdict when the judge's reply content was null; None (the default) reads it as
        an empty text with ``parse_verdict``."""
        return None

    def judge_model(self) -> str | None:
        """The judge this constraint asks unless ``--judge`` overrides it; None when it needs none."""
        return self.judge_defaults.model

    def own_judge(self) -> tuple[str, str | None] | None:
        """(spec, base URL) of a judge chosen for this constraint by a pack option, which
        ``--judge`` does not override; None (the default) when it follows ``--judge``."""
        return None

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Parse the stored verdict of this constraint's judge call; skipped when none is stored."""
        call = self.judge_call(response, ctx)
        if call is None:
            return CheckResult(None, "no judge call needed", "skipped")
        found = (ctx.judgements or {}).get(call.group)
        if found is None:
            return CheckResult(None, "not judged (run with --judge BACKEND:MODEL)", "skipped")
        base = {"judge_model": found.model, "judge_raw": found.text}
        if found.error is not None:
            return CheckResult(None, f"judge call failed: {found.error}", "error", {**base, "judge_error": found.error})
        if found.null:
            base["judge_null"] = True
            null = self.null_reply(response, ctx)
            if null is not None:
                return replace(null, details={**base, **(null.details or {})})
        try:
            result = self.parse_verdict(found.text, response, ctx)
        except VerdictError as exc:
            return CheckResult(None, f"unparseable judge verdict: {exc}", "error", {**base, **exc.details})
        return replace(result, details={**base, **(result.details or {})})


class JudgementRow(BaseModel):
    """One line of ``judgements.jsonl``: the raw verdict of one judge call."""

    model_config = ConfigDict(extra="allow")
    pack: str
    sample_id: str
    epoch: int = 0
    group: str
    judge: str  # the BACKEND:MODEL spec asked
    status: str  # ok | error
    text: str = ""
    null: bool = False  # the reply's content was JSON null (``text`` is then "")
    error: str | None = None
    model: str | None = None  # the model id the backend reported
    usage: Usage = Usage()
    latency_s: float | None = None
    attempts: int | None = None
    cached: bool = False
    round: int = 0  # 0: first call; n: n-th re-judge round
    imported: str | None = None  # source file when imported from upstream outputs

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.pack, self.sample_id, self.epoch, self.group)


def read_judgements(run_dir: RunDir) -> dict[tuple[str, str, int, str], JudgementRow]:
    """The stored judgements of a run; for a repeated key the last row wins."""
    rows: dict[tuple[str, str, int, str], JudgementRow] = {}
    for obj in _read_jsonl_tolerant(run_dir.path / JUDGEMENTS):
        row = JudgementRow.model_validate(obj)
        rows[row.key] = row
    return rows


def append_judgements(run_dir: RunDir, rows: Iterable[JudgementRow]) -> None:
    """Append rows to ``judgements.jsonl`` (flushed)."""
    _append_lines(run_dir.path / JUDGEMENTS, [r.model_dump(mode="json") for r in rows])


def context_judgements(rows: dict[tuple[str, str, int, str], JudgementRow]
                       ) -> dict[tuple[str, str, int], dict[str, Judgement]]:
    """Stored rows regrouped per (pack, sample, epoch) for ``CheckContext.judgements``."""
    out: dict[tuple[str, str, int], dict[str, Judgement]] = {}
    for (pack, sid, epoch, group), row in rows.items():
        judgement = Judgement(row.text, row.model or row.judge, row.error if row.status != "ok" else None,
                              row.null and row.status == "ok")
        out.setdefault((pack, sid, epoch), {})[group] = judgement
    return out


def judge_usage(rows: Iterable[JudgementRow]) -> dict[str, Any]:
    """Calls, tokens and cost of the judge, apart from the model under test."""
    rows = list(rows)
    costs = [r.usage.cost_usd for r in rows if r.usage.cost_usd is not None]
    return {
        "calls": sum(1 for r in rows if not r.imported), "imported": sum(1 for r in rows if r.imported),
        "errors": sum(1 for r in rows if r.status != "ok"), "cached": sum(1 for r in rows if r.cached),
        "prompt_tokens": sum(r.usage.prompt_tokens or 0 for r in rows),
        "completion_tokens": sum(r.usage.completion_tokens or 0 for r in rows),
        "cost_usd": round(sum(costs), 6) if costs else None,
        "judges": sorted({r.judge for r in rows}),
    }


def journal_usage(run_dir: RunDir, pack: str | None = None) -> dict[str, Any]:
    """``judge_usage`` over every row ever journaled (re-judge rounds included), optionally one pack."""
    rows = [JudgementRow.model_validate(o) for o in _read_jsonl_tolerant(run_dir.path / JUDGEMENTS)]
    return judge_usage(r for r in rows if pack is None or r.pack == pack)


@dataclass
class _Pending:
    call: JudgeCall
    checker: JudgeChecker
    ctx: CheckContext
    request: GenerationRequest
    spec: str

    @property
    def batch(self) -> tuple[str, str, str | None, JudgeDefaults]:
        """Calls sent together: same pack, judge, base URL and judge settings."""
        return (self.request.pack, self.spec, self.call.base_url, self.checker.judge_defaults)


# judges that are not chat backends (e.g. CoDI-Eval's Perspective): spec -> factory(options)
_SENDERS: dict[str, Any] = {}


def register_sender(spec: str, factory: Any) -> None:
    """Make judge ``spec`` use ``factory(options)`` (an object with evalkit's backend interface:
    ``generate``, ``close``, ``cacheable``, ``cache_identity``, ``preflight``) instead of a chat backend."""
    _SENDERS[spec] = factory


def _make_sender(spec: str, options: dict[str, Any], base_url: str | None, concurrency: int, limits: Any) -> Any:
    from evalkit.backends import make_backend

    if spec in _SENDERS:
        return _SENDERS[spec](options)
    return make_backend(spec, options, base_url=base_url, concurrency=concurrency, limits=limits)


def collect_calls(samples: Sequence[Sample], generations: Sequence[GenerationRow], mode: str,
                  spec: str | None, judgements: dict[tuple[str, str, int], dict[str, Judgement]] | None = None
                  ) -> list[_Pending]:
    """One pending call per (pack, sample, epoch, group) of the judge checkers, given the stored
    ``judgements`` (failed generations skipped)."""
    judgements = judgements or {}
    by_key = {(s.pack, s.id): s for s in samples}
    seen: set[tuple[str, str, int, str]] = set()
    out: list[_Pending] = []
    for gen in generations:
        sample = by_key.get((gen.pack, gen.sample_id))
        if sample is None or gen.status == "error":
            continue
        ctx = CheckContext(mode=mode, sample_id=sample.id, meta=sample.meta, reference=sample.reference,
                           judgements=judgements.get(gen.key))
        for c in sample.constraints:
            checker = build_checker(c.checker, c.params)
            if not isinstance(checker, JudgeChecker):
                continue
            call = checker.judge_call(gen.response, ctx)
            if call is None:
                continue
            key = (gen.pack, gen.sample_id, gen.epoch, call.group)
            if key in seen:
                continue
            seen.add(key)
            out.append(_Pending(call, checker, ctx, GenerationRequest(gen.pack, gen.sample_id, gen.epoch, call.messages),
                                call.judge or spec or checker.judge_defaults.model))
    return out


def _judge_config(defaults: JudgeDefaults, args: dict[str, Any]) -> GenerationConfig:
    return GenerationConfig(max_tokens=int(args.get("max_tokens", defaults.max_tokens)),
                            temperature=float(args.get("temperature", defaults.temperature)),
                            seed=int(args["seed"]) if "seed" in args else None)


def _to_row(p: _Pending, gen: Generation, spec: str, rnd: int, price: Any) -> JudgementRow:
    cost = price.cost(gen.prompt_tokens, gen.completion_tokens) if price and not gen.cached else None
    return JudgementRow(
        pack=p.request.pack, sample_id=p.request.sample_id, epoch=p.request.epoch, group=p.call.group, judge=spec,
        status="error" if gen.error else "ok", text=gen.text, null=gen.null and not gen.error, error=gen.error,
        model=gen.model,
        usage=Usage(prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens, cost_usd=cost),
        latency_s=round(gen.latency_s, 4), attempts=gen.attempts, cached=gen.cached, round=rnd)


def _send(spec: str, pending: list[_Pending], args: dict[str, Any], run_dir: RunDir) -> None:
    """Send ``pending`` (one pack's calls to one judge) to judge ``spec`` with that pack's judge
    settings; re-judge rejected verdicts up to ``rejudge`` more rounds."""
    from evalkit.backends import parse_model_spec
    from evalkit.backends.pool import Limits
    from evalkit.cache import RequestCache, request_key, serve_cached
    from evalkit.pricing import price_for

    defaults = pending[0].checker.judge_defaults
    config = _judge_config(defaults, args)
    options = {k: v for k, v in args.items() if k not in PHASE_KEYS}
    limits = Limits(max_retries=int(args.get("max_retries", 5)), timeout_s=float(args.get("timeout", 120.0)))
    backend = _make_sender(spec, options, pending[0].call.base_url or args.get("base_url"),
                           int(args.get("concurrency", 8)), limits)
    use_cache = str(args.get("cache", "true")).lower() not in {"0", "false", "no"} and backend.cacheable
    cache = RequestCache() if use_cache else None
    price = price_for(*parse_model_spec(spec)) if spec not in _SENDERS else None
    rounds = int(args.get("rejudge", defaults.rejudge))
    try:
        todo = pending
        for rnd in range(rounds + 1):
            by_id = {id(p.request): p for p in todo}
            rejected: list[_Pending] = []

            def on_result(request: GenerationRequest, gen: Generation, rnd: int = rnd,
                          by_id: dict[int, _Pending] = by_id, rejected: list[_Pending] = rejected) -> None:
                p = by_id[id(request)]
                append_judgements(run_dir, [_to_row(p, gen, spec, rnd, price)])
                if cache is not None and rnd == 0 and not gen.cached and gen.error is None:
                    cache.put(request_key(backend.cache_identity(), config, request), gen)
                if gen.error is None and not p.checker.accepts(gen.text, p.ctx):
                    rejected.append(p)

            misses = serve_cached([p.request for p in todo], cache if rnd == 0 else None,
                                  lambda r: request_key(backend.cache_identity(), config, r), on_result)
            backend.generate(misses, config, on_result)
            if not rejected:
                break
            todo = rejected
    finally:
        backend.close()
        if cache is not None:
            cache.close()


def judge_run(run_dir: RunDir, loaded: dict[str, tuple[Any, list[Sample]]], task_args: dict[str, str],
              judge: str | None = None, judge_args: dict[str, Any] | None = None,
              own_only: bool = False) -> dict[str, Any]:
    """The judge phase of a run: judge what ``judgements.jsonl`` lacks; returns judge usage.

    ``judge`` (``BACKEND:MODEL``) overrides each checker's upstream default; ``"none"`` judges
    nothing (judge checks are then skipped). Finished calls (status ok, same judge) are not repeated.
    ``own_only``: send only the calls whose judge a pack option chose (e.g. CoDI's ``-T judge=``).
    """
    if judge == NO_JUDGE:
        return journal_usage(run_dir)
    args = judge_settings(judge_args)
    generations = run_dir.read_generations()
    tried: set[tuple[str, str, int, str]] = set()
    while True:  # one round per step of the longest judge chain
        stored = read_judgements(run_dir)
        done = {k for k, r in stored.items() if r.status == "ok" and (judge is None or r.judge == judge)}
        usable = context_judgements({k: r for k, r in stored.items() if k in done})
        pending: list[_Pending] = []
        for pack, samples in loaded.values():
            calls = collect_calls(samples, generations, pack.mode(task_args), judge, usable)
            pending.extend(p for p in calls if _pkey(p) not in done and _pkey(p) not in tried
                           and not _stored_ok(stored.get(_pkey(p)), p.spec) and (p.call.judge or not own_only))
        if not pending:
            return journal_usage(run_dir)
        tried.update(_pkey(p) for p in pending)
        _send_all(pending, args, run_dir)


def _pkey(p: _Pending) -> tuple[str, str, int, str]:
    return (p.request.pack, p.request.sample_id, p.request.epoch, p.call.group)


def _stored_ok(row: JudgementRow | None, spec: str) -> bool:
    """A finished verdict from the judge this call goes to (a pack-chosen judge under --judge)."""
    return row is not None and row.status == "ok" and row.judge == spec


def _send_all(pending: list[_Pending], args: dict[str, Any], run_dir: RunDir) -> None:
    """Send pending calls in batches of one pack, judge and judge settings (a pack's judge
    temperature, max_tokens and re-judge rounds never apply to another pack's calls)."""
    batches: dict[tuple[str, str, str | None, JudgeDefaults], list[_Pending]] = {}
    for p in pending:
        batches.setdefault(p.batch, []).append(p)
    for (pack, spec, _, _), items in batches.items():
        print(f"judging {len(items)} {pack} calls with {spec}", file=sys.stderr)
        try:
            _send(spec, items, args, run_dir)
        except EvalkitError as exc:
            raise EvalkitError(f"judge {spec}: {exc} (generations are kept; pass --judge BACKEND:MODEL "
                               f"or --judge none)") from None


def import_judgements(run_dir: RunDir, rows: Sequence[JudgementRow]) -> None:
    """Store judgements produced elsewhere (e.g. upstream judge outputs) as finished verdicts."""
    append_judgements(run_dir, rows)


def judgements_path(run_dir: Path) -> Path:
    """Where a run directory keeps its judge verdicts."""
    return Path(run_dir) / JUDGEMENTS


def judge_phase(run_dir: RunDir, manifest: dict[str, Any], loaded: dict[str, tuple[Any, list[Sample]]],
                task_args: dict[str, str], judge: str | None, judge_args: dict[str, Any] | None,
                own_only: bool = False) -> None:
    """Run the judge phase when a pack has judge checkers, recording the judge in the manifest
    (``own_only``: only the calls of judges chosen by pack options, see :func:`judge_run`)."""
    if not any(_has_judges(samples) for _, samples in loaded.values()):
        return
    manifest["judge"] = {"spec": judge, "args": {k: v for k, v in (judge_args or {}).items() if "key" not in k.lower()}}
    judge_run(run_dir, loaded, task_args, judge, judge_args, own_only)


def has_own_judges(loaded: dict[str, tuple[Any, list[Sample]]]) -> bool:
    """Whether a constraint of ``loaded`` asks a judge a pack option chose (``own_judge``)."""
    seen: set[tuple[str, str]] = set()
    for _, samples in loaded.values():
        for c in (c for s in samples for c in s.constraints):
            key = (c.checker, repr(sorted(c.params.items())))
            if key in seen:
                continue
            seen.add(key)
            checker = build_checker(c.checker, c.params)
            if isinstance(checker, JudgeChecker) and checker.own_judge() is not None:
                return True
    return False


def preflight_judges(loaded: dict[str, tuple[Any, list[Sample]]], judge: str | None,
                     judge_args: dict[str, Any] | None) -> None:
    """Before any generation: fail now if a judge the run will need cannot run (no API key…)."""
    from evalkit.backends import make_backend
    from evalkit.checking import checker_class

    if judge == NO_JUDGE:
        return
    args = judge_settings(judge_args)
    specs: set[tuple[str, str | None]] = set()
    seen: set[tuple[str, str]] = set()
    for _, samples in loaded.values():
        for c in (c for s in samples for c in s.constraints):
            key = (c.checker, repr(sorted(c.params.items())))
            cls = checker_class(c.checker)
            if key in seen or cls is None or not issubclass(cls, JudgeChecker):
                continue
            seen.add(key)
            checker = build_checker(c.checker, c.params)
            assert isinstance(checker, JudgeChecker)
            own = checker.own_judge()
            if own is not None:
                specs.add(own)
            elif checker.judge_model() is not None:
                specs.add((judge or cls.judge_defaults.model, args.get("base_url")))
    options = {k: v for k, v in args.items() if k not in PHASE_KEYS}
    for spec, base_url in sorted(specs, key=str):
        try:
            if spec in _SENDERS:
                _SENDERS[spec](options).preflight()
                continue
            make_backend(spec, options, base_url=base_url).preflight()
        except EvalkitError as exc:
            raise EvalkitError(f"judge {spec} cannot run: {exc} (pass --judge BACKEND:MODEL, -J base_url=…, "
                               f"or --judge none to skip judged constraints)") from None


def _has_judges(samples: Sequence[Sample]) -> bool:
    from evalkit.checking import checker_class

    classes = (checker_class(i) for i in {c.checker for s in samples for c in s.constraints})
    return any(cls is not None and issubclass(cls, JudgeChecker) for cls in classes)


def grading_judgements(run_dir: RunDir) -> dict[tuple[str, str, int], dict[str, Judgement]]:
    """The stored verdicts of a run directory, keyed for ``Grader(judgements=...)``."""
    return context_judgements(read_judgements(run_dir))


def attach_usage(run_dir: RunDir, manifest: dict[str, Any], per_pack: dict[str, dict[str, Any]]) -> None:
    """Put judge calls/tokens/cost in ``run.json`` and in each judged pack's ``counts.judge``."""
    if not (run_dir.path / JUDGEMENTS).is_file():
        return
    manifest["judge_usage"] = journal_usage(run_dir)
    for name, entry in per_pack.items():
        usage = journal_usage(run_dir, name)
        if usage["calls"] or usage["imported"]:
            entry.setdefault("counts", {})["judge"] = usage
