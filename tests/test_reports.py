"""Reports: output formats, the JSON Schemas of every run file, and `evalkit compare` as a CI gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from cli import main
from evalkit.records import CheckRow
from evalkit.schemas import SCHEMA_FILES, load, row_schemas
from evalkit.scoring import build_scores, score_pack
from evalkit.store import RunDir
from evalkit.tasks.starter import PACK as STARTER


@pytest.fixture(scope="module")
def mock_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "upper"
    result = CliRunner().invoke(main, ["run", "--model", "mock:upper", "-M", "fail_every=9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_file_of_a_run_validates(mock_run: Path) -> None:
    for name in ("run.json", "scores.json"):
        jsonschema.validate(json.loads((mock_run / name).read_text()), load(name))
    for name in ("generations.jsonl", "checks.jsonl"):
        schema = load(name)
        lines = (mock_run / name).read_text().splitlines()
        assert lines
        for line in lines:
            jsonschema.validate(json.loads(line), schema)


def test_schema_rejects_a_broken_scores_file(mock_run: Path) -> None:
    scores = json.loads((mock_run / "scores.json").read_text())
    scores["packs"]["starter"]["metrics"]["accuracy"] = 1.7
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(scores, load("scores.json"))


def test_committed_row_schemas_match_the_models() -> None:
    for name, schema in row_schemas().items():
        assert load(next(k for k, v in SCHEMA_FILES.items() if v == name)) == json.loads(json.dumps(schema)), (
            f"{name} is stale: run python -m evalkit.schemas")


def test_report_formats(mock_run: Path) -> None:
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["report", str(mock_run), "--format", "json"]).output)
    assert data["packs"]["starter"]["metrics"]["accuracy"] is not None and data["status_counts"]["error"] == 4
    csv_text = runner.invoke(main, ["report", str(mock_run), "--format", "csv"]).output
    assert csv_text.splitlines()[0] == "pack,table,dimension,key,column,kind,value,ci_low,ci_high,n,direction,headline"
    level_iv = [line for line in csv_text.splitlines() if line.startswith("starter,level,level,IV,")]
    assert {line.split(",")[4] for line in level_iv} >= {"n", "passed", "rate"}
    md = runner.invoke(main, ["report", str(mock_run), "--format", "markdown"]).output
    assert "### level" in md and "| IV |" in md and "| **accuracy** |" in md
    table = runner.invoke(main, ["report", str(mock_run)]).output
    assert "error 4" in table and "tokens in" in table


def test_markdown_and_csv_escape_and_keep_undeclared_columns() -> None:
    from evalkit.reporting import to_csv, to_markdown

    scores = {"packs": {"p": {"version": "1", "headline": "score", "metrics": {"score": 0.5, "other": 2.5},
                              "ci": {"score": [0.4, 0.6]}, "counts": {"units": 2},
                              "tables": {"split": [{"split": "a|b", "n": 2, "CSR": 0.25, "note": "x\ny"}]}}}}
    md = to_markdown(scores, {"name": "run `1`"})
    assert "| **score** | 50.00 | 40.00–60.00 | higher |" in md and "| other | 2.5 |" in md
    assert "| split | n | CSR % | note |" in md and "| a\\|b | 2 | 25.00 | x y |" in md
    rows = to_csv(scores).splitlines()
    assert "p,split,split,a|b,CSR,rate,0.25,,,2,," in rows and "p,metrics,metric,score,value,rate,0.5,0.4,0.6,2,higher,True" in rows


# --- compare -----------------------------------------------------------------------------------

def _fake_run(path: Path, outcomes: list[bool], manifest_extra: dict[str, Any] | None = None) -> Path:
    """A run dir whose unit i has one check passing iff outcomes[i] (written with the real scorer)."""
    rows = [CheckRow.model_construct(pack="starter", sample_id=f"s{i}", epoch=0, constraint_index=0, checker="c",
                                     params={}, passed=ok, status="ok", reason="", level="I", pattern="Listing",
                                     category="Content", type="Content_Keywords")
            for i, ok in enumerate(outcomes)]
    rd = RunDir(path)
    rd.ensure()
    rd.write_manifest({"model": "mock:x", "packs": {"starter": {"version": "1", "data_sha256": {"f": "0" * 64}}},
                       **(manifest_extra or {})})
    rd.write_checks(rows)
    rd.write_scores(build_scores({"starter": score_pack(STARTER, rows)}))
    return path


def _compare(base: Path, cur: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["compare", str(base), str(cur), *extra])
    return result.exit_code, result.output


BASE = [i % 10 < 7 for i in range(600)]  # 70% pass


def test_identical_runs_pass_the_gate(tmp_path: Path) -> None:
    code, _ = _compare(_fake_run(tmp_path / "a", BASE), _fake_run(tmp_path / "b", BASE))
    assert code == 0


def test_ten_percent_flipped_to_fail_is_a_regression(tmp_path: Path) -> None:
    flipped = list(BASE)
    passing = [i for i, ok in enumerate(BASE) if ok]
    for i in passing[: len(BASE) // 10]:
        flipped[i] = False
    code, out = _compare(_fake_run(tmp_path / "a", BASE), _fake_run(tmp_path / "b", flipped), "--max-drop", "0.02")
    assert code == 1
    assert "starter.accuracy" in out and "REGRESSION" in out
    diff = json.loads((tmp_path / "b" / "compare.json").read_text())
    assert "starter.accuracy" in diff["regressions"]


def test_small_insignificant_change_passes(tmp_path: Path) -> None:
    changed = list(BASE)
    passing = [i for i, ok in enumerate(BASE) if ok]
    for i in passing[:3]:
        changed[i] = False
    code, out = _compare(_fake_run(tmp_path / "a", BASE), _fake_run(tmp_path / "b", changed))
    assert code == 0 and "REGRESSION" not in out


def test_large_drop_within_max_drop_passes(tmp_path: Path) -> None:
    flipped = [False if ok and i < 120 else ok for i, ok in enumerate(BASE)]
    code, _ = _compare(_fake_run(tmp_path / "a", BASE), _fake_run(tmp_path / "b", flipped), "--max-drop", "0.5")
    assert code == 0


def test_different_data_is_refused_unless_forced(tmp_path: Path) -> None:
    a = _fake_run(tmp_path / "a", BASE)
    b = _fake_run(tmp_path / "b", BASE, {"packs": {"starter": {"version": "2", "data_sha256": {"f": "1" * 64}}}})
    code, out = _compare(a, b)
    assert code == 2 and "not comparable" in out and "--force" in out
    code, out = _compare(a, b, "--force")
    assert code == 0


def test_readers_refuse_a_broken_scores_file_in_one_line(mock_run: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(mock_run, broken)
    (broken / "scores.json").write_text('{"packs": {"starter": ', encoding="utf-8")
    runner = CliRunner()
    for args in (["report", str(broken), "--format", "csv"], ["leaderboard", str(broken), "--out", str(tmp_path / "s")]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "scores.json: not valid JSON" in result.output, result.output
        assert "Traceback" not in result.output
