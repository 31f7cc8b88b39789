"""``evalkit report`` formats: every pack's declared metrics (with 95% CIs, direction, headline)
and every table with its declared columns, as a terminal table, CSV, Markdown or JSON.

All formats read a pack through :func:`evalkit.scoreview.pack_views`; none names a pack.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from evalkit.scoreview import (
    MetricView,
    PackView,
    TableView,
    fmt_ci,
    fmt_value,
    metric_kind,
    pack_views,
)

ARROW = {"higher": "↑ higher is better", "lower": "↓ lower is better"}
CSV_FIELDS = ("pack", "table", "dimension", "key", "column", "kind", "value", "ci_low", "ci_high", "n",
              "direction", "headline")


def run_label(manifest: dict[str, Any], fallback: str = "") -> str:
    """The name a run is shown under: ``--name``, else the model, else ``responses:<file name>``,
    else ``fallback``."""
    if manifest.get("name"):
        return str(manifest["name"])
    if manifest.get("model"):
        return str(manifest["model"])
    responses = manifest.get("responses_file")
    if responses:
        return f"responses:{str(responses).replace(chr(92), '/').rsplit('/', 1)[-1]}"
    return fallback


def _metric_cells(m: MetricView) -> tuple[str, str]:
    kind = metric_kind(m)
    return fmt_value(m.value, kind), fmt_ci(m.ci_low, m.ci_high, kind)


def _column_headers(t: TableView) -> list[str]:
    return [f"{c.name} %" if c.kind == "rate" else c.name for c in t.columns]


def _cell(t: TableView, row: dict[str, Any], column: str, kind: str) -> str:
    text = fmt_value(row.get(column), kind)
    ci = fmt_ci(*t.ci(row, column), kind)
    return f"{text} [{ci}]" if ci else text


def _table_cells(t: TableView, row: dict[str, Any]) -> list[str]:
    return [str(row.get(t.dimension, "")), *(_cell(t, row, c.name, c.kind) for c in t.columns)]


# --------------------------------------------------------------------------------------- terminal

def plain_console() -> Console:
    """A console that prints text as it is: no markup, no ``:emoji:`` codes (names, labels and
    table values come from datasets and users, e.g. ``openai:m`` or ``[/x]``)."""
    return Console(markup=False, emoji=False)


def metrics_table(view: PackView) -> Table:
    """A rich table of a pack's declared metrics: value, 95% CI, direction, description."""
    table = Table(title=f"{view.name} metrics", title_justify="left")
    for col, justify in (("metric", "left"), ("value", "right"), ("95% CI", "right"), ("better", "left"),
                         ("description", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for m in view.metrics:
        value, ci = _metric_cells(m)
        name = Text.assemble((m.name, "bold"), " (headline)") if m.headline else Text(m.name)
        table.add_row(name, value, ci, m.direction, m.description)
    return table


def table_for(t: TableView) -> Table:
    """A rich table of one declared table: the dimension, then every declared column (rates in
    percent with their 95% CI in brackets)."""
    table = Table(title=f"{t.name}" + (f" — {t.description}" if t.description else ""), title_justify="left")
    table.add_column(t.dimension, justify="left")
    for header in _column_headers(t):
        table.add_column(header, justify="right")
    for row in t.rows:
        table.add_row(*_table_cells(t, row))
    return table


def _fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def _judge_line(judge: dict[str, Any]) -> str:
    cost = judge.get("cost_usd")
    shown = f"${cost:.4f}" if isinstance(cost, int | float) else "unknown"
    return (f"  judge ({', '.join(judge.get('judges', []))}): {judge.get('calls', 0)} calls, "
            f"{judge.get('imported', 0)} imported, {judge.get('errors', 0)} errors, "
            f"{judge.get('prompt_tokens', 0)} prompt + {judge.get('completion_tokens', 0)} completion tokens, "
            f"cost {shown}")


def render(scores: dict[str, Any], console: Console | None = None, only: tuple[str, ...] | None = None) -> None:
    """Print every pack's headline metrics, all declared metrics with CIs, counts and every
    declared table (``only``: restrict the tables to these names)."""
    console = console or plain_console()
    for view in pack_views(scores):
        console.print(Text.assemble((view.name, "bold"), f" (version {view.version})"))
        for m in view.headlines:
            value, ci = _metric_cells(m)
            console.print(Text.assemble("  ", (m.name, "bold"), f" (headline, {ARROW.get(m.direction, m.direction)}): "
                                        f"{value}" + (f" [95% CI {ci}]" if ci else "")))
        counts = view.counts
        console.print(f"  units {view.units}; generations: {_fmt_counts(counts.get('generation_status') or {})}; "
                      f"checks: {_fmt_counts(counts.get('check_status') or {})}")
        if counts.get("judge"):  # the judge's usage, apart from the model under test
            console.print(_judge_line(counts["judge"]))
        console.print(metrics_table(view))
        for t in view.tables:
            if only is None or t.name in only:
                console.print(table_for(t))


def render_usage(manifest: dict[str, Any], console: Console | None = None) -> None:
    """Print the run's label, status counts, token usage and cost (when known) from ``run.json``."""
    console = console or plain_console()
    usage = manifest.get("usage") or {}
    cost = usage.get("cost_usd")
    console.print(f"{run_label(manifest, 'run')}: generations {_fmt_counts(manifest.get('status_counts') or {})}; "
                  f"tokens in {usage.get('prompt_tokens', 0)}, out {usage.get('completion_tokens', 0)}"
                  + (f"; cost ${cost:.4f}" if isinstance(cost, int | float) else ""), markup=False)


# ------------------------------------------------------------------------------------------- CSV

def flat_rows(scores: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric and every table cell as one long-format record: ``pack``, ``table``
    (``metrics`` for metrics), ``dimension``, ``key`` (metric name or dimension value), ``column``,
    ``kind``, ``value``, ``ci_low``, ``ci_high``, ``n``, ``direction``, ``headline``."""
    out: list[dict[str, Any]] = []
    for view in pack_views(scores):
        for m in view.metrics:
            out.append({"pack": view.name, "table": "metrics", "dimension": "metric", "key": m.name, "column": "value",
                        "kind": metric_kind(m), "value": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high,
                        "n": view.units, "direction": m.direction, "headline": m.headline})
        for t in view.tables:
            for row in t.rows:
                for c in t.columns:
                    lo, hi = t.ci(row, c.name)
                    out.append({"pack": view.name, "table": t.name, "dimension": t.dimension,
                                "key": row.get(t.dimension), "column": c.name, "kind": c.kind, "value": row.get(c.name),
                                "ci_low": lo, "ci_high": hi, "n": row.get("n"), "direction": "", "headline": ""})
    return out


def to_csv(scores: dict[str, Any]) -> str:
    """CSV of :func:`flat_rows` (one line per metric and per table cell)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat_rows(scores))
    return buf.getvalue()


# -------------------------------------------------------------------------------------- Markdown

def _md(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(_md(h) for h in header) + " |", "|---|" + "".join("---:|" for _ in header[1:])]
    return lines + ["| " + " | ".join(_md(c) for c in r) + " |" for r in rows]


def to_markdown(scores: dict[str, Any], manifest: dict[str, Any] | None = None) -> str:
    """Markdown: per pack its declared metrics (headlines in bold, CI, direction) and one table per
    declared table with every declared column."""
    lines: list[str] = []
    if manifest:
        lines += [f"Run: `{_md(run_label(manifest, 'run'))}`", ""]
    for view in pack_views(scores):
        lines += [f"## {_md(view.name)}", ""]
        rows = []
        for m in view.metrics:
            value, ci = _metric_cells(m)
            rows.append([f"**{m.name}**" if m.headline else m.name, value, ci, m.direction])
        lines += _md_table(["metric", "value", "95% CI", "better"], rows)
        lines.append("")
        for t in view.tables:
            lines += [f"### {_md(t.name)}", ""] + ([_md(t.description), ""] if t.description else [])
            lines += _md_table([t.dimension, *_column_headers(t)], [_table_cells(t, r) for r in t.rows])
            lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- JSON

def to_json(scores: dict[str, Any], manifest: dict[str, Any], run: str) -> dict[str, Any]:
    """The ``--format json`` document: run label, model, usage, status counts, the ``scores.json``
    content, and per pack its metrics as declared records (``views``)."""
    views = {
        v.name: {
            "metrics": [{"name": m.name, "value": m.value, "ci": [m.ci_low, m.ci_high], "direction": m.direction,
                         "headline": m.headline, "description": m.description} for m in v.metrics],
            "tables": {t.name: {"dimension": t.dimension, "columns": [c.name for c in t.columns]} for t in v.tables},
        }
        for v in pack_views(scores)
    }
    return {"run": run, "name": run_label(manifest, run), "model": manifest.get("model"),
            "usage": manifest.get("usage"), "status_counts": manifest.get("status_counts"), **scores, "views": views}
