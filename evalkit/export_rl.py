"""``evalkit export-rl``: a pack's prompts and code-checked constraints as an RL training set.

``export_rl("muldimif", out)`` writes ``out/muldimif.jsonl``, one row per sample:
``{"id", "messages", "constraints": [{"checker", "params", "dimensions"?}], "meta", "reference"?}``
— the data-only pack format, so the file also loads with ``--pack out/muldimif.jsonl`` and its
``constraints`` feed :func:`evalkit.rewards.reward` (or the TRL/verl adapters) unchanged.

Only constraints checked by code are exported: a sample with a judged constraint (an LLM judge
or a classifier, :class:`evalkit.judging.JudgeChecker`) is skipped and counted, and a pack whose
samples are all judged writes no file. The file is written to a temporary name and renamed, so
a failed export leaves no partial file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalkit.checking import checker_class
from evalkit.errors import EvalkitError
from evalkit.types import Sample


@dataclass(frozen=True)
class ExportResult:
    """What one pack's export did: the file written (None when nothing was exportable)."""

    pack: str
    path: Path | None
    written: int
    skipped_ids: list[str] = field(default_factory=list)


def judged_constraints(sample: Sample) -> list[str]:
    """Ids of the sample's checkers that need a model (judge or classifier) to give a verdict."""
    from evalkit.judging import JudgeChecker

    judged = []
    for c in sample.constraints:
        cls = checker_class(c.checker)
        if cls is None or issubclass(cls, JudgeChecker):
            judged.append(c.checker)
    return judged


def export_row(sample: Sample) -> dict[str, Any]:
    """The training row of one sample (see the module docstring)."""
    constraints = []
    for c in sample.constraints:
        spec: dict[str, Any] = {"checker": c.checker, "params": c.params}
        if c.dimensions:
            spec["dimensions"] = c.dimensions
        constraints.append(spec)
    row: dict[str, Any] = {"id": sample.id, "messages": [dict(m) for m in sample.messages],
                           "constraints": constraints, "meta": dict(sample.meta)}
    if sample.reference is not None:
        row["reference"] = sample.reference
    return row


def _file_name(pack_name: str) -> str:
    name = Path(pack_name).name
    return name[: -len(".jsonl")] if name.endswith(".jsonl") else name


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` as JSONL to ``path`` atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_rl(pack_name: str, out: Path | str, data_dir: Path | None = None,
              task_args: dict[str, str] | None = None) -> ExportResult:
    """Export one pack (a name or a data-only pack path) to ``out/<pack>.jsonl``."""
    from evalkit.api import load_pack
    from evalkit.packs import get_pack

    pack = get_pack(pack_name)
    samples = load_pack(pack, data_dir, dict(task_args or {}))
    rows, skipped = [], []
    for sample in samples:
        if judged_constraints(sample):
            skipped.append(sample.id)
        else:
            rows.append(export_row(sample))
    if not rows:
        return ExportResult(pack.name, None, 0, skipped)
    path = Path(out) / f"{_file_name(pack.name)}.jsonl"
    try:
        write_rows(path, rows)
    except OSError as exc:
        raise EvalkitError(f"cannot write {path}: {exc.strerror or exc}") from None
    return ExportResult(pack.name, path, len(rows), skipped)


def _task_args(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise EvalkitError(f"-T expects key=value, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _report(result: ExportResult) -> None:
    import click

    if result.skipped_ids:
        shown = ", ".join(result.skipped_ids[:10]) + (" …" if len(result.skipped_ids) > 10 else "")
        click.echo(f"{result.pack}: skipped {len(result.skipped_ids)} samples with judged checks ({shown})", err=True)
    if result.path is None:
        click.echo(f"{result.pack}: skipped (every sample has judged checks); no file written", err=True)
    else:
        click.echo(f"{result.pack}: {result.written} samples -> {result.path}", err=True)


def _command() -> Any:
    import click

    @click.command(name="export-rl")
    @click.option("--pack", "packs", required=True, help="Pack name(s), comma-separated, or a data-only pack path.")
    @click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write.")
    @click.option("-T", "task_args", multiple=True, help="Pack argument key=value (e.g. split=train).")
    @click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, envvar="EVALKIT_DATA_DIR")
    def export_rl_command(packs: str, out: Path, task_args: tuple[str, ...], data_dir: Path | None) -> None:
        """Write OUT/<pack>.jsonl training rows (id, messages, constraints, meta) for RL rewards."""
        import sys

        try:
            options = _task_args(task_args)
            results = [export_rl(name.strip(), out, data_dir, options) for name in packs.split(",") if name.strip()]
        except EvalkitError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        for result in results:
            _report(result)
        written = sum(r.written for r in results)
        skipped = sum(len(r.skipped_ids) for r in results)
        click.echo(f"exported {written} samples, skipped {skipped} with judged checks", err=True)

    return export_rl_command


export_rl_command = _command()
