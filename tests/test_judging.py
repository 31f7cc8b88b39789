"""The judge phase end to end against a loopback OpenAI-compatible judge with canned verdicts:
journaling, re-judge rounds, malformed verdicts as errors, failed calls, resume, re-scoring
without calls, and judge usage reported apart from the model under test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.packs import get_pack

from .cfbench_judge import completion, criteria
from .mock_openai_server import serve


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _canned(bad_first_item: str) -> Any:
    """All items 1 except the last (0); the sample whose first item is ``bad_first_item`` gets garbage."""
    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = criteria(body)
        if items[0] == bad_first_item:
            return completion(body, "I cannot grade this.\nscore: maybe")
        return completion(body, "\n\n".join(f"{c}\t{1 if i < len(items) - 1 else 0}" for i, c in enumerate(items)))
    return reply


def _run(out: Path, url: str, *extra: str, data: Path) -> Any:
    args = ["run", "--pack", "cfbench", "--model", "mock:constant", "-M", "text=回答", "--limit", "4",
            "--data-dir", str(data), "--out", str(out), "--judge", "openai:judge-model", "-J", f"base_url={url}",
            "-J", "rejudge=1", *extra]
    return CliRunner().invoke(main, args)


def test_judge_phase_end_to_end(shared_data: Path, tmp_path: Path) -> None:
    samples = get_pack("cfbench").load(shared_data)[:4]
    bad = samples[1].reference["criteria"][0]
    out = tmp_path / "run"
    with serve(_canned(bad)) as (url, received):
        res = _run(out, url, data=shared_data)
        assert res.exit_code == 0, res.output
        assert len(received) == 5  # 4 checklists + 1 re-judge round for the malformed verdict
        assert all(b["temperature"] == pytest.approx(0.01) for b in received)  # upstream's judge temperature
        rows = [json.loads(line) for line in (out / "judgements.jsonl").read_text().splitlines()]
        assert len(rows) == 5 and {r["round"] for r in rows} == {0, 1}
        checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
        bad_rows = [c for c in checks if c["sample_id"] == samples[1].id]
        assert {c["status"] for c in bad_rows} == {"error"}
        assert all(c["details"]["judge_raw"].startswith("I cannot grade") for c in bad_rows)
        good = [c for c in checks if c["sample_id"] != samples[1].id]
        assert {c["status"] for c in good} == {"ok"}
        assert all(c["passed"] == (c["constraint_index"] < len(samples[int(c["sample_id"])].constraints) - 1)
                   for c in good)
        manifest = json.loads((out / "run.json").read_text())
        usage = manifest["judge_usage"]
        assert usage["calls"] == 5 and usage["prompt_tokens"] == 500 and usage["completion_tokens"] == 35
        assert manifest["usage"]["prompt_tokens"] != 500  # the model under test is counted apart
        scores = json.loads((out / "scores.json").read_text())["packs"]["cfbench"]
        assert scores["counts"]["judge"]["calls"] == 5
        assert scores["counts"]["check_status"]["error"] == len(bad_rows)
        # re-score: stored verdicts are re-parsed, nothing is sent
        res = CliRunner().invoke(main, ["score", str(out), "--data-dir", str(shared_data)])
        assert res.exit_code == 0, res.output
        assert len(received) == 5
        # resume: finished judge calls are not repeated
        res = _run(out, url, data=shared_data)
        assert res.exit_code == 0, res.output
        assert len(received) == 5
        report = CliRunner().invoke(main, ["report", str(out)])
        assert "judge (openai:judge-model): 5 calls" in report.output.replace("\n", " ").replace("  ", " ") or \
            "5 calls" in report.output


def test_failed_judge_calls_are_errors_and_retried_on_resume(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with serve(lambda body: (500, {"error": {"message": "boom"}})) as (url, received):
        res = _run(out, url, "-J", "max_retries=0", data=shared_data)
        assert res.exit_code == 0, res.output
        checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
        assert {c["status"] for c in checks} == {"error"}
        assert all("judge call failed" in c["reason"] for c in checks)
        n = len(received)
    with serve(_canned("no such item")) as (url, received):
        res = _run(out, url, data=shared_data)
        assert res.exit_code == 0, res.output
        assert len(received) == 4  # only the failed calls are re-asked
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert {c["status"] for c in checks} == {"ok"} and n >= 4


def test_judge_none_skips(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["run", "--pack", "cfbench", "--model", "mock:echo", "--limit", "2", "--data-dir",
                                    str(shared_data), "--out", str(out), "--judge", "none"])
    assert res.exit_code == 0, res.output
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert {c["status"] for c in checks} == {"skipped"}


def test_a_judge_that_cannot_run_fails_before_any_generation(tmp_path: Path, shared_data: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["run", "--pack", "cfbench", "--model", "mock:echo", "--limit", "2",
                                       "--data-dir", str(shared_data), "--out", str(out)])
    assert result.exit_code == 2
    assert "judge openai:" in result.output and "OPENAI_API_KEY" in result.output and "--judge none" in result.output
    assert not (out / "generations.jsonl").exists()  # nothing was generated and then left unjudged
    ok = CliRunner().invoke(main, ["run", "--pack", "cfbench", "--model", "mock:echo", "--limit", "2",
                                   "--data-dir", str(shared_data), "--out", str(out), "--judge", "none"])
    assert ok.exit_code == 0, ok.output
