"""The static leaderboard site, rendered from two runs and opened in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.tasks.starter import PACK as STARTER

REPO = Path(__file__).resolve().parents[1]
PAYLOAD = ("<script>document.title='PWNED'</script>"
           "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium not installed")
    return path


def _browse(url: str, tmp: Path, *extra: str) -> str:
    result = subprocess.run([_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
                             "--virtual-time-budget=2000", *extra, url],
                            capture_output=True, text=True, timeout=120)
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("lb")
    samples = STARTER.load()
    answers = base / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": s.id, "response": (PAYLOAD if i == 0 else s.reference)}) + "\n"
                               for i, s in enumerate(samples)))
    runner = CliRunner()
    assert runner.invoke(main, ["score", "--pack", "starter", "--responses", str(answers), "--out", str(base / "ref")]).exit_code == 0
    assert runner.invoke(main, ["run", "--model", "mock:echo", "--out", str(base / "echo")]).exit_code == 0
    result = runner.invoke(main, ["leaderboard", str(base / "ref"), str(base / "echo"), "--out", str(base / "site")])
    assert result.exit_code == 0, result.output
    return base / "site"


def test_leaderboard_json(site: Path) -> None:
    data = json.loads((site / "leaderboard.json").read_text())
    entries = data["packs"]["starter"]
    assert len(entries) == 2 and entries[0]["score"] >= entries[1]["score"]
    assert {"level", "category"} <= set(entries[0]["tables"])


def test_index_in_chromium(site: Path, tmp_path: Path) -> None:
    dom = _browse((site / "index.html").as_uri(), tmp_path, "--dump-dom")
    assert 'class="sortable leaderboard"' in dom and "<svg" in dom and 'data-table="level"' in dom
    assert "mock:echo" in dom and "IV" in dom
    artifacts = REPO / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "leaderboard.png"
    _browse((site / "index.html").as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1200,1400")
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_drill_down_lists_failed_constraints_and_payload_stays_text(site: Path, tmp_path: Path) -> None:
    page = next(p for p in site.glob("*.html") if p.name != "index.html" and "answers" in p.name)
    dom = _browse(page.as_uri(), tmp_path, "--dump-dom")
    assert "<title>" in dom and "PWNED</title>" not in dom  # the planted script did not run
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # nor the onerror handler
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom  # shown as text
    assert "FAIL" in dom and "starter-001" in dom
    assert "Name the three primary colors of paint." in dom  # the prompt is shown
    assert "keyword 'blue' appears fewer than 1x" in dom.replace("&#39;", "'")  # the failure's reason


def test_inline_script_is_the_one_the_csp_allows(site: Path) -> None:
    import base64
    import hashlib
    import re

    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        allowed = re.search(r"script-src 'sha256-([^']+)'", html)
        scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
        assert allowed and len(scripts) == 1, page.name
        assert base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode() == allowed.group(1)


def test_run_pages_redact_secrets_and_show_relative_paths(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "secret"
    assert CliRunner().invoke(main, ["run", "--model", "mock:echo", "--limit", "2", "--out", str(run)]).exit_code == 0
    manifest = json.loads((run / "run.json").read_text())
    manifest["backend"] = {"options": {"api_key": "sk-LEAK1", "Authorization": "Bearer LEAK2", "temperature": 0},
                           "base_url": "https://user:LEAK3@example.test/v1", "x_auth_token": "LEAK4",
                           "extra_headers": {"authorization": ["LEAK5"]}, "max_tokens": 77}
    (run / "run.json").write_text(json.dumps(manifest))
    out = tmp_path / "site"
    assert CliRunner().invoke(main, ["leaderboard", str(run), "--out", str(out)]).exit_code == 0
    pages = "".join(p.read_text(encoding="utf-8") for p in out.glob("*"))
    assert not any(f"LEAK{i}" in pages for i in range(1, 6))
    assert "&#34;max_tokens&#34;: 77" in pages  # numbers under token-like names are not secrets
    assert "run directory: ../runs/secret" in pages and str(tmp_path) not in pages
    assert "&#34;temperature&#34;: 0" in pages  # the rest of the manifest is shown


def test_name_labels_a_run(tmp_path: Path) -> None:
    samples = STARTER.load()
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"id": s.id, "response": s.reference}) + "\n" for s in samples))
    runner = CliRunner()
    label = "baseline <b>v1</b>"
    result = runner.invoke(main, ["score", "--pack", "starter", "--responses", str(answers), "--out",
                                  str(tmp_path / "ref"), "--name", label])
    assert result.exit_code == 0, result.output
    assert runner.invoke(main, ["run", "--model", "mock:echo", "--out", str(tmp_path / "echo"), "--name",
                                "echo run"]).exit_code == 0
    assert json.loads(runner.invoke(main, ["report", str(tmp_path / "ref"), "--format", "json"]).output)["name"] == label
    assert runner.invoke(main, ["leaderboard", str(tmp_path / "ref"), str(tmp_path / "echo"), "--out",
                                str(tmp_path / "site")]).exit_code == 0
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "baseline &lt;b&gt;v1&lt;/b&gt;" in index and "echo run" in index and "<b>v1" not in index
    assert "responses:answers.jsonl" not in index
    assert runner.invoke(main, ["score", str(tmp_path / "echo"), "--name", "relabelled"]).exit_code == 0
    assert json.loads(runner.invoke(main, ["report", str(tmp_path / "echo"), "--format", "json"]).output)["name"] == \
        "relabelled"


def test_scores_without_declarations_still_build(tmp_path: Path) -> None:
    """A scores.json from before metric declarations (free-form pack tables) is shown as found."""
    run = tmp_path / "old"
    assert CliRunner().invoke(main, ["run", "--model", "mock:echo", "--limit", "2", "--out", str(run)]).exit_code == 0
    (run / "scores.json").write_text(json.dumps({"schema_version": 1, "packs": {"p": {
        "version": "1", "headline": "CSR", "metrics": {"accuracy": 0.5, "CSR": 0.75}, "ci": {"accuracy": [0.1, 0.9]},
        "counts": {"units": 2},
        "tables": {"judge_parsing": [{"judge_parsing": "1", "n": 2}],
                   "HSR": [{"HSR": "style L4", "n": 2, "passed": None, "unparsed": 1}],
                   "level": [{"level": "I", "n": 2, "passed": 1, "rate": 0.5, "ci_low": 0.1, "ci_high": 0.9}]}}}}))
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["leaderboard", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-table="judge_parsing"' in index and ">unparsed</th>" in index and "<svg" in index
    md = CliRunner().invoke(main, ["report", str(run), "--format", "markdown"]).output
    assert "| **CSR** | 75.00 |" in md and "| HSR | n | passed | unparsed |" in md and "| style L4 | 2 | — | 1 |" in md
