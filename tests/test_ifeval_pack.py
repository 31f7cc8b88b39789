"""IFEval pack: loading, response formats, metrics and conformance with the reference verdicts.

Conformance: the GPT-4 responses shipped with upstream, scored through ``evalkit score``, must
give every per-instruction verdict of ``reference_gpt4/eval_results_{strict,loose}.jsonl``
except the two ``letter_frequency`` instructions whose letter (``#``, ``!``) upstream replaces
with an unseeded random letter (keys 1122 and 1129).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.errors import EvalkitError
from evalkit.tasks.ifeval import PACK, to_sample
from evalkit.tasks.ifeval.responses import parse_upstream

GPT4 = "reference_gpt4/input_response_data_gpt4_20231107_145030.jsonl"
RANDOM_LETTER = {("1122", "keywords:letter_frequency"), ("1129", "keywords:letter_frequency")}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def gpt4_run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ifeval") / "run"
    result = CliRunner().invoke(main, ["score", "--pack", "ifeval", "--responses", str(shared_data / "ifeval" / GPT4),
                                       "--out", str(out), "--data-dir", str(shared_data)])
    assert result.exit_code == 0, result.output
    return out


def test_loads_541_prompts_834_instructions(shared_data: Path) -> None:
    samples = PACK.load(shared_data)
    assert len(samples) == 541
    assert sum(len(s.constraints) for s in samples) == 834
    assert len({c.dimensions["instruction"] for s in samples for c in s.constraints}) == 25
    sizes = [len(s.constraints) for s in samples]
    assert (sizes.count(1), sizes.count(2), sizes.count(3)) == (305, 179, 57)
    first = next(s for s in samples if s.id == "1000")
    assert [c.checker for c in first.constraints] == ["ifeval.punctuation:no_comma",
                                                      "ifeval.detectable_format:number_highlighted_sections",
                                                      "ifeval.length_constraints:number_words"]
    assert first.constraints[2].params == {"relation": "at least", "num_words": 300}


def test_hf_null_padded_kwargs_are_dropped() -> None:
    record = {"key": 7, "prompt": "p", "instruction_id_list": ["length_constraints:number_words"],
              "kwargs": [{"num_words": 5, "relation": "less than", "keywords": None, "letter": None}]}
    assert to_sample(record).constraints[0].params == {"num_words": 5, "relation": "less than"}


def test_unknown_mode_and_bad_relation_fail(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(EvalkitError, match="no mode"):
        PACK.load(shared_data, {"mode": "compat"})
    bad = tmp_path / "ifeval"
    bad.mkdir()
    (bad / "input_data.jsonl").write_text(json.dumps({"key": 1, "prompt": "p", "instruction_id_list": [
        "length_constraints:number_words"], "kwargs": [{"num_words": 5, "relation": "at most"}]}) + "\n")
    with pytest.raises(EvalkitError, match="relation"):
        PACK.load(tmp_path)


@pytest.mark.parametrize("mode", ["strict", "loose"])
def test_gpt4_conformance_every_instruction(gpt4_run: Path, shared_data: Path, mode: str) -> None:
    prompt_to_key = {r["prompt"]: str(r["key"]) for r in _jsonl(shared_data / "ifeval" / "input_data.jsonl")}
    verdicts: dict[str, dict[int, bool]] = {}
    for row in _jsonl(gpt4_run / "checks.jsonl"):
        assert row["status"] == "ok"
        verdicts.setdefault(row["sample_id"], {})[row["constraint_index"]] = row["details"][mode]
    reference = _jsonl(shared_data / "ifeval" / "reference_gpt4" / f"eval_results_{mode}.jsonl")
    compared, mismatches = 0, []
    for ref in reference:
        key = prompt_to_key[ref["prompt"]]
        mine = [verdicts[key][i] for i in range(len(verdicts[key]))]
        assert len(mine) == len(ref["follow_instruction_list"])
        for iid, got, want in zip(ref["instruction_id_list"], mine, ref["follow_instruction_list"], strict=True):
            if (key, iid) in RANDOM_LETTER:
                continue
            compared += 1
            if got != want:
                mismatches.append((key, iid, got, want))
    assert len(reference) == 260 and compared >= 387
    assert mismatches == []


def test_gpt4_metrics_and_tables(gpt4_run: Path) -> None:
    scores = json.loads((gpt4_run / "scores.json").read_text())["packs"]["ifeval"]
    metrics = scores["metrics"]
    assert scores["headline"] == "prompt_strict"
    # all 541 prompts (2785 joined by similarity); key 1129's "!" counted deterministically
    assert metrics["prompt_strict"] == pytest.approx(417 / 541)
    assert metrics["inst_strict"] == pytest.approx(698 / 834)
    assert metrics["prompt_loose"] == pytest.approx(431 / 541)
    assert metrics["inst_loose"] == pytest.approx(714 / 834)
    assert metrics["accuracy"] == metrics["prompt_strict"]
    by_type = {row["instruction"]: row for row in scores["tables"]["instruction"]}
    assert len(by_type) == 25 and by_type["punctuation:no_comma"]["n"] == 66
    assert {row["group"] for row in scores["tables"]["group"]} == {
        "keywords", "language", "length_constraints", "detectable_content", "detectable_format",
        "combination", "startend", "change_case", "punctuation"}
    assert all(r["strict_rate"] <= r["loose_rate"] for r in scores["tables"]["instruction"])
    manifest = json.loads((gpt4_run / "run.json").read_text())
    assert manifest["packs"]["ifeval"]["langdetect_seed"] == 0


def test_loose_mode_sets_passed_to_loose(shared_data: Path, tmp_path: Path) -> None:
    responses = tmp_path / "r.jsonl"
    # key 1000: no comma, 3 highlights, 300+ words. "*a* *b* *c*" + words, with a comma on line 1
    text = "Intro, with a comma\n" + "*one* *two* *three* " + "word " * 300
    responses.write_text(json.dumps({"key": 1000, "response": text}) + "\n")
    for mode, expected in (("strict", False), ("loose", True)):
        out = tmp_path / mode
        result = CliRunner().invoke(main, ["score", "--pack", "ifeval", "--responses", str(responses), "--out", str(out),
                                           "--data-dir", str(shared_data), "-T", f"mode={mode}"])
        assert result.exit_code == 0, result.output
        rows = _jsonl(out / "checks.jsonl")
        assert rows[0]["passed"] is expected and rows[0]["details"] == {"strict": False, "loose": True}
        metrics = json.loads((out / "scores.json").read_text())["packs"]["ifeval"]["metrics"]
        assert (metrics["prompt_strict"], metrics["prompt_loose"]) == (0.0, 1.0)
        assert metrics["accuracy"] == (1.0 if mode == "loose" else 0.0)


def test_response_formats(shared_data: Path, tmp_path: Path) -> None:
    samples = PACK.load(shared_data)
    by_prompt = tmp_path / "p.jsonl"
    old_2785 = next(r for r in _jsonl(shared_data / "ifeval" / GPT4) if r["prompt"].startswith("What is inside Shinto"))
    by_prompt.write_text(json.dumps({"prompt": samples[0].messages[0]["content"], "response": "a"}) + "\n"
                         + json.dumps(old_2785) + "\n")
    assert parse_upstream(by_prompt, samples) == [("1000", "a"), ("2785", old_2785["response"])]
    by_key = tmp_path / "k.jsonl"
    by_key.write_text(json.dumps({"key": 1001, "response": "b"}) + "\n")
    assert parse_upstream(by_key, samples) == [("1001", "b")]
    native = tmp_path / "n.jsonl"
    native.write_text(json.dumps({"id": "1001", "response": "b"}) + "\n")
    assert parse_upstream(native, samples) is None
    unknown = tmp_path / "u.jsonl"
    unknown.write_text(json.dumps({"prompt": "Tell me a joke about penguins.", "response": "x"}) + "\n")
    with pytest.raises(EvalkitError, match="matches no IFEval prompt"):
        parse_upstream(unknown, samples)
    twice = tmp_path / "t.jsonl"
    twice.write_text((json.dumps({"key": 1001, "response": "b"}) + "\n") * 2)
    with pytest.raises(EvalkitError, match="more than once"):
        parse_upstream(twice, samples)
