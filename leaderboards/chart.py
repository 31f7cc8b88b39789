"""An inline SVG line chart: a rate by difficulty level, one line per run."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
Series = list[tuple[str, list[tuple[str, float | None]]]]


def _levels(series: Series) -> list[str]:
    levels: list[str] = []
    for _, points in series:
        for level, _rate in points:
            if level not in levels:
                levels.append(level)
    return levels


def level_chart_svg(series: Series, label: str = "rate", width: int = 560, height: int = 300) -> str:
    """SVG markup (every text escaped) plotting each run's (level, rate in [0, 1]) points as a
    line (0–100%); ``label`` names the plotted column."""
    levels = _levels(series)
    left, right, top, bottom = 48, 150, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(levels) - 1)

    def xy(i: int, rate: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - min(1.0, max(0.0, rate)))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(label)} by level">']
    for tick in range(0, 101, 25):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}%</text>')
    for i, level in enumerate(levels):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="12">'
                     f'{escape(level)}</text>')
    for k, (name, points) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        rates = {lv: r for lv, r in points if r is not None}
        coords = [xy(i, rates[lv]) for i, lv in enumerate(levels) if lv in rates]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in coords)
        ly = top + 14 + 18 * k
        parts.append(f'<rect x="{width - right + 12}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{width - right + 28}" y="{ly}" font-size="12">{escape(name[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)
