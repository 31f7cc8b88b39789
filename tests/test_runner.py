"""Runner: journaling, resume after failures and torn lines, thinking removal and statuses."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from evalkit.runner import split_thinking, to_row
from evalkit.types import Generation, GenerationRequest

from .mock_openai_server import echo_reply, serve


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "generations.jsonl").read_text().splitlines()]


def test_resume_only_requests_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    calls = {"n": 0}

    def flaky(body: dict) -> tuple[int, dict]:
        calls["n"] += 1
        if "paint" in body["messages"][-1]["content"]:
            return 400, {"error": {"message": "rejected"}}
        return echo_reply(body)

    args = ["run", "--pack", "starter", "--model", "openai:m", "--limit", "5", "--out", str(out), "-M", "max_retries=0"]
    with serve(flaky) as (url, received):
        assert CliRunner().invoke(main, [*args, "--base-url", url]).exit_code == 0
        first = list(received)
    assert len(first) == 5 and [r["status"] for r in _rows(out)].count("error") == 1

    with serve() as (url, received):
        result = CliRunner().invoke(main, [*args, "--base-url", url, "--resume"])
        assert result.exit_code == 0, result.output
    assert len(received) == 1 and "paint" in received[0]["messages"][-1]["content"]
    scores = json.loads((out / "scores.json").read_text())["packs"]["starter"]
    assert scores["counts"]["units"] == 5 and scores["counts"]["generation_status"] == {"ok": 5}


def test_torn_last_line_is_dropped_and_regenerated(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "--model", "mock:echo", "--limit", "4", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    path = out / "generations.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2]) + lines[2][: len(lines[2]) // 2])  # crash mid-write of row 3
    assert CliRunner().invoke(main, args).exit_code == 0
    rows = _rows(out)
    assert len(rows) == 4 and len({r["sample_id"] for r in rows}) == 4


def test_resume_without_a_run_is_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--model", "mock:echo", "--out", str(tmp_path / "x"), "--resume"])
    assert result.exit_code == 2 and "no run to resume" in result.output


def test_split_thinking() -> None:
    assert split_thinking("<think>plan</think>\n\nAnswer") == ("Answer", "plan", False)
    assert split_thinking("<think>still going") == ("", "still going", True)
    assert split_thinking("plain") == ("plain", None, False)


def test_statuses() -> None:
    req = GenerationRequest("p", "1", 0, ())
    assert to_row(req, Generation(text="hi", finish_reason="stop")).status == "ok"
    assert to_row(req, Generation(text="  ", finish_reason="stop")).status == "empty"
    assert to_row(req, Generation(text="long", finish_reason="length")).status == "truncated"
    assert to_row(req, Generation(text="<think>x", finish_reason="length")).status == "unterminated_thinking"
    row = to_row(req, Generation(error="boom"))
    assert row.status == "error" and row.error == "boom"


def test_journal_writer_reports_a_row_only_once_it_is_on_disk(tmp_path: Path) -> None:
    from evalkit.journal_writer import JournalWriter
    from evalkit.records import GenerationRow
    from evalkit.store import Journal

    path = tmp_path / "generations.jsonl"
    seen: list[tuple[str, int]] = []

    def on_written(row: GenerationRow) -> None:  # runs on the writer thread after the write
        on_disk = [json.loads(line)["sample_id"] for line in path.read_text().splitlines()]
        seen.append((row.sample_id, on_disk.count(row.sample_id)))

    writer = JournalWriter(Journal(path), None, on_written)
    for i in range(200):
        writer.put(GenerationRow(pack="p", sample_id=str(i), status="ok", response="x"))
    writer.close()
    assert len(seen) == 200 and all(n == 1 for _, n in seen)
    assert [json.loads(line)["sample_id"] for line in path.read_text().splitlines()] == [str(i) for i in range(200)]


def test_journal_writer_writes_a_burst_with_one_write_and_one_cache_transaction(tmp_path: Path) -> None:
    from evalkit.cache import RequestCache
    from evalkit.journal_writer import JournalWriter
    from evalkit.records import GenerationRow
    from evalkit.store import Journal
    from evalkit.types import Generation

    writes: list[int] = []
    stored: list[int] = []

    class Counting(Journal):
        def write(self, lines: object) -> None:
            batch = list(lines)  # type: ignore[call-overload]
            writes.append(len(batch))
            super().write(batch)

    class Cache(RequestCache):
        def put_many(self, items: object) -> None:
            stored.append(len(items))  # type: ignore[arg-type]
            super().put_many(items)  # type: ignore[arg-type]

    cache = Cache(tmp_path / "cache")
    writer = JournalWriter(Counting(tmp_path / "g.jsonl"), cache, lambda row: None, linger=0.5)
    for i in range(50):  # a burst: all of it arrives within the writer's linger
        writer.put(GenerationRow(pack="p", sample_id=str(i), status="ok", response=f"r{i}"), f"key{i}",
                   Generation(text=f"r{i}"))
    writer.close()
    assert writes == [50] and stored == [50]
    assert RequestCache(tmp_path / "cache").get("key49").text == "r49"  # type: ignore[union-attr]


def test_journal_writer_hands_a_write_error_to_the_runner(tmp_path: Path) -> None:
    import errno

    import pytest

    from evalkit.errors import EvalkitError
    from evalkit.journal_writer import JournalWriter
    from evalkit.records import GenerationRow
    from evalkit.store import Journal, disk_error

    class Full(Journal):
        def write(self, lines: object) -> None:
            raise disk_error(OSError(errno.ENOSPC, "No space left on device"), self.path)

    writer = JournalWriter(Full(tmp_path / "g.jsonl"), None, lambda row: None)
    writer.put(GenerationRow(pack="p", sample_id="1", status="ok"))
    with pytest.raises(EvalkitError, match="No space left"):
        writer.close()


def test_a_writer_repairs_a_torn_tail_before_appending(tmp_path: Path) -> None:
    from evalkit.store import Journal

    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a"')
    journal = Journal(path)
    journal.append({"a": 3})
    journal.close()
    assert path.read_text().splitlines() == ['{"a": 1}', '{"a": 2}', '{"a": 3}']
