"""Run dataset-supplied Python (e.g. AgentIF's ``check_following``) in a locked-down child process.

Each call starts a fresh ``python -I`` process in an empty temporary directory with:

- an **empty environment** (no API keys, no ``PYTHON*`` variables);
- **no network**: the child first tries to enter new user + network namespaces (``unshare``, Linux);
  where that is not allowed it still replaces socket creation by a function that raises, before
  the snippet runs (a snippet using ``ctypes`` could get around that fallback — the static audit and
  the other limits remain);
- ``RLIMIT_CPU`` (CPU seconds), ``RLIMIT_AS`` (address space), ``RLIMIT_FSIZE``, ``RLIMIT_NOFILE``
  and ``RLIMIT_CORE`` = 0, plus a **wall-clock timeout** after which the process group is killed.

The snippet's function is called with JSON-able arguments; its result travels back as JSON on
stdout. Any failure (exception, time-out, CPU or memory limit, blocked socket, non-JSON result)
is a :class:`SandboxResult` with ``ok=False`` and the reason; nothing is raised.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

_CHILD = r'''
import json, sys
def _no_net(*a, **k):
    raise PermissionError("network access is disabled in the evalkit sandbox")
def _isolate():
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x10000000 | 0x40000000) == 0:  # CLONE_NEWUSER | CLONE_NEWNET
            return "netns"
    except Exception:
        pass
    return "blocked"
_how = _isolate()
import socket, _socket
class _Blocked(socket.socket):
    def __init__(self, *a, **k):
        _no_net()
for _mod in (socket, _socket):
    for _name in ("socket", "socketpair", "fromfd", "create_connection", "create_server", "getaddrinfo"):
        if hasattr(_mod, _name):
            setattr(_mod, _name, _Blocked if _name == "socket" and _mod is socket else _no_net)
_job = json.loads(sys.stdin.read())
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
    _msg = json.dumps({"ok": True, "value": _value, "net": _how})
except BaseException as _exc:
    _msg = json.dumps({"ok": False, "error": type(_exc).__name__ + ": " + str(_exc)[:500], "net": _how})
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
    max_output_bytes: int = 1_000_000


@dataclass(frozen=True)
class SandboxResult:
    """What a sandboxed call gave: ``value`` when ``ok``, else ``error`` (the reason)."""

    ok: bool
    value: Any = None
    error: str | None = None
    network: str | None = None  # "netns" (namespace) or "blocked" (socket creation disabled)


def _limit(limits: SandboxLimits) -> None:
    """preexec: new session and resource limits (runs in the child before exec)."""
    os.setsid()
    mem = limits.memory_mb * 1024 * 1024
    for res, value in ((resource.RLIMIT_CPU, limits.cpu_s), (resource.RLIMIT_AS, mem),
                       (resource.RLIMIT_FSIZE, limits.file_mb * 1024 * 1024), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_NOFILE, 64)):
        resource.setrlimit(res, (value, value))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _signal_reason(code: int, limits: SandboxLimits) -> str:
    sig = -code
    if sig == signal.SIGXCPU or sig == signal.SIGKILL:
        return f"killed by {signal.Signals(sig).name} (CPU-time limit {limits.cpu_s} s)"
    name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
    return f"killed by signal {name}"


def run_function(source: str, function: str, args: list[Any], limits: SandboxLimits | None = None, *,
                 prelude: tuple[str, ...] = (), split_namespace: bool = False) -> SandboxResult:
    """Define ``source`` in a fresh sandboxed interpreter and call ``function(*args)``.

    ``prelude``: modules imported into the code's globals first; ``split_namespace``: run the
    code with separate globals and locals (as ``exec(code, globals, locals)`` does upstream, so
    top-level helpers are not visible inside functions). Passes (``ok=True``) only when the call
    returned a JSON-able value within the limits.
    """
    limits = limits or SandboxLimits()
    job = json.dumps({"source": source, "function": function, "args": args, "prelude": list(prelude),
                      "split": split_namespace}).encode()
    with tempfile.TemporaryDirectory(prefix="evalkit-sandbox-") as cwd:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _CHILD], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd, env={},
                                preexec_fn=lambda: _limit(limits))  # noqa: PLW1509 - limits must be set in the child
        try:
            out, _ = proc.communicate(job, timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            return SandboxResult(False, error=f"wall-clock timeout after {limits.wall_s:g} s")
    if proc.returncode < 0:
        return SandboxResult(False, error=_signal_reason(proc.returncode, limits))
    if len(out) > limits.max_output_bytes:
        return SandboxResult(False, error="result too large")
    try:
        msg = json.loads(out.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return SandboxResult(False, error=f"no result (exit code {proc.returncode}; memory limit "
                                          f"{limits.memory_mb} MB or a crash)")
    if not msg.get("ok"):
        return SandboxResult(False, error=str(msg.get("error")), network=msg.get("net"))
    return SandboxResult(True, value=msg.get("value"), network=msg.get("net"))
