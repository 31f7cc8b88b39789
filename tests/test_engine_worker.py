"""In-process engines run in a worker process: results are journaled one by one, a crash of the
worker is a one-line error (engine, signal, sample), exit 2, and the re-run resumes after it.

The engine here is the mock backend driven through the real ``local:`` and ``vllm:`` backend
classes (only their engine is swapped), so these tests need neither llama.cpp nor vLLM.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.backends import BACKENDS
from evalkit.backends.base import OnResult
from evalkit.backends.engine_worker import (
    CRASH_AT_ENV,
    CRASH_ON_ENV,
    EngineCrashed,
    describe_exit,
    flag,
)
from evalkit.backends.llamacpp import LlamaCppBackend, llama_class
from evalkit.backends.mock import MockBackend
from evalkit.backends.vllm_offline import VLLMBackend
from evalkit.errors import EvalkitError
from evalkit.packs import get_pack
from evalkit.runner import RunAborted
from evalkit.types import Generation, GenerationConfig, GenerationRequest

MOCK = "evalkit.backends.mock:MockBackend"


class MockLlama(LlamaCppBackend):
    """The local backend with the mock engine in its worker."""

    engine = MOCK
    engine_label = "mock llama"

    def preflight(self) -> None:
        """No GGUF needed."""


class MockVLLM(VLLMBackend):
    """The vLLM backend (batches of ``chunk_size``) with the mock engine in its worker."""

    engine = MOCK
    engine_label = "mock vLLM"


class SpawningEngine(MockBackend):
    """A mock engine that starts a helper process of its own, as vLLM starts its engine core; the
    helper's pid goes to the file named by ``-M pid_file=…``."""

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        if not hasattr(self, "helper"):
            self.helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            Path(self.options["pid_file"]).write_text(str(self.helper.pid))
        super().generate(requests, config, on_result)


class SpawningVLLM(VLLMBackend):
    engine = f"{__name__}:SpawningEngine"
    engine_label = "spawning"


@pytest.fixture(autouse=True)
def _mock_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(BACKENDS, "wlocal", f"{__name__}:MockLlama")
    monkeypatch.setitem(BACKENDS, "wvllm", f"{__name__}:MockVLLM")
    monkeypatch.delenv(CRASH_AT_ENV, raising=False)
    monkeypatch.delenv(CRASH_ON_ENV, raising=False)
    yield


def _ids(n: int) -> list[str]:
    return [s.id for s in get_pack("starter").load(None, {})[:n]]


def _rows(out: Path) -> list[dict[str, Any]]:
    path = out / "generations.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _run(out: Path, model: str, *extra: str, crash_at: int | None = None) -> Any:
    env = {CRASH_AT_ENV: str(crash_at)} if crash_at else None
    return CliRunner().invoke(main, ["run", "--model", model, "--limit", "5", "--out", str(out), *extra], env=env)


def _last_line(output: str) -> str:
    return [line for line in output.splitlines() if line.strip()][-1]


@pytest.mark.parametrize("extra", [(), ("-M", "worker=false")])
def test_worker_gives_the_in_process_results(tmp_path: Path, extra: tuple[str, ...]) -> None:
    assert _run(tmp_path / "direct", "mock:upper").exit_code == 0
    result = _run(tmp_path / "worker", "wlocal:upper", *extra)
    assert result.exit_code == 0, result.output
    direct, worker = _rows(tmp_path / "direct"), _rows(tmp_path / "worker")
    assert [(r["sample_id"], r["response"]) for r in worker] == [(r["sample_id"], r["response"]) for r in direct]
    assert len(worker) == 5 and {r["status"] for r in worker} <= {"ok", "truncated"}


def test_sequential_engine_crash_is_one_line_error_then_resume(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    result = _run(out, "wlocal:upper", crash_at=3)
    assert result.exit_code == 2, result.output
    line = _last_line(result.output)
    assert line.startswith("error: the mock llama engine (upper) died with SIGSEGV while generating "
                           f"starter/{ids[2]} (epoch 0)"), line
    assert line.endswith(", after 2 finished generations (all journaled); re-run into the same --out to resume"), line
    assert "Traceback" not in result.output
    assert [r["sample_id"] for r in _rows(out)] == ids[:2]  # the first k-1, journaled
    manifest = json.loads((out / "run.json").read_text())
    assert "SIGSEGV" in manifest["aborted"]
    scores = json.loads((out / "scores.json").read_text())  # what finished is graded
    assert scores["packs"]["starter"]["counts"]["units"] == 2

    resumed = _run(out, "wlocal:upper")
    assert resumed.exit_code == 0, resumed.output
    rows = _rows(out)
    assert [r["sample_id"] for r in rows] == ids and all(r["status"] != "error" for r in rows)


def test_batch_engine_crash_names_the_batch_and_keeps_earlier_chunks(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    result = _run(out, "wvllm:upper", "-M", "chunk_size=2", crash_at=3)
    assert result.exit_code == 2, result.output
    line = _last_line(result.output)
    assert "mock vLLM engine (upper) died with SIGSEGV" in line
    assert f"a batch of 2 requests starting with starter/{ids[2]} (epoch 0)" in line
    assert [r["sample_id"] for r in _rows(out)] == ids[:2]
    resumed = _run(out, "wvllm:upper", "-M", "chunk_size=2")
    assert resumed.exit_code == 0, resumed.output
    assert sorted(r["sample_id"] for r in _rows(out)) == sorted(ids)


def test_crash_while_resuming_names_the_right_sample(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    assert _run(out, "wlocal:upper", crash_at=2).exit_code == 2
    again = _run(out, "wlocal:upper", crash_at=2)  # the worker counts its own requests: ids[1] done, ids[2] crashes
    assert again.exit_code == 2
    assert f"starter/{ids[2]} (epoch 0)" in _last_line(again.output)
    assert [r["sample_id"] for r in _rows(out)] == ids[:2]


def test_engine_error_in_the_worker_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path / "run", "wlocal:nonsense")
    assert result.exit_code == 2
    assert _last_line(result.output) == "error: mock llama engine: unknown mock model 'nonsense' (choose from echo, constant, upper)"


def test_engine_exception_in_the_worker_is_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path / "run", "wlocal:echo", "-M", "fail_every=often")  # int("often") fails in the worker
    assert result.exit_code == 2
    assert _last_line(result.output).startswith("error: mock llama engine: ValueError: invalid literal for int()")
    assert "Traceback" not in result.output


def _requests(n: int) -> list[GenerationRequest]:
    return [GenerationRequest("p", f"s{i}", 0, ({"role": "user", "content": f"hello {i}"},)) for i in range(n)]


def test_on_result_abort_stops_the_worker_and_a_later_call_starts_a_new_one() -> None:
    backend = MockLlama("echo", {})
    seen: list[str] = []
    pids: list[int] = []

    def abort(request: GenerationRequest, gen: Generation) -> None:
        seen.append(request.sample_id)
        pids.append(backend._worker._proc.pid)  # type: ignore[union-attr]
        raise RunAborted("stop")

    with pytest.raises(RunAborted):
        backend.generate(_requests(3), GenerationConfig(max_tokens=8), abort)
    assert seen == ["s0"] and not _running(pids[0])
    got: list[tuple[GenerationRequest, Generation]] = []
    requests = _requests(2)
    backend.generate(requests, GenerationConfig(max_tokens=8), lambda r, g: got.append((r, g)))
    second = backend._worker._proc.pid  # type: ignore[union-attr]
    assert second != pids[0] and _running(second)
    backend.close()
    assert not _running(second)
    assert [r for r, _ in got] == requests  # the caller's own request objects come back
    assert [g.text for _, g in got] == ["hello 0", "hello 1"]


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("crash", [True, False])
def test_processes_the_engine_started_end_with_the_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          crash: bool) -> None:
    pid_file = tmp_path / "helper.pid"
    backend = SpawningVLLM("echo", {"pid_file": str(pid_file), "chunk_size": 2})
    requests = _requests(4)
    if crash:
        monkeypatch.setenv(CRASH_AT_ENV, "3")  # the worker dies on the second chunk; its helper lives on
        with pytest.raises(EngineCrashed):
            backend.generate(requests, GenerationConfig(), lambda r, g: None)
    else:
        backend.generate(requests, GenerationConfig(), lambda r, g: None)
    helper = int(pid_file.read_text())
    backend.close()
    assert not _running(helper)


def test_crash_raises_engine_crashed_through_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CRASH_AT_ENV, "1")
    backend = MockVLLM("echo", {})
    with pytest.raises(EngineCrashed, match=r"mock vLLM engine \(echo\) died with SIGSEGV while generating "
                                            r"a batch of 4 requests starting with p/s0"):
        backend.generate(_requests(4), GenerationConfig(), lambda r, g: None)
    backend.close()


def test_exit_descriptions_and_flags() -> None:
    assert describe_exit(-signal.SIGSEGV) == "SIGSEGV"
    assert describe_exit(-signal.SIGABRT) == "SIGABRT"
    assert describe_exit(-signal.SIGKILL).startswith("SIGKILL (killed: out of memory?)")
    assert describe_exit(3) == "exit status 3"
    assert flag("true", "k") is True and flag(False, "k") is False and flag("0", "k") is False
    with pytest.raises(EvalkitError, match="-M extra_bufts= expects true or false"):
        flag("maybe", "extra_bufts")
    with pytest.raises(EvalkitError, match="extra_bufts"):
        LlamaCppBackend("smollm2", {"extra_bufts": "sometimes"})


def _fake_llama_cpp(params_type: type, loaded: list[Any]) -> types.ModuleType:
    """A stand-in for ``llama_cpp`` whose ``Llama`` builds ``self.model_params`` and then "loads"
    the model from it, recording what the load saw (as ``Llama.__init__`` does)."""

    class Llama:
        def __init__(self, **kwargs: Any) -> None:
            self.model_params = params_type()
            self.model_params.vocab_only = False
            loaded.append(self.model_params.use_extra_bufts)

    module = types.ModuleType("llama_cpp")
    module.Llama = Llama  # type: ignore[attr-defined]
    return module


def test_models_load_with_extra_bufts_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    class Params:
        use_extra_bufts = True  # llama.cpp's default

    class OldParams:  # llama-cpp-python < 0.3.15 has no such field
        pass

    loaded: list[Any] = []
    llama_class.cache_clear()
    try:
        monkeypatch.setitem(sys.modules, "llama_cpp", _fake_llama_cpp(Params, loaded))
        llama_class(False)(model_path="m.gguf")
        llama_class(True)(model_path="m.gguf")
        assert loaded == [False, True]
        llama_class.cache_clear()
        monkeypatch.setitem(sys.modules, "llama_cpp", _fake_llama_cpp(OldParams, loaded))
        with pytest.raises(EvalkitError, match="too old"):
            llama_class(False)(model_path="m.gguf")
    finally:
        llama_class.cache_clear()


def _crash_run(out: Path, model: str, *extra: str, crash_on: str | None = None, crash_at: int | None = None) -> Any:
    env = {CRASH_ON_ENV: crash_on or None, CRASH_AT_ENV: str(crash_at) if crash_at else None}
    return CliRunner().invoke(main, ["run", "--model", model, "--limit", "5", "--out", str(out), *extra], env=env)


def _prompt(i: int) -> str:
    return str(get_pack("starter").load(None, {})[i].messages[-1]["content"])


def test_on_crash_skip_journals_the_request_that_crashed_and_goes_on(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    result = _crash_run(out, "wlocal:upper", "-M", "on_crash=skip", crash_on=_prompt(2))
    assert result.exit_code == 0, result.output
    rows = {r["sample_id"]: r for r in _rows(out)}
    assert sorted(rows) == sorted(ids)
    assert rows[ids[2]]["status"] == "error" and "died with SIGSEGV" in rows[ids[2]]["error"]
    assert all(rows[i]["status"] != "error" for i in ids if i != ids[2])
    assert (f"warning: the mock llama engine died with SIGSEGV on starter/{ids[2]} (epoch 0); journaled as an "
            "error, going on with a new engine (crash 1 of at most 3)") in result.output
    # a resume asks the failed request again (it crashes again and is skipped again) and nothing else
    again = _crash_run(out, "wlocal:upper", "-M", "on_crash=skip", crash_on=_prompt(2))
    assert again.exit_code == 0 and again.output.count("warning: the mock llama engine died") == 1
    # the option changes nothing that is generated: a resume without it (and without the crash) fills the gap
    fixed = _crash_run(out, "wlocal:upper")
    assert fixed.exit_code == 0, fixed.output
    assert all(r["status"] != "error" for r in _rows_last(out))


def _rows_last(out: Path) -> list[dict[str, Any]]:
    """The journal with the last row of each (sample, epoch) (what the run directory means)."""
    return list({(r["sample_id"], r["epoch"]): r for r in _rows(out)}.values())


def test_on_crash_skip_finds_the_request_of_a_batch_that_crashes(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    result = _crash_run(out, "wvllm:upper", "-M", "chunk_size=2", "-M", "on_crash=skip", crash_on=_prompt(3))
    assert result.exit_code == 0, result.output
    assert (f"on a batch of 2 requests starting with starter/{ids[2]} (epoch 0); sending them again one at a time"
            in result.output)
    rows = {r["sample_id"]: r for r in _rows(out)}
    assert sorted(rows) == sorted(ids)
    assert [i for i in ids if rows[i]["status"] == "error"] == [ids[3]]


def test_on_crash_skip_stops_after_max_crashes(tmp_path: Path) -> None:
    out, ids = tmp_path / "run", _ids(5)
    result = _crash_run(out, "wlocal:upper", "-M", "on_crash=skip", "-M", "max_crashes=2", crash_at=1)
    assert result.exit_code == 2, result.output
    assert _last_line(result.output).startswith(
        f"error: the mock llama engine (upper) died with SIGSEGV while generating starter/{ids[2]} (epoch 0)")
    assert [(r["sample_id"], r["status"]) for r in _rows(out)] == [(ids[0], "error"), (ids[1], "error")]


def test_on_crash_takes_stop_or_skip(tmp_path: Path) -> None:
    result = _crash_run(tmp_path / "run", "wlocal:upper", "-M", "on_crash=maybe")
    assert result.exit_code == 2
    assert _last_line(result.output) == "error: -M on_crash= expects stop or skip, got 'maybe'"
