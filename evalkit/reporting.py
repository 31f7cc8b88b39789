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
    for col, justify in ((name, "left"), ("passed/n", "right"), ("rate %", "right"), ("95% CI", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(str(row[name]), f"{row['passed']}/{row['n']}", _pct(row["rate"]),
                      f"{_pct(row['ci_low'])}–{_pct(row['ci_high'])}")
    return table


def render(scores: dict[str, Any], console: Console | None = None, only: tuple[str, ...] | None = None) -> None:
    """Print every pack's metrics, counts and tables (``only``: restrict to these tables)."""
    console = console or Console()
    for pack, data in scores.get("packs", {}).items():
        metrics = data["metrics"]
        lo, hi = data.get("ci", {}).get("accuracy", [None, None])
        console.print(f"[bold]{pack}[/bold] (version {data.get('version')})")
        console.print(f"  accuracy (all constraints pass): {_pct(metrics.get('accuracy'))}% "
                      f"[95% CI {_pct(lo)}–{_pct(hi)}]; constraints micro {_pct(metrics.get('constraint_micro'))}%, "
                      f"macro {_pct(metrics.get('constraint_macro'))}%")
        counts = data.get("counts", {})
        console.print(f"  generations: {_fmt_counts(counts.get('generation_status', {}))}; "
                      f"checks: {_fmt_counts(counts.get('check_status', {}))}")
        for name, rows in data.get("tables", {}).items():
            if only is None or name in only:
                console.print(table_for(name, rows))


def _fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
