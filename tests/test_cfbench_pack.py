"""CFBench: loading, checklist parsing (compat / strict), and conformance with the shipped
judge outputs (every per-sample CSR/ISR/PSR and every per-file mean)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from evalkit import api
from evalkit.checking import CheckContext
from evalkit.judging import Judgement
from evalkit.packs import get_pack
from evalkit.store import RunDir
from evalkit.tasks.cfbench.metrics import per_sample, sample_metrics
from evalkit.verifiers.cfbench import (
    ChecklistItem,
    judge_prompt,
    parse_checklist,
    parse_fallback,
    parse_positional,
    parse_strict,
)

EXPECTED_MEANS = {  # spec §10.1: (CSR, ISR, PSR) per file, rounded to 2 decimals
    "abab": (0.89, 0.5, 0.75), "deepseek_v2": (0.84, 0.25, 0.75), "ernie35": (0.84, 0.25, 0.75),
    "ernie4": (0.76, 0.25, 0.5), "glm4": (0.84, 0.25, 0.75), "gpt35_turbo_1106": (0.76, 0.25, 0.25),
    "gpt4_0125_preview": (0.64, 0.0, 0.5), "gpt4_turbo_0409": (0.84, 0.25, 0.75), "gpt4o": (0.84, 0.25, 0.75),
    "yi_large": (0.76, 0.25, 0.5), "moonshot": (0.84, 0.45, 0.65),
}
MOONSHOT_SPLITS = {"easy": (0.97, 0.8, 1.0), "hard": (0.8, 0.33, 0.53)}
FALLBACKS = {("abab", 1), ("deepseek_v2", 1), ("moonshot", 5), ("moonshot", 10)}


def _eval_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "cfbench" / "output" / "judge").glob("*_eval.json"))
    assert len(files) == 11
    return files


def test_loads_all_samples(shared_data: Path) -> None:
    samples = get_pack("cfbench").load(shared_data)
    assert len(samples) == 1000
    assert sum(len(s.constraints) for s in samples) == 4237
    assert {s.meta["split"] for s in samples} == {"easy", "hard"}
    prios = [c.dimensions["priority"] for s in samples for c in s.constraints]
    assert prios.count("主需") == 1835 and prios.count("次需") == 2402


@pytest.fixture(scope="module")
def rescored(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    out = {}
    for f in _eval_files(shared_data):
        run = tmp_path_factory.mktemp(f.stem)
        out[f.stem.removesuffix("_eval")] = (run, api.score_responses("cfbench", f, out=run, data_dir=shared_data))
    return out


def test_conformance_every_sample(shared_data: Path, rescored: dict[str, tuple[Path, dict]]) -> None:
    """Spec §10.1: per-sample CSR/ISR/PSR and parse flag equal the shipped judge_metric (60/60)."""
    compared = 0
    for f in _eval_files(shared_data):
        run, _ = rescored[f.stem.removesuffix("_eval")]
        mine = {s.sample_id: s for s in per_sample(RunDir(run).read_checks())}
        for record in json.loads(f.read_text(encoding="utf-8")):
            got = mine[str(record["idx"])]
            want = record["judge_metric"]
            assert (got.CSR, got.ISR, got.PSR) == (want["CSR"], want["ISR"], want["PSR"]), (f.name, record["idx"])
            assert got.parsing == record["judge_parsing"]
            compared += 1
    assert compared == 60


def test_conformance_means(rescored: dict[str, tuple[Path, dict]]) -> None:
    """Spec §10.1: per-file means rounded to 2 decimals, and moonshot's per-split means."""
    for name, (csr, isr, psr) in EXPECTED_MEANS.items():
        metrics = rescored[name][1]["packs"]["cfbench"]["metrics"]
        assert tuple(float(np.round(metrics[k], 2)) for k in ("CSR", "ISR", "PSR")) == (csr, isr, psr), name
    moon = rescored["moonshot"][1]["packs"]["cfbench"]["metrics"]
    for split, want in MOONSHOT_SPLITS.items():
        assert tuple(float(np.round(moon[f"{k}_{split}"], 2)) for k in ("CSR", "ISR", "PSR")) == want


def test_judge_usage_reports_imports(rescored: dict[str, tuple[Path, dict]]) -> None:
    counts = rescored["moonshot"][1]["packs"]["cfbench"]["counts"]
    assert counts["judge"]["imported"] == 20 and counts["judge"]["calls"] == 0


def test_parser_flags_and_modes(shared_data: Path) -> None:
    """Spec §10.2: strict parse gives "1" for 56 and "0" for 4; compat keeps the inflated
    fallback scores; strict mode recovers the zeros by position."""
    flags = {"1": 0, "0": 0}
    for f in _eval_files(shared_data):
        name = f.stem.removesuffix("_eval")
        for r in json.loads(f.read_text(encoding="utf-8")):
            criteria = [c[0] for c in r["criteria"]]
            flag, scores = parse_checklist(r["judge_response"], criteria, "compat")
            flags[flag] += 1
            assert ((name, r["idx"]) in FALLBACKS) == (flag == "0")
            assert scores == r["judge_score"]
            if flag == "0":
                assert set(scores) == {"1"} and "\t0" in r["judge_response"]
                _, robust = parse_checklist(r["judge_response"], criteria, "strict")
                assert len(robust) == len(criteria) and "0" in robust
    assert flags == {"1": 56, "0": 4}


@pytest.mark.parametrize(("text", "criteria", "expected"), [
    ("a\t1\n\nb\t0", ["a", "b"], ["1", "0"]),
    ("a\t1\n\nb\t0\n\nc\t1", ["a", "b"], None),  # wrong count
    ("a\t1\n\nb。\t0", ["a", "b"], None),  # echo differs
    ("a\t1\t1\n\nb\t0", ["a", "b"], None),  # two tabs
    ("a\t2\n\nb\t0", ["a", "b"], None),  # not 0/1
    ("a\tx\n\nb\t0", ["a", "b"], None),  # non-numeric
    ("a\t1.0 \n\nb\t0", ["a", "b"], ["1.0", "0"]),
])
def test_parse_strict_table(text: str, criteria: list[str], expected: list[str] | None) -> None:
    assert parse_strict(text, criteria) == expected


def test_fallback_drops_zeros_and_raises_on_text() -> None:
    assert parse_fallback("a\t1\nb\t0\nc\t1\nnoise") == ["1", "1"]
    with pytest.raises(ValueError, match="non-numeric"):
        parse_fallback("a\tyes")
    assert parse_positional("a\t1\n\nb\t0\n", 2) == ["1", "0"]
    assert parse_positional("a\t1", 2) is None


@pytest.mark.parametrize(("parsing", "scores", "prios", "expected"), [
    ("1", ["1", "1", "1"], ["主需", "次需", "次需"], (1.0, 1, 1)),
    ("1", ["0", "1", "1"], ["主需", "次需", "次需"], (0.67, 0, 0)),
    ("1", ["1", "1", "0"], ["主需", "次需", "次需"], (0.67, 0, 0)),  # 0.5+0.5*0.5 = 0.75
    ("1", ["1", "1", "1", "0"], ["主需", "次需", "次需", "次需"], (0.75, 0, 1)),  # 0.5+0.5*0.67 > 0.8
    ("1", ["1", "0"], ["主需", "主需"], (0.5, 0, 0)),
    ("1", ["1", "1"], ["主需", "主需"], (1.0, 1, 1)),
    ("1", ["1", "1", "1", "1", "0"], ["次需"] * 5, (0.8, 0, 0)),  # CSR > 0.8 is strict
    ("0", ["1", "1"], ["主需", "次需", "次需"], (1.0, 1, 1)),
    ("-1", ["0"], ["主需"], (0.0, 0, 0)),
])
def test_sample_metrics_table(parsing: str, scores: list[str], prios: list[str], expected: tuple) -> None:
    assert sample_metrics(parsing, scores, prios) == expected


def _ctx(text: str, mode: str = "compat") -> CheckContext:
    ref = {"prompt": "p", "gold": "", "criteria": ["a", "b"]}
    return CheckContext(mode=mode, reference=ref, judgements={"checklist": Judgement(text, "judge")})


def test_unparseable_verdict_is_error_with_raw_text() -> None:
    result = ChecklistItem(0).check("resp", _ctx("I refuse to grade"))
    assert result.status == "error" and result.passed is None
    assert result.details and result.details["judge_raw"] == "I refuse to grade"
    assert "unparseable" in result.reason
    strict = ChecklistItem(1).check("resp", _ctx("a\t1\nb\t0", "strict"))
    assert strict.status == "ok" and strict.passed is False
    compat = ChecklistItem(1).check("resp", _ctx("a\t1\nb\t0"))
    assert compat.passed is False and compat.details and compat.details["scores"] == ["1"]


def test_not_judged_is_skipped() -> None:
    result = ChecklistItem(0).check("resp", CheckContext(reference={"prompt": "p", "gold": "", "criteria": ["a"]}))
    assert result.status == "skipped"


def test_prompt_slots_and_adversarial_text() -> None:
    text = judge_prompt("P{x}", "G", "R@@CRITERIA@@", ["c1", "c2"])
    assert text.endswith("[用户指令]: P{x}\n\n[参考答案]: G\n\n[模型答案]: R@@CRITERIA@@\n\n[评估标准]: c1\n\nc2\n\n[你的评估]: \n")
    big = ("x\t" * 200_000) + "\x00\x1b" + "\n\n" * 100_000
    start = time.perf_counter()
    with pytest.raises(ValueError):
        parse_checklist(big, ["a", "b"], "compat")
    with pytest.raises(ValueError):
        parse_checklist(big, ["a", "b"], "strict")
    assert time.perf_counter() - start < 5


def test_cli_score_upstream_eval_file_and_rescore(shared_data: Path, tmp_path: Path) -> None:
    f = shared_data / "cfbench" / "output" / "judge" / "moonshot_eval.json"
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["score", "--pack", "cfbench", "--responses", str(f), "--data-dir",
                                    str(shared_data), "--out", str(out)])
    assert res.exit_code == 0, res.output
    first = json.loads((out / "scores.json").read_text())
    res = CliRunner().invoke(main, ["score", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "scores.json").read_text())["packs"] == first["packs"]
    strict = api.score_responses("cfbench", f, out=tmp_path / "strict", data_dir=shared_data,
                                 task_args={"mode": "strict"})
    # strict mode recovers the zeros of moonshot idx 5 and 10: CSR can only go down
    assert strict["packs"]["cfbench"]["metrics"]["CSR"] < first["packs"]["cfbench"]["metrics"]["CSR"]
    assert {r["split"] for r in first["packs"]["cfbench"]["tables"]["split"]} == {"easy", "hard"}
    assert "type" in first["packs"]["cfbench"]["tables"]
