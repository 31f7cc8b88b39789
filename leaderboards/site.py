"""Static leaderboard site from run directories (no server, no build step; works from file://).

Reads only run-directory files (``run.json``, ``scores.json``, ``checks.jsonl``,
``generations.jsonl``) and each pack's metric and table declarations (through
:mod:`evalkit.scoreview`), so it builds for any mix of packs and multi-pack runs without naming
one. Pages: ``index.html`` (an overview with one row per run and one column per pack headline,
then one section per pack with its metrics, its declared tables and a level chart where a table's
dimension is ``level``), one drill-down page per run, and ``leaderboard.json``. Runs of a pack
that differ in version, scoring mode, ``-T`` options or data are shown as separate packs named
``pack[what=differs]``, never ranked in one column. Every string
from a model or a dataset is escaped by Jinja2's autoescaping; the only script is the table
sorter shipped here, allowed by its hash in the Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from evalkit.errors import EvalkitError
from evalkit.leaderboards.chart import level_chart_svg
from evalkit.reporting import run_label
from evalkit.scoreview import (
    PackView,
    TableView,
    fmt_ci,
    fmt_value,
    metric_kind,
    pack_views,
    read_run,
)
from evalkit.store import RunDir, write_json_atomic

LEVEL_DIMENSION = "level"
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RunEntry:
    """One run as the site shows it."""

    slug: str
    label: str
    path: Path
    manifest: dict[str, Any]
    scores: dict[str, Any]
    pack_names: dict[str, str] = field(default_factory=dict)  # pack -> shown name (variants told apart)

    @property
    def views(self) -> list[PackView]:
        """The run's packs, as declared, under their shown names."""
        return [replace(v, name=self.pack_names.get(v.name, v.name)) for v in pack_views(self.scores)]


def _variant(manifest: dict[str, Any], pack: str) -> dict[str, str]:
    """What makes scores of ``pack`` in this run comparable with another run's: pack version,
    scoring mode, ``-T`` options and data files (from ``run.json``)."""
    entry = (manifest.get("packs") or {}).get(pack) or {}
    options = entry.get("options")
    out = {str(k): str(v) for k, v in sorted((options if isinstance(options, dict) else {}).items()) if k != "mode"}
    out["mode"] = str(entry.get("mode"))
    out["version"] = str(entry.get("version"))
    data = json.dumps(entry.get("data_sha256"), sort_keys=True)
    out["data"] = hashlib.sha256(data.encode()).hexdigest()[:8]
    return out


def _shown_names(read: list[tuple[Path, dict[str, Any], dict[str, Any]]]) -> list[dict[str, str]]:
    """Per run, the name each pack is shown under: the pack's name, plus ``[what differs]`` when
    runs of that pack differ in version, mode, options or data (so they never share a column)."""
    variants: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for i, (_, manifest, scores) in enumerate(read):
        for pack in scores.get("packs", {}):
            variants[pack].append((i, _variant(manifest, pack)))
    shown: list[dict[str, str]] = [{} for _ in read]
    for pack, found in variants.items():
        if len({json.dumps(v, sort_keys=True) for _, v in found}) < 2:
            continue
        keys = sorted({k for _, v in found for k in v} - {"data"})
        differing = [k for k in keys if len({v.get(k, "default") for _, v in found}) > 1]
        told_apart = len({tuple(v.get(k, "default") for k in differing) for _, v in found})
        if told_apart < len({json.dumps(v, sort_keys=True) for _, v in found}):
            differing.append("data")  # only the data files differ between some of them
        for i, v in found:
            label = ",".join(f"{k}={_WHITESPACE.sub('_', v.get(k, 'default'))}" for k in differing)
            shown[i][pack] = f"{pack}[{label}]"
    return shown


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "run"
    slug, i = base, 2
    while slug in taken or slug == "index":
        slug, i = f"{base}-{i}", i + 1
    taken.add(slug)
    return slug


def load_runs(paths: list[Path]) -> list[RunEntry]:
    """Read each run directory's manifest and scores; EvalkitError for one that is not a scored run."""
    taken: set[str] = set()
    read = [(path, *read_run(path)) for path in paths]
    labels = [run_label(manifest, path.name) for path, manifest, _ in read]
    entries = []
    for (path, manifest, scores), label, names in zip(read, labels, _shown_names(read), strict=True):
        if labels.count(label) > 1:  # runs under the same name: tell them apart by folder
            label = f"{label} ({path.parent.name}/{path.name})"
        entries.append(RunEntry(_slug(f"{label}-{path.name}", taken), label, path, manifest, scores, names))
    return entries


def redacted(obj: Any) -> Any:
    """``obj`` as run pages may show it: :func:`evalkit.redact.redact` (secret-named strings and
    URL credentials masked), and also whole lists or objects under a secret-named key masked."""
    from evalkit.redact import MASK, is_secret_name, redact

    def containers(value: Any, name: str = "") -> Any:
        if name and is_secret_name(name) and isinstance(value, dict | list) and value:
            return MASK
        if isinstance(value, dict):
            return {k: containers(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [containers(v) for v in value]
        return value

    return containers(redact(obj))


def portable(obj: Any, out: Path) -> Any:
    """``obj`` with every absolute path string (keys too) made relative to ``out`` (where the
    site is built), so pages never show the building machine's folders."""
    if isinstance(obj, dict):
        return {portable(k, out): portable(v, out) for k, v in obj.items()}
    if isinstance(obj, list):
        return [portable(v, out) for v in obj]
    if isinstance(obj, str) and os.path.isabs(obj) and "\n" not in obj:
        try:
            return os.path.relpath(obj, out.resolve())
        except ValueError:  # another drive (Windows)
            return Path(obj).name
    return obj


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("evalkit.leaderboards", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.2f}"
    env.filters["cell"] = fmt_value
    # the page's only script, allowed by hash in the Content-Security-Policy
    sorter = (resources.files("evalkit.leaderboards") / "templates" / "sorter.js").read_text(encoding="utf-8")
    env.globals["sorter"] = sorter
    env.globals["sorter_hash"] = base64.b64encode(hashlib.sha256(sorter.encode()).digest()).decode()
    return env


def _sort_key(entry: dict[str, Any]) -> tuple[int, float]:
    score, direction = entry["score"], entry["direction"]
    if score is None:
        return 1, 0.0
    return 0, (score if direction == "lower" else -score)


def _entry(run: RunEntry, view: PackView) -> dict[str, Any]:
    head = view.headlines[0] if view.headlines else None
    return {"run": run.slug, "model": run.label, "headline": head.name if head else None,
            "direction": head.direction if head else "higher", "score": head.value if head else None,
            "headlines": [m.name for m in view.headlines],
            "metrics": {m.name: m.value for m in view.metrics},
            "ci": {m.name: [m.ci_low, m.ci_high] for m in view.metrics},
            "declarations": [{"name": m.name, "description": m.description, "direction": m.direction,
                              "headline": m.headline} for m in view.metrics],
            "counts": view.counts, "tables": {t.name: list(t.rows) for t in view.tables}}


def leaderboard_data(runs: list[RunEntry]) -> dict[str, Any]:
    """The ``leaderboard.json`` document: the runs, and per pack one entry per run holding it,
    best first by the pack's first headline metric in its declared direction."""
    packs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        for view in run.views:
            packs[view.name].append(_entry(run, view))
    for entries in packs.values():
        entries.sort(key=_sort_key)
    return {"schema_version": 2, "runs": [{"slug": r.slug, "name": r.label} for r in runs], "packs": dict(packs)}


def _metric_cell(view: PackView | None, name: str) -> dict[str, Any]:
    m = view.metric(name) if view else None
    if m is None:
        return {"text": "—", "sort": "", "title": "not in this run"}
    kind = metric_kind(m)
    ci = fmt_ci(m.ci_low, m.ci_high, kind)
    return {"text": fmt_value(m.value, kind), "sort": "" if m.value is None else repr(m.value),
            "title": f"95% CI {ci}" if ci else "no interval"}


def _columns(views: list[PackView]) -> list[dict[str, Any]]:
    """(pack, metric) columns: declared metrics in order of first appearance over the runs."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for view in views:
        for m in view.metrics:
            seen.setdefault((view.name, m.name), {"pack": view.name, "metric": m.name, "direction": m.direction,
                                                  "description": m.description, "headline": m.headline})
    return list(seen.values())


def overview(runs: list[RunEntry]) -> dict[str, Any]:
    """One row per run, one column per (pack, headline metric) over all runs."""
    by_run = [(run, {v.name: v for v in run.views}) for run in runs]
    columns = [c for c in _columns([v for _, views in by_run for v in views.values()]) if c["headline"]]
    rows = [{"run": run.slug, "label": run.label,
             "cells": [_metric_cell(views.get(c["pack"]), c["metric"]) for c in columns]} for run, views in by_run]
    return {"columns": columns, "rows": rows}


def _table_section(name: str, tables: list[tuple[RunEntry, TableView]]) -> dict[str, Any]:
    """One declared table over the runs: a row per (dimension value, run), a cell per declared column."""
    first = tables[0][1]
    columns = list({c.name: c for _, t in tables for c in t.columns}.values())
    values = list(dict.fromkeys(str(r.get(t.dimension, "")) for _, t in tables for r in t.rows))
    rows = []
    for value in values:
        for run, t in tables:
            row = next((r for r in t.rows if str(r.get(t.dimension, "")) == value), None)
            if row is None:
                continue
            cells = []
            for c in columns:
                ci = fmt_ci(*t.ci(row, c.name), c.kind)
                raw = row.get(c.name)
                cells.append({"text": fmt_value(raw, c.kind), "title": f"95% CI {ci}" if ci else "",
                              "sort": repr(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else ""})
            rows.append({"value": value, "run": run.slug, "label": run.label, "cells": cells})
    return {"name": name, "dimension": first.dimension, "description": first.description,
            "columns": [{"name": c.name, "kind": c.kind, "description": c.description} for c in columns], "rows": rows}


def _chart(tables: list[tuple[RunEntry, TableView]]) -> str | None:
    """The level chart of the first table whose dimension is ``level`` and that has a rate column."""
    levelled = [(run, t) for run, t in tables if t.dimension == LEVEL_DIMENSION and t.primary is not None
                and t.primary.kind == "rate"]
    if not levelled:
        return None
    name = levelled[0][1].name
    series = []
    for run, t in levelled:
        if t.name == name and t.primary is not None:
            col = t.primary.name
            series.append((run.label, [(str(r.get(t.dimension, "")), _rate(r.get(col))) for r in t.rows]))
    return level_chart_svg(series, label=name)


def _rate(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def pack_sections(runs: list[RunEntry]) -> list[dict[str, Any]]:
    """Per pack: its metrics over the runs (best first), its declared tables and its level chart."""
    data = leaderboard_data(runs)
    by_slug = {r.slug: r for r in runs}
    sections = []
    for pack, entries in data["packs"].items():
        pairs = [(run, next(v for v in run.views if v.name == pack)) for run in (by_slug[e["run"]] for e in entries)]
        columns = _columns([view for _, view in pairs])
        rows = [{"run": run.slug, "label": run.label, "units": view.units,
                 "cells": [_metric_cell(view, c["metric"]) for c in columns]} for run, view in pairs]
        tables: dict[str, list[tuple[RunEntry, TableView]]] = {}
        for run, view in pairs:
            for t in view.tables:
                tables.setdefault(t.name, []).append((run, t))
        flat = [pair for same in tables.values() for pair in same]
        sections.append({"name": pack, "columns": columns, "rows": rows, "chart": _chart(flat),
                         "tables": [_table_section(name, same) for name, same in tables.items()]})
    return sections


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
        out.append({"pack": run.pack_names.get(key[0], key[0]), "id": key[1], "epoch": key[2], "messages": (gen.messages if gen else None) or [],
                    "response": gen.response if gen else "", "status": gen.status if gen else "missing",
                    "checks": checks, "failed": len(failed)})
    out.sort(key=lambda s: (s["pack"], -s["failed"], s["id"]))
    return out


def _run_page(env: Environment, run: RunEntry, out: Path) -> str:
    try:
        where = os.path.relpath(run.path.resolve(), out.resolve())
    except ValueError:  # another drive (Windows): say nothing rather than an absolute path
        where = None
    summary = [{"pack": v.name, "metrics": [{"name": m.name, "headline": m.headline, **_metric_cell(v, m.name)}
                                            for m in v.metrics]} for v in run.views]
    manifest = json.dumps(portable(redacted(run.manifest), out), indent=2, default=str, ensure_ascii=False)
    return env.get_template("run.html.j2").render(run=run, where=where, summary=summary, samples=_samples(run),
                                                  manifest_json=manifest)


def build_site(paths: list[Path], out: Path) -> Path:
    """Render ``index.html``, one drill-down page per run and ``leaderboard.json`` into ``out``."""
    if not paths:
        raise EvalkitError("leaderboard needs at least one RUN_DIR")
    runs = load_runs(paths)
    env = _environment()
    out.mkdir(parents=True, exist_ok=True)
    index = env.get_template("index.html.j2").render(runs=runs, overview=overview(runs), packs=pack_sections(runs))
    (out / "index.html").write_text(index, encoding="utf-8")
    for run in runs:
        (out / f"{run.slug}.html").write_text(_run_page(env, run, out), encoding="utf-8")
    write_json_atomic(out / "leaderboard.json", leaderboard_data(runs))
    return out / "index.html"
