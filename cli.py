"""The ``evalkit`` command line: a thin layer over :mod:`evalkit.api`."""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from evalkit.errors import EvalkitError

F = TypeVar("F", bound=Callable[..., Any])


def _friendly(fn: F) -> F:
    """Turn EvalkitError into one line on stderr and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from evalkit.redact import redact_text

        try:
            return fn(*args, **kwargs)
        except EvalkitError as exc:
            click.echo(f"error: {redact_text(str(exc))}", err=True)
            sys.exit(2)
        except OSError as exc:  # disk full, read-only filesystem, permissions: one line, not a traceback
            if exc.errno not in _DISK_ERRNOS:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: cannot write {where}{exc.strerror or exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


_DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}
# -M/-J keys whose values must be numbers: (whole number, must be > 0)
_NUMERIC_ARGS = {"max_retries": (True, False), "concurrency": (True, True), "timeout": (False, True),
                 "rejudge": (True, False), "max_tokens": (True, True), "temperature": (False, False)}


def _kv(pairs: tuple[str, ...], flag: str) -> dict[str, Any]:
    """Parse ``key=value`` pairs (values as JSON where they parse); numeric keys are checked."""
    from evalkit.backends.base import number_option

    out = _parse_kv(pairs, flag)
    for key, (integer, positive) in _NUMERIC_ARGS.items():
        if key in out:
            number_option(out, key, 0, flag, integer=integer, positive=positive)
    return out


def _parse_kv(pairs: tuple[str, ...], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise EvalkitError(f"{flag} expects key=value, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


@click.group()
@click.version_option(package_name="evalkit-if")
def main() -> None:
    """evalkit: instruction-following evaluation with faithful upstream scorers."""


def _run_options(fn: F) -> F:
    """The options of ``evalkit run`` (kept apart so the command itself stays short)."""
    options = [
        click.option("--pack", "packs", default=None, help="Pack name(s), comma-separated (default: the embedded starter pack)."),
        click.option("--model", default=None, help="BACKEND:MODEL, e.g. local:smollm2, openai:gpt-4o-mini, anthropic:…, "
                     "litellm:PROVIDER/MODEL, vllm:PATH, vllm-server:MODEL, mock:echo."),
        click.option("--base-url", "base_urls", multiple=True, help="Base URL of a compatible server (repeatable for vllm-server)."),
        click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1), help="Requests in flight (API backends)."),
        click.option("--limit", default=None, type=click.IntRange(1), help="Only the first N samples of each pack."),
        click.option("--epochs", default=1, show_default=True, type=click.IntRange(1), help="Samples per prompt (mean and pass@k)."),
        click.option("--max-tokens", default=None, type=click.IntRange(1), help="Default: the pack's (starter 200, MulDimIF 8192)."),
        click.option("--temperature", default=0.0, show_default=True, type=click.FloatRange(min=0.0)),
        click.option("--top-p", default=None, type=click.FloatRange(min=0.0, max=1.0)),
        click.option("--seed", default=0, show_default=True, type=int),
        click.option("--system-message", default=None),
        click.option("--max-retries", default=5, show_default=True, type=click.IntRange(0), help="Retries per request (429, 5xx, timeouts)."),
        click.option("--retry-time", default=300.0, show_default=True, type=click.FloatRange(0), help="Seconds one request may spend retrying."),
        click.option("--timeout", default=120.0, show_default=True, type=click.FloatRange(0.001), help="Seconds per attempt."),
        click.option("--max-errors", default=None, type=click.FloatRange(0, 1), help="Abort when this fraction of requests failed."),
        click.option("--think-tags", default="<think>,</think>", show_default=True, help="OPEN,CLOSE tags of thinking to strip, or 'none'."),
        click.option("--cache/--no-cache", default=True, show_default=True, help="Serve identical requests from the request cache."),
        click.option("--dry-run", is_flag=True, help="Print the requests, estimated tokens and cost; send nothing."),
        click.option("-M", "model_args", multiple=True, help="Backend argument key=value (repeatable)."),
        click.option("-T", "task_args", multiple=True, help="Pack argument key=value, e.g. mode=strict (repeatable)."),
        click.option("--judge", default=None, help="Judge BACKEND:MODEL for judged packs (default: each pack's upstream "
                     "judge), or 'none'."),
        click.option("-J", "judge_args", multiple=True, help="Judge argument key=value, e.g. base_url=…, temperature=0, "
                     "concurrency=4, rejudge=0 (repeatable)."),
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="EVALKIT_DATA_DIR"),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Run directory."),
        click.option("--resume", is_flag=True, help="Continue the run in --out (re-running into --out also resumes)."),
        click.option("--name", default=None, help="Label of the run in reports and the leaderboard (default: the model)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _think_tags(value: str) -> tuple[str, str] | None:
    if value.strip().lower() == "none":
        return None
    open_tag, sep, close_tag = value.partition(",")
    if not sep or not open_tag or not close_tag:
        raise EvalkitError(f"--think-tags expects OPEN,CLOSE or none, got {value!r}")
    return open_tag, close_tag


def _print_dry_run(plan: dict[str, Any]) -> None:
    for request in plan.pop("requests"):
        click.echo(json.dumps(request, ensure_ascii=False))
    cost = plan["est_cost_usd_max"]
    click.echo(f"dry run: {plan['n_requests']} requests ({plan['already_done']} already done), "
               f"~{plan['est_prompt_tokens']} prompt tokens, at most {plan['max_completion_tokens']} completion tokens, "
               + (f"at most ${cost:.4f} ({plan['price_model']})" if cost is not None else "cost unknown")
               + (f", ${plan['est_cost_usd_max_standard']:.4f} at the normal price"
                  if "est_cost_usd_max_standard" in plan else "")
               + "; nothing sent", err=True)


def _pack_name(spec: str) -> str:
    """A ``--pack`` value as packs are keyed: a data-only pack's folder without trailing slashes
    (``my_pack/`` and ``my_pack`` are one pack)."""
    spec = spec.strip()
    return spec.rstrip("/") or spec


@main.command()
@_run_options
@_friendly
def run(packs: str | None, model: str | None, base_urls: tuple[str, ...], out: Path | None, resume: bool,
        dry_run: bool, **kw: Any) -> None:
    """Generate responses, grade them and print the tables."""
    from evalkit import api
    from evalkit.backends.pool import Limits
    from evalkit.reporting import render
    from evalkit.types import GenerationConfig

    pack_list = [_pack_name(p) for p in packs.split(",") if p.strip()] if packs else None
    config = GenerationConfig(max_tokens=kw["max_tokens"], temperature=kw["temperature"], top_p=kw["top_p"],
                              seed=kw["seed"], system_message=kw["system_message"])
    task_args = {k: str(v) for k, v in _kv(kw["task_args"], "-T").items()}
    if dry_run:
        _print_dry_run(api.dry_run(pack_list, model, epochs=kw["epochs"], config=config, limit=kw["limit"],
                                   data_dir=kw["data_dir"], task_args=task_args, out=out))
        return
    if out is None:
        if resume:
            raise EvalkitError("--resume needs --out RUN_DIR")
        label = (model or api.DEFAULT_MODEL).replace(":", "-").replace("/", "_")
        out = Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-{label}"
    limits = Limits(max_retries=kw["max_retries"], retry_time_s=kw["retry_time"], timeout_s=kw["timeout"])
    try:
        scores = api.run(pack_list, model, out=out, base_url=list(base_urls) or None, concurrency=kw["concurrency"],
                         limit=kw["limit"], epochs=kw["epochs"], config=config, model_args=_kv(kw["model_args"], "-M"),
                         task_args=task_args, data_dir=kw["data_dir"], resume=resume, limits=limits,
                         max_errors=kw["max_errors"], think_tags=_think_tags(kw["think_tags"]), use_cache=kw["cache"],
                         judge=kw["judge"], judge_args=_kv(kw["judge_args"], "-J"), name=kw["name"])
    finally:
        click.echo(f"run directory: {out}", err=True)
    render(scores)


@main.command()
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", default=None, help="With --responses: the pack the responses answer.")
@click.option("--responses", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help='JSONL file of {"id": ..., "response": ...} rows.')
@click.option("-T", "task_args", multiple=True, help="Pack argument key=value (repeatable).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="EVALKIT_DATA_DIR")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--judge", default=None, help="With --responses: judge BACKEND:MODEL for calls not already stored.")
@click.option("-J", "judge_args", multiple=True, help="Judge argument key=value (repeatable).")
@click.option("--name", default=None, help="Label of the run in reports and the leaderboard "
              "(default: responses:<file name>, or the run's current label).")
@_friendly
def score(run_dir: Path | None, pack: str | None, responses: Path | None, task_args: tuple[str, ...],
          data_dir: Path | None, out: Path | None, judge: str | None = None, judge_args: tuple[str, ...] = (),
          name: str | None = None) -> None:
    """Re-grade RUN_DIR (stored judge verdicts are re-parsed, never re-asked), or grade
    --responses FILE for --pack P into --out DIR."""
    from evalkit import api
    from evalkit.reporting import render

    if responses is not None:
        if not pack or out is None:
            raise EvalkitError("--responses needs --pack P and --out DIR")
        if not responses.is_file():
            raise EvalkitError(f"responses file not found: {responses}")
        scores = api.score_responses(_pack_name(pack), responses, out=out, data_dir=data_dir,
                                     task_args={k: str(v) for k, v in _kv(task_args, "-T").items()},
                                     judge=judge, judge_args=_kv(judge_args, "-J"), name=name)
    elif run_dir is not None:
        scores = api.score(run_dir, data_dir=data_dir, name=name)
    else:
        raise EvalkitError("give RUN_DIR, or --pack P --responses FILE --out DIR")
    render(scores)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table",
              show_default=True, help="table: for people (rich); json/csv/markdown: for machines and docs.")
@_friendly
def report(run_dir: Path, fmt: str) -> None:
    """Print the scores of RUN_DIR: headline metrics with 95% CIs, tables, statuses, tokens."""
    from evalkit import reporting
    from evalkit.scoreview import read_run

    manifest, scores = read_run(run_dir)
    if fmt == "json":
        click.echo(json.dumps(reporting.to_json(scores, manifest, str(run_dir)), indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(reporting.to_csv(scores), nl=False)
    elif fmt == "markdown":
        click.echo(reporting.to_markdown(scores, manifest))
    else:
        reporting.render_usage(manifest)
        reporting.render(scores)


@main.command()
@click.argument("baseline", type=click.Path(file_okay=False, path_type=Path))
@click.argument("current", type=click.Path(file_okay=False, path_type=Path))
@click.option("--max-drop", "max_drops", multiple=True, metavar="X|PACK.METRIC=X",
              help="Tolerated worsening of a headline metric (absolute, 0–1; default 0) before it counts as a "
                   "regression; PACK.METRIC=X sets one metric's own (repeatable).")
@click.option("--alpha", default=0.05, show_default=True, type=click.FloatRange(0, 1),
              help="Family-wise significance level (Holm–Bonferroni over the tested headlines).")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the JSON diff (default: CURRENT/compare.json).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a regression page: samples that flipped pass→fail and fail→pass.")
@click.option("--force", is_flag=True, help="Compare even when pack versions or data hashes differ.")
@_friendly
def compare(baseline: Path, current: Path, max_drops: tuple[str, ...], alpha: float, json_out: Path | None,
            html_out: Path | None, force: bool) -> None:
    """Compare CURRENT with BASELINE: every headline metric of every pack in both runs; exit 1
    when one is significantly worse (Holm–Bonferroni) by more than its --max-drop."""
    from evalkit.compare import compare_runs, parse_max_drops, summary_lines
    from evalkit.store import RunDir, write_json_atomic

    max_drop, overrides = parse_max_drops(max_drops)
    diff = compare_runs(RunDir(baseline), RunDir(current), max_drop=max_drop, alpha=alpha, force=force,
                        overrides=overrides)
    for warning in diff["warnings"]:
        click.echo(f"warning: {warning}", err=True)
    for line in summary_lines(diff):
        click.echo(line)
    write_json_atomic(json_out or current / "compare.json", diff)
    if html_out is not None:
        from evalkit.compare_html import write_regression_page

        click.echo(f"wrote {write_regression_page(RunDir(baseline), RunDir(current), diff, html_out)}", err=True)
    if diff["regressions"]:
        click.echo(f"regression: {', '.join(diff['regressions'])}", err=True)
        sys.exit(1)


@main.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Site directory.")
@_friendly
def leaderboard(run_dirs: tuple[Path, ...], out: Path) -> None:
    """Build a static leaderboard site (index.html, per-run pages, leaderboard.json) from RUN_DIRs."""
    from evalkit.leaderboards.site import build_site

    index = build_site(list(run_dirs), out)
    click.echo(f"wrote {index}", err=True)


@main.command(name="list")
@click.argument("what", type=click.Choice(["packs", "checkers", "backends"]), default="packs")
@_friendly
def list_(what: str) -> None:
    """List packs, checkers or backends."""
    if what == "packs":
        from evalkit.packs import all_packs

        for name, pack in sorted(all_packs().items()):
            click.echo(f"{name}\t{pack.version}\t{pack.description}")
    elif what == "checkers":
        from evalkit.checking import registry

        for cid, cls in sorted(registry().items()):
            click.echo(f"{cid}\t{(cls.__doc__ or '').strip().splitlines()[0] if cls.__doc__ else ''}")
    else:
        from evalkit.backends import BACKENDS

        for name, target in BACKENDS.items():
            click.echo(f"{name}\t{target}")


from evalkit.generate.command import generate as _generate  # noqa: E402 - the command lives in its own module

main.add_command(_generate)

from evalkit.export_rl import export_rl_command as _export_rl  # noqa: E402 - the command lives in its own module

main.add_command(_export_rl)


if __name__ == "__main__":
    main()
