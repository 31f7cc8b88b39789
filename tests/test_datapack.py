"""Data-only packs: loading, every checker family, one-line errors, and the full run → leaderboard path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.errors import EvalkitError
from evalkit.grading import Grader
from evalkit.packs import get_pack
from evalkit.records import GenerationRow

SAMPLES: list[dict[str, Any]] = [
    {"id": "river", "prompt": "Describe a river in one sentence that includes the word river.",
     "constraints": [{"checker": "muldimif.content.keywords", "params": {"constraint": "The answer must include the keyword 'river'"}},
                     {"checker": "ifeval.length_constraints:number_words", "params": {"num_words": 30, "relation": "less than"}}],
     "meta": {"level": "I", "topic": "nature"}, "reference": "A river runs to the sea."},
    {"id": "words", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello to the river."}],
     "constraints": [{"checker": "codi.length", "params": {"lo": 2, "hi": 40}},
                     {"checker": "codi.keyword", "params": {"keywords": ["hello"]}},
                     {"checker": "ifeval.keywords:existence", "params": {"keywords": ["river"]}}],
     "meta": {"level": "II", "topic": "greeting"}},
    {"id": "upper", "prompt": "Answer in capitals: what colour is the sky?",
     "constraints": [{"checker": "muldimif.language.english", "params": {"constraint": "The answer must be in all uppercase letters"}},
                     {"checker": "ifeval.punctuation:no_comma", "params": {}}],
     "meta": {"level": "I", "topic": "nature"}},
]


def _write_pack(folder: Path, samples: list[dict[str, Any]] | None = None, header: dict[str, Any] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.json").write_text(json.dumps(header or {"name": "mine", "version": "3", "tables": ["level", "topic"]}))
    (folder / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples or SAMPLES))
    return folder


def test_folder_pack_loads_with_tables(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "mine")
    pack = get_pack(str(folder))
    samples = pack.load()
    assert [s.id for s in samples] == ["river", "words", "upper"]
    assert pack.name == str(folder) and pack.version == "3" and pack.sample_tables == ("level", "topic")
    assert samples[0].messages == ({"role": "user", "content": SAMPLES[0]["prompt"]},)
    assert samples[1].messages[0]["role"] == "system" and samples[0].reference == "A river runs to the sea."
    assert {t.name for t in pack.table_declarations()} >= {"level", "topic"}
    assert pack.info()["title"] == "mine" and set(pack.data_hashes()) == {"samples.jsonl", "pack.json"}


def test_bare_jsonl_uses_scalar_meta_as_tables(tmp_path: Path) -> None:
    path = tmp_path / "quick.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in SAMPLES))
    pack = get_pack(str(path))
    assert pack.sample_tables == ("level", "topic") and len(pack.load()) == 3


def test_every_checker_family_grades(tmp_path: Path) -> None:
    pack = get_pack(str(_write_pack(tmp_path / "mine")))
    samples = {s.id: s for s in pack.load()}
    answers = {"river": ("The river is wide.", "The lake is wide and calm, friend, and it is very long indeed."),
               "words": ("Hello, river!", "Hi."), "upper": ("IT IS BLUE.", "It is blue, mostly.")}
    grader = Grader("compat")
    for sid, (good, bad) in answers.items():
        ok = grader.grade(samples[sid], GenerationRow(pack=pack.name, sample_id=sid, status="ok", response=good))
        assert all(r.passed for r in ok), (sid, [r.reason for r in ok])
        no = grader.grade(samples[sid], GenerationRow(pack=pack.name, sample_id=sid, status="ok", response=bad))
        assert not all(r.passed for r in no), sid


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s[1]["constraints"][0].update(checker="muldimif.content.keyword"),
     "line 2: constraint 0: unknown checker 'muldimif.content.keyword' (did you mean 'muldimif.content.keywords'?)"),
    (lambda s: s[0]["constraints"][1]["params"].update(num_word=3),
     "line 1: constraint 1: checker 'ifeval.length_constraints:number_words' has no parameter 'num_word' (did you mean 'num_words'?)"),
    (lambda s: s[2].update(id="river"), "line 3: duplicate id 'river' (first on line 1)"),
    (lambda s: s[0].update(constraint=[]), "line 1: unknown field 'constraint' (did you mean 'constraints'?)"),
    (lambda s: s[1]["constraints"][0].update(param={}), "line 2: unknown field 'constraints.0.param' (did you mean 'params'?)"),
    (lambda s: s[0].update(messages=[{"role": "user", "content": "x"}]), "line 1: give exactly one of 'prompt' and 'messages'"),
    (lambda s: s[2].pop("constraints"), "line 3: constraints: Field required"),
])
def test_bad_sample_lines_are_one_line_errors(tmp_path: Path, mutate: Any, message: str) -> None:
    samples = json.loads(json.dumps(SAMPLES))
    mutate(samples)
    folder = _write_pack(tmp_path / "bad", samples)
    with pytest.raises(EvalkitError) as info:
        get_pack(str(folder)).load()
    text = str(info.value)
    assert text == f"{folder / 'samples.jsonl'} {message}" and "\n" not in text


def test_bad_json_line_and_bad_header(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "bad")
    with (folder / "samples.jsonl").open("a") as fh:
        fh.write("{not json\n")
    with pytest.raises(EvalkitError, match=r"samples.jsonl line 4: invalid JSON"):
        get_pack(str(folder)).load()
    _write_pack(folder, header={"name": "x", "table": ["level"]})
    with pytest.raises(EvalkitError, match=r"pack.json: unknown field 'table' \(did you mean 'tables'\?\)"):
        get_pack(str(folder))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "pack.json").write_text('{"name": "half"}')
    with pytest.raises(EvalkitError, match="needs pack.json and samples.jsonl"):
        get_pack(str(tmp_path / "half"))


def test_unknown_pack_name_still_suggests() -> None:
    with pytest.raises(EvalkitError, match="did you mean 'starter'"):
        get_pack("startr")


def test_cli_bad_pack_file_exits_2_with_one_line(tmp_path: Path) -> None:
    samples = json.loads(json.dumps(SAMPLES))
    samples[0]["constraints"][0]["checker"] = "ifeval.keywords:existance"
    folder = _write_pack(tmp_path / "bad", samples)
    result = CliRunner().invoke(main, ["run", "--pack", str(folder), "--model", "mock:echo", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "line 1" in errors[0] and "did you mean 'ifeval.keywords:existence'" in errors[0]
    assert "Traceback" not in result.output


def _invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    return result


def test_round_trip_run_score_report_compare_leaderboard(tmp_path: Path) -> None:
    folder = _write_pack(tmp_path / "mine")
    refs = tmp_path / "refs.jsonl"
    refs.write_text("".join(json.dumps({"id": i, "response": r}) + "\n" for i, r in
                            [("river", "A river."), ("words", "Hello river."), ("upper", "BLUE.")]))
    echo, good = tmp_path / "echo", tmp_path / "good"
    assert _invoke("run", "--pack", str(folder), "--model", "mock:echo", "--out", str(echo)).exit_code == 0
    assert _invoke("score", "--pack", str(folder), "--responses", str(refs), "--out", str(good)).exit_code == 0
    good_scores = json.loads((good / "scores.json").read_text())["packs"][str(folder)]
    assert good_scores["metrics"]["accuracy"] == 1.0
    assert {r["level"] for r in good_scores["tables"]["level"]} == {"I", "II"}
    echo_before = json.loads((echo / "scores.json").read_text())["packs"][str(folder)]["metrics"]["accuracy"]
    assert echo_before < 1.0  # echoing the prompt breaks the upper-case sample
    rescore = _invoke("score", str(echo))
    assert rescore.exit_code == 0, rescore.output
    assert json.loads((echo / "scores.json").read_text())["packs"][str(folder)]["metrics"]["accuracy"] == echo_before
    report = _invoke("report", str(echo))
    assert report.exit_code == 0 and "topic" in report.output
    assert _invoke("compare", str(echo), str(good)).exit_code == 0
    assert _invoke("compare", str(good), str(echo), "--max-drop", "0").exit_code in (0, 1)
    site = _invoke("leaderboard", str(echo), str(good), "--out", str(tmp_path / "site"))
    assert site.exit_code == 0, site.output
    board = json.loads((tmp_path / "site" / "leaderboard.json").read_text())
    assert str(folder) in json.dumps(board)


def test_generated_pack_scores_100_on_its_references(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert _invoke("generate", "--n", "24", "--seed", "3", "--out", str(out), "--language", "en,zh").exit_code == 0
    result = _invoke("score", "--pack", str(out), "--responses", str(out / "references.jsonl"), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    scores = json.loads((tmp_path / "s" / "scores.json").read_text())["packs"][str(out)]
    assert scores["metrics"]["accuracy"] == 1.0
    assert {r["n_constraints"] for r in scores["tables"]["n_constraints"]} >= {"1", "2"}
    report = _invoke("report", str(tmp_path / "s"))
    assert "n_constraints" in report.output


def test_constraint_count_table_is_in_numeric_order(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert _invoke("generate", "--n", "30", "--seed", "2", "--out", str(out), "--constraints-per-prompt", "1-14").exit_code == 0
    result = _invoke("score", "--pack", str(out), "--responses", str(out / "references.jsonl"), "--out", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "s" / "scores.json").read_text())["packs"][str(out)]["tables"]["n_constraints"]
    values = [int(r["n_constraints"]) for r in rows]
    assert values == sorted(values) and values[-1] >= 10


def test_missing_path_says_not_found(tmp_path: Path) -> None:
    with pytest.raises(EvalkitError, match="data-only pack .* not found"):
        get_pack(str(tmp_path / "nowhere"))
    with pytest.raises(EvalkitError, match="not found"):
        get_pack("nowhere.jsonl")
