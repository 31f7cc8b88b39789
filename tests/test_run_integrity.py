"""Run integrity: --out ownership and locking, what resume compares, journals readers leave alone,
duplicate ids, per-pack generation settings, unstorable model text, runs that failed, bad input."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evalkit.store import RunDir

from .cli_helpers import one_error_line, run_cli
from .mock_openai_server import echo_reply, last_user, serve

REPO = Path(__file__).resolve().parents[1]


def _snapshot(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file() and p.name != ".lock"}


def _responses(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _ifeval_copy(tmp_path: Path, shared_data: Path, edit: Any = None) -> Path:
    """A data dir holding the first 6 IFEval rows, optionally edited (list of lines -> bytes)."""
    root = tmp_path / "data"
    (root / "ifeval").mkdir(parents=True)
    lines = (shared_data / "ifeval" / "input_data.jsonl").read_bytes().splitlines(keepends=True)[:6]
    (root / "ifeval" / "input_data.jsonl").write_bytes(edit(lines) if edit else b"".join(lines))
    return root


# 1 ---------------------------------------------------------------------------------------------
def test_score_responses_refuses_an_out_holding_a_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run_cli("run", "--model", "mock:echo", "--limit", "3", "--out", str(out))[0] == 0
    before = _snapshot(out)
    answers = _responses(tmp_path / "a.jsonl", [{"id": "starter-001", "response": "blue"}])
    code, text = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(out))
    assert code == 2 and "holds another run" in one_error_line(text)
    assert _snapshot(out) == before


def test_score_responses_can_regrade_its_own_out(tmp_path: Path) -> None:
    answers = _responses(tmp_path / "a.jsonl", [{"id": "starter-001", "response": "blue"}])
    out = tmp_path / "graded"
    assert run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(out))[0] == 0
    code, text = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(out))
    assert code == 0, text
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# 2 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("changed", "named"), [
    (["--system-message", "Be terse."], "--system-message"),
    (["--think-tags", "none"], "--think-tags"),
    (["-M", "text=other"], "-M"),
    (["-T", "mode=strict"], "starter: -T"),
    (["--max-tokens", "50"], "starter: max tokens"),
])
def test_resume_with_other_settings_is_refused_and_names_them(tmp_path: Path, changed: list[str], named: str) -> None:
    out = tmp_path / "r"
    base = ["run", "--model", "mock:constant", "--limit", "2", "--out", str(out)]
    assert run_cli(*base)[0] == 0
    before = _snapshot(out)
    code, text = run_cli(*base, *changed)
    line = one_error_line(text)
    assert code == 2 and "different settings" in line and named in line
    assert _snapshot(out) == before


def test_resume_compares_data_by_hash_not_path(tmp_path: Path, shared_data: Path) -> None:
    first = _ifeval_copy(tmp_path / "a", shared_data)
    same = _ifeval_copy(tmp_path / "b", shared_data)
    edited = _ifeval_copy(tmp_path / "c", shared_data, lambda ls: b"".join(ls).replace(b"Write", b"Compose", 1))
    out = tmp_path / "r"
    base = ["run", "--pack", "ifeval", "--model", "mock:echo", "--limit", "3", "--out", str(out)]
    assert run_cli(*base, "--data-dir", str(first))[0] == 0
    assert run_cli(*base, "--data-dir", str(same))[0] == 0
    code, text = run_cli(*base, "--data-dir", str(edited))
    assert code == 2 and "ifeval: data" in one_error_line(text)


def test_journal_rows_made_from_other_requests_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["run", "--model", "mock:echo", "--limit", "3", "--out", str(out)]
    assert run_cli(*args)[0] == 0
    rows = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert all(len(r["request_hash"]) == 64 for r in rows)
    rows[1]["request_hash"] = "0" * 64  # as if the prompt had been built differently
    (out / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, text = run_cli(*args)
    assert code == 2 and "other requests" in one_error_line(text) and rows[1]["sample_id"] in text


# 3 ---------------------------------------------------------------------------------------------
def test_a_live_run_locks_its_out_and_a_dead_ones_lock_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "r"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from evalkit.lock import RunLock; "
         "lock = RunLock(Path(sys.argv[1])).acquire(); print('locked', flush=True); time.sleep(60)", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code, text = run_cli("run", "--model", "mock:echo", "--limit", "2", "--out", str(out))
        assert code == 2 and f"pid {holder.pid}" in one_error_line(text)
        assert not (out / "generations.jsonl").exists()
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    code, text = run_cli("run", "--model", "mock:echo", "--limit", "2", "--out", str(out))
    assert code == 0, text


# 4 ---------------------------------------------------------------------------------------------
def test_readers_leave_a_torn_journal_alone(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run_cli("run", "--model", "mock:echo", "--limit", "3", "--out", str(out))[0] == 0
    path = out / "generations.jsonl"
    torn = path.read_bytes() + b'{"pack": "starter", "sample_id": "starter-00'
    path.write_bytes(torn)
    assert len(RunDir(out).read_generations()) == 3
    assert run_cli("run", "--model", "mock:echo", "--limit", "3", "--out", str(out), "--dry-run")[0] == 0
    assert run_cli("report", str(out))[0] == 0
    assert path.read_bytes() == torn


# 5 ---------------------------------------------------------------------------------------------
def test_duplicate_sample_ids_in_data_name_file_and_ids(tmp_path: Path, shared_data: Path) -> None:
    data = _ifeval_copy(tmp_path, shared_data, lambda ls: b"".join([*ls, ls[2]]))
    dup = json.loads(data.joinpath("ifeval", "input_data.jsonl").read_bytes().splitlines()[2])["key"]
    code, text = run_cli("run", "--pack", "ifeval", "--model", "mock:echo", "--data-dir", str(data),
                      "--out", str(tmp_path / "r"))
    line = one_error_line(text)
    assert code == 2 and "input_data.jsonl" in line and "duplicate" in line and str(dup) in line
    assert not (tmp_path / "r").exists()


def test_duplicate_ids_in_responses_name_file_and_ids(tmp_path: Path) -> None:
    answers = _responses(tmp_path / "a.jsonl", [{"id": "starter-001", "response": "x"},
                                                {"id": "starter-002", "response": "y"},
                                                {"id": "starter-001", "response": "z"}])
    code, text = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(tmp_path / "o"))
    line = one_error_line(text)
    assert code == 2 and "a.jsonl" in line and "starter-001" in line and "starter-002" not in line


# 6 ---------------------------------------------------------------------------------------------
def test_each_pack_keeps_its_own_max_tokens(tmp_path: Path, shared_data: Path) -> None:
    from evalkit.packs import get_pack

    with serve() as (url, received):
        code, text = run_cli("run", "--pack", "starter,ifeval", "--model", "openai:m", "--base-url", url, "--limit", "2",
                          "--data-dir", str(shared_data), "--out", str(tmp_path / "r"))
    assert code == 0, text
    starter = {last_user({"messages": list(s.messages)}) for s in get_pack("starter").load(None, {})[:2]}
    by_pack = {("starter" if last_user(b) in starter else "ifeval"): b["max_tokens"] for b in received}
    assert by_pack == {"starter": get_pack("starter").default_max_tokens,
                       "ifeval": get_pack("ifeval").default_max_tokens}
    entries = json.loads((tmp_path / "r" / "run.json").read_text())["packs"]
    assert entries["starter"]["generation"]["max_tokens"] != entries["ifeval"]["generation"]["max_tokens"]


def test_max_tokens_is_part_of_the_cache_key(tmp_path: Path) -> None:
    with serve() as (url, received):
        for i, extra in enumerate(([], ["--max-tokens", "77"])):
            code, _ = run_cli("run", "--model", "openai:m", "--base-url", url, "--limit", "2", *extra,
                           "--out", str(tmp_path / f"r{i}"))
            assert code == 0
    assert len(received) == 4 and [b["max_tokens"] for b in received[2:]] == [77, 77]


# 7 ---------------------------------------------------------------------------------------------
def _surrogate_reply(body: dict[str, Any]) -> Any:
    status, payload = echo_reply(body)
    payload["choices"][0]["message"]["content"] = "broken \ud800 text"
    return status, payload


def test_lone_surrogates_from_a_server_are_stored_and_recorded(tmp_path: Path) -> None:
    with serve(_surrogate_reply) as (url, _):
        code, text = run_cli("run", "--model", "openai:m", "--base-url", url, "--limit", "2", "--out", str(tmp_path / "r"))
    assert code == 0, text
    rows = [json.loads(line) for line in (tmp_path / "r" / "generations.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["response"] for r in rows] == ["broken \ufffd text"] * 2
    assert all(r["text_repairs"] == {"text": 1} for r in rows)


def test_lone_surrogates_in_responses_are_graded(tmp_path: Path) -> None:
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"id": "starter-001", "response": "blue \\ud800"}\n')
    out = tmp_path / "o"
    code, text = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(out))
    assert code == 0, text
    row = json.loads((out / "generations.jsonl").read_text(encoding="utf-8"))
    assert row["response"] == "blue \ufffd" and row["text_repairs"] == {"response": 1}


def test_failed_grading_of_responses_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit.api as api

    def broken(*args: object, **kwargs: object) -> None:
        raise api.EvalkitError("grading failed (test)")

    monkeypatch.setattr(api, "_grade_and_score", broken)
    answers = _responses(tmp_path / "a.jsonl", [{"id": "starter-001", "response": "blue"}])
    code, _ = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(tmp_path / "o"))
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl"]


# 9 ---------------------------------------------------------------------------------------------
def test_a_run_where_everything_failed_exits_2_and_keeps_its_files(tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, text = run_cli("run", "--model", "mock:echo", "-M", "fail_every=1", "--limit", "4", "--out", str(out))
    assert code == 2 and "4 of 4 generations failed" in one_error_line(text)
    assert (out / "scores.json").is_file() and len((out / "generations.jsonl").read_text().splitlines()) == 4


def test_a_run_where_most_succeeded_exits_0(tmp_path: Path) -> None:
    code, text = run_cli("run", "--model", "mock:echo", "-M", "fail_every=3", "--limit", "6", "--out", str(tmp_path / "r"))
    assert code == 0, text


# 10 --------------------------------------------------------------------------------------------
def test_disk_full_is_one_line_and_leaves_no_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit.store as store

    real_replace = os.replace

    def full(src: Any, dst: Any) -> None:
        if str(dst).endswith("scores.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", full)
    out = tmp_path / "r"
    code, text = run_cli("run", "--model", "mock:echo", "--limit", "3", "--out", str(out))
    line = one_error_line(text)
    assert code == 2 and "No space left" in line and "scores.json" in line
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    assert len((out / "generations.jsonl").read_text().splitlines()) == 3


def test_read_only_journal_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import evalkit.store as store

    def read_only(self: Any, lines: Any) -> None:
        raise store.disk_error(OSError(errno.EROFS, "Read-only file system"), self.path)

    monkeypatch.setattr(store.Journal, "write", read_only)
    code, text = run_cli("run", "--model", "mock:echo", "--limit", "3", "--out", str(tmp_path / "r"))
    assert code == 2 and "Read-only file system" in one_error_line(text)


def test_invalid_utf8_in_data_and_responses_names_file_and_line(tmp_path: Path, shared_data: Path) -> None:
    data = _ifeval_copy(tmp_path, shared_data, lambda ls: b"".join(ls[:2] + [ls[2].replace(b"Write", b"Wr\xffte", 1)]
                                                                    + ls[3:]))
    code, text = run_cli("run", "--pack", "ifeval", "--model", "mock:echo", "--data-dir", str(data),
                      "--out", str(tmp_path / "r"))
    line = one_error_line(text)
    assert code == 2 and "input_data.jsonl line 3" in line and "UTF-8" in line
    answers = tmp_path / "a.jsonl"
    answers.write_bytes(b'{"id": "starter-001", "response": "ok"}\n{"id": "starter-002", "response": "\xc3("}\n')
    code, text = run_cli("score", "--pack", "starter", "--responses", str(answers), "--out", str(tmp_path / "o"))
    line = one_error_line(text)
    assert code == 2 and "a.jsonl line 2" in line and "UTF-8" in line


def test_empty_data_file_is_an_error(tmp_path: Path, shared_data: Path) -> None:
    data = _ifeval_copy(tmp_path, shared_data, lambda ls: b"")
    code, text = run_cli("run", "--pack", "ifeval", "--model", "mock:echo", "--data-dir", str(data),
                      "--out", str(tmp_path / "r"))
    assert code == 2 and "no samples" in one_error_line(text) and "input_data.jsonl" in text


@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("-M", "max_retries=abc", "-M max_retries expects a whole number"),
    ("-M", "timeout=-1", "-M timeout expects a number > 0"),
    ("-J", "concurrency=abc", "-J concurrency expects a whole number"),
])
def test_bad_numeric_options_are_one_line(tmp_path: Path, flag: str, value: str, expected: str) -> None:
    code, text = run_cli("run", "--model", "openai:m", "--base-url", "http://127.0.0.1:9/v1", flag, value,
                      "--out", str(tmp_path / "r"))
    assert code == 2 and expected in one_error_line(text)
    assert not (tmp_path / "r").exists()


def test_the_lock_file_is_not_left_by_a_refused_run(tmp_path: Path) -> None:
    code, _ = run_cli("run", "--model", "mock:echo", "--out", str(tmp_path / "x"), "--resume")
    assert code == 2 and not (tmp_path / "x").exists()
