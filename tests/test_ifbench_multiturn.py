"""IFBench's 2-turn split (``-T split=multiturn``) on fixtures in the HF schema of
``allenai/IFBench_multi-turn``: the fixed assistant turn is sent as data, only the answer to
the constraint turn is generated and graded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.errors import DataError, EvalkitError
from evalkit.tasks.ifbench import PACK

from .mock_openai_server import serve

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ifbench"
SPLIT = ["-T", "split=multiturn"]


@pytest.fixture(autouse=True)
def _nltk_data(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NLTK_DATA", str(shared_data / "ifbench" / "nltk_data"))


def _reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    text = "".join(body["messages"][1]["content"].split())  # the prior answer without whitespace
    return 200, {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1}}


def test_loads_conversations_ending_with_the_constraint_turn() -> None:
    samples = PACK.load(FIXTURES, {"split": "multiturn"})
    assert [s.id for s in samples] == ["mt-0", "mt-1", "mt-2"]
    assert [m["role"] for m in samples[0].messages] == ["user", "assistant", "user"]
    assert samples[1].constraints[0].params == {"N": 2.0}
    ifeval = PACK.load(FIXTURES, {"split": "multiturn", "subset": "ifeval_constraints"})
    assert ifeval[0].constraints[0].checker == "ifbench.punctuation:no_comma"


def test_bad_rows_and_missing_files_fail_at_load(tmp_path: Path) -> None:
    folder = tmp_path / "ifbench" / "IFBench_multi-turn"
    folder.mkdir(parents=True)
    row = {"key": "x", "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
           "instruction_id_list": [], "kwargs": []}
    (folder / "ifbench_constraints.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match="last message"):
        PACK.load(tmp_path, {"split": "multiturn"})


def test_run_sends_the_fixed_turn_and_grades_only_the_last_answer(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with serve(_reply) as (url, received):
        result = CliRunner().invoke(main, ["run", "--pack", "ifbench", *SPLIT, "--data-dir", str(FIXTURES),
                                           "--model", "openai:m", "--base-url", url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(received) == 3 and all(len(b["messages"]) == 3 for b in received)
    fixed_turns = sorted(s.messages[1]["content"] for s in PACK.load(FIXTURES, {"split": "multiturn"}))
    assert sorted(b["messages"][1]["content"] for b in received) == fixed_turns  # requests run concurrently
    assert any(turn.startswith("The sun rose") for turn in fixed_turns)
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert sorted((c["sample_id"], c["constraint_index"]) for c in checks) == [
        ("mt-0", 0), ("mt-1", 0), ("mt-2", 0), ("mt-2", 1)]
    by_id = {(c["sample_id"], c["constraint_index"]): c for c in checks}
    assert by_id[("mt-0", 0)]["passed"] is True  # the answer has no whitespace
    gens = {g["sample_id"]: g["response"] for g in map(json.loads, (out / "generations.jsonl").read_text().splitlines())}
    expected = build_checker("ifbench.count:numbers", {"N": 2.0}).check(gens["mt-1"], CheckContext()).passed
    assert by_id[("mt-1", 0)]["passed"] is expected
    metrics = json.loads((out / "scores.json").read_text())["packs"]["ifbench"]["metrics"]
    assert metrics["prompt_strict"] == pytest.approx(sum(
        all(by_id[k]["passed"] for k in by_id if k[0] == sid) for sid in ("mt-0", "mt-1", "mt-2")) / 3)


def test_upstream_prompt_response_file_is_matched_by_the_rows_prompt(tmp_path: Path) -> None:
    responses = tmp_path / "r.jsonl"
    responses.write_text(json.dumps({"prompt": "Rewrite your answer and include exactly 2 numbers.",
                                     "response": "Apples 1 and pears 2."}) + "\n")
    result = CliRunner().invoke(main, ["score", "--pack", "ifbench", *SPLIT, "--data-dir", str(FIXTURES),
                                       "--responses", str(responses), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    checks = {c["sample_id"]: c for c in map(json.loads, (tmp_path / "s" / "checks.jsonl").read_text().splitlines())}
    assert checks["mt-1"]["passed"] is True and checks["mt-0"]["passed"] is False  # mt-0 unanswered


def test_prompt_files_are_refused_when_prompts_repeat(tmp_path: Path) -> None:
    folder = tmp_path / "ifbench" / "IFBench_multi-turn"
    folder.mkdir(parents=True)
    rows = [json.loads(line) for line in
            (FIXTURES / "ifbench" / "IFBench_multi-turn" / "ifbench_constraints.jsonl").read_text().splitlines()]
    rows[1]["prompt"] = rows[0]["prompt"]
    (folder / "ifbench_constraints.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    samples = PACK.load(tmp_path, {"split": "multiturn"})
    responses = tmp_path / "r.jsonl"
    responses.write_text(json.dumps({"prompt": rows[0]["prompt"], "response": "x"}) + "\n")
    with pytest.raises(EvalkitError, match="share a prompt"):
        PACK.parse_responses(responses, samples)
    responses.write_text(json.dumps({"key": "mt-1", "response": "x"}) + "\n")
    assert dict(PACK.parse_responses(responses, samples) or [])["mt-1"] == "x"
