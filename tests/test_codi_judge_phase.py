"""CoDI-Eval's LLM-judge and Perspective classifiers go through the judge phase: requests are
sent before grading (journaled in judgements.jsonl, under the judge the pack options chose),
checks only parse the stored answers, and ``evalkit score RUN_DIR`` and a resumed run send
nothing more."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.verifiers.codi import perspective

from .mock_openai_server import serve

RESPONSE = "Sure:\nI watched TV all day and loved it."


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _classify(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = body["messages"][-1]["content"]
    text = "film_&_tv_&_video" if "Which of these topics" in prompt else "Positive."
    return 200, {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 20, "completion_tokens": 2, "total_tokens": 22}}


def _run(out: Path, data: Path, *options: str, judge: tuple[str, ...] = ()) -> None:
    args = ["run", "--pack", "codi", "--model", "mock:constant", "-M", f"text={RESPONSE}", "--limit", "2",
            "--data-dir", str(data), "--out", str(out), *judge]
    for option in options:
        args += ["-T", option]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_llm_judge_classifier_runs_in_the_judge_phase(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with serve(_classify) as (url, received):
        options = ("tasks=multi", "judge=openai:clf", f"judge_base_url={url}")
        _run(out, shared_data, *options)
        assert len(received) == 4  # 2 samples x (topic, sentiment)
        rows = _lines(out / "judgements.jsonl")
        assert {(r["group"], r["judge"], r["status"]) for r in rows} == {("topic", "openai:clf", "ok"),
                                                                         ("sentiment", "openai:clf", "ok")}
        checks = _lines(out / "checks.jsonl")
        assert {c["status"] for c in checks} == {"ok"}
        assert all(c["details"]["judge_raw"] in ("film_&_tv_&_video", "Positive.") for c in checks)
        scores = json.loads((out / "scores.json").read_text())["packs"]["codi"]["metrics"]
        per_sample = {sid: all(c["passed"] for c in checks if c["sample_id"] == sid) for sid in ("multi-0", "multi-1")}
        assert scores["multi"] == sum(per_sample.values()) / 2
        res = CliRunner().invoke(main, ["score", str(out), "--data-dir", str(shared_data)])
        assert res.exit_code == 0, res.output
        assert _lines(out / "checks.jsonl") == checks and len(received) == 4  # re-parsed, nothing sent
        _run(out, shared_data, *options, judge=("--judge", "openai:another", "-J", "base_url=http://127.0.0.1:9/v1"))
        assert len(received) == 4  # the pack's own judge is kept, its finished calls reused


def test_perspective_runs_in_the_judge_phase(shared_data: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSPECTIVE_API_KEY", "test-key")
    monkeypatch.setenv("PERSPECTIVE_QPS", "1000")

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        value = 0.7 if "TV" in body["comment"]["text"] else 0.1
        return 200, {"attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}}}

    out = tmp_path / "run"
    with serve(reply) as (url, received):
        monkeypatch.setattr(perspective, "URL", url + "/comments:analyze")
        _run(out, shared_data, "tasks=detoxic", "toxicity=perspective")
        assert len(received) == 1  # the same text twice: Perspective's own cache answers the second
        rows = _lines(out / "judgements.jsonl")
        assert [(r["group"], r["judge"], r["text"]) for r in rows] == [("toxicity", "perspective", "0.7")] * 2
        checks = _lines(out / "checks.jsonl")
        assert [(c["passed"], c["details"]["toxicity"]) for c in checks] == [(False, 0.7)] * 2
        res = CliRunner().invoke(main, ["score", str(out), "--data-dir", str(shared_data)])
        assert res.exit_code == 0, res.output
        assert len(received) == 1


def test_a_judge_classifier_without_its_server_fails_before_generating(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["run", "--pack", "codi", "--model", "mock:constant", "--limit", "1",
                                    "--data-dir", str(shared_data), "--out", str(out), "-T", "tasks=sentiment",
                                    "-T", "judge=openai:clf"])
    assert res.exit_code == 2 and "judge openai:clf" in res.output
    assert not (out / "generations.jsonl").exists()


def test_score_responses_asks_the_pack_chosen_judge_without_judge_option(shared_data: Path, tmp_path: Path) -> None:
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"id": f"multi-{i}", "response": RESPONSE}) + "\n" for i in range(2)))
    out = tmp_path / "graded"
    with serve(_classify) as (url, received):
        res = CliRunner().invoke(main, ["score", "--pack", "codi", "--responses", str(responses), "--data-dir",
                                        str(shared_data), "--out", str(out), "-T", "tasks=multi",
                                        "-T", "judge=openai:clf", "-T", f"judge_base_url={url}"])
        assert res.exit_code == 0, res.output
        assert len(received) == 4  # 2 responses x (topic, sentiment), no --judge needed
    rows = _lines(out / "judgements.jsonl")
    assert {(r["group"], r["judge"], r["status"]) for r in rows} == {("topic", "openai:clf", "ok"),
                                                                     ("sentiment", "openai:clf", "ok")}
    checks = [c for c in _lines(out / "checks.jsonl") if c["sample_id"] in ("multi-0", "multi-1")]
    assert checks and {c["status"] for c in checks} == {"ok"}
