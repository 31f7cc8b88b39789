"""A loopback chat server for tests and benchmarks (stdlib only, binds 127.0.0.1).

It speaks the OpenAI chat-completions and the Anthropic Messages wire formats (the reply function
decides) and injects faults: a reply may return extra headers (``Retry-After``), raw bytes
(a malformed body) or sleep (a timeout). It records every body and the requests in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ReplyResult = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Reply = Callable[[dict[str, Any]], ReplyResult]


def last_user(body: dict[str, Any]) -> str:
    """Text of the last user message (string or Anthropic/OpenAI content blocks)."""
    content = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content)
    return str(content)


def echo_reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """OpenAI format: answer with the last user message in upper case."""
    text = last_user(body).upper()
    return 200, {
        "id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()), "total_tokens": 10 + len(text.split())},
    }


def anthropic_reply(body: dict[str, Any], text: str | None = None, thinking: str | None = None,
                    stop_reason: str = "end_turn") -> tuple[int, dict[str, Any]]:
    """Anthropic Messages format: ``text`` (default: the last user message in upper case)."""
    answer = last_user(body).upper() if text is None else text
    content: list[dict[str, Any]] = []
    if thinking is not None:
        content.append({"type": "thinking", "thinking": thinking, "signature": "sig"})
    content.append({"type": "text", "text": answer})
    return 200, {
        "id": "msg_1", "type": "message", "role": "assistant", "model": body["model"], "content": content,
        "stop_reason": stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": len(answer.split())},
    }


class Received(list[dict[str, Any]]):
    """The bodies received, plus in-flight statistics (max and time-weighted mean)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.first_at: float | None = None
        self._area = 0.0
        self._last = 0.0

    def _change(self, delta: int) -> None:
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = self._last = now
        self._area += self.in_flight * (now - self._last)
        self._last = now
        self.in_flight += delta
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def mean_in_flight(self) -> float:
        span = self._last - (self.first_at or self._last)
        return self._area / span if span > 0 else 0.0


def _handler(reply: Reply, received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle's algorithm on, the body waits for the
        # client's delayed ACK (40 ms on Linux), as no real server (uvicorn, vLLM) lets happen.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            with received.lock:
                received.append(body)
                received._change(+1)
            try:
                status, payload, *rest = reply(body)
            finally:
                with received.lock:
                    received._change(-1)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (rest[0] if rest else {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog: room for every client connection at once


@contextmanager
def serve(reply: Reply = echo_reply) -> Iterator[tuple[str, Received]]:
    """Run the server for the duration of the block; yields (base_url ending in /v1, received)."""
    received = Received()
    server = _Server(("127.0.0.1", 0), _handler(reply, received))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", received
    finally:
        server.shutdown()
        server.server_close()
