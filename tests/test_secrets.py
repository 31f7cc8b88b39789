"""Secrets never reach disk or output: a planted API key and URL password are searched for in the
run directory, the request cache and everything printed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.cache import DATABASE
from evalkit.redact import MASK, redact, redact_text, redact_url

from .mock_openai_server import echo_reply, last_user, serve

KEY = "sk-planted-0123456789abcdef"
PASSWORD = "planted-url-password-42"
TOKEN = "planted-session-token-77"  # an extra -M option: sent to the server, never written


def _everything_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_planted_secrets_appear_nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EVALKIT_REQUEST_CACHE_DIR", str(cache))

    def reply(body: dict[str, Any]) -> Any:
        assert KEY not in str(body), "the key must not travel in the request body"
        if "paint" in last_user(body):  # a server that quotes the credential back in its error
            return 401, {"error": {"message": f"invalid api key {KEY} for user x:{PASSWORD}"}}
        return echo_reply(body)

    with serve(reply) as (url, _):
        secret_url = url.replace("http://", f"http://user:{PASSWORD}@")
        result = CliRunner().invoke(main, ["run", "--pack", "starter", "--limit", "4", "--model", "openai:m",
                                           "--base-url", secret_url, "-M", f"api_key={KEY}", "-M",
                                           f"session_token={TOKEN}", "--max-retries", "0", "--out",
                                           str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "run"
    assert (out / "run.json").is_file() and (cache / DATABASE).is_file()
    for blob in (_everything_under(out), _everything_under(cache), result.output.encode()):
        assert KEY.encode() not in blob and PASSWORD.encode() not in blob and TOKEN.encode() not in blob
    assert MASK in (out / "run.json").read_text()


def test_secret_in_a_failing_runs_error_line_is_masked(tmp_path: Path) -> None:
    with serve() as (url, _):
        result = CliRunner().invoke(main, ["run", "--model", "openai:m", "--base-url",
                                           url.replace("http://", f"http://u:{PASSWORD}@"), "--out",
                                           str(tmp_path / "r"), "--resume"])
    assert result.exit_code == 2
    assert PASSWORD not in result.output


def test_redact_helpers() -> None:
    cleaned = redact({"api_key": "abcd1234", "Authorization": "Bearer xyz123", "nested": {"db_password": "pw12345"},
                      "prompt_tokens": 12, "url": "https://me:hunter22@example.com/v1", "model": "gpt"})
    assert cleaned == {"api_key": MASK, "Authorization": MASK, "nested": {"db_password": MASK}, "prompt_tokens": 12,
                       "url": f"https://{MASK}@example.com/v1", "model": "gpt"}
    assert redact_text("failed with key abcd1234 at https://a:b@h") == f"failed with key {MASK} at https://{MASK}@h"
    assert redact_url("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"
    assert os.environ.get("EVALKIT_REQUEST_CACHE_DIR")
