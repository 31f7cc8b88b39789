"""The sandbox for dataset code: hangs, CPU loops, huge allocations, sockets, env-var reads and
exceptions are errors with a reason, within the limits, without affecting the next call; planted
attacks (reading or writing host files, surviving grandchildren, fork bombs, killing the parent,
raw sockets, a gigabyte of output) are stopped by the isolation layer; without one, dataset code
is refused unless allowed."""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from pathlib import Path

import pytest

import evalkit
from evalkit import sandbox
from evalkit.isolation import Layer, seccomp_program
from evalkit.sandbox import SandboxLimits, SandboxResult, refusal, run_function

LIMITS = SandboxLimits(cpu_s=2, memory_mb=512, wall_s=4)


def _run(src: str, *args: object) -> tuple[bool, object, str | None, float]:
    start = time.perf_counter()
    res = run_function(src, "check_following", list(args), LIMITS, allow_unisolated=True)  # isolated when possible
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
    assert any(word in err for word in ("PermissionError", "OSError", "network", "Network", "ConnectionRefused"))


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



# --- attacks planted in dataset code (issue: dataset code is hostile until proven otherwise) ---

needs_layer = pytest.mark.skipif(refusal() is not None, reason="no isolation layer on this machine")


def _attack(src: str, *args: object, limits: SandboxLimits = LIMITS) -> SandboxResult:
    return run_function(src, "check_following", list(args), limits)


@needs_layer
def test_runs_under_bubblewrap() -> None:
    res = _attack("def check_following(r):\n    return r", "x")
    assert res.ok and res.isolation == "bubblewrap"


@needs_layer
def test_cannot_read_host_files_or_other_runs(tmp_path: Path) -> None:
    other_run = tmp_path / "other-run"
    other_run.mkdir()
    (other_run / "generations.jsonl").write_text('{"response": "secret answer"}\n')
    src = ("def check_following(paths):\n    got = {}\n    for p in paths:\n        try:\n"
           "            got[p] = open(p).read()[:40]\n        except OSError as e:\n"
           "            got[p] = 'blocked: ' + type(e).__name__\n    return got")
    targets = ["/etc/passwd", str(other_run / "generations.jsonl"), str(Path.home() / ".bashrc"),
               str(Path(evalkit.__file__))]
    res = _attack(src, targets)
    assert res.ok, res.error
    assert all(str(v).startswith("blocked") for v in res.value.values()), res.value


@needs_layer
def test_cannot_write_outside_its_tmp(tmp_path: Path) -> None:
    source = Path(evalkit.__file__)
    before = source.stat().st_mtime_ns
    planted = tmp_path / "planted.txt"
    src = ("def check_following(paths):\n    got = {}\n    for p in paths:\n        try:\n"
           "            with open(p, 'a') as fh:\n                fh.write('')\n            got[p] = 'opened'\n"
           "        except OSError as e:\n            got[p] = 'blocked: ' + type(e).__name__\n"
           "    with open('/tmp/scratch', 'w') as fh:\n        fh.write('own tmp works')\n"
           "    got['tmp'] = open('/tmp/scratch').read()\n    return got")
    res = _attack(src, [str(source), str(planted), "/planted", "/usr/lib/planted"])
    assert res.ok, res.error
    assert res.value.pop("tmp") == "own tmp works"
    assert all(str(v).startswith("blocked") for v in res.value.values()), res.value
    assert source.stat().st_mtime_ns == before and not planted.exists()


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@needs_layer
def test_setsid_grandchild_does_not_outlive_the_call() -> None:
    token = f"evalkit-grandchild-{os.getpid()}-{time.time_ns()}"
    src = ("import os, sys\ndef check_following(token):\n    try:\n        pid = os.fork()\n"
           "    except OSError as e:\n        return 'fork refused: ' + str(e)\n    if pid == 0:\n"
           "        os.setsid()\n        if os.fork() == 0:\n"
           "            os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60)', token])\n"
           "        os._exit(0)\n    return 'forked'")
    res = _attack(src, token)
    time.sleep(0.5)
    survivors = _processes_with(token)
    for pid in survivors:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not survivors
    assert res.ok and str(res.value).startswith("fork refused")


@needs_layer
def test_fork_bomb_is_stopped() -> None:
    src = ("import os\ndef check_following(r):\n    n = 0\n    while n < 100000:\n        try:\n"
           "            if os.fork() == 0:\n                os._exit(0)\n        except OSError:\n"
           "            return n\n        n += 1\n    return n")
    res = _attack(src, "x")
    assert res.ok and res.value == 0


@needs_layer
def test_killing_the_parent_does_not_reach_evalkit() -> None:
    src = ("import os, signal\ndef check_following(r):\n    ppid = os.getppid()\n"
           "    try:\n        os.kill(ppid, signal.SIGKILL)\n    except OSError as e:\n        return 'refused'\n"
           "    return ppid")
    res = _attack(src, "x")
    assert os.getpid() > 0  # still here; the snippet's parent is the sandbox's own init
    assert res.ok, res.error


@needs_layer
def test_socket_type_cannot_reach_a_loopback_server() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    src = ("import _socket\ndef check_following(port):\n    s = _socket.SocketType(2, 1)\n"
           "    s.connect(('127.0.0.1', port))\n    s.send(b'leak')\n    return 'connected'")
    res = _attack(src, port)
    try:
        conn, _ = server.accept()
        conn.close()
        reached = True
    except TimeoutError:
        reached = False
    finally:
        server.close()
    assert not reached
    assert not res.ok and res.error and "Connection" in res.error


@needs_layer
def test_a_gigabyte_of_output_is_cut_off_without_reading_it() -> None:
    src = ("import os\ndef check_following(r):\n    block = b'x' * (1 << 20)\n    for _ in range(1024):\n"
           "        os.write(1, block)\n    return True")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = _attack(src, "x", limits=SandboxLimits(cpu_s=20, memory_mb=512, wall_s=30))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert not res.ok and res.error and "cap" in res.error
    assert after - before < 100 * 1024  # KiB: far below the gigabyte written


def test_refused_without_a_layer_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "layer", lambda: Layer(None, "bwrap is not installed"))
    res = _attack("def check_following(r):\n    return r", "x")
    assert not res.ok and res.isolation == "refused"
    assert res.error and "bwrap is not installed" in res.error and "unsafe_dataset_code=allow" in res.error
    res = run_function("def check_following(r):\n    return r", "check_following", ["x"], LIMITS,
                       allow_unisolated=True)
    assert res.ok and res.value == "x" and res.isolation == "none"
    res = run_function("import _socket\ndef check_following(r):\n    return str(_socket.SocketType(2, 1))",
                       "check_following", ["x"], LIMITS, allow_unisolated=True)
    assert not res.ok and res.error and "network access is disabled" in res.error


def test_seccomp_program_shape() -> None:
    prog = seccomp_program("x86_64")
    assert prog is not None and len(prog) % 8 == 0
    assert seccomp_program("sparc") is None
