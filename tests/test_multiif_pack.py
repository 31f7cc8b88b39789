"""Multi-IF pack and multi-turn generation: loading the CSV schema, chained turns against the
loopback server (each turn sees the model's earlier answers), per-turn grading and metrics,
and a kill -9 between turns followed by a resume that never re-asks an answered turn."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.errors import EvalkitError
from evalkit.multiturn import ANSWER_OF
from evalkit.tasks.multiif import PACK
from evalkit.tasks.multiif.metrics import four_rates

from .mock_openai_server import echo_reply, serve

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "multiif"
TURN_IDS = ["1001:turn1", "1001:turn2", "1001:turn3", "1002:turn1", "1002:turn2", "1002:turn3",
            "1003:turn1", "1003:turn2"]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def _run(url: str, out: Path, *extra: str) -> Any:
    return CliRunner().invoke(main, ["run", "--pack", "multiif", "--data-dir", str(FIXTURES), "--model", "openai:m",
                                     "--base-url", url, "--out", str(out), *extra])


def test_loads_one_sample_per_existing_turn_with_placeholders() -> None:
    samples = {s.id: s for s in PACK.load(FIXTURES)}
    assert sorted(samples) == sorted(TURN_IDS)  # 1003 has no third turn
    third = samples["1001:turn3"]
    assert [m["role"] for m in third.messages] == ["user", "assistant", "user", "assistant", "user"]
    assert [m.get(ANSWER_OF) for m in third.messages if m["role"] == "assistant"] == ["1001:turn1", "1001:turn2"]
    assert third.meta == {"turn": "3", "language": "English", "conversation": "1001"}
    words = samples["1001:turn2"].constraints[1]
    assert words.checker == "multiif.length_constraints:number_words"
    assert words.params == {"num_words": 5, "relation": "at least"}  # the null was dropped
    assert len(PACK.load(FIXTURES, {"language": "Hindi"})) == 2
    with pytest.raises(EvalkitError, match="language"):
        PACK.load(FIXTURES, {"language": "Klingon"})


def test_turns_are_chained_graded_per_turn_and_scored_per_turn_and_language(tmp_path: Path) -> None:
    with serve(echo_reply) as (url, received):
        result = _run(url, tmp_path / "run")
    assert result.exit_code == 0, result.output
    gens = {g["sample_id"]: g for g in _lines(tmp_path / "run" / "generations.jsonl")}
    assert sorted(gens) == sorted(TURN_IDS)
    order = [len(b["messages"]) for b in received]
    assert order == sorted(order), "a later turn was sent before an earlier one finished"
    third = next(b for b in received if len(b["messages"]) == 5 and "Finally" in b["messages"][-1]["content"])
    assert third["messages"][1]["content"] == gens["1001:turn1"]["response"]
    assert third["messages"][3]["content"] == gens["1001:turn2"]["response"]
    assert all(set(m) == {"role", "content"} for b in received for m in b["messages"])
    assert gens["1001:turn3"]["messages"][3]["content"] == gens["1001:turn2"]["response"]  # drill-down context

    samples = {s.id: s for s in PACK.load(FIXTURES)}
    per_turn: dict[str, list[dict[str, Any]]] = {}
    for sid, gen in gens.items():
        verdicts = [build_checker(c.checker, c.params).check(gen["response"], CheckContext()).details or {}
                    for c in samples[sid].constraints]
        per_turn.setdefault(samples[sid].meta["turn"], []).append(
            {"n_inst": len(verdicts), **{f"prompt_{m}": all(v[m] for v in verdicts) for m in ("strict", "loose")},
             **{f"inst_{m}": sum(v[m] for v in verdicts) for m in ("strict", "loose")}})
    scores = json.loads((tmp_path / "run" / "scores.json").read_text())["packs"]["multiif"]
    for turn, values in per_turn.items():
        expected = four_rates(values) or {}
        assert scores["metrics"][f"turn_{turn}_overall"] == pytest.approx(expected["overall"])
        assert scores["metrics"][f"turn_{turn}_prompt_strict"] == pytest.approx(expected["prompt_strict"])
    rows = {r["turn_language"]: r for r in scores["tables"]["turn_language"]}
    assert rows["3 all_languages"]["n"] == 2 and "3 Hindi" not in rows
    assert rows["1 English"]["prompt_strict"] == 1.0  # the echoed prompt has no comma


def test_kill_between_turns_then_resume_never_reasks_an_answered_turn(tmp_path: Path) -> None:
    out = tmp_path / "run"

    def first_turn_only(body: dict[str, Any]) -> Any:
        if len(body["messages"]) > 1:
            time.sleep(60)  # turn 2 hangs: the process is killed while waiting for it
        return echo_reply(body)

    with serve(first_turn_only) as (url, first):
        cmd = [sys.executable, "-m", "cli", "run", "--pack", "multiif", "--data-dir", str(FIXTURES), "--model",
               "openai:m", "--base-url", url, "--out", str(out), "--max-retries", "0"]
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(len(b["messages"]) > 1 for b in first):
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    journaled = _lines(out / "generations.jsonl")
    assert sorted(g["sample_id"] for g in journaled) == ["1001:turn1", "1002:turn1", "1003:turn1"]
    answers = {g["sample_id"]: g["response"] for g in journaled}

    with serve(echo_reply) as (url, second):
        result = _run(url, out, "--resume")
    assert result.exit_code == 0, result.output
    assert all(len(b["messages"]) > 1 for b in second), "an answered first turn was asked again"
    assert len(second) == len(TURN_IDS) - 3
    for body in (b for b in second if len(b["messages"]) == 3):
        assert body["messages"][1]["content"] in answers.values()
    final = [g["sample_id"] for g in _lines(out / "generations.jsonl")]
    assert sorted(final) == sorted(TURN_IDS), "lost or duplicated turns"


def test_failed_turns_hold_back_later_turns_until_retried_per_epoch(tmp_path: Path) -> None:
    import evalkit
    from evalkit.errors import EvalkitError as Failed

    out = tmp_path / "run"
    for attempt in range(8):
        try:
            evalkit.run(["multiif"], "mock:echo", out=out, epochs=2, model_args={"fail_every": 3},
                        data_dir=FIXTURES, progress=False, resume=attempt > 0)
        except Failed:
            pass  # too many failures in one call: the next call retries them
        rows = _lines(out / "generations.jsonl")
        if attempt == 0:
            failed = {(r["sample_id"], r["epoch"]) for r in rows if r["status"] == "error"}
            assert failed, "fail_every should make some first-call requests fail"
            done = {(r["sample_id"], r["epoch"]) for r in rows if r["status"] != "error"}
            for sid, epoch in failed:  # nothing built on a failed answer was asked
                conv, turn = sid.split(":turn")
                assert (f"{conv}:turn{int(turn) + 1}", epoch) not in done
        ok = {(r["sample_id"], r["epoch"]): r for r in rows if r["status"] != "error"}
        if len(ok) == 2 * len(TURN_IDS):
            break
    assert len(ok) == 2 * len(TURN_IDS)
    for (sid, epoch), row in ok.items():
        conv, turn = sid.split(":turn")
        if turn != "1":
            previous = ok[(f"{conv}:turn{int(turn) - 1}", epoch)]
            assert row["messages"][-2] == {"role": "assistant", "content": previous["response"]}
