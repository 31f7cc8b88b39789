"""AgentIF judge-phase fidelity and dataset-code safety: a hybrid [llm, code] chain whose judge
text has no </think> reaches the code unstripped in compat (as upstream) and stripped in strict;
a null gate reply is a failed call (compat: that constraint and the rest of the instance
unscored, as errors) while an empty one reads as not applicable; code-step failures keep their reason; the pack refuses dataset code where no
isolation layer works unless -T unsafe_dataset_code=allow; a data file that differs from the pin
is used with a warning naming both hashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit import sandbox
from evalkit.errors import EvalkitError
from evalkit.isolation import Layer
from evalkit.packs import get_pack
from evalkit.sandbox import refusal
from evalkit.tasks.agentif import GIT_BLOB, git_blob_id

from .mock_openai_server import serve

LEADING_SPACE = "def check_following(response):\n    return response.startswith('  ')"
INSTANCES = [
    {"id": "agentif:hybrid", "input": [{"role": "user", "content": "q"}], "constraints": [
        {"dimension": "unconditional", "type": "formatting", "evaluation": [
            {"type": "llm", "exec": "PADDED extract the call: {response}"}, {"type": "code", "exec": LEADING_SPACE}]},
        {"dimension": "unconditional", "type": "formatting", "evaluation": [
            {"type": "llm", "exec": "THINKING extract the call: {response}"}, {"type": "code", "exec": LEADING_SPACE}]},
        {"dimension": "unconditional", "type": "formatting", "evaluation": [
            {"type": "code", "exec": "def check_following(response):\n    raise ValueError('bad snippet')"}]},
    ]},
    {"id": "agentif:nullgate", "input": [{"role": "user", "content": "q"}], "constraints": [
        {"dimension": "conditional", "type": "semantic", "evaluation": [
            {"type": "llm_conditional_check", "exec": "NULLGATE applies? {response}"},
            {"type": "llm", "exec": "JUDGE ok? {response}"}]},
        {"dimension": "unconditional", "type": "semantic", "evaluation": [{"type": "llm", "exec": "JUDGE ok? {response}"}]},
    ]},
]


def _reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prompt = body["messages"][-1]["content"]
    content: str | None = ("  call(x)  \n" if prompt.startswith("PADDED") else
                           "<think>hmm</think>  call(x)" if prompt.startswith("THINKING") else
                           None if prompt.startswith("NULLGATE") else
                           "" if prompt.startswith("EMPTYGATE") else "YES")
    return 200, {"id": "j", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "data" / "agentif"
    folder.mkdir(parents=True)
    (folder / "eval.json").write_text(json.dumps(INSTANCES))
    return tmp_path / "data"


needs_layer = pytest.mark.skipif(refusal() is not None, reason="AgentIF's dataset code needs bubblewrap here")


def _run(data_dir: Path, out: Path, *options: str) -> dict[tuple[str, int], dict[str, Any]]:
    with serve(_reply) as (url, _):
        args = ["run", "--pack", "agentif", "--model", "mock:constant", "-M", "text=answer", "--data-dir",
                str(data_dir), "--out", str(out), "--judge", "openai:judge", "-J", f"base_url={url}",
                "-J", "max_retries=0"]
        for option in options:
            args += ["-T", option]
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    return {(r["sample_id"], r["constraint_index"]): r for r in rows}


@needs_layer
def test_hybrid_chain_without_think_tag_passes_unstripped_text_in_compat(data_dir: Path, tmp_path: Path) -> None:
    compat = _run(data_dir, tmp_path / "compat")
    assert compat[("agentif:hybrid", 0)]["passed"] is True  # code saw "  call(x)  \n"
    assert compat[("agentif:hybrid", 1)]["passed"] is False  # after </think>: stripped, as upstream
    strict = _run(data_dir, tmp_path / "strict", "mode=strict")
    assert strict[("agentif:hybrid", 0)]["passed"] is False  # strict always strips


@needs_layer
def test_code_failure_keeps_its_reason(data_dir: Path, tmp_path: Path) -> None:
    row = _run(data_dir, tmp_path / "run")[("agentif:hybrid", 2)]
    assert row["status"] == "error"
    assert "ValueError: bad snippet" in row["reason"] and "None" not in row["reason"]


EMPTY_GATE = {"id": "agentif:emptygate", "input": [{"role": "user", "content": "q"}], "constraints": [
    {"dimension": "conditional", "type": "semantic", "evaluation": [
        {"type": "llm_conditional_check", "exec": "EMPTYGATE applies? {response}"},
        {"type": "llm", "exec": "JUDGE ok? {response}"}]},
    {"dimension": "unconditional", "type": "semantic", "evaluation": [{"type": "llm", "exec": "JUDGE ok? {response}"}]},
]}


@needs_layer
def test_null_gate_reply_is_a_failed_call_in_compat(data_dir: Path, tmp_path: Path) -> None:
    (data_dir / "agentif" / "eval.json").write_text(json.dumps([*INSTANCES, EMPTY_GATE]))
    checks = _run(data_dir, tmp_path / "run")
    gate, later = checks[("agentif:nullgate", 0)], checks[("agentif:nullgate", 1)]
    assert gate["status"] == "error" and gate["details"]["outcome"] == "unscored"
    assert "this constraint's gate" in gate["reason"] and "null" in gate["reason"]
    assert later["status"] == "error" and later["details"]["outcome"] == "unscored"
    assert "constraint 0" in later["reason"] and later["passed"] is None
    empty = checks[("agentif:emptygate", 0)]  # an empty reply is not a null one: no YES, not applicable
    assert empty["status"] == "skipped" and empty["details"]["outcome"] == "not_applicable"
    assert checks[("agentif:emptygate", 1)]["passed"] is True
    rows = [json.loads(line) for line in (tmp_path / "run" / "judgements.jsonl").read_text().splitlines()]
    assert [r["null"] for r in rows if r["sample_id"] == "agentif:nullgate" and r["group"] == "c0.s0"] == [True]
    assert not any(r["null"] for r in rows if r["sample_id"] == "agentif:emptygate")
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())["packs"]["agentif"]
    outcomes = {r["outcome"]: r["n"] for r in scores["tables"]["outcomes"]}
    assert outcomes["unscored"] == 2


@needs_layer
def test_null_gate_reply_is_an_error_of_its_own_constraint_in_strict(data_dir: Path, tmp_path: Path) -> None:
    checks = _run(data_dir, tmp_path / "run", "mode=strict")
    gate = checks[("agentif:nullgate", 0)]
    assert gate["status"] == "error" and gate["details"]["outcome"] == "eval_error" and "null" in gate["reason"]
    assert checks[("agentif:nullgate", 1)]["passed"] is True


def test_refused_without_isolation_unless_allowed(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sandbox, "layer", lambda: Layer(None, "bwrap is not installed"))
    pack = get_pack("agentif")
    with pytest.raises(EvalkitError, match="unsafe_dataset_code=allow"):
        pack.load(data_dir)
    samples = pack.load(data_dir, {"unsafe_dataset_code": "allow"})
    assert "WITHOUT isolation" in capsys.readouterr().err
    assert all(s.reference["unsafe_dataset_code"] for s in samples)
    with pytest.raises(EvalkitError, match="not one of refuse, allow"):
        pack.load(data_dir, {"unsafe_dataset_code": "yes"})


def test_unpinned_copy_is_used_with_a_warning_naming_both_hashes(data_dir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = data_dir / "agentif" / "eval.json"
    samples = get_pack("agentif").load(data_dir, {"unsafe_dataset_code": "allow"})  # allowed: the pin is checked
    assert len(samples) == 2
    err = capsys.readouterr().err
    assert GIT_BLOB in err and git_blob_id(path) in err and "sha256" in err


def test_git_blob_id_matches_git(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"hello\n")
    assert git_blob_id(path) == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object of "hello\n"
