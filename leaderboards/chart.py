"""An inline SVG line chart: satisfaction rate by difficulty level, one line per model."""

from __future__ import annotations

from html import escape
from typing import Any

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def level_chart_svg(series: list[tuple[str, list[dict[str, Any]]]], width: int = 560, height: int = 300) -> str:
    """SVG markup (all text escaped) plotting each model's ``level`` table rates (0–100%)."""
    levels: list[str] = []
    for _, rows in series:
        for row in rows:
            if str(row["level"]) not in levels:
                levels.append(str(row["level"]))
    left, right, top, bottom = 48, 150, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(levels) - 1)

    def xy(i: int, rate: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - rate)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'role="img" aria-label="satisfaction rate by level">']
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}%</text>')
    for i, level in enumerate(levels):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="12">'
                     f'{escape(level)}</text>')
    for k, (model, rows) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        rates = {str(r["level"]): r["rate"] for r in rows if r.get("rate") is not None}
        points = [xy(i, rates[lv]) for i, lv in enumerate(levels) if lv in rates]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in points)
        ly = top + 14 + 18 * k
        parts.append(f'<rect x="{width - right + 12}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{width - right + 28}" y="{ly}" font-size="12">{escape(model[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)
