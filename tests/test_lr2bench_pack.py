"""LR²Bench pack: loading and prompts, conformance with the upstream scorer on the DeepSeek-R1
leaderboard submission (every per-level figure exactly), gold answers scoring 100 %, the
submission round trip, and submission-format errors. Data are read from ``../shared/data``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.errors import EvalkitError
from evalkit.records import CheckRow
from evalkit.tasks.lr2bench import PACK
from evalkit.tasks.lr2bench.files import TASK_DIRS
from evalkit.tasks.lr2bench.submission import build_submission
from evalkit.verifiers.lr2bench.extract import block_tag

METRICS = ("CR", "S-Acc", "EM", "PM-0.5")


@pytest.fixture(scope="module")
def data_dir(shared_data: Path) -> Path:
    return shared_data


def _score(data_dir: Path, responses: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["score", "--pack", "lr2bench", "--responses", str(responses), "--out", str(out),
                                       "--data-dir", str(data_dir), *extra])
    assert result.exit_code == 0, result.output
    scores: dict[str, Any] = json.loads((out / "scores.json").read_text())["packs"]["lr2bench"]
    return scores


def test_loads_all_samples(data_dir: Path) -> None:
    samples = PACK.load(data_dir)
    assert len(samples) == 850
    assert Counter(s.meta["task"] for s in samples) == {
        "crossword": 150, "acrostic": 100, "logic": 200, "cryptogram": 100, "sudoku": 200, "drop": 100}
    assert all(Counter((s.meta["task"], s.meta["level"]) for s in samples)[(t, lv)] == 50
               for t, (_, levels) in TASK_DIRS.items() for lv in levels)
    first = samples[0]
    assert first.id == "crossword/5_5/20240909"
    assert [m["role"] for m in first.messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert first.messages[0]["content"] == "You are an expert crossword solver."
    assert "<example>" not in first.messages[-1]["content"] and "Here is a crossword puzzle" in first.messages[-1]["content"]
    subtasks = {(s.meta["task"], s.meta["level"]): s.meta["subtasks"] for s in samples if s.meta["task"] in ("logic", "sudoku")}
    assert subtasks[("logic", "4_7")] == 21 and subtasks[("sudoku", "4_4_easy")] == 10
    drop = next(s for s in samples if s.meta["task"] == "drop")
    assert drop.id == "drop/easy/0" and drop.meta["tag"] == 0  # int tag kept, id uses str(tag)


@pytest.mark.parametrize(("prompt", "roles"), [("zero_shot", ["system", "user"]), ("api_two_shot", ["user"]),
                                               ("api_zero_shot", ["user"])])
def test_prompt_options(data_dir: Path, prompt: str, roles: list[str]) -> None:
    samples = PACK.load(data_dir, {"prompt": prompt})
    assert [m["role"] for m in samples[0].messages] == roles
    assert all("<example>" not in m["content"] for s in samples for m in s.messages)


def test_unknown_option_rejected(data_dir: Path) -> None:
    with pytest.raises(EvalkitError, match="no prompt"):
        PACK.load(data_dir, {"prompt": "three_shot"})
    with pytest.raises(EvalkitError, match="no option"):
        PACK.load(data_dir, {"shots": "2"})


@pytest.fixture(scope="module")
def deepseek(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("lr2") / "deepseek"
    return _score(data_dir, data_dir / "lr2bench" / "submission_template_deepseek_r1.json", out), out


def test_deepseek_submission_matches_upstream_per_level(deepseek: tuple[dict[str, Any], Path], data_dir: Path) -> None:
    scores, _ = deepseek
    reference = json.loads((data_dir / "lr2bench" / "reference_scores_deepseek_r1_per_level.json").read_text())
    got = {tuple(r["level"].split("/")): r for r in scores["tables"]["level"]}
    expected = {(task, level): figs for task, levels in reference.items() for level, figs in levels.items()}
    assert set(got) == set(expected) and len(expected) == 17
    mismatches = [(key, m, got[key][m], figs[m]) for key, figs in expected.items() for m in METRICS if got[key][m] != figs[m]]
    assert mismatches == []  # exact floating-point equality, 68 figures


def test_deepseek_task_means_and_overall(deepseek: tuple[dict[str, Any], Path]) -> None:
    scores, _ = deepseek
    tasks = {r["task"]: r for r in scores["tables"]["task"]}
    published = {"crossword": (75.35, 16.67, 94.0), "acrostic": (62.17, 0.0, 83.0), "logic": (69.37, 42.5, 68.0),
                 "cryptogram": (26.0, 4.0, 21.0), "sudoku": (70.27, 50.0, 64.0), "drop": (47.34, 7.0, 42.0)}
    for task, (s_acc, em, pm) in published.items():
        assert (round(100 * tasks[task]["S-Acc"], 2), round(100 * tasks[task]["EM"], 2),
                round(100 * tasks[task]["PM-0.5"], 2)) == (s_acc, em, pm), task
    metrics = scores["metrics"]
    assert round(metrics["EM"], 4) == 0.2003
    assert (round(100 * metrics["CR"], 2), round(100 * metrics["S-Acc"], 2), round(100 * metrics["PM-0.5"], 2)) == (100.0, 58.42, 62.0)
    assert scores["headline"] == "EM" and tasks["overall"]["EM"] == metrics["EM"]


def test_submission_round_trip(deepseek: tuple[dict[str, Any], Path], data_dir: Path) -> None:
    _, out = deepseek
    checks = [CheckRow.model_validate(json.loads(line)) for line in (out / "checks.jsonl").read_text().splitlines()]
    built = build_submission(checks, {"model_name": "deepseek-ai/DeepSeek-R1"})
    original = json.loads((data_dir / "lr2bench" / "submission_template_deepseek_r1.json").read_text())
    for task, entries in original["results"].items():
        want = {(e["level"], str(e["tag"])): e["answer"] for e in entries}
        assert {(e["level"], str(e["tag"])): e["answer"] for e in built["results"][task]} == want
        assert [e["tag"] for e in built["results"][task]] == [e["tag"] for e in entries]  # drop tags stay ints


def _gold_responses(data_dir: Path) -> list[dict[str, str]]:
    gold = json.loads((data_dir / "lr2bench" / "answer.json").read_text())
    rows = []
    for task, entries in gold.items():
        for e in entries:
            answer = json.loads(e["answer"])
            answer = answer["answer"] if task == "sudoku" else answer
            tag = block_tag(task)
            rows.append({"id": f"{task}/{e['level']}/{e['tag']}",
                         "response": f"Reasoning…\n<{tag}>\n{json.dumps(answer)}\n</{tag}>"})
    return rows


def test_gold_answers_score_100_percent(data_dir: Path, tmp_path: Path) -> None:
    responses = tmp_path / "gold.jsonl"
    responses.write_text("".join(json.dumps(r) + "\n" for r in _gold_responses(data_dir)))
    scores = _score(data_dir, responses, tmp_path / "out")
    assert len(scores["tables"]["level"]) == 17
    assert all(r[m] == 1.0 for r in scores["tables"]["level"] for m in METRICS)
    assert all(scores["metrics"][m] == 1.0 for m in METRICS)


def test_unanswered_and_partial(data_dir: Path, tmp_path: Path) -> None:
    rows = [r for r in _gold_responses(data_dir) if r["id"].startswith("logic/4_4/")]
    rows[0]["response"] = "<Answer>[{'broken': }]</Answer>"  # an answer block: counts for CR, scores 0
    rows[1]["response"] = "no idea"
    responses = tmp_path / "part.jsonl"
    responses.write_text("".join(json.dumps(r) + "\n" for r in rows))
    scores = _score(data_dir, responses, tmp_path / "out")
    (level,) = scores["tables"]["level"]
    assert (level["level"], level["n"], level["CR"], level["EM"], level["PM-0.5"]) == ("logic/4_4", 50, 0.98, 0.96, 0.96)
    assert level["S-Acc"] == 576 / 600
    assert scores["metrics"]["EM"] == 0.96  # overall: mean over the tasks present


def _write_submission(tmp_path: Path, results: dict[str, Any]) -> Path:
    path = tmp_path / "submission.json"
    path.write_text(json.dumps({"config": {"model_name": "x"}, "results": results}))
    return path


@pytest.mark.parametrize(("results", "message"), [
    ({"sudoku": [{"level": "4_4_easy", "tag": "A1426", "answer": [[1]]}]}, "must be a string"),
    ({"sudoku": [{"level": "4_4_easy", "tag": "A1426", "answer": " [[1]]"}]}, "upstream extraction can produce"),
    ({"sudoku": [{"level": "4_4_easy", "tag": "A1426"}]}, "level, tag and answer"),
    ({"chess": []}, "unknown LR2Bench task"),
    ({"logic": [{"level": "4_4", "tag": "F353ON", "answer": "[]"}] * 2}, "appears twice"),
    ({"logic": [{"level": "4_4", "tag": "NOPE", "answer": "[]"}]}, "ids not in pack"),
])
def test_bad_submissions(data_dir: Path, tmp_path: Path, results: dict[str, Any], message: str) -> None:
    path = _write_submission(tmp_path, results)
    result = CliRunner().invoke(main, ["score", "--pack", "lr2bench", "--responses", str(path), "--out",
                                       str(tmp_path / "out"), "--data-dir", str(data_dir)])
    assert result.exit_code != 0
    assert message in result.output


def test_default_answers_in_submission_are_unanswered(data_dir: Path, tmp_path: Path) -> None:
    results = {"crossword": [{"level": "5_5", "tag": "20240909", "answer": "{}"}],
               "sudoku": [{"level": "4_4_easy", "tag": "A1426", "answer": "[[]]"}]}
    scores = _score(data_dir, _write_submission(tmp_path, results), tmp_path / "out")
    assert [(r["level"], r["CR"], r["S-Acc"]) for r in scores["tables"]["level"]] == [
        ("crossword/5_5", 0.0, 0.0), ("sudoku/4_4_easy", 0.0, 0.0)]
