"""Provider batch APIs (``openai-batch:``, ``anthropic-batch:``) through the real ``openai`` and
``anthropic`` SDKs against a loopback fake of the batch endpoints: submit, poll, download,
retries of expired items, limits per batch, batch prices, and a run killed between submit and
results that resumes without a second batch."""

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

import pytest
from click.testing import CliRunner, Result

from cli import main
from evalkit.backends.batch_journal import read_records
from evalkit.pricing import price_for
from evalkit.progress import RunProgress

from .fake_batch_server import FakeState, serve_batches

REPO = Path(__file__).resolve().parents[1]
FAST = ["-M", "poll_interval=0.02"]


def run_cli(*args: str, limit: int = 5) -> Result:
    return CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", str(limit), *FAST, *args])


def rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]


def base_url(backend: str, base: str) -> str:
    return base + "/v1" if backend == "openai-batch" else base


@pytest.mark.parametrize("backend", ["openai-batch", "anthropic-batch"])
def test_a_batch_run_submits_once_polls_and_journals_every_result(tmp_path: Path, backend: str) -> None:
    out = tmp_path / "r"
    with serve_batches(FakeState(polls_to_end=3)) as (base, state):
        result = run_cli("--model", f"{backend}:m", "--base-url", base_url(backend, base), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(state.created) == 1 and state.polls[state.created[0]] >= 3
    got = rows(out)
    assert len(got) == 5 and all(r["status"] == "ok" for r in got)
    assert all(r["response"] == r["messages"][-1]["content"].upper() for r in got)
    assert all(r["usage"]["prompt_tokens"] for r in got)
    records = read_records(out / "batches.jsonl")
    assert [r.batch_id for r in records] == state.created and len(records[0].items) == 5
    states = [json.loads(x) for x in (out / "batches.jsonl").read_text().splitlines() if '"state"' in x]
    assert states and states[-1]["state"] in ("completed", "ended")


@pytest.mark.parametrize("backend", ["openai-batch", "anthropic-batch"])
def test_expired_items_are_retried_in_a_new_batch_and_rejected_ones_reported(tmp_path: Path, backend: str) -> None:
    prompts: list[str] = []

    def outcome(prompt: str, seen: int) -> str:
        if prompt not in prompts:
            prompts.append(prompt)
        index = prompts.index(prompt)
        if index == 0:
            return "expire" if seen == 1 else "ok"  # expires once, succeeds on retry
        if index == 1:
            return "invalid"  # rejected: reported at once, never retried
        if index == 2:
            return "overloaded"  # transient every time: retried until the retries are spent
        return "ok"

    out = tmp_path / "r"
    with serve_batches(FakeState(outcome=outcome)) as (base, state):
        result = run_cli("--model", f"{backend}:m", "--base-url", base_url(backend, base), "--out", str(out),
                         "-M", "batch_retries=2", "--max-errors", "1")
    assert len(state.created) == 3  # the first batch, then two retry rounds
    by_prompt = {r["messages"][-1]["content"]: r for r in rows(out)}
    assert len(by_prompt) == 5
    assert by_prompt[prompts[0]]["status"] == "ok" and by_prompt[prompts[0]]["attempts"] == 2
    assert by_prompt[prompts[1]]["status"] == "error" and "invalid" in by_prompt[prompts[1]]["error"]
    assert by_prompt[prompts[1]]["attempts"] == 1
    assert by_prompt[prompts[2]]["status"] == "error" and "gave up after 3 batches" in by_prompt[prompts[2]]["error"]
    assert state.seen[prompts[1]] == 1 and state.seen[prompts[2]] == 3
    assert result.exit_code == 0, result.output


def test_requests_are_split_into_batches_within_the_limit(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with serve_batches() as (base, state):
        result = run_cli("--model", "openai-batch:m", "--base-url", base + "/v1", "--out", str(out),
                         "-M", "batch_size=2")
    assert result.exit_code == 0, result.output
    assert len(state.created) == 3
    sizes = sorted(len(state.files[b["input_file_id"]].splitlines()) for b in state.batches.values()
                   if "input_file_id" in b)
    assert sizes == [1, 2, 2] and len(rows(out)) == 5


def test_a_batch_size_over_the_provider_limit_is_refused(tmp_path: Path) -> None:
    result = run_cli("--model", "anthropic-batch:m", "--base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "r"),
                     "-M", "batch_size=100001")
    assert result.exit_code == 2 and "at most 100000" in result.output


def test_extra_options_travel_in_every_item_and_transport_options_do_not(tmp_path: Path) -> None:
    with serve_batches() as (base, state):
        result = run_cli("--model", "openai-batch:m", "--base-url", base + "/v1", "--out", str(tmp_path / "r"),
                         "-M", "reasoning_effort=low", "--system-message", "Be brief.")
    assert result.exit_code == 0, result.output
    batch = next(b for b in state.batches.values() if "input_file_id" in b)
    items = [json.loads(x) for x in state.files[batch["input_file_id"]].splitlines()]
    assert all(i["body"]["reasoning_effort"] == "low" and "poll_interval" not in i["body"] for i in items)
    assert all(i["body"]["messages"][0] == {"role": "system", "content": "Be brief."} for i in items)
    assert all(i["url"] == "/v1/chat/completions" and i["method"] == "POST" for i in items)


def test_cost_is_the_batch_price_and_the_dry_run_shows_both(tmp_path: Path) -> None:
    model = "gpt-4o-mini"
    standard, batch = price_for("openai", model), price_for("openai-batch", model)
    if standard is None or batch is None:
        pytest.skip("litellm's price map is not installed")
    assert batch.input_per_token < standard.input_per_token and batch.output_per_token < standard.output_per_token
    with serve_batches() as (base, _):
        result = run_cli("--model", f"openai-batch:{model}", "--base-url", base + "/v1", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    for row in rows(tmp_path / "r"):
        usage = row["usage"]
        assert usage["cost_usd"] == pytest.approx(batch.cost(usage["prompt_tokens"], usage["completion_tokens"]))
        assert usage["cost_usd"] < standard.cost(usage["prompt_tokens"], usage["completion_tokens"])
    dry = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "5", "--model", f"openai-batch:{model}",
                                    "--dry-run"])
    assert dry.exit_code == 0, dry.output
    summary = dry.output.strip().splitlines()[-1]
    assert "(batch)" in summary and "at the normal price" in summary
    low, high = (float(x.split()[0].rstrip(",")) for x in summary.split("$")[1:3])
    assert high > low > 0


def test_the_progress_line_shows_batch_states() -> None:
    stats: Counter[str] = Counter({"batch:in_progress": 2, "batch:completed": 1})
    line = RunProgress(3, stats, enabled=False).line()
    assert "batches 1 completed, 2 in_progress" in line
    assert "batches" not in RunProgress(3, Counter(), enabled=False).line()


def _wait_for(predicate: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["openai-batch", "anthropic-batch"])
def test_a_run_killed_between_submit_and_results_resumes_without_a_second_batch(tmp_path: Path,
                                                                                backend: str) -> None:
    out = tmp_path / "r"
    with serve_batches(hold=True) as (base, state):
        args = ["run", "--pack", "starter", "--limit", "4", "--model", f"{backend}:m", "--base-url",
                base_url(backend, base), "--out", str(out), *FAST]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-c", "from cli import main; main()", *args], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for(lambda: bool(state.created) and state.polls[state.created[0]] >= 2)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        assert not (out / "generations.jsonl").exists() or not rows(out)
        state.release.set()
        result = CliRunner().invoke(main, args + ["--resume", "-M", "poll_interval=0.01"])  # transport option
    assert result.exit_code == 0, result.output
    assert len(state.created) == 1  # collected from the journaled batch, not paid twice
    got = rows(out)
    assert len(got) == 4 and all(r["status"] == "ok" for r in got)
    assert len(read_records(out / "batches.jsonl")) == 1


def test_a_resume_after_results_were_partly_journaled_sends_nothing_new(tmp_path: Path) -> None:
    out = tmp_path / "r"
    with serve_batches() as (base, state):
        args = ["--model", "anthropic-batch:m", "--base-url", base, "--out", str(out)]
        assert run_cli(*args).exit_code == 0
        kept = (out / "generations.jsonl").read_text().splitlines()[:2]  # as if killed while downloading
        (out / "generations.jsonl").write_text("".join(x + "\n" for x in kept))
        result = run_cli(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert len(state.created) == 1 and len(rows(out)) == 5
    assert len({(r["sample_id"], r["epoch"]) for r in rows(out)}) == 5


def test_a_resume_gives_transient_failures_new_retry_rounds_and_keeps_rejections(tmp_path: Path) -> None:
    kinds: dict[str, str] = {}

    def outcome(prompt: str, seen: int) -> str:
        if prompt not in kinds:
            kinds[prompt] = ["overloaded", "invalid"][len(kinds)] if len(kinds) < 2 else "ok"
        return kinds[prompt]

    out = tmp_path / "r"
    with serve_batches(FakeState(outcome=outcome)) as (base, state):
        args = ["--model", "openai-batch:m", "--base-url", base + "/v1", "--out", str(out), "-M", "batch_retries=0"]
        assert run_cli(*args).exit_code == 0
        assert len(state.created) == 1 and Counter(r["status"] for r in rows(out))["error"] == 2
        result = run_cli(*args, "--resume")
    assert result.exit_code == 0, result.output
    overloaded, invalid = (p for p, k in kinds.items() if k != "ok")
    assert len(state.created) == 2  # only the overloaded request went into a new batch
    retried = state.files[state.batches[state.created[1]]["input_file_id"]].splitlines()
    assert [json.loads(x)["body"]["messages"][-1]["content"] for x in retried] == [overloaded]
    assert state.seen[invalid] == 1  # the rejection was collected again from its batch, not resent
    assert Counter(r["status"] for r in rows(out))["ok"] == 3


def test_batches_stay_within_the_byte_limit() -> None:
    from evalkit.backends import make_backend

    backend: Any = make_backend("openai-batch:m", {"batch_size": 10})
    backend.max_bytes = 25
    lines = [(f"a0-{i}", ("p", str(i), 0), b"x" * size) for i, size in enumerate([10, 10, 10, 25, 3])]
    assert [[c for c, _, _ in chunk] for chunk in backend._chunks(lines)] == [["a0-0", "a0-1"], ["a0-2"], ["a0-3"],
                                                                             ["a0-4"]]
    backend.max_bytes = 9
    with pytest.raises(Exception, match="larger than a whole batch"):
        list(backend._chunks(lines))


@pytest.mark.parametrize("backend", ["openai-batch", "anthropic-batch"])
def test_a_run_killed_while_its_batch_was_being_created(tmp_path: Path, backend: str) -> None:
    """The provider created the batch but the run died before hearing its id: OpenAI's batch is
    found again by the tag in its metadata; Anthropic keeps no metadata, so it is submitted again."""
    out = tmp_path / "r"
    with serve_batches() as (base, state):
        state.answer_create.clear()
        args = ["run", "--pack", "starter", "--limit", "3", "--model", f"{backend}:m", "--base-url",
                base_url(backend, base), "--out", str(out), *FAST]
        proc = subprocess.Popen([sys.executable, "-c", "from cli import main; main()", *args], cwd=REPO,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: len(state.created) == 1)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        state.answer_create.set()
        assert read_records(out / "batches.jsonl")[0].batch_id == ""  # submitting, never confirmed
        result = CliRunner().invoke(main, args + ["--resume"])
    assert result.exit_code == 0, result.output
    assert len(state.created) == (1 if backend == "openai-batch" else 2)
    assert [r.batch_id for r in read_records(out / "batches.jsonl")][-1] == state.created[-1]
    got = rows(out)
    assert len(got) == 3 and all(r["status"] == "ok" for r in got)
