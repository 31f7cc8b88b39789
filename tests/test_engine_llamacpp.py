"""End to end through the embedded llama.cpp model (real generation; CI's engine stage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

pytestmark = pytest.mark.engine


def test_default_run_on_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--limit", "3", "--max-tokens", "48", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["model"] == "local:smollm2" and manifest["packs_requested"] == ["starter"]
    assert "llama-cpp-python" in manifest["engines"]
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 3
    assert all(r["status"] in {"ok", "truncated"} and r["response"].strip() for r in rows)
    assert all(r["usage"]["completion_tokens"] and r["usage"]["completion_tokens"] <= 48 for r in rows)
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert checks and all(c["status"] == "ok" and isinstance(c["passed"], bool) for c in checks)
    scores = json.loads((out / "scores.json").read_text())["packs"]["starter"]
    assert scores["counts"]["units"] == 3 and "level" in scores["tables"]
    # greedy decoding with a fixed seed is reproducible: re-grading gives the same verdicts
    assert CliRunner().invoke(main, ["score", str(out)]).exit_code == 0
    again = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert [c["passed"] for c in again] == [c["passed"] for c in checks]
