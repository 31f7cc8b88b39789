"""The isolation layer dataset code runs under: bubblewrap plus a seccomp filter.

:func:`layer` reports whether bubblewrap (``bwrap``, Debian/Ubuntu package ``bubblewrap``) can
start a sandbox on this machine (it needs user namespaces, or root); the answer is probed once per
process by starting the interpreter inside it. :func:`bwrap_command` is the command line of one
sandboxed interpreter: a read-only view of only the interpreter, its shared libraries and the
standard library (no ``site-packages``, no ``/etc``, no home directory, no run directories, no
evalkit source), a private size-capped writable ``/tmp``, new user/PID/network/IPC/UTS
namespaces, ``--die-with-parent``, ``--new-session``, all capabilities dropped, no further user
namespaces, and a seccomp filter (:func:`seccomp_program`) that refuses ``fork``/``vfork`` and
``clone`` without ``CLONE_THREAD``, so a snippet can start no process at all (x86-64 and
AArch64; on other architectures the PID namespace and ``RLIMIT_NPROC`` remain).
"""

from __future__ import annotations

import os
import platform
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TMP_BYTES = 16 * 1024 * 1024  # size of the sandbox's private /tmp
ALLOW = 0x7FFF0000
KILL_PROCESS = 0x80000000
EPERM, ENOSYS = 1, 38
CLONE_THREAD = 0x00010000
# architecture: (AUDIT_ARCH value, clone, clone3, fork/vfork numbers)
_ARCHES = {
    "x86_64": (0xC000003E, 56, 435, (57, 58)),
    "aarch64": (0xC00000B7, 220, 435, ()),
    "arm64": (0xC00000B7, 220, 435, ()),
}


@dataclass(frozen=True)
class Layer:
    """What isolates dataset code here: ``name`` ("bubblewrap") or None, and why not."""

    name: str | None
    reason: str = ""


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def seccomp_program(machine: str | None = None) -> bytes | None:
    """A classic-BPF seccomp filter refusing process creation (EPERM for fork, vfork and clone
    without CLONE_THREAD; ENOSYS for clone3 so the C library falls back to clone; foreign
    syscall ABIs kill the process). None on an architecture it does not know."""
    arch = _ARCHES.get((machine or platform.machine()).lower())
    if arch is None:
        return None
    audit, clone, clone3, forks = arch
    ld_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    prog = [_insn(ld_abs, 0, 0, 4), _insn(jeq, 1, 0, audit), _insn(ret, 0, 0, KILL_PROCESS),
            _insn(ld_abs, 0, 0, 0)]
    if audit == 0xC000003E:  # x32 syscalls on x86-64 carry bit 30
        prog += [_insn(jge, 0, 1, 0x40000000), _insn(ret, 0, 0, KILL_PROCESS)]
    for nr in forks:
        prog += [_insn(jeq, 0, 1, nr), _insn(ret, 0, 0, 0x00050000 | EPERM)]
    prog += [_insn(jeq, 0, 1, clone3), _insn(ret, 0, 0, 0x00050000 | ENOSYS),
             _insn(jeq, 1, 0, clone), _insn(ret, 0, 0, ALLOW),
             _insn(ld_abs, 0, 0, 16),  # clone's flags (first argument, low 32 bits)
             _insn(jset, 0, 1, CLONE_THREAD), _insn(ret, 0, 0, ALLOW),
             _insn(ret, 0, 0, 0x00050000 | EPERM)]
    return b"".join(prog)


def interpreter() -> str:
    """The real interpreter binary (a virtual environment's ``python`` resolved)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _readonly_paths() -> list[str]:
    """Interpreter, libpython, standard library and the system library folders."""
    paths = [interpreter(), os.path.dirname(os.__file__), sysconfig.get_config_var("DESTSHARED") or ""]
    libdir, soname = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if libdir and soname and os.path.isfile(os.path.join(libdir, soname)):
        paths.append(os.path.join(libdir, soname))
    paths += ["/etc/ld.so.cache"]
    out: list[str] = []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.exists(real) and real not in out:
            out.append(real)
    return [p for p in out if not any(p.startswith(q + os.sep) for q in out)]


def _system_dirs() -> list[str]:
    """``--ro-bind`` or ``--symlink`` arguments for /lib, /lib64, /usr/lib, /usr/lib64."""
    args: list[str] = []
    for d in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/lib32", "/usr/lib32"):
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    return args


def _hidden_inside(readonly: list[str]) -> list[str]:
    """``--tmpfs`` over ``site-packages`` folders that a bound standard library contains."""
    args: list[str] = []
    for root in readonly:
        for name in ("site-packages", "dist-packages"):
            sub = os.path.join(root, name)
            if os.path.isdir(sub):
                args += ["--tmpfs", sub]
    return args


def bwrap_command(argv: list[str], seccomp_fd: int | None) -> list[str]:
    """The bubblewrap command line that runs ``argv`` (an interpreter command) isolated."""
    bwrap = shutil.which("bwrap") or "bwrap"
    readonly = _readonly_paths()
    cmd = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
           "--cap-drop", "ALL", "--clearenv", "--hostname", "sandbox"]
    cmd += _system_dirs()
    for p in readonly:
        cmd += ["--ro-bind", p, p]
    cmd += _hidden_inside(readonly)
    cmd += ["--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp", "--remount-ro", "/",
            "--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    if seccomp_fd is not None:
        cmd += ["--add-seccomp-fd", str(seccomp_fd)]
    return [*cmd, "--", *argv]


def seccomp_file() -> Path | None:
    """A temporary file holding :func:`seccomp_program` (the caller opens and removes it)."""
    prog = seccomp_program()
    if prog is None:
        return None
    fd, name = tempfile.mkstemp(prefix="evalkit-seccomp-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(prog)
    return Path(name)


@cache
def layer() -> Layer:
    """Whether bubblewrap works here (probed once: the interpreter prints a word inside it)."""
    if sys.platform != "linux":
        return Layer(None, f"bubblewrap needs Linux (this is {sys.platform})")
    if shutil.which("bwrap") is None:
        return Layer(None, "bubblewrap (bwrap) is not installed (apt-get install bubblewrap)")
    try:
        proc = subprocess.run(bwrap_command([interpreter(), "-I", "-S", "-c", "print('ok')"], None),
                              capture_output=True, timeout=30, env={}, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Layer(None, f"bubblewrap did not start ({type(exc).__name__}: {exc})")
    if proc.returncode != 0 or proc.stdout.strip() != b"ok":
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return Layer(None, f"bubblewrap cannot create its sandbox here ({err[-1] if err else proc.returncode}); "
                           "user namespaces may be disabled")
    return Layer("bubblewrap")
