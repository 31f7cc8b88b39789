"""The ``evalkit generate`` command (registered in ``cli.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from evalkit.errors import EvalkitError


def read_tasks(path: Path) -> tuple[str, ...]:
    """Base questions from ``--tasks``: one per line (blank lines and ``#`` comments skipped),
    or a JSONL file of ``{"prompt": …}`` / ``{"task": …}`` objects."""
    import json

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalkitError(f"--tasks {path}: cannot read: {exc}") from None
    tasks: list[str] = []
    for lineno, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("{"):
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise EvalkitError(f"--tasks {path} line {lineno}: invalid JSON: {exc.msg}") from None
            text = str(obj.get("prompt") or obj.get("task") or "").strip()
            if not text:
                raise EvalkitError(f"--tasks {path} line {lineno}: expected a \"prompt\" or \"task\" string")
        tasks.append(text)
    if not tasks:
        raise EvalkitError(f"--tasks {path}: no tasks")
    return tuple(tasks)


@click.command()
@click.option("--n", "n", required=True, type=click.IntRange(1), help="Number of prompts.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed and options: same files.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Pack folder to write.")
@click.option("--levels", default=None, help="I,II,III,IV or 1-4 (level N = N distinct categories).")
@click.option("--patterns", default=None, help="Example,Listing,Incorporation (default: all three).")
@click.option("--categories", default=None, help="Content,Format,Language,Length (default: all four).")
@click.option("--constraints-per-prompt", "constraints", default=None, help="K or A-B (1…50); default: level or level+1.")
@click.option("--language", default="en", show_default=True, help="en, zh or en,zh.")
@click.option("--tasks", "tasks_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Your own base questions: one per line, or JSONL with \"prompt\".")
@click.option("--rewrite", default=None, help="BACKEND:MODEL that paraphrases each prompt (params are kept).")
@click.option("--name", default="generated", show_default=True, help="Pack name written to pack.json.")
def generate(n: int, seed: int, out: Path, levels: str | None, patterns: str | None, categories: str | None,
             constraints: str | None, language: str, tasks_file: Path | None, rewrite: str | None, name: str) -> None:
    """Write a fresh, verifiable data-only pack: pack.json, samples.jsonl, references.jsonl."""
    try:
        from evalkit.generate import generate_pack, make_options

        tasks = read_tasks(tasks_file) if tasks_file else ()
        opts = make_options(n, seed, levels, patterns, categories, constraints, language, tasks,
                            str(tasks_file) if tasks_file else None)
        summary = generate_pack(opts, out, name=name, rewrite=rewrite)
    except EvalkitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # --out is a file, read-only, disk full: one line, not a traceback
        click.echo(f"error: cannot write {exc.filename or out}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    extra = ""
    if rewrite:
        extra = f", {summary['rewritten']} paraphrased, {summary['rewrite_dropped']} paraphrases dropped"
    click.echo(f"wrote {summary['samples']} samples to {out}{extra}", err=True)
