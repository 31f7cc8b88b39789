"""In-process engines (llama.cpp, vLLM's offline engine) run in a worker process.

A native engine that crashes (SIGSEGV in a kernel, an abort, the OOM killer) takes its whole
process with it. So :class:`WorkerBackend` keeps the engine in a child process started with
``python -c`` running :func:`main` (a fresh interpreter: no fork of a process that holds
threads, no re-import of the caller's ``__main__``) and talks to it over two pipes:

- parent → worker: ``("open", "module:Class", model, options)`` once, then
  ``("generate", requests, config)`` per batch, and ``("close",)``;
- worker → parent: ``("result", index, Generation)`` as each generation finishes, then
  ``("done",)``, or ``("fail", message)`` when the engine raised (the worker lives on).

The parent hands every result to the runner's ``on_result`` as it arrives, so finished
generations are journaled before anything else can go wrong. When the worker dies, the parent
raises :class:`EngineCrashed` naming the engine, the signal and the request(s) being generated;
the API grades what finished and the CLI exits with status 2; a re-run into the same ``--out``
resumes after the last journaled generation. Sequential engines (llama.cpp) get one request per
message, so the request in flight is known exactly; batch engines (vLLM) get a whole chunk.

``-M on_crash=skip`` goes on instead: a request that was alone in the worker when it died is
journaled as an error (retried, like every error, on the next resume) and a fresh worker takes
the rest; the requests of a batch that died together are sent again one at a time to find the
one that crashes. After ``-M max_crashes`` crashes (3) the run stops as above, so an engine that
crashes on everything still ends the run quickly.

``-M worker=false`` runs the engine in the calling process instead (no crash protection; the
default where the worker's pipes are not available, i.e. not on POSIX systems).
The environment variables ``EVALKIT_TEST_ENGINE_CRASH_AT=k`` and ``EVALKIT_TEST_ENGINE_CRASH_ON=text``
(read only by the worker) make the worker kill itself with SIGSEGV when it receives its k-th
request, or a request whose messages contain ``text``: the crash-safety tests use them.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ClassVar

from evalkit.backends.base import Backend, OnResult, number_option
from evalkit.errors import EvalkitError
from evalkit.runner import RunAborted
from evalkit.types import Generation, GenerationConfig, GenerationRequest

CRASH_AT_ENV = "EVALKIT_TEST_ENGINE_CRASH_AT"
CRASH_ON_ENV = "EVALKIT_TEST_ENGINE_CRASH_ON"
ON_CRASH = ("stop", "skip")
MAX_CRASHES = 3
# the worker imports the same evalkit as its parent (argv[1]: the folder holding it)
BOOTSTRAP = ("import sys; root = sys.argv[1]; root in sys.path or sys.path.insert(0, root); "
             "from evalkit.backends.engine_worker import main; main()")
POLL_S = 0.2  # how often the parent checks that a silent worker is still alive
KILL_WAIT_S = 5.0
EXIT_WAIT_S = 30.0  # a polite close lets the engine shut down (vLLM stops its own processes)


class EngineCrashed(RunAborted):
    """The worker process of an in-process engine died; every finished generation is journaled.
    ``in_flight``: the requests it was generating that got no result; ``how``: how it ended."""

    def __init__(self, message: str, in_flight: Sequence[GenerationRequest] = (), how: str = "") -> None:
        super().__init__(message)
        self.in_flight, self.how = list(in_flight), how


def flag(value: Any, key: str) -> bool:
    """Read a ``-M key=true|false`` option (also 1/0, yes/no, on/off); EvalkitError otherwise."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise EvalkitError(f"-M {key}= expects true or false, got {value!r}")


def describe_exit(returncode: int | None) -> str:
    """How a process ended, for an error message: ``SIGSEGV``, ``exit status 3``…"""
    if returncode is None:
        return "a closed pipe (the process did not exit)"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return name + (" (killed: out of memory?)" if name == "SIGKILL" else "")
    return f"exit status {returncode}"


def describe_requests(requests: Sequence[GenerationRequest]) -> str:
    """Name the request(s) in flight: ``pack/sample_id (epoch e)``, or the first of several."""
    if not requests:
        return "no request"
    first = requests[0]
    name = f"{first.pack}/{first.sample_id} (epoch {first.epoch})"
    return name if len(requests) == 1 else f"a batch of {len(requests)} requests starting with {name}"


class EngineWorker:
    """The parent's handle on one worker process that owns one engine."""

    def __init__(self, engine: str, model: str, options: dict[str, Any], label: str) -> None:
        self.engine, self.model, self.options, self.label = engine, model, dict(options), label
        self._proc: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None

    def start(self) -> EngineWorker:
        """Start the worker process and ask it to construct the engine (it loads on first use)."""
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        root = str(Path(__file__).resolve().parents[2])  # the folder that holds this evalkit package
        try:
            # its own process group: the engine's own processes (vLLM's engine core) can be ended with it
            self._proc = subprocess.Popen([sys.executable, "-c", BOOTSTRAP, root], stdin=to_child_r,
                                          stdout=from_child_w, start_new_session=True)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._send = Connection(to_child_w, readable=False)
        self._recv = Connection(from_child_r, writable=False)
        self._post(("open", self.engine, self.model, self.options))
        return self

    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self._proc is not None and self._proc.poll() is None

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult,
                 batch: int, stats: Counter[str]) -> None:
        """Send ``requests`` ``batch`` at a time, handing each result to ``on_result`` as it arrives."""
        delivered = 0
        try:
            for lo in range(0, len(requests), max(1, batch)):
                chunk = list(requests[lo:lo + max(1, batch)])
                stats["in_flight"] = len(chunk)
                delivered += self._run_chunk(chunk, config, on_result, delivered)
                stats["in_flight"] = 0
        except BaseException:
            stats["in_flight"] = 0
            self.stop(kill=True)  # an abort, Ctrl-C or a crash: the worker may be mid-batch
            raise

    def _run_chunk(self, chunk: list[GenerationRequest], config: GenerationConfig, on_result: OnResult,
                   delivered: int) -> int:
        """One ``generate`` message and its replies; returns how many results arrived."""
        pending = dict(enumerate(chunk))
        self._post(("generate", chunk, config), chunk, delivered)
        while True:
            message = self._next(list(pending.values()), delivered)
            if message[0] == "result":
                request = pending.pop(message[1])
                on_result(request, message[2])
                delivered += 1
            elif message[0] == "fail":
                raise EvalkitError(f"{self.label} engine: {message[1]}")
            else:  # done: a request the engine never answered is an error row, retried on resume
                for request in pending.values():
                    on_result(request, Generation(error=f"the {self.label} engine returned no result"))
                return len(chunk)

    def _post(self, message: tuple[Any, ...], in_flight: Sequence[GenerationRequest] = (), delivered: int = 0) -> None:
        assert self._send is not None
        try:
            self._send.send(message)
        except OSError:  # the worker is gone (broken pipe)
            self._crashed(in_flight, delivered)

    def _next(self, in_flight: list[GenerationRequest], delivered: int) -> tuple[Any, ...]:
        """The worker's next message; EngineCrashed once it is dead and nothing is left to read."""
        assert self._recv is not None and self._proc is not None
        while True:
            if self._recv.poll(POLL_S):
                try:
                    message: tuple[Any, ...] = self._recv.recv()
                    return message
                except (EOFError, OSError):
                    break
            if self._proc.poll() is not None and not self._recv.poll(0):
                break
        self._crashed(in_flight, delivered)
        raise AssertionError("unreachable")

    def _crashed(self, in_flight: Sequence[GenerationRequest], delivered: int) -> None:
        assert self._proc is not None
        try:
            code: int | None = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.stop(kill=True)
        raise EngineCrashed(
            f"the {self.label} engine ({self.model}) died with {describe_exit(code)} while generating "
            f"{describe_requests(in_flight)}, after {delivered} finished generations (all journaled); "
            "re-run into the same --out to resume", in_flight, describe_exit(code))

    def stop(self, kill: bool = False) -> None:
        """Close the pipes and end the worker: ask it to close (it frees the engine), or with
        ``kill`` send SIGTERM at once; SIGKILL when it has not exited in time."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None and not kill and self._send is not None:
            try:
                self._send.send(("close",))
            except OSError:
                pass
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()
        self._send = self._recv = None
        if proc is None:
            return
        if kill and proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=KILL_WAIT_S if kill else EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        end_group(proc.pid)


def end_group(pgid: int) -> None:
    """End what is left of the worker's process group (processes the engine started, e.g. after
    the worker crashed): SIGTERM, then SIGKILL to those still there after ``KILL_WAIT_S``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + KILL_WAIT_S
        try:
            os.killpg(pgid, sig)
            while time.monotonic() < deadline:
                os.killpg(pgid, 0)
                time.sleep(0.05)
        except ProcessLookupError:  # nobody left
            return
        except PermissionError:  # the group id now belongs to someone else's processes
            return


class WorkerBackend(Backend):
    """A backend whose engine (a Backend class named by ``engine``) runs in a worker process."""

    engine: ClassVar[str] = ""  # "module:Class" of the in-process engine
    engine_label: ClassVar[str] = ""  # how errors name the engine, e.g. "llama.cpp"
    sequential: ClassVar[bool] = True  # one request per message (False: the whole batch at once)
    transport_options = frozenset({"worker", "on_crash", "max_crashes"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.use_worker = flag(self.options.get("worker", os.name == "posix"), "worker")
        self.on_crash = str(self.options.get("on_crash", "stop")).strip().lower()
        if self.on_crash not in ON_CRASH:
            raise EvalkitError(f"-M on_crash= expects stop or skip, got {self.options['on_crash']!r}")
        self.max_crashes = int(number_option(self.options, "max_crashes", MAX_CRASHES, "-M", integer=True))
        self._worker: EngineWorker | None = None
        self._local: Backend | None = None

    def batch_size(self, n: int) -> int:
        """Requests per message to the worker: 1 for sequential engines, else all ``n``."""
        return 1 if self.sequential else n

    def in_process(self) -> Backend:
        """The engine itself, constructed in this process (``-M worker=false``)."""
        if self._local is None:
            self._local = load_engine(self.engine, self.model, self.options)
        return self._local

    def generate(self, requests: Sequence[GenerationRequest], config: GenerationConfig, on_result: OnResult) -> None:
        """Generate in the worker process (started on first use, kept until ``close``)."""
        if not requests:
            return
        if not self.use_worker:
            self.in_process().generate(requests, config, on_result)
            return
        if self.on_crash == "skip":
            self._generate_skipping_crashes(requests, config, on_result)
            return
        self._running().generate(requests, config, on_result, self.batch_size(len(requests)), self.stats)

    def _running(self) -> EngineWorker:
        """The worker, started (again) when there is none or it has died."""
        if self._worker is None or not self._worker.alive():
            self._worker = EngineWorker(self.engine, self.model, self.options, self.engine_label).start()
        return self._worker

    def _generate_skipping_crashes(self, requests: Sequence[GenerationRequest], config: GenerationConfig,
                                   on_result: OnResult) -> None:
        """``-M on_crash=skip``: a request the worker died on alone becomes an error row and a fresh
        worker goes on; a batch that died is sent again a request at a time; the crash after
        ``max_crashes`` is raised (the run stops as without the option)."""
        finished: set[int] = set()

        def record(request: GenerationRequest, gen: Generation) -> None:
            finished.add(id(request))
            on_result(request, gen)

        queue = [(list(requests), self.batch_size(len(requests)))]
        crashes = 0
        while queue:
            todo, batch = queue.pop(0)
            todo = [r for r in todo if id(r) not in finished]
            if not todo:
                continue
            try:
                self._running().generate(todo, config, record, batch, self.stats)
            except EngineCrashed as crash:
                self._worker = None
                crashes += 1
                if crashes > self.max_crashes:
                    raise
                suspects = [r for r in crash.in_flight if id(r) not in finished]
                finished_or_suspect = finished | {id(r) for r in suspects}
                rest = [r for r in todo if id(r) not in finished_or_suspect]
                if len(suspects) == 1:
                    record(suspects[0], Generation(error=f"the {self.engine_label} engine died with {crash.how} "
                                                         "on this request; skipped (-M on_crash=skip)"))
                    print(f"warning: the {self.engine_label} engine died with {crash.how} on "
                          f"{describe_requests(suspects)}; journaled as an error, going on with a new engine "
                          f"(crash {crashes} of at most {self.max_crashes})", file=sys.stderr)
                    queue.insert(0, (rest, batch))
                else:
                    print(f"warning: the {self.engine_label} engine died with {crash.how} on "
                          f"{describe_requests(suspects)}; sending them again one at a time "
                          f"(crash {crashes} of at most {self.max_crashes})", file=sys.stderr)
                    queue[0:0] = [([s], 1) for s in suspects] + [(rest, batch)]

    def close(self) -> None:
        """Stop the worker process (and drop an in-process engine)."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._local is not None:
            self._local.close()
            self._local = None


def load_engine(path: str, model: str, options: dict[str, Any]) -> Backend:
    """Construct the engine class named ``module:Class`` for ``model`` with ``options``."""
    module_name, _, cls_name = path.partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    engine: Backend = cls(model, options)
    return engine


# ---- the worker process -------------------------------------------------------------------------


def _serve(inbox: Connection, outbox: Connection) -> None:
    """The worker's loop: remember the engine to build, then answer ``generate`` messages
    (building the engine on the first) until the parent closes."""
    crash_at = int(os.environ.get(CRASH_AT_ENV) or 0)
    crash_on = os.environ.get(CRASH_ON_ENV) or ""
    received = 0
    spec: tuple[str, str, dict[str, Any]] | None = None
    engine: Backend | None = None
    while True:
        try:
            message = inbox.recv()
        except EOFError:  # the parent went away
            break
        if message[0] == "close":
            break
        if message[0] == "open":
            spec = (message[1], message[2], message[3])
            continue
        _, requests, config = message
        received += len(requests)
        if (crash_at and received >= crash_at) or (crash_on and any(
                crash_on in str(m.get("content", "")) for r in requests for m in r.messages)):
            os.kill(os.getpid(), signal.SIGSEGV)
        try:
            if engine is None:
                assert spec is not None, "generate before open"
                engine = load_engine(*spec)
            _generate(engine, requests, config, outbox)
        except EvalkitError as exc:
            outbox.send(("fail", str(exc)))
        except Exception as exc:  # noqa: BLE001 - e.g. a GGUF llama.cpp cannot load: one line for the parent
            outbox.send(("fail", f"{type(exc).__name__}: {exc}"))
    if engine is not None:
        engine.close()


def _generate(engine: Backend, requests: list[GenerationRequest], config: GenerationConfig, outbox: Connection) -> None:
    index = {id(r): i for i, r in enumerate(requests)}

    def send(request: GenerationRequest, gen: Generation) -> None:
        outbox.send(("result", index[id(request)], gen))

    engine.generate(requests, config, send)
    outbox.send(("done",))


def main() -> None:
    """Entry point of the worker process: the protocol runs on private copies of stdin/stdout;
    fd 1 then points at stderr so that engine output cannot corrupt the protocol."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(os.dup(1), readable=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    try:
        _serve(inbox, outbox)
    except (BrokenPipeError, ConnectionResetError):  # the parent is gone: nobody to report to
        os._exit(0)


if __name__ == "__main__":
    main()
