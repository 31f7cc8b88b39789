"""QuestBench pack: loading, prompt rendering, gold/wrong/unparsable answers, the optional full
Planning-Q file, the CLI end to end and adversarial responses (no network: downloads are
disabled or stubbed)."""

from __future__ import annotations

import csv
import io
import json
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import evalkit.datafiles
from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.errors import DataError
from evalkit.tasks.questbench import PACK
from evalkit.tasks.questbench.data import literal
from evalkit.types import Sample

OFF = {"planning_full": "off"}


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(url: str, *args: Any, **kwargs: Any) -> Path:
        raise OSError(f"network disabled in tests ({url})")

    monkeypatch.setattr(evalkit.datafiles, "download", refuse)
    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Sample]:
    return PACK.load(shared_data, OFF)


def _grade(sample: Sample, response: str) -> tuple[bool | None, str]:
    (c,) = sample.constraints
    result = build_checker(c.checker, c.params).check(response, CheckContext(mode="strict", reference=sample.reference))
    return result.passed, result.reason


def gold_response(sample: Sample) -> str:
    """A response naming the first gold answer in the subset's format."""
    subset = sample.meta["subset"]
    if subset == "Logic-Q":
        return f"Question: Is Alice {sample.reference[0]}?"
    if subset == "Planning-Q":
        return str(sample.reference[0])
    return f"Choice: {sample.reference}"


def test_counts_and_depths(samples: list[Sample]) -> None:
    by: dict[str, int] = {}
    for s in samples:
        by[s.meta["subset"]] = by.get(s.meta["subset"], 0) + 1
    assert by == {"Logic-Q": 1150, "Planning-Q": 100, "GSM-Q": 288, "GSME-Q": 151}
    logic_depths = {int(s.meta["depth"]) for s in samples if s.meta["subset"] == "Logic-Q"}
    assert min(logic_depths) == 1 and max(logic_depths) == 12
    assert {s.id for s in samples if s.meta["subset"] == "Planning-Q"} == {f"planning-o1/{i}" for i in range(100)}


def test_every_gold_answer_scores_and_wrong_ones_do_not(samples: list[Sample]) -> None:
    fails = [s.id for s in samples if _grade(s, gold_response(s))[0] is not True]
    assert fails == []
    for s in samples:
        subset = s.meta["subset"]
        if subset == "Logic-Q":
            passed, reason = _grade(s, "End questioning")
            assert passed is False and "End questioning" in reason
        elif subset == "Planning-Q":
            options = s.constraints[0].params["options"]
            no_q = options.index("No questions needed.")
            if no_q not in s.reference:
                assert _grade(s, str(no_q))[0] is False
            wrong = next(i for i in range(len(options)) if i not in s.reference)
            assert _grade(s, f"Answer: {wrong}")[0] is False
        else:
            n = s.constraints[0].params["n_options"]
            assert _grade(s, f"Choice: {n - 1}")[0] is False  # "No questions needed." is never gold


def test_gold_counts_planning_subsample(samples: list[Sample]) -> None:
    planning = [s for s in samples if s.meta["subset"] == "Planning-Q"]
    no_q = [s for s in planning if s.constraints[0].params["gt_qs"] == ["No questions needed."]]
    assert len(no_q) == 55


def test_prompt_templates(samples: list[Sample]) -> None:
    by_id = {s.id: s for s in samples}
    system, user = (m["content"] for m in by_id["gsme/0"].messages)
    assert user == ("Math problem: A = 0.2 * V\nB = A + (0.5 * A)\nC = V - (A + B)\nWhat is C?\n\nPossible questions:\n"
                    "0. What is the value of V?\n1. What is the value of F?\n2. What is the value of S?\n"
                    "3. What is the value of T?\n4. No questions needed.")
    assert system.endswith('in the form "Choice: number"\n Generate one of the above outputs and nothing else.')
    assert "0. What is Number of customers (N)?\n1. What is Lipstick cost for Rafi (L)?\n2. No questions needed." \
        in by_id["gsm/0"].messages[1]["content"]
    system, user = (m["content"] for m in by_id["logic/0"].messages)
    assert system.startswith("Suppose you know the following rules about Alice:\n    If Alice is ")
    assert user == ("Alice is amused.\nAlice is calm.\nAlice is loving.\nAlice is sleepy.\n\n"
                    "You may not ask if Alice is sensible.\nIs Alice tired?")
    system, user = (m["content"] for m in by_id["planning-o1/0"].messages)
    assert "(define (domain BLOCKS)" in system and "\n\n['a', 'b', 'c', 'd', 'e', 'f']\n\n" in system
    assert user.startswith("Known facts about current state:\n(clear c)\n(clear f)\n(on b a)\n(on f d)\n(ontable d)\n"
                           "not (handempty)\n\nGoal state:\n(on b a)\n(on d c)\n\nPossible questions:\n0. Is (clear a) true?\n")
    assert user.endswith("\n49. No questions needed.")
    options = by_id["planning-o1/0"].constraints[0].params["options"]
    assert options == sorted(options)


def test_few_shot_pools_are_gold_fixtures(shared_data: Path) -> None:
    from evalkit.tasks.questbench import gsm_samples, logic_samples, planning_samples

    root = shared_data / "questbench"
    pools = [*logic_samples(root / "Logic-Q/simplelogic_heldout_1k_prompts.csv", "questbench"),
             *planning_samples(root / "Planning-Q/planning_heldout_prompts.csv", "", "pool", "questbench"),
             *gsm_samples(root / "GSM-Q/gsm_verbal_heldout_pilot_prompts.csv", True, "questbench"),
             *gsm_samples(root / "GSM-Q/gsm_CSP_heldout_pilot_prompts.csv", False, "questbench")]
    assert len(pools) == 25 + 38 + 25 + 25
    assert all(_grade(s, gold_response(s))[0] for s in pools)


@pytest.mark.parametrize(("response", "expected"), [
    ("Question: Is Alice hurt?", True),
    ("Question: Is Alice [hurt]?", True),
    ("Is Alice  hurt ?", True),  # group stripped, as upstream
    ("I think... Question: Is Alice tired?\nQuestion: Is Alice hurt?", True),  # last "Question:"
    ("Question: Is Alice hurt? End questioning", False),  # "End questioning" anywhere wins
    ("Question: Is Alice hurt? end questioning", False),
    ("Question: Is Alice very hurt?", False),
    ("Question: Is Alice calm?", False),
    ("Question: Is alice hurt?", False),  # case-sensitive
    ("Is Alice hurt? Question: nothing", False),  # only the text after the last "Question:"
    ("Question: Is Alice hurt", False),
    ("", False),
])
def test_logic_parser_table(response: str, expected: bool) -> None:
    checker = build_checker("questbench.logic_question", {"gt_qs": ["different", "frightened", "hurt"]})
    result = checker.check(response, CheckContext())
    assert result.passed is expected and result.reason


@pytest.mark.parametrize(("response", "expected", "reason"), [
    ("2", True, "option 2"), ("Answer: 2", True, "option 2"), ("I pick 1. Answer: 002", True, "option 2"),
    ("Answer: 3", True, "option 3"), ("0", False, "not in"), ("Answer: 4", False, "out of range"),
    ("option two", False, "unparsable"), ("2x", False, "unparsable"), ("9" * 5000, False, "out of range"),
])
def test_planning_parser_table(response: str, expected: bool, reason: str) -> None:
    params = {"options": ["(clear a)", "(clear b)", "(on a b)", "No questions needed."], "gt_qs": ["(on a b)", "No questions needed."]}
    result = build_checker("questbench.planning_option", params).check(response, CheckContext())
    assert result.passed is expected and reason in result.reason


@pytest.mark.parametrize(("response", "expected", "reason"), [
    ("Choice: 1", True, "choice 1"), ("CHOICE: 1", True, "choice 1"), ("1", True, "choice 1"),
    ("Choice: 0\nchoice: 1", True, "choice 1"), ("Choice: 2", False, "gold 1"), ("Choice: 7", False, "out of range"),
    ("Choice: one", False, "unparsable"), ("Choice: " + "1" * 5000, False, "choice"),
])
def test_gsm_parser_table(response: str, expected: bool, reason: str) -> None:
    result = build_checker("questbench.gsm_choice", {"gt_index": 1, "n_options": 3}).check(response, CheckContext())
    assert result.passed is expected and reason in result.reason


def test_safe_literal_parser() -> None:
    assert literal("frozenset({'(on a c)', '(clear c)'})") == {"(on a c)", "(clear c)"}
    assert literal("frozenset()") == set()
    with pytest.raises(ValueError):
        literal("__import__('os').system('true')")


@pytest.mark.parametrize("response", [
    "Is Alice " * 120_000,  # quadratic for a backtracking regex
    "Question: Is Alice [" + "a b-" * 250_000,
    "x\x00\x1b[31m\u202e" * 200_000,
    "9" * 1_000_000,
    ("Choice: " + "1a" * 500_000),
])
def test_adversarial_responses_are_bounded(samples: list[Sample], response: str) -> None:
    picks = [next(s for s in samples if s.meta["subset"] == sub) for sub in ("Logic-Q", "Planning-Q", "GSM-Q", "GSME-Q")]
    start = time.perf_counter()
    for s in picks:
        passed, reason = _grade(s, response)
        assert passed is False and reason
    assert time.perf_counter() - start < 2.0


def test_missing_full_planning_is_noted_not_fatal(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples = PACK.load(shared_data, {"subsets": "planning"})  # auto: looks, the download fails
    assert len(samples) == 100
    err = capsys.readouterr().err
    assert "planning_heldout_7500.csv" in err and "7400 of 7500 rows skipped" in err
    assert PACK.data_hashes(shared_data)["Planning-Q/planning_heldout_7500.csv"].startswith("absent:")
    with pytest.raises(DataError, match="required"):
        PACK.load(shared_data, {"subsets": "planning", "planning_full": "require"})


def test_full_planning_from_a_local_tarball(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "questbench").mkdir(parents=True)
    for item in (shared_data / "questbench").iterdir():
        (data / "questbench" / item.name).symlink_to(item)
    body = (shared_data / "questbench/Planning-Q/planning_heldout_7500_o1_subsample.csv").read_bytes()
    with tarfile.open(data / "questbench" / "questbench_data.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("questbench_data/Planning-Q/planning_heldout_7500.csv")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    samples = PACK.load(data, {"subsets": "planning", "planning_full": "require"})
    assert [s.id for s in samples][:2] == ["planning/0", "planning/1"]
    assert (tmp_path / "cache/questbench/Planning-Q/planning_heldout_7500.csv").is_file()
    assert len(PACK.data_hashes(data)["Planning-Q/planning_heldout_7500.csv"]) == 64


def test_end_to_end_cli(samples: list[Sample], shared_data: Path, tmp_path: Path) -> None:
    responses = tmp_path / "responses.jsonl"
    lines = []
    for i, s in enumerate(samples):
        text = gold_response(s) if i % 2 == 0 else ("garbage" if i % 4 == 1 else "Choice: 999 Answer: 999 End questioning")
        lines.append(json.dumps({"id": s.id, "response": text}))
    responses.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["score", "--pack", "questbench", "--responses", str(responses), "--out", str(out),
                                       "--data-dir", str(shared_data), "-T", "planning_full=off"])
    assert result.exit_code == 0, result.output
    scores = json.loads((out / "scores.json").read_text())["packs"]["questbench"]
    expected = {sub: sum(1 for i, s in enumerate(samples) if s.meta["subset"] == sub and i % 2 == 0) for sub in
                ("Logic-Q", "Planning-Q", "GSM-Q", "GSME-Q")}
    subset_rows = {r["subset"]: r for r in scores["tables"]["subset"]}
    assert {k: r["passed"] for k, r in subset_rows.items()} == expected
    assert scores["metrics"]["accuracy_logic_q"] == expected["Logic-Q"] / 1150
    depth_tables = [t for t in scores["tables"] if t.startswith("depth_")]
    assert depth_tables == ["depth_logic_q", "depth_planning_q", "depth_gsm_q", "depth_gsme_q"]
    assert sum(r["n"] for t in depth_tables for r in scores["tables"][t]) == len(samples)
    assert [r["depth_logic_q"] for r in scores["tables"]["depth_logic_q"]] == [str(d) for d in range(1, 13)]
    coverage = {r["subset"]: r for r in scores["tables"]["data_coverage"]}
    assert coverage["Planning-Q"]["skipped"] == 7400 and coverage["Planning-Q"]["status"] == "partial"
    assert coverage["Planning-Q"]["passed"] == 100 and coverage["Planning-Q"]["n"] == 7500
    assert coverage["Logic-Q"]["skipped"] == 0 and "7400 of 7500 rows skipped" in result.output
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    assert all(c["reason"] for c in checks) and all(c["status"] == "ok" for c in checks)
    assert all(c["passed"] is False for c in checks if c["sample_id"] in {samples[i].id for i in range(1, len(samples), 2)})
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["packs"]["questbench"]["data_sha256"]["Planning-Q/planning_heldout_7500.csv"].startswith("absent:")


def test_csv_rows_match_source_counts(shared_data: Path) -> None:
    root = shared_data / "questbench"
    counts = {p: sum(1 for _ in csv.DictReader((root / p).open(newline="", encoding="utf-8"))) for p in (
        "Logic-Q/simplelogic_heldout_1k_o1_subsample.csv", "GSM-Q/gsm_verbal_full_prompts.csv", "GSM-Q/gsm_CSP_full_prompts.csv")}
    assert list(counts.values()) == [100, 20, 10]
