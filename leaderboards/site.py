"""Static leaderboard site from run directories (no server, no build step; works from file://).

Reads only run-directory files (``run.json``, ``scores.json``, ``checks.jsonl``,
``generations.jsonl``). Every string from a model or a dataset is escaped by Jinja2's
autoescaping; the only script on the pages is the table sorter shipped here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from evalkit.errors import EvalkitError
from evalkit.leaderboards.chart import level_chart_svg
from evalkit.store import RunDir, write_json_atomic

LEVEL_TABLES = ("level",)


@dataclass(frozen=True)
class RunEntry:
    """One run as the site shows it."""

    slug: str
    label: str
    path: Path
    manifest: dict[str, Any]
    scores: dict[str, Any]


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "run"
    slug, i = base, 2
    while slug in taken:
        slug, i = f"{base}-{i}", i + 1
    taken.add(slug)
    return slug


def load_runs(paths: list[Path]) -> list[RunEntry]:
    """Read each run directory's manifest and scores; EvalkitError for one that is not a scored run."""
    taken: set[str] = set()
    entries = []
    for path in paths:
        rd = RunDir(path)
        manifest, scores = rd.read_manifest(), rd.read_scores()
        responses = manifest.get("responses_file")
        label = str(manifest.get("model") or (f"responses:{Path(responses).name}" if responses else path.name))
        entries.append(RunEntry(_slug(f"{label}-{path.name}", taken), label, path, manifest, scores))
    return entries


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("evalkit.leaderboards", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.2f}"
    # the page's only script, allowed by hash in the Content-Security-Policy
    sorter = (resources.files("evalkit.leaderboards") / "templates" / "sorter.js").read_text(encoding="utf-8")
    env.globals["sorter"] = sorter
    env.globals["sorter_hash"] = base64.b64encode(hashlib.sha256(sorter.encode()).digest()).decode()
    return env


def leaderboard_data(runs: list[RunEntry]) -> dict[str, Any]:
    """The ``leaderboard.json`` document: per pack, one entry per run, best headline first."""
    packs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        for pack, data in run.scores.get("packs", {}).items():
            headline = data.get("headline", "accuracy")
            packs[pack].append({"run": run.slug, "model": run.label, "headline": headline,
                                "score": data["metrics"].get(headline), "metrics": data["metrics"],
                                "ci": data.get("ci", {}), "counts": data.get("counts", {}),
                                "tables": data.get("tables", {})})
    for entries in packs.values():
        entries.sort(key=lambda e: -1.0 if e["score"] is None else -e["score"])
    return {"schema_version": 1, "packs": dict(packs)}


def _pivot(entries: list[dict[str, Any]], table: str) -> tuple[list[str], list[dict[str, Any]]]:
    values: list[str] = []
    for e in entries:
        for row in e["tables"].get(table, []):
            if str(row[table]) not in values:
                values.append(str(row[table]))
    rows = []
    for e in entries:
        cells = {str(r[table]): r for r in e["tables"].get(table, [])}
        rows.append({"model": e["model"], "run": e["run"], "cells": [cells.get(v) for v in values]})
    return values, rows


def _samples(run: RunEntry) -> list[dict[str, Any]]:
    rd = RunDir(run.path)
    gens = {(g.pack, g.sample_id, g.epoch): g for g in rd.read_generations()}
    by_unit: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for row in rd.read_checks():
        by_unit[(row.pack, row.sample_id, row.epoch)].append(row)
    out: list[dict[str, Any]] = []
    for key, checks in by_unit.items():
        gen = gens.get(key)
        failed = [c for c in checks if c.status != "ok" or not c.passed]
        out.append({"pack": key[0], "id": key[1], "epoch": key[2], "messages": (gen.messages if gen else None) or [],
                    "response": gen.response if gen else "", "status": gen.status if gen else "missing",
                    "checks": checks, "failed": len(failed)})
    out.sort(key=lambda s: (s["pack"], -s["failed"], s["id"]))
    return out


def build_site(paths: list[Path], out: Path) -> Path:
    """Render ``index.html``, one drill-down page per run and ``leaderboard.json`` into ``out``."""
    if not paths:
        raise EvalkitError("leaderboard needs at least one RUN_DIR")
    runs = load_runs(paths)
    data = leaderboard_data(runs)
    env = _environment()
    out.mkdir(parents=True, exist_ok=True)
    packs = []
    for pack, entries in data["packs"].items():
        tables = []
        for table in dict.fromkeys(t for e in entries for t in e["tables"]):
            values, rows = _pivot(entries, table)
            tables.append({"name": table, "columns": values, "rows": rows})
        chart = None
        if any("level" in e["tables"] for e in entries):
            chart = level_chart_svg([(e["model"], e["tables"].get("level", [])) for e in entries])
        packs.append({"name": pack, "entries": entries, "tables": tables, "chart": chart,
                      "metric_names": list(entries[0]["metrics"]) if entries else []})
    (out / "index.html").write_text(env.get_template("index.html.j2").render(packs=packs, runs=runs), encoding="utf-8")
    for run in runs:
        page = env.get_template("run.html.j2").render(run=run, samples=_samples(run),
                                                       manifest_json=json.dumps(run.manifest, indent=2, default=str))
        (out / f"{run.slug}.html").write_text(page, encoding="utf-8")
    write_json_atomic(out / "leaderboard.json", data)
    return out / "index.html"
