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


def test_models_load_without_extra_buffer_types_unless_asked() -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra")
    from evalkit.backends.llamacpp import LlamaCppEngine

    for options, expected in (({}, False), ({"extra_bufts": "true"}, True)):
        engine = LlamaCppEngine("smollm2", options)
        try:
            assert engine._load(0).model_params.use_extra_bufts is expected
        finally:
            engine.close()


def test_engine_crash_is_one_line_error_and_the_rerun_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra")
    from evalkit.backends.engine_worker import CRASH_AT_ENV
    from evalkit.packs import get_pack

    monkeypatch.delenv(CRASH_AT_ENV, raising=False)
    ids = [s.id for s in get_pack("starter").load(None, {})[:3]]
    out = tmp_path / "run"
    args = ["run", "--limit", "3", "--max-tokens", "16", "--out", str(out)]
    crashed = CliRunner().invoke(main, args, env={CRASH_AT_ENV: "2"})  # the worker SIGSEGVs on its 2nd prompt
    assert crashed.exit_code == 2, crashed.output
    last = [line for line in crashed.output.splitlines() if line.strip()][-1]
    assert last.startswith(f"error: the llama.cpp engine (smollm2) died with SIGSEGV while generating starter/{ids[1]} "
                           "(epoch 0), after 1 finished generations (all journaled)"), last
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert [r["sample_id"] for r in rows] == ids[:1] and rows[0]["status"] in {"ok", "truncated"}
    resumed = CliRunner().invoke(main, args)
    assert resumed.exit_code == 0, resumed.output
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert [r["sample_id"] for r in rows] == ids and all(r["status"] in {"ok", "truncated"} for r in rows)


def test_on_crash_skip_goes_on_past_a_prompt_that_kills_the_engine(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra")
    from evalkit.backends.engine_worker import CRASH_AT_ENV, CRASH_ON_ENV
    from evalkit.packs import get_pack

    monkeypatch.delenv(CRASH_AT_ENV, raising=False)
    monkeypatch.delenv(CRASH_ON_ENV, raising=False)
    samples = get_pack("starter").load(None, {})[:3]
    ids = [s.id for s in samples]
    out = tmp_path / "run"
    args = ["run", "--limit", "3", "--max-tokens", "16", "-M", "on_crash=skip", "--out", str(out)]
    result = CliRunner().invoke(main, args, env={CRASH_ON_ENV: str(samples[1].messages[-1]["content"])})
    assert result.exit_code == 0, result.output
    assert f"warning: the llama.cpp engine died with SIGSEGV on starter/{ids[1]} (epoch 0)" in result.output
    rows = {r["sample_id"]: r for r in map(json.loads, (out / "generations.jsonl").read_text().splitlines())}
    assert rows[ids[1]]["status"] == "error" and "SIGSEGV" in rows[ids[1]]["error"]
    assert all(rows[i]["status"] in {"ok", "truncated"} and rows[i]["response"].strip() for i in (ids[0], ids[2]))
