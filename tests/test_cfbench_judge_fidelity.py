"""CFBench judge-phase fidelity against a loopback judge: at most 10 judge calls in total for a
sample whose verdict never parses (upstream's ``_judged``), the text of the 10th call decides
when the judge's answer changes between calls, and the cases where upstream's fallback crashes
(non-numeric scores) are error rows left out of CSR / ISR / PSR, while "nothing parsed" counts as
upstream's zeros in compat; a null last reply is an upstream crash too, while a null reply
followed by a parseable one is simply re-judged. Also: with one ``--judge`` for
two packs, each pack's calls keep their own judge settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.packs import get_pack
from evalkit.sandbox import refusal

from .cfbench_judge import MARK, completion, criteria
from .mock_openai_server import serve

CRASH_SCORES = ["1（满足）", "yes", "是", "0 (not satisfied)", "1 |"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def _run(out: Path, url: str, data: Path, *extra: str, limit: int = 1) -> None:
    res = CliRunner().invoke(main, [
        "run", "--pack", "cfbench", "--model", "mock:constant", "-M", "text=回答", "--limit", str(limit),
        "--data-dir", str(data), "--out", str(out), "--judge", "openai:judge", "-J", f"base_url={url}",
        "-J", "max_retries=0", *extra])
    assert res.exit_code == 0, res.output


def _checks(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]


def _metrics(out: Path) -> dict[str, Any]:
    return json.loads((out / "scores.json").read_text())["packs"]["cfbench"]["metrics"]  # type: ignore[no-any-return]


def _flags(out: Path) -> dict[str, int]:
    tables = json.loads((out / "scores.json").read_text())["packs"]["cfbench"]["tables"]
    return {r["parsing"]: r["n"] for r in tables["judge_parsing"]}


def test_an_unparsed_sample_costs_ten_calls_in_total(shared_data: Path, tmp_path: Path) -> None:
    with serve(lambda body: completion(body, "I would rather not grade this.")) as (url, received):
        _run(tmp_path / "run", url, shared_data)
        assert len(received) == 10  # upstream's MAX_RETRY_NUM rounds; evalkit asked 11 before
    rows = [json.loads(line) for line in (tmp_path / "run" / "judgements.jsonl").read_text().splitlines()]
    assert [r["round"] for r in rows] == list(range(10))


def test_the_tenth_call_decides_when_the_answer_changes(shared_data: Path, tmp_path: Path) -> None:
    calls: list[int] = []

    def changing(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        calls.append(1)
        items = criteria(body)
        if len(calls) == 10:  # a fallback-readable text: every item 1, with prose around it
            return completion(body, "Scores:\n" + "\n".join(f"{c}\t1" for c in items) + "\nDone.")
        if len(calls) == 11:  # a perfect verdict upstream never sees
            return completion(body, "\n\n".join(f"{c}\t0" for c in items))
        return completion(body, "thinking...")

    with serve(changing) as (url, _):
        _run(tmp_path / "run", url, shared_data)
    checks = _checks(tmp_path / "run")
    assert {c["details"]["parsing"] for c in checks} == {"0"}  # read from the 10th text, by the fallback
    assert all(c["passed"] is True for c in checks)


@pytest.mark.parametrize("score", CRASH_SCORES)
def test_upstream_crash_cases_are_errors_left_out_of_the_rates(shared_data: Path, tmp_path: Path,
                                                               score: str) -> None:
    sample = get_pack("cfbench").load(shared_data)[0]
    first, crash_items = sample.id, list(sample.reference["criteria"])

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = criteria(body)
        if items == crash_items:
            return completion(body, f"Evaluation:\n{items[0]}\t{score}\n")
        return completion(body, "\n\n".join(f"{c}\t1" for c in items))

    with serve(reply) as (url, _):
        _run(tmp_path / "run", url, shared_data, limit=2)
    checks = _checks(tmp_path / "run")
    crashed = [c for c in checks if c["sample_id"] == first]
    assert {c["status"] for c in crashed} == {"error"}
    assert {c["details"]["parsing"] for c in crashed} == {"crash"}
    assert "non-numeric score" in crashed[0]["reason"]
    assert _metrics(tmp_path / "run")["CSR"] == pytest.approx(1.0)  # only the other sample counts
    assert _flags(tmp_path / "run") == {"1": 1, "crash": 1}  # the crash sample is listed, not hidden


@pytest.mark.parametrize("text", ["Sorry, no verdict today.", ""])
def test_nothing_parsed_counts_as_upstream_zeros_in_compat(shared_data: Path, tmp_path: Path, text: str) -> None:
    with serve(lambda body: completion(body, text)) as (url, _):
        _run(tmp_path / "compat", url, shared_data)
        _run(tmp_path / "strict", url, shared_data, "-T", "mode=strict", "-J", "rejudge=0")
    compat = _checks(tmp_path / "compat")
    assert {c["details"]["parsing"] for c in compat} == {"-1"} and {c["status"] for c in compat} == {"error"}
    assert _metrics(tmp_path / "compat")["CSR"] == 0.0  # upstream's ["0"]
    assert _metrics(tmp_path / "strict")["CSR"] is None  # strict leaves it out
    assert _flags(tmp_path / "compat") == {"-1": 1} and _flags(tmp_path / "strict") == {"-1": 1}


@pytest.mark.parametrize("mode", ["compat", "strict"])
def test_a_null_last_reply_is_an_upstream_crash_left_out_of_the_rates(shared_data: Path, tmp_path: Path,
                                                                       mode: str) -> None:
    sample = get_pack("cfbench").load(shared_data)[0]
    null_items = list(sample.reference["criteria"])

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = criteria(body)
        return completion(body, None if items == null_items else "\n\n".join(f"{c}\t1" for c in items))

    with serve(reply) as (url, received):
        _run(tmp_path / "run", url, shared_data, "-T", f"mode={mode}", limit=2)
        assert sum(criteria(b) == null_items for b in received) == 10  # re-judged as upstream, then it crashes
    crashed = [c for c in _checks(tmp_path / "run") if c["sample_id"] == sample.id]
    assert {c["status"] for c in crashed} == {"error"}
    assert {c["details"]["parsing"] for c in crashed} == {"crash"}
    assert all(c["details"]["judge_null"] is True and "null" in c["reason"] for c in crashed)
    rows = [json.loads(line) for line in (tmp_path / "run" / "judgements.jsonl").read_text().splitlines()]
    assert {r["null"] for r in rows if r["sample_id"] == sample.id} == {True}
    assert _metrics(tmp_path / "run")["CSR"] == pytest.approx(1.0)  # only the other sample counts
    assert _flags(tmp_path / "run") == {"1": 1, "crash": 1}


def test_a_null_reply_then_a_parsed_one_is_only_re_judged(shared_data: Path, tmp_path: Path) -> None:
    calls: list[int] = []

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        calls.append(1)
        return completion(body, None if len(calls) == 1 else "\n\n".join(f"{c}\t0" for c in criteria(body)))

    with serve(reply) as (url, _):
        _run(tmp_path / "run", url, shared_data)
    checks = _checks(tmp_path / "run")
    assert len(calls) == 2 and {c["details"]["parsing"] for c in checks} == {"1"}
    assert {c["status"] for c in checks} == {"ok"} and _metrics(tmp_path / "run")["CSR"] == 0.0


@pytest.mark.skipif(refusal() is not None, reason="AgentIF's dataset code needs bubblewrap here")
def test_each_pack_keeps_its_judge_settings_under_one_judge(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "cfbench").mkdir(parents=True)
    shutil.copy(shared_data / "cfbench" / "cfbench_data.json", data / "cfbench" / "cfbench_data.json")
    shutil.copytree(Path(__file__).parent / "fixtures" / "agentif" / "agentif", data / "agentif")

    def reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if MARK in body["messages"][-1]["content"]:
            return completion(body, "\n\n".join(f"{c}\t1" for c in criteria(body)))
        return completion(body, "YES")

    with serve(reply) as (url, received):
        res = CliRunner().invoke(main, [
            "run", "--pack", "cfbench,agentif", "--model", "mock:constant", "-M", "text=回答", "--limit", "1",
            "--data-dir", str(data), "--out", str(tmp_path / "run"), "--judge", "openai:judge",
            "-J", f"base_url={url}", "-J", "max_retries=0"])
        assert res.exit_code == 0, res.output
    cf = [b for b in received if MARK in b["messages"][-1]["content"]]
    other = [b for b in received if MARK not in b["messages"][-1]["content"]]
    assert cf and other
    assert {(b["temperature"], b["max_tokens"]) for b in cf} == {(0.01, 4096)}
    assert {(b["temperature"], b["max_tokens"]) for b in other} == {(0.0, 8192)}
