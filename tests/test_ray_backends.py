"""Ray Data LLM backends: ``ray-vllm`` configuration checked without a GPU; ``ray-http`` on a
local Ray (``num_cpus=2``) against loopback servers, end to end, with per-row failures and a
killed run resumed. Tests that start Ray are marked ``ray`` (CI's later stage)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.backends import make_backend
from evalkit.types import GenerationConfig, GenerationRequest

from .mock_openai_server import echo_reply, last_user, serve

llm = pytest.importorskip("ray.data.llm", reason="the [ray] extra is not installed")
REPO = Path(__file__).resolve().parents[1]
RAY = ["-M", "num_cpus=2"]


def rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]


def test_ray_vllm_config_replicas_tensor_parallel_and_engine_options() -> None:
    backend: Any = make_backend("ray-vllm:HuggingFaceTB/SmolLM2-135M-Instruct", {
        "replicas": 3, "tensor_parallel_size": 2, "max_model_len": 4096, "batch_size": 8,
        "ray_address": "auto", "accelerator_type": "H100"})
    backend.preflight()
    config = backend.engine_config(llm)
    assert isinstance(config, llm.vLLMEngineProcessorConfig)
    assert config.model_source == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert {k: config.engine_kwargs[k] for k in ("tensor_parallel_size", "max_model_len")} == {
        "tensor_parallel_size": 2, "max_model_len": 4096}
    assert "replicas" not in config.engine_kwargs and "ray_address" not in config.engine_kwargs
    assert config.concurrency == 3 and config.batch_size == 8 and config.accelerator_type == "H100"
    assert config.should_continue_on_error is True
    # Ray placement does not change what is generated; engine options do
    assert backend.cache_identity()["options"] == {"max_model_len": 4096, "tensor_parallel_size": 2}


def test_ray_vllm_rows_carry_messages_and_sampling_params_and_map_back() -> None:
    from evalkit.backends.ray_llm import _vllm_post, _vllm_pre

    backend: Any = make_backend("ray-vllm:m", {})
    cfg = GenerationConfig(max_tokens=5, temperature=0.0, seed=3, system_message="Be brief.")
    body = backend.row_body(GenerationRequest("p", "s1", 0, [{"role": "user", "content": "hi"}]), cfg)
    row = _vllm_pre({"idx": 7, "body": json.dumps(body)})
    assert row["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    assert row["sampling_params"] == {"max_tokens": 5, "temperature": 0.0, "seed": 3}
    out = _vllm_post({**row, "generated_text": "hello", "num_input_tokens": 9, "num_generated_tokens": 5})
    gen = backend.to_generation(out, cfg)
    assert (gen.text, gen.prompt_tokens, gen.completion_tokens, gen.finish_reason) == ("hello", 9, 5, "length")
    failed = backend.to_generation({**row, "__inference_error__": "CUDA error"}, cfg)
    assert failed.error is not None and "CUDA error" in failed.error


def test_ray_backends_refuse_wrong_urls() -> None:
    from evalkit.errors import EvalkitError

    with pytest.raises(EvalkitError, match="--base-url"):
        make_backend("ray-http:m", {}).preflight()
    with pytest.raises(EvalkitError, match="ray-http"):
        make_backend("ray-vllm:m", {}, base_url="http://127.0.0.1:9/v1").preflight()


@pytest.mark.ray
def test_ray_http_spreads_requests_over_servers_and_records_failures(tmp_path: Path) -> None:
    def reply_a(body: dict[str, Any]) -> Any:
        prompt = last_user(body)
        if "three primary colors" in prompt:
            return 400, {"error": {"message": "bad request from test"}}
        return echo_reply(body)

    def reply_b(body: dict[str, Any]) -> Any:
        return echo_reply(body)

    out = tmp_path / "r"
    with serve(reply_a) as (url_a, got_a), serve(reply_b) as (url_b, got_b):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "12", "--model", "ray-http:m",
                                           "--base-url", url_a, "--base-url", url_b, "--out", str(out), *RAY,
                                           "-M", "batch_size=2", "-M", "workers=2", "-M", "temperature=0.5"])
    assert result.exit_code == 0, result.output
    assert len(got_a) == 6 and len(got_b) == 6  # dealt round-robin over the two servers
    assert all(b["temperature"] == 0.5 and "num_cpus" not in b for b in [*got_a, *got_b])
    got = rows(out)
    by_status = Counter(r["status"] for r in got)
    assert len(got) == 12 and by_status["ok"] >= 10
    ok = [r for r in got if r["status"] == "ok"]
    assert all(r["response"] == r["messages"][-1]["content"].upper() and r["usage"]["prompt_tokens"] == 10 for r in ok)
    failed = [r for r in got if r["status"] == "error"]
    assert all("bad request from test" in r["error"] for r in failed)


@pytest.mark.ray
def test_a_killed_ray_http_run_resumes_without_resending_finished_requests(tmp_path: Path) -> None:
    lock = threading.Lock()
    phase = {"n": 0}
    seen: dict[int, list[str]] = {0: [], 1: []}

    def slow(body: dict[str, Any]) -> Any:
        time.sleep(0.15)
        with lock:
            seen[phase["n"]].append(last_user(body))
        return echo_reply(body)

    out = tmp_path / "r"
    with serve(slow) as (url, _):
        args = ["run", "--pack", "starter", "--limit", "40", "--model", "ray-http:m", "--base-url", url,
                "--out", str(out), *RAY, "-M", "batch_size=2", "-M", "workers=1"]
        proc = subprocess.Popen([sys.executable, "-c", "from cli import main; main()", *args], cwd=REPO,
                                env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        journal = out / "generations.jsonl"
        try:
            deadline = time.monotonic() + 240
            while not (journal.exists() and len(journal.read_text().splitlines()) >= 6):
                assert time.monotonic() < deadline and proc.poll() is None, "the run journaled nothing"
                time.sleep(0.1)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # the driver and the Ray it started
            proc.wait(timeout=30)
        before = {r["messages"][-1]["content"] for r in rows(out) if r["status"] == "ok"}
        assert 6 <= len(before) < 40  # journaled while the run went on, not at the end
        with lock:
            phase["n"] = 1
        result = CliRunner().invoke(main, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert not before & set(seen[1])  # nothing finished was sent again
    final = {(r["sample_id"], r["epoch"]): r for r in rows(out)}
    assert len(final) == 40 and all(r["status"] == "ok" for r in final.values())
