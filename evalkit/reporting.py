"""Terminal rendering of ``scores.json``: headline metrics and one table per dimension."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}"


def table_for(name: str, rows: list[dict[str, Any]]) -> Table:
    """A rich table of one score table: value, passed/n, rate and 95% CI (percent)."""
    table = Table(title=name, title_justify="left")
    if rows and "passed" not in rows[0]:  # a pack's own table (e.g. CFBench CSR/ISR/PSR): show its columns
        return _plain_table(table, rows)
    for col, justify in ((name, "left"), ("passed/n", "right"), ("rate %", "right"), ("95% CI", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(str(row[name]), f"{row['passed']}/{row['n']}", _pct(row["rate"]),
                      f"{_pct(row['ci_low'])}–{_pct(row['ci_high'])}")
    return table


def _plain_table(table: Table, rows: list[dict[str, Any]]) -> Table:
    """Every column of ``rows`` as is; floats in [0, 1] other than counts shown as percentages."""
    cols = list(rows[0])
    for col in cols:
        table.add_column(str(col), justify="left" if col == cols[0] else "right")
    for row in rows:
        table.add_row(*(_pct(v) if isinstance(v, float) else str(v) for v in (row.get(c) for c in cols)))
    return table


def render(scores: dict[str, Any], console: Console | None = None, only: tuple[str, ...] | None = None) -> None:
    """Print every pack's metrics, counts and tables (``only``: restrict to these tables)."""
    console = console or Console()
    for pack, data in scores.get("packs", {}).items():
        metrics = data["metrics"]
        lo, hi = data.get("ci", {}).get("accuracy", [None, None])
        console.print(f"[bold]{pack}[/bold] (version {data.get('version')})")
        headline = data.get("headline", "accuracy")
        if headline != "accuracy":
            hl, hh = data.get("ci", {}).get(headline, [None, None])
            ci = f" [95% CI {_pct(hl)}–{_pct(hh)}]" if hl is not None else ""
            console.print(f"  [bold]{headline}[/bold] (headline): {_pct(metrics.get(headline))}%{ci}")
        extra = [k for k in metrics if k not in {"accuracy", "constraint_micro", "constraint_macro", headline}
                 and not k.startswith("pass@")]
        if extra:
            console.print("  " + ", ".join(f"{k} {_pct(metrics[k])}%" for k in extra))
        console.print(f"  accuracy (all constraints pass): {_pct(metrics.get('accuracy'))}% "
                      f"[95% CI {_pct(lo)}–{_pct(hi)}]; constraints micro {_pct(metrics.get('constraint_micro'))}%, "
                      f"macro {_pct(metrics.get('constraint_macro'))}%")
        at_k = sorted((k for k in metrics if k.startswith("pass@")), key=lambda k: int(k[5:]))
        if at_k:
            console.print(f"  epochs: mean {_pct(metrics.get('mean'))}%, "
                          + ", ".join(f"{k} {_pct(metrics[k])}%" for k in at_k))
        counts = data.get("counts", {})
        console.print(f"  generations: {_fmt_counts(counts.get('generation_status', {}))}; "
                      f"checks: {_fmt_counts(counts.get('check_status', {}))}")
        judge = counts.get("judge")
        if judge:  # the judge's usage, apart from the model under test
            cost = judge.get("cost_usd")
            shown = f"${cost:.4f}" if cost is not None else "unknown"
            console.print(f"  judge ({', '.join(judge.get('judges', []))}): {judge.get('calls', 0)} calls, "
                          f"{judge.get('imported', 0)} imported, {judge.get('errors', 0)} errors, "
                          f"{judge.get('prompt_tokens', 0)} prompt + {judge.get('completion_tokens', 0)} completion "
                          f"tokens, cost {shown}")
        for name, rows in data.get("tables", {}).items():
            if only is None or name in only:
                console.print(table_for(name, rows))


def _fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def flat_rows(scores: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric and table row as flat records (pack, table, value, n, passed, rate, ci_low, ci_high)."""
    out: list[dict[str, Any]] = []
    for pack, data in scores.get("packs", {}).items():
        for metric, value in data["metrics"].items():
            out.append({"pack": pack, "table": "metrics", "value": metric, "n": data.get("counts", {}).get("units"),
                        "passed": None, "rate": value, "ci_low": None, "ci_high": None})
        for name, rows in data.get("tables", {}).items():
            for row in rows:
                out.append({"pack": pack, "table": name, "value": row.get(name), "n": row.get("n"),
                            "passed": row.get("passed"), "rate": row.get("rate"),
                            "ci_low": row.get("ci_low"), "ci_high": row.get("ci_high")})
    return out


def to_csv(scores: dict[str, Any]) -> str:
    """CSV of :func:`flat_rows`."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["pack", "table", "value", "n", "passed", "rate", "ci_low", "ci_high"])
    writer.writeheader()
    writer.writerows(flat_rows(scores))
    return buf.getvalue()


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(scores: dict[str, Any], manifest: dict[str, Any] | None = None) -> str:
    """Markdown: per pack the headline metrics and one table per dimension."""
    lines: list[str] = []
    if manifest:
        lines += [f"Model: `{manifest.get('model')}`", ""]
    for pack, data in scores.get("packs", {}).items():
        lines += [f"## {pack}", "", "| metric | value % |", "|---|---:|"]
        lines += [f"| {_md_cell(k)} | {_pct(v)} |" for k, v in data["metrics"].items()]
        for name, rows in data.get("tables", {}).items():
            lines += ["", f"### {name}", "", f"| {name} | passed/n | rate % | 95% CI |", "|---|---:|---:|---:|"]
            lines += [f"| {_md_cell(r.get(name))} | {r.get('passed')}/{r.get('n')} | {_pct(r.get('rate'))} | "
                      f"{_pct(r.get('ci_low'))}–{_pct(r.get('ci_high'))} |" for r in rows]
        lines.append("")
    return "\n".join(lines)


def render_usage(manifest: dict[str, Any], console: Console | None = None) -> None:
    """Print the run's status counts, token usage and cost (when known) from ``run.json``."""
    console = console or Console()
    usage = manifest.get("usage") or {}
    cost = usage.get("cost_usd")
    console.print(f"model {manifest.get('model')}: generations {_fmt_counts(manifest.get('status_counts') or {})}; "
                  f"tokens in {usage.get('prompt_tokens', 0)}, out {usage.get('completion_tokens', 0)}"
                  + (f"; cost ${cost:.4f}" if isinstance(cost, int | float) else ""))
