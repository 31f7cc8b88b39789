"""The regression page of ``evalkit compare --html``: one self-contained HTML file (no scripts, no
external resources; every text autoescaped) listing, per pack, the headline changes and the
samples whose verdict flipped from pass to fail and from fail to pass, with the prompt, both
responses and both runs' verdict reasons. A CI job uploads it as an artifact.

The verdict that flips is the pack's first headline that is a 0/1 per-sample value (IFEval
``prompt_strict``, CFBench ``ISR``…), else the core ``all_pass``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalkit.compare import format_change, run_records
from evalkit.metrics import Metric, Record, selected
from evalkit.store import RunDir

MAX_FLIPS = 300  # per pack and direction; the page says how many more there are

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>evalkit regression: {{ current }} vs {{ baseline }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font-size:.9em}
.regression{color:#b00;font-weight:bold}.flip{border:1px solid #ccc;margin:.8em 0;padding:.5em}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}.fail{color:#b00}.pass{color:#070}
</style></head><body>
<h1>Regression page</h1>
<p>Baseline <code>{{ baseline }}</code> → current <code>{{ current }}</code>.
{{ correction }}, alpha {{ alpha }}.
{% if regressions %}<span class="regression">Regressions: {{ regressions|join(", ") }}</span>
{% else %}No regression.{% endif %}</p>
{% for pack in packs %}
<h2>{{ pack.name }}</h2>
<ul>{% for line in pack.lines %}<li{% if "REGRESSION" in line %} class="regression"{% endif %}>{{ line }}</li>{% endfor %}</ul>
{% for section in pack.sections %}
<h3>{{ section.title }} ({{ section.total }}{% if section.total > section.flips|length %}, first {{ section.flips|length }} shown{% endif %})</h3>
<p>Verdict: <code>{{ pack.field }}</code> per (sample, epoch).</p>
{% for f in section.flips %}
<div class="flip"><b>{{ f.sample_id }}</b>{% if f.epoch %} (epoch {{ f.epoch }}){% endif %}
<details><summary>prompt</summary><pre>{{ f.prompt }}</pre></details>
<div class="cols">
<div><h4>baseline <span class="{{ f.base_class }}">{{ f.base_verdict }}</span></h4><pre>{{ f.base_response }}</pre>
<ul>{% for r in f.base_reasons %}<li><pre>{{ r }}</pre></li>{% endfor %}</ul></div>
<div><h4>current <span class="{{ f.cur_class }}">{{ f.cur_verdict }}</span></h4><pre>{{ f.cur_response }}</pre>
<ul>{% for r in f.cur_reasons %}<li><pre>{{ r }}</pre></li>{% endfor %}</ul></div>
</div></div>
{% endfor %}{% endfor %}{% endfor %}
</body></html>
"""


@dataclass(frozen=True)
class _RunText:
    """A run's prompts, responses and verdict reasons by (pack, sample id, epoch)."""

    prompts: dict[tuple[str, str, int], str]
    responses: dict[tuple[str, str, int], str]
    reasons: dict[tuple[str, str, int], list[str]]


def _run_text(run: RunDir) -> _RunText:
    prompts: dict[tuple[str, str, int], str] = {}
    responses: dict[tuple[str, str, int], str] = {}
    reasons: dict[tuple[str, str, int], list[str]] = {}
    for g in run.read_generations():
        prompts[g.key] = "\n\n".join(f"[{m.get('role', '')}] {m.get('content', '')}" for m in g.messages or [])
        responses[g.key] = g.response if g.status == "ok" else f"({g.status}) {g.response or g.error or ''}"
    for c in run.read_checks():
        verdict = {True: "pass", False: "FAIL", None: c.status}[c.passed]
        reasons.setdefault((c.pack, c.sample_id, c.epoch), []).append(
            f"#{c.constraint_index} {c.checker}: {verdict}{' — ' + c.reason if c.reason else ''}")
    return _RunText(prompts, responses, reasons)


def flip_verdict(declarations: Sequence[Mapping[str, Any]]) -> tuple[str, Metric | None]:
    """The per-sample verdict whose flips the page lists: (field name, its metric or None for ``all_pass``)."""
    for d in declarations:
        if d.get("headline") and d.get("ci_method") == "wilson":
            metric = Metric.from_json(d)
            return metric.aggregate.field, metric
    return "all_pass", None


def _verdicts(records: Sequence[Record], field: str, metric: Metric | None) -> dict[tuple[str, int], bool]:
    chosen = selected(metric.aggregate, records) if metric else [r for r in records if r.values.get(field) is not None]
    return {(r.sample_id, r.epoch): bool(r.values[field]) for r in chosen}


def _flip(pack: str, unit: tuple[str, int], was: bool, base: _RunText, cur: _RunText) -> dict[str, Any]:
    key = (pack, *unit)
    word = {True: ("pass", "pass"), False: ("fail", "fail")}
    return {"sample_id": unit[0], "epoch": unit[1], "prompt": base.prompts.get(key) or cur.prompts.get(key, "(not stored)"),
            "base_response": base.responses.get(key, "(not stored)"), "cur_response": cur.responses.get(key, "(not stored)"),
            "base_reasons": base.reasons.get(key, []), "cur_reasons": cur.reasons.get(key, []),
            "base_verdict": word[was][0], "cur_verdict": word[not was][0],
            "base_class": word[was][1], "cur_class": word[not was][1]}


def _pack_section(pack: str, baseline: RunDir, current: RunDir, diff: Mapping[str, Any],
                  texts: tuple[_RunText, _RunText]) -> dict[str, Any]:
    declarations = baseline.read_scores()["packs"][pack].get("metric_declarations", [])
    field, metric = flip_verdict(declarations)
    b = _verdicts(run_records(baseline, pack), field, metric)
    c = _verdicts(run_records(current, pack), field, metric)
    sections = []
    for title, was in (("pass → fail", True), ("fail → pass", False)):
        units = [u for u in b if u in c and b[u] == was and c[u] != was]
        sections.append({"title": title, "total": len(units),
                         "flips": [_flip(pack, u, was, *texts) for u in units[:MAX_FLIPS]]})
    lines = [format_change(m) for m in diff["metrics"] if m["pack"] == pack and m["headline"]]
    return {"name": pack, "field": field, "lines": lines, "sections": sections}


def render_regression_page(baseline: RunDir, current: RunDir, diff: Mapping[str, Any]) -> str:
    """The HTML text of the regression page for a ``compare_runs`` diff of the two runs."""
    import jinja2

    texts = (_run_text(baseline), _run_text(current))
    packs = list(dict.fromkeys(m["pack"] for m in diff["metrics"]))
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(TEMPLATE).render(
        baseline=str(baseline.path), current=str(current.path), correction=diff["correction"], alpha=diff["alpha"],
        regressions=diff["regressions"], packs=[_pack_section(p, baseline, current, diff, texts) for p in packs])


def write_regression_page(baseline: RunDir, current: RunDir, diff: Mapping[str, Any], path: Path) -> Path:
    """Write the regression page to ``path`` (parent folders created); returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_regression_page(baseline, current, diff), encoding="utf-8")
    return path
