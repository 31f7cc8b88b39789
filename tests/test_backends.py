"""Backends: model-spec parsing, the mock backend, and the openai backend on a loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.backends import make_backend, parse_model_spec
from evalkit.errors import EvalkitError

from .mock_openai_server import serve


def test_model_spec_parsing() -> None:
    assert parse_model_spec("openai:gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert parse_model_spec("local:/models/a:b.gguf") == ("local", "/models/a:b.gguf")
    with pytest.raises(EvalkitError, match="did you mean 'openai'"):
        parse_model_spec("opnai:gpt-4o")
    with pytest.raises(EvalkitError, match="BACKEND:MODEL"):
        parse_model_spec("gpt-4o")


def test_unknown_mock_model() -> None:
    with pytest.raises(EvalkitError, match="unknown mock model"):
        make_backend("mock:nonsense")


def test_openai_backend_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with serve() as (base_url, received):
        result = CliRunner().invoke(main, [
            "run", "--pack", "starter", "--model", "openai:test-model", "--base-url", base_url,
            "--concurrency", "4", "--limit", "6", "--out", str(out), "--seed", "7", "--max-tokens", "64",
        ])
    assert result.exit_code == 0, result.output
    assert len(received) == 6
    assert all(body["model"] == "test-model" and body["seed"] == 7 and body["max_tokens"] == 64 for body in received)
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {r["status"] for r in rows} == {"ok"}
    # the server answers the prompt in upper case, which passes the all-uppercase constraints
    prompts = {b["messages"][-1]["content"].upper() for b in received}
    assert {r["response"] for r in rows} == prompts
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["backend"]["backend"] == "openai" and manifest["usage"]["prompt_tokens"] == 60
    assert "api_key" not in json.dumps(manifest).lower()


def test_openai_backend_records_server_errors(tmp_path: Path) -> None:
    def failing(body: dict) -> tuple[int, dict]:
        return 400, {"error": {"message": "bad request from test", "type": "invalid_request_error"}}

    out = tmp_path / "run"
    with serve(failing) as (base_url, received):
        result = CliRunner().invoke(main, [
            "run", "--pack", "starter", "--model", "openai:m", "--base-url", base_url, "--limit", "3",
            "--out", str(out), "-M", "max_retries=0",
        ])
    assert result.exit_code == 2 and "3 of 3 generations failed" in result.output, result.output  # files kept
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["error"] * 3
    assert all("bad request from test" in r["error"] for r in rows)
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert checks and all(c["status"] == "skipped" and c["passed"] is None for c in checks)
