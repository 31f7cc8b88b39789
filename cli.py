"""The ``evalkit`` command line: a thin layer over :mod:`evalkit.api`."""

from __future__ import annotations

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
        try:
            return fn(*args, **kwargs)
        except EvalkitError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _kv(pairs: tuple[str, ...], flag: str) -> dict[str, Any]:
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


@main.command()
@click.option("--pack", "packs", default=None, help="Pack name(s), comma-separated (default: the embedded starter pack).")
@click.option("--model", default=None, help="BACKEND:MODEL, e.g. local:smollm2, openai:gpt-4o-mini, mock:echo.")
@click.option("--base-url", default=None, help="Base URL of an OpenAI-compatible server.")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1))
@click.option("--limit", default=None, type=click.IntRange(1), help="Only the first N samples of each pack.")
@click.option("--epochs", default=1, show_default=True, type=click.IntRange(1))
@click.option("--max-tokens", default=None, type=click.IntRange(1), help="Default: the pack's (starter 200, MulDimIF 8192).")
@click.option("--temperature", default=0.0, show_default=True, type=float)
@click.option("--top-p", default=None, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--system-message", default=None)
@click.option("-M", "model_args", multiple=True, help="Backend argument key=value (repeatable).")
@click.option("-T", "task_args", multiple=True, help="Pack argument key=value, e.g. mode=strict (repeatable).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="EVALKIT_DATA_DIR")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Run directory.")
@click.option("--resume", is_flag=True, help="Continue the run in --out (re-running into --out also resumes).")
@_friendly
def run(packs: str | None, model: str | None, base_url: str | None, concurrency: int, limit: int | None, epochs: int,
        max_tokens: int | None, temperature: float, top_p: float | None, seed: int, system_message: str | None,
        model_args: tuple[str, ...], task_args: tuple[str, ...], data_dir: Path | None, out: Path | None, resume: bool) -> None:
    """Generate responses, grade them and print the tables."""
    from evalkit import api
    from evalkit.reporting import render
    from evalkit.types import GenerationConfig

    pack_list = [p.strip() for p in packs.split(",") if p.strip()] if packs else None
    if out is None:
        if resume:
            raise EvalkitError("--resume needs --out RUN_DIR")
        label = (model or api.DEFAULT_MODEL).replace(":", "-").replace("/", "_")
        out = Path("runs") / f"{datetime.now():%Y%m%d-%H%M%S}-{label}"
    config = GenerationConfig(max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed,
                              system_message=system_message)
    scores = api.run(pack_list, model, out=out, base_url=base_url, concurrency=concurrency, limit=limit, epochs=epochs,
                     config=config, model_args=_kv(model_args, "-M"), task_args={k: str(v) for k, v in _kv(task_args, "-T").items()},
                     data_dir=data_dir, resume=resume)
    render(scores)
    click.echo(f"run directory: {out}", err=True)


@main.command()
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--pack", default=None, help="With --responses: the pack the responses answer.")
@click.option("--responses", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help='JSONL file of {"id": ..., "response": ...} rows.')
@click.option("-T", "task_args", multiple=True, help="Pack argument key=value (repeatable).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="EVALKIT_DATA_DIR")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@_friendly
def score(run_dir: Path | None, pack: str | None, responses: Path | None, task_args: tuple[str, ...],
          data_dir: Path | None, out: Path | None) -> None:
    """Re-grade RUN_DIR, or grade --responses FILE for --pack P into --out DIR."""
    from evalkit import api
    from evalkit.reporting import render

    if responses is not None:
        if not pack or out is None:
            raise EvalkitError("--responses needs --pack P and --out DIR")
        if not responses.is_file():
            raise EvalkitError(f"responses file not found: {responses}")
        scores = api.score_responses(pack, responses, out=out, data_dir=data_dir,
                                     task_args={k: str(v) for k, v in _kv(task_args, "-T").items()})
    elif run_dir is not None:
        scores = api.score(run_dir, data_dir=data_dir)
    else:
        raise EvalkitError("give RUN_DIR, or --pack P --responses FILE --out DIR")
    render(scores)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@_friendly
def report(run_dir: Path) -> None:
    """Print the score tables of RUN_DIR."""
    from evalkit.reporting import render
    from evalkit.store import RunDir

    render(RunDir(run_dir).read_scores())


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


if __name__ == "__main__":
    main()
