"""The sandbox for dataset code: hangs, CPU loops, huge allocations, sockets, env-var reads and
exceptions are errors with a reason, within the limits, without affecting the next call."""

from __future__ import annotations

import time

import pytest

from evalkit.sandbox import SandboxLimits, run_function

LIMITS = SandboxLimits(cpu_s=2, memory_mb=512, wall_s=4)


def _run(src: str, *args: object) -> tuple[bool, object, str | None, float]:
    start = time.perf_counter()
    res = run_function(src, "check_following", list(args), LIMITS)
    return res.ok, res.value, res.error, time.perf_counter() - start


def test_ok_value() -> None:
    ok, value, _, _ = _run("import re\ndef check_following(r):\n    return bool(re.search('a', r))", "cat")
    assert ok and value is True


def test_cpu_loop_is_killed() -> None:
    ok, _, err, took = _run("def check_following(r):\n    while True:\n        pass", "x")
    assert not ok and err and ("CPU" in err or "timeout" in err)
    assert took < LIMITS.wall_s + 2


def test_sleeping_hang_hits_wall_clock() -> None:
    ok, _, err, took = _run("import time\ndef check_following(r):\n    time.sleep(60)", "x")
    assert not ok and err and "wall-clock timeout" in err
    assert took < LIMITS.wall_s + 2


def test_ten_gigabytes_fail() -> None:
    ok, _, err, took = _run("def check_following(r):\n    b = bytearray(10 * 1024**3)\n    return len(b)", "x")
    assert not ok and err and "MemoryError" in err
    assert took < LIMITS.wall_s + 2


def test_socket_is_refused() -> None:
    src = ("import socket\ndef check_following(r):\n    s = socket.socket()\n"
           "    s.connect(('127.0.0.1', 9))\n    return True")
    ok, _, err, _ = _run(src, "x")
    assert not ok and err
    assert any(word in err for word in ("PermissionError", "OSError", "network", "Network"))


def test_environment_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-key-for-test")
    ok, _, err, _ = _run("import os\ndef check_following(r):\n    return os.environ['OPENAI_API_KEY']", "x")
    assert not ok and err and "KeyError" in err
    ok, value, _, _ = _run("import os\ndef check_following(r):\n    return dict(os.environ)", "x")
    assert ok and "sk-fake-key-for-test" not in str(value)


def test_exception_and_missing_function_and_bad_result() -> None:
    ok, _, err, _ = _run("def check_following(r):\n    raise ValueError('boom')", "x")
    assert not ok and err == "ValueError: boom"
    ok, _, err, _ = _run("check_following(response):\n    return True", "x")  # the missing-def defect
    assert not ok and err and "SyntaxError" in err
    ok, _, err, _ = _run("def check_following(r):\n    return {1, 2}", "x")
    assert not ok and err and "TypeError" in err
    ok, _, err, _ = _run("import sys\ndef check_following(r):\n    sys.exit(3)", "x")
    assert not ok and err and "SystemExit" in err


def test_failures_do_not_affect_next_call() -> None:
    _run("def check_following(r):\n    raise RuntimeError('x')", "x")
    ok, value, _, _ = _run("def check_following(r):\n    return len(r)", "x" * 1_000_000)
    assert ok and value == 1_000_000

