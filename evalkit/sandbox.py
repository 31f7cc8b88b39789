"""Run dataset-supplied Python (e.g. AgentIF's ``check_following``) isolated from the machine.

Each call starts a fresh ``python -I -S`` under the isolation layer of
:mod:`evalkit.isolation` (bubblewrap: a read-only view of only the interpreter and its standard
library, a private writable ``/tmp``, new PID/network/IPC namespaces, ``--die-with-parent``,
``--new-session``, a seccomp filter that refuses to start processes) with an empty environment
and, set by the child before the snippet runs, ``RLIMIT_CPU``, ``RLIMIT_AS``, ``RLIMIT_NPROC``,
``RLIMIT_FSIZE``, ``RLIMIT_NOFILE`` and ``RLIMIT_CORE`` = 0. The parent streams the child's
output and kills it past ``max_output_bytes`` or the wall-clock limit, so it never holds more
than the cap in memory.

Where no isolation layer works (no ``bwrap``, user namespaces disabled, not Linux) dataset code
is **refused** (:class:`SandboxResult` with ``ok=False`` and the reason) unless the caller passes
``allow_unisolated=True`` (AgentIF: ``-T unsafe_dataset_code=allow``); it then runs with the
limits above only, in an empty temporary directory, with socket creation disabled in-process
(which determined code can get around).

The snippet's function is called with JSON-able arguments; its result travels back as JSON on
stdout. Any failure (exception, time-out, CPU or memory limit, output cap, refused network,
non-JSON result, refusal) is a ``SandboxResult`` with ``ok=False`` and the reason; nothing is
raised.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evalkit.isolation import bwrap_command, interpreter, layer, seccomp_file

_CHILD = r'''
import json, resource, sys
_job = json.loads(sys.stdin.read())
for _name, _value in _job["rlimits"].items():
    resource.setrlimit(getattr(resource, _name), (_value, _value))
def _no_net(*a, **k):
    raise PermissionError("network access is disabled in the evalkit sandbox")
if not _job["isolated"]:
    import socket, _socket
    class _Blocked(socket.socket):
        def __init__(self, *a, **k):
            _no_net()
    for _mod in (socket, _socket):
        for _n in ("socket", "SocketType", "socketpair", "fromfd", "create_connection", "create_server",
                   "getaddrinfo"):
            if hasattr(_mod, _n):
                setattr(_mod, _n, _Blocked if _n == "socket" and _mod is socket else _no_net)
_out = sys.__stdout__
sys.stdout = sys.stderr
try:
    _ns = {"__name__": "__sandbox__"}
    for _m in _job["prelude"]:
        _ns[_m] = __import__(_m)
    _loc = {} if _job["split"] else _ns
    exec(compile(_job["source"], "<dataset code>", "exec"), _ns, _loc)
    _fn = _loc.get(_job["function"])
    if not callable(_fn):
        raise NameError("the code defines no function " + repr(_job["function"]))
    _value = _fn(*_job["args"])
    _msg = json.dumps({"ok": True, "value": _value})
except BaseException as _exc:
    _msg = json.dumps({"ok": False, "error": type(_exc).__name__ + ": " + str(_exc)[:500]})
_out.write(_msg)
_out.flush()
'''


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed call."""

    cpu_s: int = 5
    memory_mb: int = 1024
    wall_s: float = 10.0
    file_mb: int = 1
    processes: int = 16
    max_output_bytes: int = 1_000_000


@dataclass(frozen=True)
class SandboxResult:
    """What a sandboxed call gave: ``value`` when ``ok``, else ``error`` (the reason);
    ``isolation`` names the layer it ran under ("bubblewrap", "none" when unisolated)."""

    ok: bool
    value: Any = None
    error: str | None = None
    isolation: str | None = None


def refusal() -> str | None:
    """Why dataset code would be refused here (no isolation layer works), or None."""
    found = layer()
    if found.name is not None:
        return None
    return (f"dataset code refused: no isolation layer ({found.reason}); install bubblewrap, or accept "
            "the risk with -T unsafe_dataset_code=allow")


def _rlimits(limits: SandboxLimits) -> dict[str, int]:
    return {"RLIMIT_CPU": limits.cpu_s, "RLIMIT_AS": limits.memory_mb * 1024 * 1024,
            "RLIMIT_FSIZE": limits.file_mb * 1024 * 1024, "RLIMIT_CORE": 0, "RLIMIT_NOFILE": 64,
            "RLIMIT_NPROC": limits.processes}


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """Write the job to the child's stdin (in a thread: a child that never reads cannot block us)."""
    def write() -> None:
        try:
            assert proc.stdin is not None
            proc.stdin.write(data)
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
    threading.Thread(target=write, daemon=True).start()


def _collect(proc: subprocess.Popen[bytes], limits: SandboxLimits) -> tuple[bytes, str | None]:
    """The child's stdout read in chunks until EOF; (output, None), or (partial, reason) after
    killing it at the output cap or the wall-clock limit."""
    assert proc.stdout is not None
    fd, chunks, size = proc.stdout.fileno(), [], 0
    deadline = time.monotonic() + limits.wall_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill_group(proc)
            return b"", f"wall-clock timeout after {limits.wall_s:g} s"
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        block = os.read(fd, 65536)
        if not block:
            break
        size += len(block)
        if size > limits.max_output_bytes:
            _kill_group(proc)
            return b"", f"output over the {limits.max_output_bytes} byte cap (child stopped)"
        chunks.append(block)
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
    return b"".join(chunks), None


def _exit_reason(code: int, limits: SandboxLimits) -> str:
    if code < 0 or code > 128:  # killed by a signal (bubblewrap reports 128 + signal)
        sig = -code if code < 0 else code - 128
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            return f"killed by {signal.Signals(sig).name} (CPU-time limit {limits.cpu_s} s)"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"killed by signal {name}"
    return f"no result (exit code {code}; memory limit {limits.memory_mb} MB or a crash)"


def _start(job: bytes, cwd: str, isolated: bool, seccomp: Path | None) -> subprocess.Popen[bytes]:
    argv = [interpreter(), "-I", "-S", "-c", _CHILD]
    if not isolated:
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                cwd=cwd, env={}, start_new_session=True)
    fds: tuple[int, ...] = ()
    if seccomp is not None:
        fds = (os.open(seccomp, os.O_RDONLY),)
    try:
        return subprocess.Popen(bwrap_command(argv, fds[0] if fds else None), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env={},
                                start_new_session=True, pass_fds=fds)
    finally:
        for fd in fds:
            os.close(fd)


def run_function(source: str, function: str, args: list[Any], limits: SandboxLimits | None = None, *,
                 prelude: tuple[str, ...] = (), split_namespace: bool = False,
                 allow_unisolated: bool = False) -> SandboxResult:
    """Define ``source`` in a fresh isolated interpreter and call ``function(*args)``.

    ``prelude``: modules imported into the code's globals first; ``split_namespace``: run the
    code with separate globals and locals (as ``exec(code, globals, locals)`` does upstream, so
    top-level helpers are not visible inside functions); ``allow_unisolated``: run with resource
    limits only where no isolation layer works (otherwise refused). Passes (``ok=True``) only
    when the call returned a JSON-able value within the limits.
    """
    limits = limits or SandboxLimits()
    refused = refusal()
    if refused and not allow_unisolated:
        return SandboxResult(False, error=refused, isolation="refused")
    isolated = refused is None
    name = "bubblewrap" if isolated else "none"
    job = json.dumps({"source": source, "function": function, "args": args, "prelude": list(prelude),
                      "split": split_namespace, "isolated": isolated, "rlimits": _rlimits(limits)}).encode()
    seccomp = seccomp_file() if isolated else None
    try:
        with tempfile.TemporaryDirectory(prefix="evalkit-sandbox-") as cwd:
            proc = _start(job, cwd, isolated, seccomp)
            _feed(proc, job)
            out, stopped = _collect(proc, limits)
    finally:
        if seccomp is not None:
            seccomp.unlink(missing_ok=True)
    if stopped:
        return SandboxResult(False, error=stopped, isolation=name)
    try:
        msg = json.loads(out.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return SandboxResult(False, error=_exit_reason(proc.returncode or 0, limits), isolation=name)
    if not isinstance(msg, dict) or not msg.get("ok"):
        error = msg.get("error") if isinstance(msg, dict) else None
        return SandboxResult(False, error=str(error or "malformed result"), isolation=name)
    return SandboxResult(True, value=msg.get("value"), isolation=name)


def describe(limits: SandboxLimits | None = None) -> dict[str, Any]:
    """The isolation layer dataset code runs under here (``"none"`` with the reason when none
    works) and ``limits`` (the defaults when not given), for manifests and ``--help`` text."""
    found = layer()
    return {"layer": found.name or "none", "reason": found.reason, "limits": asdict(limits or SandboxLimits())}
