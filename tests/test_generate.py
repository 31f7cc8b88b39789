"""`evalkit generate`: witnesses pass, determinism, no conflicting constraints, options, rewrite."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from evalkit.errors import EvalkitError
from evalkit.generate import generate_pack, make_options, sample_records
from evalkit.generate.build import witness_failures
from evalkit.grading import Grader
from evalkit.packs import get_pack
from evalkit.records import GenerationRow

LEVELS = ["I", "II", "III", "IV"]


def _grade_references(folder: Path, mode: str = "strict") -> list[tuple[str, int, object, str]]:
    """Every (sample, constraint) whose witness verdict is not a pass, graded by the real checkers."""
    pack = get_pack(str(folder))
    samples = {s.id: s for s in pack.load()}
    grader = Grader(mode)
    bad = []
    for line in (folder / "references.jsonl").read_text(encoding="utf-8").splitlines():
        ref = json.loads(line)
        sample = samples[ref["id"]]
        gen = GenerationRow(pack=pack.name, sample_id=sample.id, status="ok", response=ref["response"])
        for row in grader.grade(sample, gen):
            if row.passed is not True:
                bad.append((sample.id, row.constraint_index, row.status, row.reason))
    return bad


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_witness_passes_over_many_seeds(tmp_path: Path, language: str) -> None:
    for seed in range(12):
        folder = tmp_path / f"{language}-{seed}"
        generate_pack(make_options(48, seed, language=language), folder)
        assert _grade_references(folder) == [], (language, seed)


@pytest.mark.parametrize("span", ["1", "8", "20-30", "50"])
def test_dense_prompts_witness_passes(tmp_path: Path, span: str) -> None:
    folder = tmp_path / "dense"
    generate_pack(make_options(24, 7, constraints=span, language="en,zh"), folder)
    lo, _, hi = span.partition("-")
    counts = [len(json.loads(line)["constraints"]) for line in (folder / "samples.jsonl").read_text().splitlines()]
    assert min(counts) >= int(lo) and max(counts) <= int(hi or lo)
    assert _grade_references(folder) == []


def test_no_sample_is_redrawn() -> None:
    # satisfiable by construction: the checker guard never has to reject a draw
    for seed in range(5):
        drawn = sample_records(make_options(60, seed, language="en,zh", constraints="1-12"))
        assert [d.id for d in drawn if d.redraws] == []


def test_witness_guard_catches_a_wrong_answer() -> None:
    drawn = sample_records(make_options(30, 3))
    failing = [d for d in drawn if witness_failures(d.atoms, "")]
    assert len(failing) >= 25  # an empty answer fails nearly every prompt


def test_same_seed_same_bytes_other_seed_other_prompts(tmp_path: Path) -> None:
    opts = make_options(40, 11, language="en,zh")
    generate_pack(opts, tmp_path / "a")
    generate_pack(opts, tmp_path / "b")
    for name in ("pack.json", "samples.jsonl", "references.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    generate_pack(make_options(40, 12, language="en,zh"), tmp_path / "c")
    prompts = [[json.loads(line)["messages"][0]["content"] for line in (tmp_path / d / "samples.jsonl").read_text().splitlines()]
               for d in ("a", "c")]
    assert sum(p != q for p, q in zip(*prompts, strict=True)) >= 35


def _claims(constraint: str) -> set[str]:
    text = constraint.lower()
    out = set()
    for word, tag in (("uppercase", "upper"), ("lowercase", "lower"), ("capitalized", "title"), ("table", "table"),
                      ("json", "json"), ("bullet", "bullets"), ("heading", "heading"), ("start identifier", "start"),
                      ("block quotes", "quote"), ("ending punctuation", "end"), ("must end with", "end")):
        if word in text:
            out.add(tag)
    return out


_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}


def _bounds(constraints: list[str], unit: str) -> tuple[int, float]:
    lo, hi = 0, float("inf")
    for c in constraints:
        if unit.rstrip("s") not in c or "keyword" in c:
            continue
        c = " ".join(_WORDS.get(w, w) for w in c.split())
        nums = [int(n) for n in re.findall(r"\d+", c)]
        if "at least" in c:
            lo = max(lo, nums[0])
        elif "between" in c:
            lo, hi = max(lo, nums[0]), min(hi, nums[1])
        elif nums:
            hi = min(hi, nums[0])
    return lo, hi


def test_conflicting_combinations_are_never_drawn() -> None:
    seen = Counter()
    for seed in range(6):
        for d in sample_records(make_options(96, seed, language="en,zh", constraints="1-10")):
            texts = [a.params["constraint"] for a in d.atoms]
            claims = Counter(tag for t in texts for tag in _claims(t))
            seen.update(claims)
            assert claims["upper"] + claims["lower"] + claims["title"] <= 1, texts  # one letter case
            assert not (claims["table"] and claims["json"]), texts  # one answer form
            assert not (claims["end"] and (claims["table"] or claims["json"])), texts  # a table ends with |
            assert not (claims["start"] and (claims["heading"] or claims["quote"])), texts
            for unit in ("words", "sentences", "paragraphs"):
                lo, hi = _bounds(texts, unit)
                assert lo <= hi, texts
            included = {a.anchors[0] for a in d.atoms if "include the keyword" in a.params["constraint"]}
            avoided = {a.anchors[0] for a in d.atoms if "Avoid using" in a.params["constraint"]}
            assert not included & avoided
    assert seen["upper"] and seen["table"] and seen["json"] and seen["end"] and seen["start"]


def test_levels_patterns_and_tables_are_recorded(tmp_path: Path) -> None:
    generate_pack(make_options(48, 5, levels="II-III", patterns="Listing,Example", categories="Content,Format,Length"),
                  tmp_path)
    header = json.loads((tmp_path / "pack.json").read_text())
    assert header["generator"]["seed"] == 5 and header["generator"]["options"]["levels"] == ["II", "III"]
    assert "n_constraints" in header["tables"] and "level" in header["tables"]
    for line in (tmp_path / "samples.jsonl").read_text().splitlines():
        s = json.loads(line)
        cats = {c["dimensions"]["category"] for c in s["constraints"]}
        assert s["meta"]["level"] in ("II", "III") and s["meta"]["pattern"] in ("Listing", "Example")
        assert len(cats) == LEVELS.index(s["meta"]["level"]) + 1 and cats <= {"Content", "Format", "Length"}
        assert sorted(cats) == sorted(s["meta"]["categories"]) and s["meta"]["n_constraints"] == len(s["constraints"])
        content = s["messages"][0]["content"]
        assert ("**Answer**:" in content) == (s["meta"]["pattern"] == "Example")


def test_user_tasks_are_used(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.txt"
    tasks.write_text("# my questions\nWhat is a prime number?\n{\"prompt\": \"Name a large ocean.\"}\n")
    result = CliRunner().invoke(_cli(), ["generate", "--n", "10", "--seed", "1", "--out", str(tmp_path / "p"),
                                         "--tasks", str(tasks), "--patterns", "Listing"])
    assert result.exit_code == 0, result.output
    for line in (tmp_path / "p" / "samples.jsonl").read_text().splitlines():
        content = json.loads(line)["messages"][0]["content"]
        assert content.startswith(("What is a prime number?", "Name a large ocean."))


def _cli():  # type: ignore[no-untyped-def]
    from cli import main

    return main


@pytest.mark.parametrize(("args", "message"), [
    (["--levels", "IV", "--categories", "Content,Format"], "needs 4 categories"),
    (["--levels", "III", "--constraints-per-prompt", "2"], "at least 3 constraints"),
    (["--constraints-per-prompt", "60"], "1 <= A <= B <= 50"),
    (["--patterns", "Listng"], "unknown value 'Listng'"),
    (["--language", "fr"], "unknown value 'fr'"),
    (["--categories", "Format,Language", "--levels", "I", "--constraints-per-prompt", "9"], "add Content"),
])
def test_bad_options_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(_cli(), ["generate", "--n", "5", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_out_under_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = CliRunner().invoke(_cli(), ["generate", "--n", "2", "--out", str(target / "pack")])
    assert result.exit_code == 2 and result.output.startswith("error: cannot write")
    assert len(result.output.strip().splitlines()) == 1


def test_levels_default_to_what_the_density_allows() -> None:
    assert make_options(5, 0, constraints="2").levels == ("I", "II")
    with pytest.raises(EvalkitError):
        make_options(5, 0, levels="IV", constraints="1-3")


def test_rewrite_keeps_paraphrases_that_keep_the_constraints(tmp_path: Path) -> None:
    summary = generate_pack(make_options(12, 1), tmp_path / "echo", rewrite="mock:echo")
    assert summary["rewritten"] == 12 and summary["rewrite_dropped"] == 0
    summary = generate_pack(make_options(12, 1), tmp_path / "upper", rewrite="mock:upper")
    # upper-casing loses lower-case keywords: those paraphrases are dropped, the original prompt stays
    assert summary["rewrite_dropped"] > 0 and summary["rewritten"] + summary["rewrite_dropped"] == 12
    plain = [json.loads(line) for line in (tmp_path / "echo" / "samples.jsonl").read_text().splitlines()]
    upper = [json.loads(line) for line in (tmp_path / "upper" / "samples.jsonl").read_text().splitlines()]
    for a, b in zip(plain, upper, strict=True):
        assert a["constraints"] == b["constraints"]  # params never change
        if not b["meta"]["rewritten"]:
            assert b["messages"][0]["content"].upper() != b["messages"][0]["content"]
    assert _grade_references(tmp_path / "upper") == []
    header = json.loads((tmp_path / "upper" / "pack.json").read_text())
    assert header["generator"]["rewrite"]["model"] == "mock:upper"


def test_embedded_generated_pack() -> None:
    pack = get_pack("generated")
    samples = pack.load()
    assert 350 <= len(samples) <= 450
    assert {s.meta["level"] for s in samples} == set(LEVELS)
    assert {s.meta["pattern"] for s in samples} == {"Example", "Listing", "Incorporation"}
    assert {s.meta["language"] for s in samples} == {"en", "zh"}
    assert {c.dimensions["category"] for s in samples for c in s.constraints} == {"Content", "Format", "Language", "Length"}
    assert "n_constraints" in pack.sample_tables
    from evalkit.tasks.generated import generated_dir

    assert _grade_references(generated_dir()) == []


def test_embedded_pack_is_what_its_recorded_options_generate(tmp_path: Path) -> None:
    from evalkit.generate import GenerateOptions
    from evalkit.tasks.generated import generated_dir

    header = json.loads((generated_dir() / "pack.json").read_text())
    recorded = header["generator"]["options"]
    opts = GenerateOptions(n=recorded["n"], seed=recorded["seed"], levels=tuple(recorded["levels"]),
                           patterns=tuple(recorded["patterns"]), categories=tuple(recorded["categories"]),
                           constraints=None, languages=tuple(recorded["languages"]))
    generate_pack(opts, tmp_path, name=header["name"])
    for name in ("pack.json", "samples.jsonl", "references.jsonl"):
        assert (tmp_path / name).read_bytes() == (generated_dir() / name).read_bytes(), name
