"""AgentIF on a synthetic fixture in the upstream schema, against a loopback judge: code, LLM,
hybrid and conditional chains, the {response} append rule, the first-</think> split, pre-scored
constraints, the missing-def defect, a failing gate (compat: rest of the instance unscored),
unparseable verdicts, CSR / ISR and the dimension / type tables, in compat and strict modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext
from evalkit.judging import Judgement
from evalkit.packs import get_pack
from evalkit.sandbox import refusal
from evalkit.verifiers.agentif import after_think, fill_prompt, normalise_code, verdict, walk

from .mock_openai_server import serve

FIXTURES = Path(__file__).parent / "fixtures" / "agentif"
RESPONSE = "<think>plan</think><code>print(1)</code>"


def _reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = body["messages"][-1]["content"]
    if "FAILGATE" in prompt:
        return 500, {"error": {"message": "judge down"}}
    text = ("NO" if "GATE_NO" in prompt else "<think>z</think>short" if "EXTRACT" in prompt
            else "maybe" if "UNPARSEABLE" in prompt else "Reasoning.\nYES")
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if refusal() is not None:
        pytest.skip("AgentIF's dataset code needs bubblewrap here (see docs/sandbox.md)")
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))


def _run(tmp_path: Path, mode: str) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    out = tmp_path / mode
    with serve(_reply) as (url, received):
        res = CliRunner().invoke(main, [
            "run", "--pack", "agentif", "--model", "mock:constant", "-M", f"text={RESPONSE}", "--data-dir",
            str(FIXTURES), "--out", str(out), "-T", f"mode={mode}", "--judge", "openai:judge", "-J", f"base_url={url}",
            "-J", "max_retries=0"])
        assert res.exit_code == 0, res.output
    scores = json.loads((out / "scores.json").read_text())["packs"]["agentif"]
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    return scores, checks, received


def _by(checks: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(c["sample_id"], c["constraint_index"]): c for c in checks}


def test_loads_both_layouts() -> None:
    samples = get_pack("agentif").load(FIXTURES)
    assert [s.id for s in samples][2] == "fixture:3:1:Code_prompt"
    assert samples[0].constraints[2].dimensions["type"] == "formatting,tool"
    assert samples[0].constraints[0].dimensions["dimension"] == "example"


def test_compat_chain_outcomes(tmp_path: Path) -> None:
    scores, checks, received = _run(tmp_path, "compat")
    c = _by(checks)
    s1 = "agentif:fixture:1"
    assert c[(s1, 0)]["passed"] is True  # code on the text after </think>
    assert c[(s1, 1)]["passed"] is True  # llm YES
    assert c[(s1, 2)]["passed"] is True  # hybrid: the llm's extract (after its </think>) checked by code
    assert c[(s1, 3)]["status"] == "skipped" and c[(s1, 3)]["details"]["outcome"] == "not_applicable"
    assert c[(s1, 4)]["status"] == "error"  # missing def: upstream None
    assert c[(s1, 5)]["passed"] is True and c[(s1, 5)]["details"]["outcome"] == "prescored"
    assert c[(s1, 6)]["passed"] is False
    s2 = "agentif:fixture:2"
    assert all(c[(s2, i)]["status"] == "error" for i in (0, 1))  # failed gate: rest unscored (errors)
    assert all(c[(s2, i)]["details"]["outcome"] == "unscored" for i in (0, 1))
    s3 = "fixture:3:1:Code_prompt"
    assert c[(s3, 1)]["status"] == "error" and c[(s3, 1)]["details"]["judge_raw"] == "maybe"
    prompts = [b["messages"][-1]["content"] for b in received]
    extract = next(p for p in prompts if p.startswith("EXTRACT"))
    assert extract.endswith("\n\nHere is model response: <code>print(1)</code>")  # append rule
    m = scores["metrics"]
    assert m["CSR"] == pytest.approx(5 / 6) and m["ISR"] == pytest.approx(1 / 2)
    dims = {r["dimension"]: r for r in scores["tables"]["csr_by_dimension"]}
    assert dims["example"]["CSR"] == 1.0 and "condition" not in dims
    types = {r["type"]: r for r in scores["tables"]["csr_by_type"]}
    assert types["tool"]["n"] == 1 and types["formatting"]["n"] == 4
    assert scores["counts"]["judge"]["calls"] >= 5


def test_strict_mode(tmp_path: Path) -> None:
    scores, checks, _ = _run(tmp_path, "strict")
    c = _by(checks)
    assert c[("agentif:fixture:1", 4)]["passed"] is True  # def restored
    assert c[("agentif:fixture:2", 0)]["status"] == "error" and c[("agentif:fixture:2", 1)]["passed"] is True
    assert scores["metrics"]["CSR"] == pytest.approx(7 / 10) and scores["metrics"]["ISR"] == pytest.approx(1 / 4)


@pytest.mark.parametrize(("text", "strict", "expected"), [
    ("YES", False, True), ("NOTE: fine", False, False), ("NONE", False, False), ("maybe", False, None),
    ("It is NOT ok. YES", False, True), ("reason\nYES", True, True), ("reason\n**NO**", True, False),
    ("YES, but\nmaybe", True, None),
])
def test_verdict_table(text: str, strict: bool, expected: bool | None) -> None:
    assert verdict(text, strict) is expected


def test_helpers() -> None:
    assert after_think("a</think>b</think>c") == "b"
    assert fill_prompt("Q {response} {response}", "x") == "Q x x"
    assert fill_prompt("Q", "x{response}") == "Q\n\nHere is model response: x{response}"
    assert normalise_code("check_following(response):\n    return 1").startswith("def check_following(")


def test_not_judged_chain_is_skipped_and_adversarial_response_bounded() -> None:
    sample = get_pack("agentif").load(FIXTURES)[0]
    ctx = CheckContext(reference=sample.reference, judgements={})
    assert walk(RESPONSE, ctx, 1).__class__.__name__ == "_Need"
    ctx = CheckContext(reference=sample.reference, judgements={"c1.s0": Judgement("YES")})
    big = "<code>" + "\x00\x1b(a+)+$" * 100_000
    assert walk(big, ctx, 0).score is True  # type: ignore[union-attr]
