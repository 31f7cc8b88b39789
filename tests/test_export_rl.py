"""``evalkit export-rl``: training rows for code-checked packs, judged samples skipped and
counted, MulDimIF's training split through ``-T split=train``, and rows that feed the rewards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import evalkit.rewards as rewards
from cli import main
from evalkit.export_rl import judged_constraints
from evalkit.packs import get_pack
from evalkit.tasks.muldimif import PACK as MULDIMIF

FIXTURES = Path(__file__).parent / "fixtures"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_muldimif_export_rows_match_the_pack_and_load_back(shared_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export-rl", "--pack", "muldimif", "--out", str(tmp_path),
                                       "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    assert "exported 1200 samples, skipped 0" in result.output
    rows = _rows(tmp_path / "muldimif.jsonl")
    samples = MULDIMIF.load(shared_data)
    assert [r["id"] for r in rows] == [s.id for s in samples]
    first, sample = rows[0], samples[0]
    assert set(first) == {"id", "messages", "constraints", "meta"}
    assert first["messages"] == [dict(m) for m in sample.messages]
    assert [(c["checker"], c["params"]) for c in first["constraints"]] == [(c.checker, c.params) for c in sample.constraints]
    assert first["meta"] == sample.meta
    again = get_pack(str(tmp_path / "muldimif.jsonl")).load()  # the data-only pack format
    assert [(s.id, s.constraints) for s in again] == [(s.id, s.constraints) for s in samples]
    text = "Short Answer In Title Case."
    assert [rewards.reward(text, r["constraints"]) for r in rows[:50]] == \
        [rewards.reward(text, [{"checker": c.checker, "params": c.params} for c in s.constraints]) for s in samples[:50]]


def test_judged_samples_are_skipped_and_counted(shared_data: Path, tmp_path: Path) -> None:
    """CoDI: classifier-checked samples are skipped (stderr lists them with a count); the rows
    written hold only code checkers."""
    result = CliRunner().invoke(main, ["export-rl", "--pack", "codi", "--out", str(tmp_path), "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    samples = get_pack("codi").load(shared_data)
    judged = [s for s in samples if judged_constraints(s)]
    assert 0 < len(judged) < len(samples)
    assert f"codi: skipped {len(judged)} samples with judged checks" in result.output
    rows = _rows(tmp_path / "codi.jsonl")
    assert len(rows) == len(samples) - len(judged)
    assert {c["checker"] for r in rows for c in r["constraints"]} <= {"codi.length", "codi.keyword"}


def test_a_pack_with_only_judged_samples_writes_no_file(tmp_path: Path) -> None:
    pack = tmp_path / "judged.jsonl"
    pack.write_text(json.dumps({"id": "1", "prompt": "Write a happy sentence.",
                                "constraints": [{"checker": "codi.sentiment", "params": {"label": "positive"}}]}) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export-rl", "--pack", str(pack), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped (every sample has judged checks); no file written" in result.output
    assert not (out / "judged.jsonl").exists()


def test_muldimif_training_split(tmp_path: Path) -> None:
    """``-T split=train`` reads ``train.json`` (the test file is not needed); a record's trailing
    assistant turn becomes the reference, not part of the prompt."""
    data = FIXTURES / "muldimif_train"
    samples = MULDIMIF.load(data, {"split": "train"})
    assert [s.id for s in samples] == [f"train-fixture-{i}" for i in range(5)]
    assert list(MULDIMIF.data_hashes(data)) == ["train.json"]
    result = CliRunner().invoke(main, ["export-rl", "--pack", "muldimif", "-T", "split=train", "--out", str(tmp_path),
                                       "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    rows = _rows(tmp_path / "muldimif.jsonl")
    assert len(rows) == 5
    assert rows[4]["reference"] == "A Short Answer In Title Case."
    assert [m["role"] for m in rows[4]["messages"]] == ["user"]
    assert "reference" not in rows[0]
    assert all(r["constraints"] and r["meta"]["level"] in {"I", "II", "III", "IV"} for r in rows)


def test_bad_input_is_one_line_exit_2(shared_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for args, message in [(["--pack", "muldimif", "-T", "split=dev"], "split must be one of test, train"),
                          (["--pack", "muldimiff"], "did you mean 'muldimif'"),
                          (["--pack", "muldimif", "-T", "split"], "-T expects key=value")]:
        result = runner.invoke(main, ["export-rl", *args, "--out", str(tmp_path), "--data-dir", str(shared_data)])
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())
