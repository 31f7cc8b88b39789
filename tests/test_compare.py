"""`evalkit compare` on real-shaped runs: IFEval GPT-4 responses, CFBench's shipped judged file and
the LR²Bench DeepSeek-R1 submission, each against a degraded copy made from the same files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main

GPT4 = "ifeval/reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"
CFBENCH = "cfbench/output/judge/moonshot_eval.json"
LR2 = "lr2bench/submission_template_deepseek_r1.json"
ESCAPE_ME = '<script>alert("x")</script> & <b>bold</b>'


def _score(pack: str, responses: Path, out: Path, shared_data: Path) -> Path:
    result = CliRunner().invoke(main, ["score", "--pack", pack, "--responses", str(responses), "--data-dir",
                                       str(shared_data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _compare(base: Path, cur: Path, *extra: str) -> tuple[int, str, dict[str, Any]]:
    result = CliRunner().invoke(main, ["compare", str(base), str(cur), *extra])
    diff_path = cur / "compare.json"
    diff = json.loads(diff_path.read_text()) if diff_path.is_file() else {}
    return result.exit_code, result.output, diff


def _copy(run: Path, dest: Path) -> Path:
    shutil.copytree(run, dest)
    (dest / "compare.json").unlink(missing_ok=True)
    return dest


@pytest.fixture(scope="module")
def ifeval(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(GPT-4 run, the same with every 4th response replaced by markup that must be escaped)."""
    root = tmp_path_factory.mktemp("ifeval")
    lines = (shared_data / GPT4).read_text(encoding="utf-8").splitlines()
    degraded = root / "degraded.jsonl"
    rows = []
    for i, line in enumerate(lines):
        obj = json.loads(line)
        if i % 4 == 0:
            obj["response"] = ESCAPE_ME
        rows.append(json.dumps(obj))
    degraded.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return (_score("ifeval", shared_data / GPT4, root / "base", shared_data),
            _score("ifeval", degraded, root / "worse", shared_data))


def test_identical_ifeval_runs_pass(ifeval: tuple[Path, Path], tmp_path: Path) -> None:
    base, _ = ifeval
    code, out, diff = _compare(base, _copy(base, tmp_path / "same"))
    assert code == 0, out
    headlines = {m["key"] for m in diff["metrics"] if m["headline"]}
    assert headlines == {"ifeval.prompt_strict", "ifeval.inst_strict"} and diff["regressions"] == []
    assert all(m["p_value"] == 1.0 for m in diff["metrics"] if m["headline"])


def test_degraded_ifeval_fails_naming_metric_change_ci_and_p(ifeval: tuple[Path, Path]) -> None:
    base, worse = ifeval
    code, out, diff = _compare(base, worse)
    assert code == 1
    assert set(diff["regressions"]) == {"ifeval.prompt_strict", "ifeval.inst_strict"}
    line = next(x for x in out.splitlines() if x.startswith("ifeval.prompt_strict"))
    assert "REGRESSION" in line and "95% CI of change" in line and "p=" in line and "McNemar" in line
    strict = next(m for m in diff["metrics"] if m["key"] == "ifeval.prompt_strict")
    assert strict["delta"] < 0 and strict["ci_low"] < strict["delta"] < strict["ci_high"] < 0
    assert strict["p_holm"] >= strict["p_value"] and "holm-bonferroni over 2" in diff["correction"]
    inst = next(m for m in diff["metrics"] if m["key"] == "ifeval.inst_strict")
    assert inst["test"] == "paired_bootstrap" and inst["ci_high"] < 0


def test_per_metric_max_drop_override(ifeval: tuple[Path, Path]) -> None:
    base, worse = ifeval
    code, out, diff = _compare(base, worse, "--max-drop", "ifeval.prompt_strict=0.5")
    assert code == 1 and diff["regressions"] == ["ifeval.inst_strict"]
    strict = next(m for m in diff["metrics"] if m["key"] == "ifeval.prompt_strict")
    assert strict["significant"] and not strict["regression"] and strict["max_drop"] == 0.5
    code, _, diff = _compare(base, worse, "--max-drop", "0.5")
    assert code == 0 and diff["regressions"] == []
    code, _, _ = _compare(base, worse, "--max-drop", "0.5", "--max-drop", "ifeval.inst_strict=0.01")
    assert code == 1


def test_bad_max_drop_is_a_one_line_error(ifeval: tuple[Path, Path]) -> None:
    base, worse = ifeval
    for bad, needle in (("ifeval.prompt_strikt=0.1", "no such headline"), ("1.5", "outside [0, 1]"),
                        ("ifeval.prompt_strict=x", "expected X or PACK.METRIC=X")):
        result = CliRunner().invoke(main, ["compare", str(base), str(worse), "--max-drop", bad])
        assert result.exit_code == 2 and needle in result.output and "Traceback" not in result.output, bad


def test_html_lists_flipped_samples_escaped(ifeval: tuple[Path, Path], tmp_path: Path) -> None:
    base, worse = ifeval
    page = tmp_path / "site" / "regression.html"
    code, _, diff = _compare(base, worse, "--html", str(page))
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "pass → fail" in html and "fail → pass" in html and "ifeval.prompt_strict" in html
    base_records = {r["sample_id"]: r for r in map(json.loads, (base / "records.jsonl").read_text().splitlines())}
    worse_records = {r["sample_id"]: r for r in map(json.loads, (worse / "records.jsonl").read_text().splitlines())}
    flipped = [s for s, r in base_records.items() if r["values"]["prompt_strict"]
               and not worse_records[s]["values"]["prompt_strict"]]
    match = re.search(r"pass → fail \((\d+)", html)
    assert flipped and match and int(match.group(1)) == len(flipped)
    assert f"<b>{flipped[0]}</b>" in html  # the sample id heads its entry
    gpt4 = next(json.loads(x)["response"] for x in (base / "generations.jsonl").read_text().splitlines()
                if json.loads(x)["sample_id"] == flipped[0])
    assert gpt4.split("\n")[0][:40].replace("&", "&amp;").replace("<", "&lt;") in html  # baseline response shown


@pytest.fixture(scope="module")
def cfbench(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(moonshot's judged file, the same with every checklist verdict turned to 0)."""
    root = tmp_path_factory.mktemp("cfbench")
    records = json.loads((shared_data / CFBENCH).read_text(encoding="utf-8"))
    for r in records:
        r["judge_response"] = re.sub(r"\t1(\n|$)", r"\t0\1", r["judge_response"])
    degraded = root / "moonshot_eval.json"
    degraded.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return (_score("cfbench", shared_data / CFBENCH, root / "base", shared_data),
            _score("cfbench", degraded, root / "worse", shared_data))


def test_cfbench_identical_and_degraded(cfbench: tuple[Path, Path], tmp_path: Path) -> None:
    base, worse = cfbench
    code, out, diff = _compare(base, _copy(base, tmp_path / "same"))
    assert code == 0, out
    assert {m["key"] for m in diff["metrics"] if m["headline"]} == {"cfbench.CSR", "cfbench.ISR", "cfbench.PSR"}
    code, out, diff = _compare(base, worse)
    assert code == 1 and "cfbench.CSR" in diff["regressions"]
    tests = {m["metric"]: m["test"] for m in diff["metrics"] if m["headline"]}
    assert tests == {"CSR": "paired_bootstrap", "ISR": "mcnemar_exact", "PSR": "mcnemar_exact"}
    assert "regression: cfbench.CSR" in out


@pytest.fixture(scope="module")
def lr2bench(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DeepSeek-R1's submission, the same with every other answer swapped with the next
    puzzle's of the same level: well-formed, but for the wrong puzzle)."""
    root = tmp_path_factory.mktemp("lr2")
    submission = json.loads((shared_data / LR2).read_text(encoding="utf-8"))
    for entries in submission["results"].values():
        for i in range(0, len(entries) - 1, 2):
            a, b = entries[i], entries[i + 1]
            if a["level"] == b["level"]:
                a["answer"], b["answer"] = b["answer"], a["answer"]
    degraded = root / "submission.json"
    degraded.write_text(json.dumps(submission), encoding="utf-8")
    return (_score("lr2bench", shared_data / LR2, root / "base", shared_data),
            _score("lr2bench", degraded, root / "worse", shared_data))


def test_lr2bench_identical_and_degraded(lr2bench: tuple[Path, Path], tmp_path: Path) -> None:
    base, worse = lr2bench
    code, out, _ = _compare(base, _copy(base, tmp_path / "same"))
    assert code == 0, out
    code, out, diff = _compare(base, worse)
    assert code == 1 and diff["regressions"] == ["lr2bench.EM"]
    em = next(m for m in diff["metrics"] if m["key"] == "lr2bench.EM")
    assert em["test"] == "paired_bootstrap" and em["ci_high"] < 0 and em["n_paired"] == 850


def test_scores_and_records_validate_against_their_schemas(ifeval: tuple[Path, Path], cfbench: tuple[Path, Path],
                                                          lr2bench: tuple[Path, Path]) -> None:
    import jsonschema

    from evalkit.schemas import load

    for run in (ifeval[0], cfbench[0], lr2bench[0]):
        scores = json.loads((run / "scores.json").read_text())
        jsonschema.validate(scores, load("scores.json"))
        schema = load("records.jsonl")
        lines = (run / "records.jsonl").read_text().splitlines()
        assert lines
        for line in lines:
            jsonschema.validate(json.loads(line), schema)
        for entry in scores["packs"].values():
            assert set(entry["ci"]) == set(entry["metrics"]) == {d["name"] for d in entry["metric_declarations"]}
            assert [t["name"] for t in entry["table_declarations"]] == list(entry["tables"])
