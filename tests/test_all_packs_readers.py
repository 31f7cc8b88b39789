"""Every reader of a run directory on a real-shaped run of every pack (and a multi-pack run):
`report` in every format shows every declared metric and every declared table column, `compare`
passes identical runs and fails a degraded copy naming the metric, the leaderboard builds for all
of them at once and opens in headless Chromium, and `evalkit.load_run` gives the DataFrames.

What is expected is read from each run's own ``scores.json`` (its declarations, or for a file
without declarations its metrics and table rows), never from a list of pack names or columns.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main

from .allpacks import BUILDERS, MULTI, REPO, SINGLE_PACKS, all_runs

RUNS = (*SINGLE_PACKS, MULTI)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    return all_runs(tmp_path_factory.getbasetemp() / "allpacks", shared_data)


@pytest.fixture(scope="session")
def degraded(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    return all_runs(tmp_path_factory.getbasetemp() / "allpacks", shared_data, degraded=True)


def _scores(run: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    return data


def _declared_metrics(data: dict[str, Any]) -> list[dict[str, Any]]:
    decls = data.get("metric_declarations")
    if decls:
        return list(decls)
    return [{"name": k, "headline": k == data.get("headline"), "direction": "higher"} for k in data["metrics"]]


def _declared_tables(data: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Table name -> (dimension, value columns), from the declarations or else from the rows."""
    out = {}
    decls = {d["name"]: d for d in data.get("table_declarations") or []}
    for name, rows in data.get("tables", {}).items():
        decl = decls.get(name)
        if decl and any(decl["dimension"] in r for r in rows):
            out[name] = (decl["dimension"], [c["name"] for c in decl["columns"]])
        elif rows:
            keys = list(dict.fromkeys(k for r in rows for k in r))
            dim = name if name in keys else keys[0]
            out[name] = (dim, [k for k in keys if k != dim and not k.endswith(("ci_low", "ci_high"))])
    return out


def _report(run: Path, fmt: str) -> str:
    result = CliRunner().invoke(main, ["report", str(run), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_every_run_was_built(runs: dict[str, Path]) -> None:
    assert set(runs) == set(BUILDERS) == set(RUNS)
    for name in SINGLE_PACKS:
        packs = _scores(runs[name])["packs"]
        assert list(packs) == [name] and packs[name]["counts"]["units"] > 0, name
    assert len(_scores(runs[MULTI])["packs"]) == 3


@pytest.mark.parametrize("name", RUNS)
def test_report_csv_has_every_metric_and_declared_column(runs: dict[str, Path], name: str) -> None:
    rows = list(csv.DictReader(io.StringIO(_report(runs[name], "csv"))))
    for pack, data in _scores(runs[name])["packs"].items():
        mine = [r for r in rows if r["pack"] == pack]
        metrics = {r["key"]: r for r in mine if r["table"] == "metrics"}
        for m in _declared_metrics(data):
            assert m["name"] in metrics, (pack, m["name"])
            assert metrics[m["name"]]["headline"] == str(bool(m.get("headline"))), (pack, m["name"])
            lo, hi = (data.get("ci") or {}).get(m["name"], [None, None])
            if lo is not None:
                assert float(metrics[m["name"]]["ci_low"]) == pytest.approx(lo), (pack, m["name"])
        for table, (dim, columns) in _declared_tables(data).items():
            cells = [r for r in mine if r["table"] == table]
            assert {r["column"] for r in cells} == set(columns), (pack, table)
            assert {r["dimension"] for r in cells} == {dim}
            assert len(cells) == len(columns) * len(data["tables"][table])


@pytest.mark.parametrize("name", RUNS)
def test_report_markdown_has_every_metric_and_declared_column(runs: dict[str, Path], name: str) -> None:
    md = _report(runs[name], "markdown")
    assert "None/" not in md
    for pack, data in _scores(runs[name])["packs"].items():
        section = md.split(f"## {pack}\n", 1)[1].split("\n## ", 1)[0]
        for m in _declared_metrics(data):
            shown = f"| **{m['name']}** |" if m.get("headline") else f"| {m['name']} |"
            assert shown in section, (pack, m["name"])
        for table, (dim, columns) in _declared_tables(data).items():
            block = section.split(f"### {table}\n", 1)[1]
            header = next(line for line in block.splitlines() if line.startswith("|"))
            cells = [c.strip() for c in header.strip("|").split("|")]
            assert cells[0] == dim and [c.removesuffix(" %") for c in cells[1:]] == columns, (pack, table, cells)


@pytest.mark.parametrize("name", RUNS)
def test_report_json_and_table(runs: dict[str, Path], name: str) -> None:
    data = json.loads(_report(runs[name], "json"))
    scores = _scores(runs[name])
    assert data["packs"] == scores["packs"] and data["name"]
    for pack, pdata in scores["packs"].items():
        views = {m["name"]: m for m in data["views"][pack]["metrics"]}
        for m in _declared_metrics(pdata):
            assert views[m["name"]]["headline"] == bool(m.get("headline"))
            assert views[m["name"]]["direction"] == m.get("direction", "higher")
    text = _report(runs[name], "table")
    for pack, pdata in scores["packs"].items():
        assert pack in text
        for m in _declared_metrics(pdata):
            if m.get("headline"):
                assert f"{m['name']} (headline" in text, (pack, m["name"])


# ------------------------------------------------------------------------------------- compare

def _compare(base: Path, cur: Path, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["compare", str(base), str(cur), "--json-out", str(tmp_path / "diff.json")])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", RUNS)
def test_compare_identical_runs_pass(runs: dict[str, Path], name: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(runs[name], copy)
    code, out = _compare(runs[name], copy, tmp_path)
    assert code == 0, out


@pytest.mark.parametrize("name", SINGLE_PACKS)
def test_compare_degraded_copy_fails_naming_a_headline(runs: dict[str, Path], degraded: dict[str, Path], name: str,
                                                       tmp_path: Path) -> None:
    code, out = _compare(runs[name], degraded[name], tmp_path)
    assert code == 1, out
    data = _scores(runs[name])["packs"][name]
    headlines = [f"{name}.{m['name']}" for m in _declared_metrics(data) if m.get("headline")]
    assert any(h in out for h in headlines), (headlines, out)


# ----------------------------------------------------------------------------------- leaderboard

@pytest.fixture(scope="session")
def site(runs: dict[str, Path], degraded: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("allpacks-site") / "site"
    paths = [runs[n] for n in RUNS] + [degraded[n] for n in ("ifeval", "cfbench", "followbench", MULTI)]
    result = CliRunner().invoke(main, ["leaderboard", *map(str, paths), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_leaderboard_covers_every_pack_and_run(site: Path, runs: dict[str, Path]) -> None:
    data = json.loads((site / "leaderboard.json").read_text(encoding="utf-8"))
    assert set(data["packs"]) == set(SINGLE_PACKS)
    assert len(data["runs"]) == len(RUNS) + 4
    names = [r["name"] for r in data["runs"]]
    assert len(set(names)) == len(names)  # a baseline and its degraded copy share a name: told apart
    index = (site / "index.html").read_text(encoding="utf-8")
    for name in RUNS:
        for pack, pdata in _scores(runs[name])["packs"].items():
            assert f'id="pack-{pack}"' in index
            for table in pdata.get("tables", {}):
                assert f'data-table="{table}"' in index, (pack, table)
    for entries in data["packs"].values():  # best first, in the headline's declared direction
        scores = [e["score"] for e in entries if e["score"] is not None]
        lower = entries[0]["direction"] == "lower"
        assert scores == sorted(scores, reverse=not lower)


def test_leaderboard_run_pages_hide_absolute_paths(site: Path, runs: dict[str, Path]) -> None:
    pages = [p for p in site.glob("*.html") if p.name != "index.html"]
    assert len(pages) == len(RUNS) + 4
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert str(runs[MULTI].parent.parent) not in text and "run directory: ../" in text, page.name


def test_level_chart_where_a_table_has_a_level_dimension(site: Path, runs: dict[str, Path]) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    sections = {s.split('"', 1)[0]: s for s in index.split('<section id="pack-')[1:]}
    for name in SINGLE_PACKS:
        data = _scores(runs[name])["packs"][name]
        levelled = any(dim == "level" for dim, _ in _declared_tables(data).values())
        assert ("<svg" in sections[name]) == levelled, name


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); the browser checks need it")
    return path


def _browse(page: Path, tmp: Path, *extra: str) -> str:
    result = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
                             "--virtual-time-budget=3000", *extra, page.as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _dom(page: Path, tmp: Path) -> str:
    return _browse(page, tmp, "--dump-dom")


def test_leaderboard_opens_in_chromium(site: Path, runs: dict[str, Path], tmp_path: Path) -> None:
    dom = _dom(site / "index.html", tmp_path)
    assert 'class="sortable overview"' in dom
    for name in SINGLE_PACKS:
        assert f'id="pack-{name}"' in dom
    artifacts = REPO / "test-artifacts"  # what a CI job keeps to look at
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "leaderboard-all-packs.png"
    _browse(site / "index.html", tmp_path, f"--screenshot={shot}", "--window-size=1400,2400")
    assert shot.is_file() and shot.stat().st_size > 10_000
    page = next(p for p in site.glob("*.html") if p.name.endswith("-multi.html"))  # a multi-pack run
    dom = _dom(page, tmp_path)
    assert all(f'id="pack-{pack}"' in dom for pack in _scores(runs[MULTI])["packs"])


# ---------------------------------------------------------------------------------- analysis API

@pytest.mark.parametrize("name", RUNS)
def test_load_run_frames(runs: dict[str, Path], name: str) -> None:
    pytest.importorskip("pandas")
    import evalkit

    run = evalkit.load_run(runs[name])
    scores = _scores(runs[name])
    assert run.manifest == json.loads((runs[name] / "run.json").read_text(encoding="utf-8"))
    n_checks = sum(1 for line in (runs[name] / "checks.jsonl").read_text().splitlines() if line.strip())
    assert len(run.checks) == n_checks and {"pack", "sample_id", "passed", "status"} <= set(run.checks.columns)
    assert len(run.generations) == sum(1 for _ in (runs[name] / "generations.jsonl").read_text().splitlines())
    expected = [(p, m["name"]) for p, d in scores["packs"].items() for m in _declared_metrics(d)]
    assert list(zip(run.metrics.pack, run.metrics.metric, strict=True)) == expected
    for row in run.metrics.itertuples():
        value = scores["packs"][row.pack]["metrics"].get(row.metric)
        assert (row.value is None or row.value != row.value) if value is None else row.value == pytest.approx(value)
    records = runs[name] / "records.jsonl"
    if records.is_file():
        rows = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert list(run.records.sample_id) == [r["sample_id"] for r in rows]
        for key in {k for r in rows for k in r["values"]} - set(run.records.columns):
            assert f"value.{key}" in run.records.columns


def test_overview_sorts_in_chromium(site: Path, tmp_path: Path) -> None:
    """The page's sorter, run in Chromium on the overview table: a header click sorts that column
    ascending, a second click descending, and runs without the pack stay last both times."""
    import re

    index = (site / "index.html").read_text(encoding="utf-8")
    table = re.search(r'<table class="sortable overview">.*?</table>', index, flags=re.S)
    sorter = (REPO / "leaderboards" / "templates" / "sorter.js").read_text(encoding="utf-8")
    assert table is not None
    harness = tmp_path / "harness.html"
    clicks = "var th = document.querySelectorAll('table.overview thead th')[COL]; th.click();"
    results = {}
    for n_clicks in (1, 2):
        harness.write_text(f"<!doctype html><html><body>{table.group(0)}<script>{sorter}</script><script>"
                           + clicks.replace("COL", "2") * n_clicks + "</script></body></html>", encoding="utf-8")
        dom = _dom(harness, tmp_path)
        body = dom.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        results[n_clicks] = [re.findall(r'data-value="([^"]*)"', row)[1] for row in body.split("<tr>")[1:]]
    for order in results.values():
        values = [v for v in order if v]
        assert values and order[: len(values)] == values  # missing values after all the numbers
    up, down = ([float(v) for v in results[k] if v] for k in (1, 2))
    assert up == sorted(up) and down == sorted(down, reverse=True)
