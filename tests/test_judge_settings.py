"""Judge-phase options given through the Python API are checked like ``-J`` on the command line:
numeric strings are accepted, anything else is a one-line EvalkitError naming the key, raised
before a model or judge is called."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evalkit
from evalkit.api import score_responses
from evalkit.errors import EvalkitError
from evalkit.judging import judge_settings


def test_numeric_strings_become_numbers() -> None:
    got = judge_settings({"concurrency": "4", "temperature": "0.5", "max_tokens": 64.0, "seed": "-1",
                          "base_url": "http://x"})
    assert got == {"concurrency": 4, "temperature": 0.5, "max_tokens": 64, "seed": -1, "base_url": "http://x"}
    assert isinstance(got["max_tokens"], int)


@pytest.mark.parametrize("key, value", [("concurrency", "abc"), ("concurrency", 0), ("max_tokens", 2.5),
                                        ("temperature", -1), ("rejudge", True), ("max_retries", [1]),
                                        ("timeout", "nan"), ("seed", "x"), ("timeout", 0)])
def test_bad_values_are_one_line_errors(key: str, value: Any) -> None:
    with pytest.raises(EvalkitError, match=f"^-J {key} expects") as info:
        judge_settings({key: value})
    assert "\n" not in str(info.value)


def test_run_refuses_before_generating(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(EvalkitError, match="-J concurrency expects a whole number > 0, got 'abc'"):
        evalkit.run(["cfbench"], "mock:constant", out=out, data_dir=shared_data, limit=1, judge="openai:judge",
                    judge_args={"base_url": "http://127.0.0.1:9/v1", "concurrency": "abc"})
    assert not (out / "generations.jsonl").exists()


def test_score_responses_refuses_a_bad_judge_value(shared_data: Path, tmp_path: Path) -> None:
    sample = evalkit.packs.get_pack("cfbench").load(shared_data)[0]
    responses = tmp_path / "r.jsonl"
    responses.write_text(json.dumps({"id": sample.id, "response": "x"}) + "\n")
    with pytest.raises(EvalkitError, match="-J max_tokens expects"):
        score_responses("cfbench", responses, out=tmp_path / "out", data_dir=shared_data, judge="openai:judge",
                        judge_args={"base_url": "http://127.0.0.1:9/v1", "max_tokens": "lots"})
    assert not (tmp_path / "out" / "scores.json").exists()
