"""KITAB pack: loading fixtures in the dataset's schema, prompts, options, and end-to-end scoring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.errors import DataError, EvalkitError
from evalkit.tasks.kitab import PACK
from evalkit.tasks.kitab.prompts import SELF_CONTEXT

FIXTURES = Path(__file__).parent / "fixtures" / "kitab"
TYPES = ["city-name", "ends-with", "human-name", "publishing-year", "starts-with", "word-count"]


def answer(*titles: str) -> str:
    return "Thinking...\nOutput:    \n" + "".join(f"{i}. Reason: r. Title: {t}\n" for i, t in enumerate(titles, 1))


RESPONSES = {
    "one-book-0": answer("Silver Harbor (1970)", "Salt and Stone"),
    "one-book-1": answer("Night Train", "Invented Title"),
    "one-book-2": answer("Four Small Words Here", "Salt and Stone"),
    "one-book-3": answer("The Quiet Field", "Silver Harbor"),
    "one-book-4": answer("Marianne's Letters"),
    "one-book-5": answer("Echoes of Paris", "Night Train"),
    "one-book-7": "I don't know any.",
}


def test_loads_fixture_queries() -> None:
    samples = PACK.load(FIXTURES)
    assert [s.id for s in samples] == [f"one-book-{i}" for i in range(8)]
    assert {s.meta["constraint_type"] for s in samples} == set(TYPES)
    assert samples[0].reference["all_books"][0] == "Silver Harbor (1970)"
    assert samples[4].constraints[0].params["names_file"].endswith("gpt_4_name_data_processed.csv")
    assert samples[0].meta["popularity"] == "10-19" and samples[4].meta["popularity"] == "80+"
    two = PACK.load(FIXTURES, {"subset": "two-book"})
    assert two[0].constraints[0].params["constraint_type"] == "['starts-with', 'publishing-year']"


def test_prompts_per_condition() -> None:
    no = PACK.load(FIXTURES)[0].messages[0]["content"]
    assert no.startswith("List all books written by Jane Fictional (born in 1931) satisfying all")
    assert "Criteria: Criterion 1: Book title starts with the letter s. Remember" in no
    assert no.endswith("Output:    \n1. Reason: <reason>. Title: <title>     \n2. Reason: <reason>. Title: <title>"
                       "    \n...     \nN. Reason: <reason>. Title: <title>")
    ctx = PACK.load(FIXTURES, {"prompt": "with-context"})[0].messages[0]["content"]
    assert "List:\nSilver Harbor (1970)    \nSalt and Stone (1975)    \n" in ctx
    assert "Night Train (2005)    \n\nFind all books in this list" in ctx
    own = PACK.load(FIXTURES, {"prompt": "self-context"})[0].messages[0]["content"]
    assert own == SELF_CONTEXT.format(author="Jane Fictional", birth_year="1931",
                                      constraints="Criterion 1: Book title starts with the letter s.",
                                      all_books_context="")
    assert "satisfy Constraint 1" in own and "\n\nFinal Output:\n1. Reason:" in own


@pytest.mark.parametrize("options, message", [
    ({"subset": "three-book"}, "subset"), ({"prompt": "all-books"}, "prompt"),
    ({"entities": "spacy"}, "entities"), ({"colour": "red"}, "no option"), ({"mode": "loose"}, "mode"),
])
def test_bad_options(options: dict[str, str], message: str) -> None:
    with pytest.raises(EvalkitError, match=message):
        PACK.load(FIXTURES, options)


def test_missing_local_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="KITAB-ONE-BOOK-CONSTRAINTS"):
        PACK.load(tmp_path, {"source": "local"})


def test_bad_row_names_file_and_row(tmp_path: Path) -> None:
    (tmp_path / "kitab").mkdir()
    row = json.loads((FIXTURES / "kitab" / "KITAB-ONE-BOOK-CONSTRAINTS.json").read_text().splitlines()[0])
    row["all_books"] = "__import__('os')"
    (tmp_path / "kitab" / "KITAB-ONE-BOOK-CONSTRAINTS.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"row #0"):
        PACK.load(tmp_path)


def _score(tmp_path: Path, *extra: str) -> dict[str, Any]:
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"id": k, "response": v}) + "\n" for k, v in RESPONSES.items()))
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["score", "--pack", "kitab", "--responses", str(responses),
                                       "--data-dir", str(FIXTURES), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    scores: dict[str, Any] = json.loads((out / "scores.json").read_text())["packs"]["kitab"]
    return scores


def test_end_to_end_score_responses(tmp_path: Path) -> None:
    scores = _score(tmp_path)
    m = scores["metrics"]
    assert m["satisfied_rate"] == 0.75 and m["unsatisfied_rate"] == 0.167
    assert m["not_from_author_rate"] == 0.083 and m["completeness"] == 0.806
    assert m["all_correct"] == 0.429 and m["accuracy"] == pytest.approx(3 / 7) and m["scored_share"] == 1
    by_type = {r["constraint_type"]: r for r in scores["tables"]["constraint_type"]}
    assert by_type["word-count"]["satisfied_rate"] == 1 and by_type["ends-with"]["not_from_author_rate"] == 0.5
    assert by_type["starts-with"]["n"] == 2 and by_type["starts-with"]["n_rated"] == 1
    assert by_type["human-name"]["approximate_share"] == 1 and by_type["word-count"]["approximate_share"] == 0
    assert [r["entity_checks"] for r in scores["tables"]["entity_checks"]] == [
        "city-name: offline (APPROXIMATION)", "human-name: offline (APPROXIMATION)"]
    assert {r["constrainedness"] for r in scores["tables"]["constrainedness"]} <= {"0.5-0.75", "0.75-1", "0-0.25"}


def test_end_to_end_strict_mode(tmp_path: Path) -> None:
    m = _score(tmp_path, "-T", "mode=strict")["metrics"]
    assert m["satisfied_rate"] == 0.786 and m["all_correct"] == 0.571 and m["completeness"] == 0.833


def test_two_book_end_to_end(tmp_path: Path) -> None:
    from evalkit.api import score_responses

    responses = tmp_path / "r.jsonl"
    responses.write_text(json.dumps({"id": "two-book-0", "response": answer("Silver Harbor", "Salt and Stone")}) + "\n")
    scores = score_responses("kitab", responses, out=tmp_path / "run", data_dir=FIXTURES,
                             task_args={"subset": "two-book", "prompt": "with-context"})
    m = scores["packs"]["kitab"]["metrics"]
    assert m["satisfied_rate"] == 0.5 and m["completeness"] == 1 and m["all_correct"] == 0


def test_eureka_reference_scores_cover_the_six_types(shared_data: Path) -> None:
    data = json.loads((shared_data / "kitab" / "eureka_reference_scores_kitab.json").read_text())
    experiments = data["Information Retrieval (Kitab)"]["experiments"]
    assert {e["title"] for e in experiments} == {"No Context", "Self Context", "With Context"}
    for e in experiments:
        assert e["categories"] == TYPES
        for series in e["series"]:
            assert all(len(v["scores"]) == 6 for v in series["values"])


def test_compare_accepts_runs_on_copies_of_the_same_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setenv("EVALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("EVALKIT_DATA_DIR", raising=False)
    runs = []
    for copy in ("first", "second"):
        shutil.copytree(FIXTURES, tmp_path / copy)
        out = tmp_path / f"run-{copy}"
        res = CliRunner().invoke(main, ["run", "--pack", "kitab", "--model", "mock:constant", "-M", "text=none",
                                        "--limit", "2", "--data-dir", str(tmp_path / copy), "--out", str(out)])
        assert res.exit_code == 0, res.output
        runs.append(out)
    hashes = json.loads((runs[0] / "run.json").read_text())["packs"]["kitab"]["data_sha256"]
    assert "KITAB-ONE-BOOK-CONSTRAINTS.json" in hashes and not any(str(tmp_path) in k for k in hashes)
    res = CliRunner().invoke(main, ["compare", str(runs[0]), str(runs[1])])
    assert res.exit_code == 0, res.output
    assert "data files differ" not in res.output
