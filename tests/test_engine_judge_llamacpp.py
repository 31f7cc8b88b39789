"""A real judge: FollowBench's judged constraints graded by the embedded llama.cpp model.

SmolLM2-135M is a weak judge; the point is the whole path with real generation: judge
requests built from the pack's prompt, sent through the local backend, journaled with their raw
text, and parsed into verdicts or ``status: "error"`` rows that carry the raw text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

pytestmark = pytest.mark.engine
IDS = ["style/15/1", "style/3/1"]


def test_followbench_with_smollm2_as_judge(tmp_path: Path, shared_data: Path) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra")
    responses = tmp_path / "answers.jsonl"
    responses.write_text("".join(json.dumps({"id": i, "response": "Sure. Here is a short, polite answer."}) + "\n"
                                 for i in IDS))
    out = tmp_path / "judged"
    result = CliRunner().invoke(main, [
        "score", "--pack", "followbench", "--responses", str(responses), "--out", str(out),
        "--data-dir", str(shared_data), "--judge", "local:smollm2", "-J", "max_tokens=48", "-J", "n_ctx=4096",
    ])
    assert result.exit_code == 0, result.output
    judgements = [json.loads(line) for line in (out / "judgements.jsonl").read_text().splitlines()]
    assert {j["sample_id"] for j in judgements} == set(IDS)
    assert all(j["judge"] == "local:smollm2" and j["status"] == "ok" and j["text"].strip() for j in judgements)
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    judged = [c for c in checks if c["checker"] == "followbench.judge"]
    assert judged
    for c in judged:  # a verdict, or an error row that keeps what the judge said
        assert (c["status"] == "ok" and isinstance(c["passed"], bool)) or (c["status"] == "error" and c["reason"])
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["judge_usage"]["calls"] == len(judgements)
