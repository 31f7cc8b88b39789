"""API backends against the loopback server: 429 + Retry-After, 500, timeouts, malformed bodies,
the error budget, several vLLM servers, the Anthropic wire format and LiteLLM. OpenAI-compatible
tests run twice: through the openai SDK and through the lean HTTP client."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli import main

from .mock_openai_server import anthropic_reply, echo_reply, last_user, serve


@pytest.fixture(params=["sdk", "http"])
def openai_client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once through the openai SDK and once through the lean HTTP client."""
    monkeypatch.setenv("EVALKIT_OPENAI_CLIENT", request.param)
    return str(request.param)


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "4", *args])


def rows(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]


class FailFirst:
    """Fail the first ``times`` attempts of every prompt with ``status`` (and headers), then echo."""

    def __init__(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        self.status, self.times, self.headers = status, times, headers or {}
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Any:
        with self.lock:
            self.seen[last_user(body)] += 1
            n = self.seen[last_user(body)]
        if n <= self.times:
            return self.status, {"error": {"message": f"injected {self.status}"}}, self.headers
        return echo_reply(body)


@pytest.mark.usefixtures("openai_client")
def test_429_with_retry_after_is_honoured(tmp_path: Path) -> None:
    reply = FailFirst(429, headers={"Retry-After": "0.3"})
    with serve(reply) as (url, received):
        start = time.monotonic()
        result = run_cli("--model", "openai:m", "--base-url", url, "--out", str(tmp_path / "r"))
        elapsed = time.monotonic() - start
    assert result.exit_code == 0, result.output
    assert len(received) == 8 and set(reply.seen.values()) == {2}
    assert elapsed >= 0.3
    assert [r["status"] for r in rows(tmp_path / "r")] == ["ok"] * 4
    assert {r["attempts"] for r in rows(tmp_path / "r")} == {2}


@pytest.mark.usefixtures("openai_client")
def test_retry_after_beyond_the_retry_time_fails_fast(tmp_path: Path) -> None:
    reply = FailFirst(429, times=99, headers={"Retry-After": "30"})
    with serve(reply) as (url, _):
        start = time.monotonic()
        result = run_cli("--model", "openai:m", "--base-url", url, "--retry-time", "1", "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "4 of 4 generations failed" in result.output, result.output
    assert time.monotonic() - start < 10
    assert {r["status"] for r in rows(tmp_path / "r")} == {"error"}
    assert all("RateLimitError" in r["error"] for r in rows(tmp_path / "r"))


@pytest.mark.usefixtures("openai_client")
def test_500_is_retried_then_recorded(tmp_path: Path) -> None:
    with serve(FailFirst(500, times=2)) as (url, received):
        result = run_cli("--model", "openai:m", "--base-url", url, "--out", str(tmp_path / "ok"))
        assert result.exit_code == 0 and len(received) == 12
    assert {r["status"] for r in rows(tmp_path / "ok")} == {"ok"}
    with serve(FailFirst(500, times=99)) as (url, received):
        result = run_cli("--model", "openai:m", "--base-url", url, "--max-retries", "1", "--no-cache",
                         "--out", str(tmp_path / "bad"))
        assert result.exit_code == 2 and len(received) == 8
    bad = rows(tmp_path / "bad")
    assert {r["status"] for r in bad} == {"error"} and {r["attempts"] for r in bad} == {2}


@pytest.mark.usefixtures("openai_client")
def test_per_request_timeout(tmp_path: Path) -> None:
    def slow(body: dict[str, Any]) -> Any:
        time.sleep(1.5)
        return echo_reply(body)

    with serve(slow) as (url, _):
        result = run_cli("--model", "openai:m", "--base-url", url, "--timeout", "0.2", "--max-retries", "1",
                         "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert all(r["status"] == "error" and r["error"].startswith("Timeout") for r in rows(tmp_path / "r"))


@pytest.mark.usefixtures("openai_client")
def test_malformed_body_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with serve(lambda body: (200, b'{"choices": [{"mess')) as (url, received):
        result = run_cli("--model", "openai:m", "--base-url", url, "--out", str(tmp_path / "r"))
    assert result.exit_code == 2, result.output
    assert len(received) == 4
    assert all(r["status"] == "error" and "JSONDecodeError" in r["error"] for r in rows(tmp_path / "r"))


@pytest.mark.usefixtures("openai_client")
def test_max_errors_aborts_and_keeps_finished_work(tmp_path: Path) -> None:
    def half(body: dict[str, Any]) -> Any:
        if "paint" in last_user(body) or "haiku" in last_user(body).lower():
            return 400, {"error": {"message": "rejected"}}
        return echo_reply(body)

    out = tmp_path / "r"
    with serve(half) as (url, received):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--model", "openai:m", "--base-url", url,
                                           "--concurrency", "1", "--max-errors", "0", "--out", str(out)])
    assert result.exit_code == 2 and "--max-errors" in result.output
    journal = rows(out)
    assert len(received) < 40 and len(journal) == len(received)
    assert [r["status"] for r in journal].count("error") == 1
    manifest = json.loads((out / "run.json").read_text())
    assert "aborted" in manifest and (out / "scores.json").is_file()


@pytest.mark.usefixtures("openai_client")
def test_vllm_server_spreads_requests_across_servers(tmp_path: Path) -> None:
    def slow(body: dict[str, Any]) -> Any:
        time.sleep(0.05)
        return echo_reply(body)

    with serve(slow) as (url_a, got_a), serve(slow) as (url_b, got_b):
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "20", "--model", "vllm-server:m",
                                           "--base-url", url_a, "--base-url", url_b, "--concurrency", "4",
                                           "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert len(got_a) + len(got_b) == 20 and len(got_a) >= 5 and len(got_b) >= 5
    manifest = json.loads((tmp_path / "r" / "run.json").read_text())
    assert manifest["backend"]["base_urls"] == [url_a, url_b]


def test_one_base_url_only_for_other_backends(tmp_path: Path) -> None:
    result = run_cli("--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1", "--base-url",
                     "http://127.0.0.1:8/v1", "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and "one --base-url" in result.output


def test_anthropic_backend_text_thinking_and_statuses(tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> Any:
        prompt = last_user(body)
        if "paint" in prompt:
            return anthropic_reply(body, text="", stop_reason="refusal")
        if "a cat" in prompt:
            return anthropic_reply(body, text="", thinking="counting syllables", stop_reason="max_tokens")
        return anthropic_reply(body, thinking="plan first")

    with serve(reply) as (url, received):
        result = run_cli("--model", "anthropic:claude-test", "--base-url", url.removesuffix("/v1"),
                         "--system-message", "Be brief.", "--limit", "6", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert len(received) == 6
    assert all(b["system"] == "Be brief." and b["messages"][0]["role"] == "user" for b in received)
    by_status = Counter(r["status"] for r in rows(tmp_path / "r"))
    assert by_status["refusal"] == 1 and by_status["ok"] >= 3
    ok = next(r for r in rows(tmp_path / "r") if r["status"] == "ok")
    assert ok["reasoning"] == "plan first" and "plan first" not in ok["response"]
    assert ok["usage"]["prompt_tokens"] == 12


def test_anthropic_429_then_ok(tmp_path: Path) -> None:
    class Reply(FailFirst):
        def __call__(self, body: dict[str, Any]) -> Any:
            out = super().__call__(body)
            return out if out[0] != 200 else anthropic_reply(body)

    with serve(Reply(429, headers={"retry-after": "0.1"})) as (url, received):
        result = run_cli("--model", "anthropic:c", "--base-url", url.removesuffix("/v1"), "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert len(received) == 8 and {r["status"] for r in rows(tmp_path / "r")} == {"ok"}


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydantic notes from inside litellm
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_litellm_backend(tmp_path: Path, provider: str) -> None:
    pytest.importorskip("litellm", reason="needs the 'litellm' extra")
    reply = FailFirst(429, headers={"Retry-After": "0.1"})

    def both(body: dict[str, Any]) -> Any:
        out = reply(body)
        return out if out[0] != 200 or provider == "openai" else anthropic_reply(body)

    with serve(both) as (url, received):
        base = url if provider == "openai" else url.removesuffix("/v1")
        result = run_cli("--model", f"litellm:{provider}/m", "--base-url", base, "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert len(received) == 8
    journal = rows(tmp_path / "r")
    assert {r["status"] for r in journal} == {"ok"} and all(r["response"].isupper() for r in journal)


def test_missing_engines_name_their_extra() -> None:
    from evalkit.backends import make_backend
    from evalkit.errors import EvalkitError
    from evalkit.types import GenerationConfig, GenerationRequest

    request = GenerationRequest("p", "1", 0, ({"role": "user", "content": "hi"},))
    try:
        import vllm  # noqa: F401
    except ImportError:
        with pytest.raises(EvalkitError, match=r"'vllm' extra"):
            make_backend("vllm:some/model").generate([request], GenerationConfig(), lambda r, g: None)
    with pytest.raises(EvalkitError, match="needs --base-url"):
        make_backend("vllm-server:m").generate([request], GenerationConfig(), lambda r, g: None)


@pytest.mark.usefixtures("openai_client")
def test_a_long_retry_after_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    reply = FailFirst(429, times=1, headers={"Retry-After": "3600"})
    with serve(reply) as (url, received):
        result = run_cli("--model", "openai:m", "--base-url", url, "--timeout", "0.3", "--retry-time", "60",
                         "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert len(received) == 8 and [r["status"] for r in rows(tmp_path / "r")] == ["ok"] * 4


@pytest.mark.usefixtures("openai_client")
def test_a_retry_after_beyond_the_retry_time_fails_only_its_request(tmp_path: Path) -> None:
    def one_limited(body: dict[str, Any]) -> Any:
        if "paint" in last_user(body):
            return 429, {"error": {"message": "slow down"}}, {"Retry-After": "3600"}
        return echo_reply(body)

    with serve(one_limited) as (url, _):
        result = run_cli("--model", "openai:m", "--base-url", url, "--retry-time", "5", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    statuses = Counter(r["status"] for r in rows(tmp_path / "r"))
    assert statuses == {"ok": 3, "error": 1}
    assert any("Retry-After 3600 s is beyond --retry-time 5 s" in (r["error"] or "") for r in rows(tmp_path / "r"))


def _lowest_limit(outcomes: list[bool], maximum: int = 64) -> float:
    """The lowest in-flight limit seen while ``outcomes`` (True: a 429) come in, each on an acquired slot."""
    import asyncio

    from evalkit.backends.pool import AdaptiveLimiter

    async def go() -> float:
        limiter = AdaptiveLimiter(maximum)
        lowest = limiter.limit
        for limited in outcomes:
            await limiter.acquire()
            limiter.release(ok=not limited, rate_limited=limited)
            lowest = min(lowest, limiter.limit)
        return lowest

    return asyncio.run(go())


def test_scattered_429s_do_not_shrink_the_concurrency_limit() -> None:
    outcomes = [i % 10 == 3 for i in range(500)]  # 10% of requests rate-limited, spread out
    assert _lowest_limit(outcomes) == 64


def test_sustained_429s_shrink_the_concurrency_limit() -> None:
    assert _lowest_limit([True] * 20) == 32  # one cut per second of sustained rate limiting
    assert _lowest_limit([False] * 20 + [True] * 20) < 64


def test_sdk_and_lean_client_send_the_same_body_and_journal_the_same_rows(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def reply(body: dict[str, Any]) -> Any:
        status, payload = echo_reply(body)
        payload["choices"][0]["message"]["reasoning_content"] = "thought"
        payload["usage"]["completion_tokens_details"] = {"reasoning_tokens": 3}
        return status, payload

    journals, bodies = {}, {}
    for client in ("sdk", "http"):
        monkeypatch.setenv("EVALKIT_OPENAI_CLIENT", client)
        with serve(reply) as (url, received):
            result = run_cli("--model", "openai:m", "--base-url", url, "--system-message", "Be brief.", "--top-p", "0.9",
                             "-M", "repetition_penalty=1.1", "--no-cache", "--out", str(tmp_path / client))
            assert result.exit_code == 0, result.output
        bodies[client] = sorted(received, key=lambda b: json.dumps(b, sort_keys=True))
        journals[client] = sorted(({k: v for k, v in r.items() if k != "latency_s"} for r in rows(tmp_path / client)),
                                  key=lambda r: r["sample_id"])
    assert bodies["sdk"] == bodies["http"] and bodies["http"][0]["repetition_penalty"] == 1.1
    assert journals["sdk"] == journals["http"] and journals["http"][0]["reasoning"] == "thought"
    assert journals["http"][0]["usage"]["reasoning_tokens"] == 3


def test_pool_keeps_its_limit_through_scattered_429s() -> None:
    import asyncio

    from evalkit.backends.pool import Limits, Pool
    from evalkit.types import Generation, GenerationRequest

    class Limited(Exception):
        status_code = 429
        headers = {"retry-after": "0.01"}

    attempts: Counter[str] = Counter()

    async def call(request: GenerationRequest) -> Generation:
        attempts[request.sample_id] += 1
        await asyncio.sleep(0)
        if attempts[request.sample_id] == 1 and int(request.sample_id) % 10 == 0:
            raise Limited("slow down")
        return Generation(text="ok")

    results: dict[str, Generation] = {}
    pool = Pool(call, 16, Limits(), Counter())
    limits_seen: list[float] = []
    release = pool.limiter.release

    def watched(ok: bool, rate_limited: bool = False) -> None:
        release(ok, rate_limited)
        limits_seen.append(pool.limiter.limit)

    pool.limiter.release = watched  # type: ignore[method-assign]
    requests = [GenerationRequest("p", str(i), 0, ()) for i in range(300)]
    asyncio.run(pool.run(requests, lambda r, g: results.__setitem__(r.sample_id, g)))
    assert len(results) == 300 and all(g.error is None for g in results.values())
    assert min(limits_seen) == 16 and sum(attempts.values()) == 330
