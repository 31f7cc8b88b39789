"""A loopback fake of the OpenAI Batch and Anthropic Message Batches endpoints (stdlib only).

OpenAI: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}/content``, ``POST /v1/batches``,
``GET /v1/batches/{id}``. Anthropic: ``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``
and its ``results_url``. A batch stays in progress while ``release`` is clear and for
``polls_to_end`` polls; when it ends, ``outcome(prompt, times_seen)`` decides each item:
``"ok"`` (echo of the prompt in upper case), ``"expire"``, ``"invalid"`` (a 400) or ``"overloaded"``.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .mock_openai_server import anthropic_reply, echo_reply, last_user

Outcome = Callable[[str, int], str]


@dataclass
class FakeState:
    """Everything the fake holds; tests read ``created`` and ``polls`` and set ``release``."""

    outcome: Outcome = lambda prompt, seen: "ok"  # noqa: E731 - a default policy
    polls_to_end: int = 1
    release: threading.Event = field(default_factory=threading.Event)
    answer_create: threading.Event = field(default_factory=threading.Event)  # clear: creations hang unanswered
    files: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    polls: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base: str = ""

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{len(self.files) + len(self.batches) + 1:04d}"


def parse_multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    """Form fields of a multipart body, by name."""
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    out: dict[str, bytes] = {}
    for part in message.iter_parts() if isinstance(message, email.message.EmailMessage) else []:
        name = part.get_param("name", header="content-disposition")
        out[str(name)] = part.get_payload(decode=True) or b""
    return out


def _openai_line(state: FakeState, item: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """("output" | "error", line) for one OpenAI batch item."""
    prompt = last_user(item["body"])
    state.seen[prompt] += 1
    kind = state.outcome(prompt, state.seen[prompt])
    base = {"id": f"req_{item['custom_id']}", "custom_id": item["custom_id"]}
    if kind == "expire":
        return "error", {**base, "response": None, "error": {"code": "batch_expired", "message": "expired"}}
    if kind in ("invalid", "overloaded"):
        code = 400 if kind == "invalid" else 503
        return "error", {**base, "error": None, "response": {"status_code": code, "request_id": "r",
                                                             "body": {"error": {"message": f"{kind} request"}}}}
    return "output", {**base, "error": None, "response": {"status_code": 200, "request_id": "r",
                                                          "body": echo_reply(item["body"])[1]}}


def _end_openai(state: FakeState, batch: dict[str, Any]) -> None:
    files: dict[str, list[bytes]] = {"output": [], "error": []}
    for raw in state.files[batch["input_file_id"]].splitlines():
        if raw.strip():
            which, line = _openai_line(state, json.loads(raw))
            files[which].append(json.dumps(line).encode() + b"\n")
    for which, lines in files.items():
        if lines:
            file_id = state.new_id("file")
            state.files[file_id] = b"".join(lines)
            batch[f"{which}_file_id"] = file_id
    batch.update(status="completed", request_counts={"total": len(files["output"]) + len(files["error"]),
                                                     "completed": len(files["output"]), "failed": len(files["error"])})


def _anthropic_result(state: FakeState, item: dict[str, Any]) -> dict[str, Any]:
    prompt = last_user(item["params"])
    state.seen[prompt] += 1
    kind = state.outcome(prompt, state.seen[prompt])
    if kind == "expire":
        result: dict[str, Any] = {"type": "expired"}
    elif kind in ("invalid", "overloaded"):
        error_type = "invalid_request_error" if kind == "invalid" else "overloaded_error"
        result = {"type": "errored", "error": {"type": "error", "error": {"type": error_type, "message": kind}}}
    else:
        result = {"type": "succeeded", "message": anthropic_reply(item["params"])[1]}
    return {"custom_id": item["custom_id"], "result": result}


def _end_anthropic(state: FakeState, batch: dict[str, Any]) -> None:
    results = [_anthropic_result(state, item) for item in batch.pop("_requests")]
    state.files[batch["id"]] = b"".join(json.dumps(r).encode() + b"\n" for r in results)
    counts = Counter({"succeeded": 0, "errored": 0, "canceled": 0, "expired": 0})
    counts.update(r["result"]["type"] for r in results)
    batch.update(processing_status="ended", ended_at="2026-01-01T00:00:00Z",
                 results_url=f"{state.base}/v1/messages/batches/{batch['id']}/results",
                 request_counts={"processing": 0, **counts})


def _poll(state: FakeState, batch_id: str) -> dict[str, Any] | None:
    batch = state.batches.get(batch_id)
    if batch is None:
        return None
    state.polls[batch_id] += 1
    if batch.get("status") == "validating":
        batch["status"] = "in_progress"
    ended = batch.get("status") == "completed" or batch.get("processing_status") == "ended"
    if not ended and state.release.is_set() and state.polls[batch_id] >= state.polls_to_end:
        (_end_anthropic if "processing_status" in batch else _end_openai)(state, batch)
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def _create(state: FakeState, path: str, headers: Any, body: bytes) -> dict[str, Any] | None:
    if path == "/v1/files":
        fields = parse_multipart(headers.get("Content-Type", ""), body)
        file_id = state.new_id("file")
        state.files[file_id] = fields["file"]
        return {"id": file_id, "object": "file", "bytes": len(fields["file"]), "created_at": 0,
                "filename": "batch.jsonl", "purpose": "batch", "status": "processed"}
    data = json.loads(body)
    if path == "/v1/batches":
        batch = {"id": state.new_id("batch"), "object": "batch", "endpoint": data["endpoint"], "created_at": 0,
                 "metadata": data.get("metadata"),
                 "input_file_id": data["input_file_id"], "completion_window": data["completion_window"],
                 "status": "validating", "request_counts": {"total": 0, "completed": 0, "failed": 0}}
    elif path == "/v1/messages/batches":
        batch = {"id": state.new_id("msgbatch"), "type": "message_batch", "processing_status": "in_progress",
                 "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z", "ended_at": None,
                 "archived_at": None, "cancel_initiated_at": None, "results_url": None, "_requests": data["requests"],
                 "request_counts": {"processing": len(data["requests"]), "succeeded": 0, "errored": 0,
                                    "canceled": 0, "expired": 0}}
    else:
        return None
    state.batches[batch["id"]] = batch
    state.created.append(batch["id"])
    return {k: v for k, v in batch.items() if not k.startswith("_")}


def _handler(state: FakeState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, payload: Any) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(payload, bytes)
                             else "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                out = _create(state, self.path.split("?")[0], self.headers, body)
            if out is not None and "batch" in str(out.get("object", out.get("type"))):
                state.answer_create.wait()  # the batch exists; the client may not hear about it
            self._send(200, out) if out is not None else self._send(404, {"error": {"message": "no route"}})

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            parts = self.path.split("?")[0].strip("/").split("/")
            with state.lock:
                out: Any = None
                if parts[:2] == ["v1", "files"] and parts[-1] == "content":
                    out = state.files.get(parts[2])
                elif parts[:3] == ["v1", "messages", "batches"] and parts[-1] == "results":
                    out = state.files.get(parts[3])
                elif parts == ["v1", "batches"]:
                    listed = [b for b in reversed(state.batches.values()) if "input_file_id" in b]
                    out = {"object": "list", "data": [{k: v for k, v in b.items() if not k.startswith("_")}
                                                      for b in listed], "has_more": False}
                elif parts[:2] == ["v1", "batches"] or parts[:3] == ["v1", "messages", "batches"]:
                    out = _poll(state, parts[-1])
            self._send(200, out) if out is not None else self._send(404, {"error": {"message": "not found"}})

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_batches(state: FakeState | None = None, hold: bool = False) -> Iterator[tuple[str, FakeState]]:
    """Run the fake for the block; yields (base URL without ``/v1``, state). With ``hold``, batches
    stay in progress until the test sets ``state.release``."""
    state = state or FakeState()
    state.answer_create.set()
    if not hold:
        state.release.set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state.base, state
    finally:
        server.shutdown()
        server.server_close()
