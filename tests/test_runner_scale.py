"""Runner at scale: kill -9 and resume, the request cache, epochs and pass@k, reasoning and
statuses, usage and cost, --dry-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cli import main
from evalkit.packs import get_pack
from evalkit.pricing import Price
from evalkit.runner import to_row
from evalkit.types import Generation, GenerationRequest

from .mock_openai_server import echo_reply, last_user, serve

REPO = Path(__file__).resolve().parents[1]


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines() if line.endswith("}")]


def test_kill_9_then_resume_loses_nothing_duplicates_nothing_resends_nothing(tmp_path: Path) -> None:
    prompt_of = {s.id: last_user({"messages": list(s.messages)}) for s in get_pack("starter").load(None, {})}
    out = tmp_path / "run"

    def slow(body: dict[str, Any]) -> Any:
        time.sleep(0.1)
        return echo_reply(body)

    with serve(slow) as (url, first):
        cmd = [sys.executable, "-m", "cli", "run", "--pack", "starter", "--model", "openai:m", "--base-url", url,
               "--concurrency", "3", "--out", str(out)]
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ((out / "generations.jsonl").is_file() and len(lines(out)) >= 12):
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    journaled = lines(out)
    assert 12 <= len(journaled) < 40, "the kill should land mid-run"
    done_prompts = {prompt_of[r["sample_id"]] for r in journaled}

    with serve() as (url, second):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--model", "openai:m", "--base-url", url,
                                           "--concurrency", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    resent = {last_user(b) for b in second}
    assert not resent & done_prompts, "a finished request was sent again"
    assert len(second) == 40 - len(journaled)
    final = lines(out)
    keys = Counter((r["sample_id"], r["epoch"]) for r in final)
    assert len(keys) == 40 and max(keys.values()) == 1, "lost or duplicated generations"


def test_cache_serves_a_repeat_run_without_calls(tmp_path: Path) -> None:
    args = ["run", "--pack", "starter", "--limit", "5", "--model", "openai:m", "--epochs", "2"]
    with serve() as (url, received):
        assert CliRunner().invoke(main, [*args, "--base-url", url, "--out", str(tmp_path / "a")]).exit_code == 0
        assert len(received) == 10
        result = CliRunner().invoke(main, [*args, "--base-url", url, "--out", str(tmp_path / "b")])
        assert result.exit_code == 0, result.output
        assert len(received) == 10, "the repeat run must cost no API call"
        changed = CliRunner().invoke(main, [*args, "--base-url", url, "--temperature", "0.5", "--out", str(tmp_path / "c")])
        assert changed.exit_code == 0 and len(received) == 20, "another generation config is another key"
    again = lines(tmp_path / "b")
    assert all(r["cached"] for r in again)
    first = {(r["sample_id"], r["epoch"]): r["response"] for r in lines(tmp_path / "a")}
    assert {(r["sample_id"], r["epoch"]): r["response"] for r in again} == first
    assert json.loads((tmp_path / "b" / "run.json").read_text())["usage"]["cached"] == 10


def test_epochs_report_mean_and_pass_at_k(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--model", "mock:upper", "--limit", "6", "--epochs", "3",
                                       "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert len(lines(tmp_path / "r")) == 18
    scores = json.loads((tmp_path / "r" / "scores.json").read_text())["packs"]["starter"]
    metrics = scores["metrics"]
    assert metrics["mean"] == metrics["accuracy"] and metrics["pass@1"] <= metrics["pass@3"]
    assert [row["pass_at_k"] for row in scores["tables"]["pass_at_k"]] == [1, 2, 3]
    assert "pass@3" in result.output


def _reasoning_reply(body: dict[str, Any]) -> Any:
    prompt = last_user(body)
    status, payload = echo_reply(body)
    message, choice = payload["choices"][0]["message"], payload["choices"][0]
    if "paint" in prompt:
        message["reasoning_content"] = "primary colours..."
    elif "a cat" in prompt:
        message["content"] = "<think>five seven five and on and on"
        choice["finish_reason"] = "length"
    elif "water" in prompt:
        message["content"], message["refusal"] = "", "I can't help with that."
    else:
        message["content"] = "<think>short plan</think>\n\n" + message["content"]
    return status, payload


def test_reasoning_is_stripped_and_statuses_recorded(tmp_path: Path) -> None:
    with serve(_reasoning_reply) as (url, _):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "8", "--model", "openai:m",
                                           "--base-url", url, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    rows = lines(tmp_path / "r")
    by_status = Counter(r["status"] for r in rows)
    assert by_status["refusal"] == 1 and by_status["unterminated_thinking"] >= 1
    for r in rows:
        assert "<think>" not in r["response"]
        if r["status"] == "ok":
            assert r["reasoning"] in {"primary colours...", "short plan"}
    assert "refusal 1" in result.output and "unterminated_thinking" in result.output
    with serve(_reasoning_reply) as (url, _):
        kept = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "8", "--model", "openai:m",
                                         "--base-url", url, "--think-tags", "none", "--out", str(tmp_path / "k")])
    assert kept.exit_code == 0 and any("<think>" in r["response"] for r in lines(tmp_path / "k"))


def test_statuses_and_cost_per_row() -> None:
    req = GenerationRequest("p", "1", 0, ())
    price = Price("m", 1e-6, 2e-6)
    row = to_row(req, Generation(text="hi", finish_reason="stop", prompt_tokens=100, completion_tokens=10), price=price)
    assert row.status == "ok" and abs((row.usage.cost_usd or 0) - 1.2e-4) < 1e-12
    assert to_row(req, Generation(text="", reasoning="r", finish_reason="length")).status == "unterminated_thinking"
    assert to_row(req, Generation(text="x", refusal=True)).status == "refusal"
    assert to_row(req, Generation(text="[x]", finish_reason="stop"), tags=("[", "]")).response == ""
    cached = to_row(req, Generation(text="hi", prompt_tokens=5, completion_tokens=5, cached=True), price=price)
    assert cached.cached and cached.usage.cost_usd is None


def test_usage_and_cost_in_the_manifest(tmp_path: Path) -> None:
    with serve() as (url, _):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "3", "--model", "openai:gpt-4o-mini",
                                           "--base-url", url, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    usage = json.loads((tmp_path / "r" / "run.json").read_text())["usage"]
    assert usage["prompt_tokens"] == 30 and usage["completion_tokens"] > 0
    if usage["cost_usd"] is not None:  # priced only where litellm's price map is installed
        assert usage["cost_usd"] > 0 and all(r["usage"]["cost_usd"] for r in lines(tmp_path / "r"))


def test_dry_run_sends_and_writes_nothing(tmp_path: Path) -> None:
    with serve() as (url, received):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "4", "--epochs", "2", "--model",
                                           "openai:gpt-4o-mini", "--base-url", url, "--max-tokens", "100",
                                           "--system-message", "Be brief.", "--dry-run", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert not received and not (tmp_path / "r").exists()
    requests = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(requests) == 8 and requests[0]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert "8 requests" in result.output and "at most 800 completion tokens" in result.output
