"""KITAB checker table tests: parsing, normalisation, fuzzy mapping, constraint checks, metrics."""

from __future__ import annotations

import math
import random
import re
import time
from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.errors import EvalkitError
from evalkit.verifiers import kitab as K
from evalkit.verifiers.kitab_entities import AzureEntities, OfflineEntities, get_entity_checker

UPSTREAM_TITLE = re.compile(r"Title: (.*?)\s*(?:\(\d{4}\))?$", re.MULTILINE)
BOOKS = ["Silver Harbor (1970)", "Salt and Stone (1975)", "The Quiet Field (1980)", "A Winter Garden (1985)",
         "Echoes of Paris (1990)", "Marianne's Letters (1995)", "Four Small Words Here (2001)", "Night Train (2005)"]
RAW = [b[:-7] for b in BOOKS] + ["Silver Harbour: a novel", "Le Champ tranquille"]


def ref(mapped: list[str], books: list[str] = BOOKS, raw: list[str] = RAW) -> dict[str, Any]:
    return {"all_books": books, "mapped_books": mapped, "raw_books": raw}


def run(response: str, constraints: str, ctype: str, mapped: list[str], mode: str = "compat",
        **kw: Any) -> dict[str, Any]:
    checker = build_checker("kitab.query", {"constraints": constraints, "constraint_type": ctype, **kw})
    result = checker.check(response, CheckContext(mode=mode, reference=ref(mapped)))
    assert result.details is not None
    return {**result.details, "passed": result.passed}


def answer(*titles: str) -> str:
    body = "".join(f"{i}. Reason: because. Title: {t}\n" for i, t in enumerate(titles, 1))
    return "Let me think.\nOutput:\n" + body


# ---------------------------------------------------------------- parsing

@pytest.mark.parametrize("text, titles", [
    ("Output:\n1. Reason: r. Title: Sula (1973)\n2. Reason: r. Title: Jazz", ["Sula", "Jazz"]),
    ("Title: Old\nOutput:\nTitle: New", ["New"]),                               # last marker wins
    ("All Books:\nTitle: A\n\nFinal Output:\n1. Reason: x. Title: B (1999)", ["B"]),
    ("no marker\n1. Title: Kept", ["Kept"]),                                    # compat: whole text
    ("Output:   \n  \nTitle: Spaced   ", ["Spaced"]),
    ("Output:\nTitle: Foo (1999)  ", ["Foo (1999)"]),                          # year kept before spaces
    ("Output:\nTitle: Foo (12345)", ["Foo (12345)"]),
    ("Output:\nTitle: a Title: b", ["a Title: b"]),
    ("Output: no newline Title: X", ["X"]),
    ("<think>Output:\nTitle: Hidden</think>Output:\nTitle: Shown", ["Shown"]),
    ("Output:\ntitle: lower", []),
])
def test_parse_titles(text: str, titles: list[str]) -> None:
    assert K.parse_titles(text) == titles


def test_parse_titles_strict_self_context_without_final_list() -> None:
    text = "All Books:\n1. Title: A\n2. Title: B"
    assert K.parse_titles(text) == ["A", "B"]          # compat: scored on the All Books list
    assert K.parse_titles(text, strict=True) == []


def test_title_parser_equals_upstream_regex_on_random_text() -> None:
    rng = random.Random(7)
    alphabet = ["Title: ", "(1999)", "(12)", " ", "\t", "\n", "\r", "a", "b", ")", "(", "1", "Output:\n", "\u3000"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        marker = None
        for m in re.finditer(r"Output:\s*\n", text):
            marker = m.end()
        tail = text if marker is None else text[marker:]
        assert K.parse_titles(text) == UPSTREAM_TITLE.findall(tail), repr(text)


# ---------------------------------------------------------------- normalisation and fuzzy matching

@pytest.mark.parametrize("raw, norm", [
    ("The Bluest Eye", "bluest eye"), ("A Mercy", "mercy"), ("An Owl", "owl"), ("Anne", "anne"),
    ("Salt & Stone", "salt and stone"), ("Marianne's Letters!", "mariannes letters"),
    ("The", ""), ("the  the road", "the road"), ("Hello,  World", "hello  world"), ("", ""),
])
def test_normalize_title(raw: str, norm: str) -> None:
    assert K.normalize_title(raw) == norm


def test_normalize_title_equals_upstream_s_steps_on_random_titles() -> None:
    """ASCII titles take a faster deletion path; on random ASCII and non-ASCII titles the result
    is upstream's lower, ``&`` -> ``and``, punctuation removed, leading article dropped."""
    import string

    table = str.maketrans("", "", string.punctuation)

    def upstream(title: str) -> str:
        title = title.lower().replace("&", "and").translate(table)
        words = title.split()
        return " ".join(words[1:]) if words and words[0] in ("the", "a", "an") else title

    rng = random.Random(5)
    alphabet = string.ascii_letters + string.punctuation + "  éÉ—’“ßİ"
    for _ in range(3000):
        title = "".join(rng.choice(alphabet if rng.random() < 0.5 else string.printable) for _ in range(rng.randint(0, 30)))
        assert K.normalize_title(title) == upstream(title), repr(title)


def test_strip_year_only_at_end() -> None:
    assert K.strip_year("Sula (1973)") == "Sula"
    assert K.strip_year("1984 (949)") == "1984"
    assert K.strip_year("Sula (1973) ") == "Sula (1973)"


def test_fuzzy_ratio_rounds_before_threshold() -> None:
    a, b = "x" * 33 + "y" * 8, "x" * 33 + "z" * 9      # 79.52 -> 80: passes
    c, d = "x" * 29 + "y" * 7, "x" * 29 + "z" * 8      # 79.45 -> 79: fails
    assert K.fuzzy_ratio(a, b) == 80 and K.first_fuzzy(a, [b]) == b
    assert K.fuzzy_ratio(c, d) == 79 and K.first_fuzzy(c, [d]) is None
    assert K.fuzzy_ratio("", "") == 100 and K.fuzzy_ratio("a", "") == 0


def test_first_fuzzy_takes_first_passing_not_best() -> None:
    choices = ["silver harbr", "silver harbor x", "silver harbor"]
    assert K.first_fuzzy("silver harbor", choices) == "silver harbr"


def test_mapping_substring_fuzzy_raw_and_foreign() -> None:
    query = K._reference_lists(ref([]))
    groups, nfa, raw = K.map_titles(["silver harbor", "winter garden novel", "quiet feld", "le champ tranquille",
                                     "unknown book", "unknown book", ""], query)
    assert groups == {"silver harbor": ["silver harbor"], "winter garden": ["winter garden novel"],
                      "quiet field": ["quiet feld"]}
    assert raw == ["le champ tranquille"] and nfa == ["unknown book", "unknown book"]


# ---------------------------------------------------------------- constraint checks

@pytest.mark.parametrize("titles, letter, ok", [
    (["sula"], "s", True), (["of mice"], "m", True), (["in the night"], "t", True),
    (["in the night"], "n", False), (["Sula"], "S", True), (["mice of"], "o", False),
])
def test_starts_with(titles: list[str], letter: str, ok: bool) -> None:
    assert K.check_starts_with(titles, letter) is ok


@pytest.mark.parametrize("titles, letter, ok", [(["night train"], "n", True), (["train night"], "n", False),
                                                (["x", "a bee"], "e", True), ([""], "e", False)])
def test_ends_with(titles: list[str], letter: str, ok: bool) -> None:
    assert bool(K.check_ends_with(titles, letter)) is ok


@pytest.mark.parametrize("words, ok", [(2, False), (3, True), (4, True), (5, True), (6, False)])
def test_word_count_tolerance(words: int, ok: bool) -> None:
    assert K.check_word_count([" ".join(["w"] * words)], 4) is ok


def test_year_range_skips_first_number() -> None:
    assert K.year_range("Criterion 1: Book was first published between 1980-1990.") == [1980, 1990]
    assert K.year_range("Criterion 2: published between 1800-1850.") == [1800, 1850]
    assert K.check_publishing_year(1980, [1980, 1990]) and K.check_publishing_year(1990, [1980, 1990])
    assert not K.check_publishing_year(1991, [1980, 1990])


def test_split_constraints_two_book() -> None:
    pairs = K.split_constraints("C 1: starts with the letter s, C 2: published between 1960-1972.",
                                "['starts-with', 'publishing-year']")
    assert pairs == [("C 1: starts with the letter s", "starts-with"),
                     (" C 2: published between 1960-1972.", "publishing-year")]


def test_offline_entities_are_an_approximation() -> None:
    off = get_entity_checker("offline")
    assert off.approximate and off.name == "offline"
    assert off.has_person("mariannes letters") is False      # not in the built-in list
    assert off.has_person("letters to sophie") and off.has_person("sophies world")
    assert off.has_person("mr bones") and not off.has_person("quiet field")
    assert off.has_city("echoes of paris") and off.has_city("a night in new york city")
    assert not off.has_city("salt and stone")
    assert OfflineEntities(frozenset({"springfield"})).has_city("springfield days")


class _Entity:
    def __init__(self, text: str, category: str) -> None:
        self.text, self.category = text, category


class _Doc:
    def __init__(self, entities: list[_Entity]) -> None:
        self.entities, self.is_error = entities, False


class _FakeClient:
    calls: list[tuple[str, str]] = []

    def recognize_entities(self, texts: list[str], model_version: str) -> list[_Doc]:
        self.calls.append((texts[0], model_version))
        found = [_Entity("Paris", "Location")] if "paris" in texts[0].lower() else []
        if texts[0] == texts[0].lower() and "marianne" in texts[0]:
            found.append(_Entity("marianne", "Person"))
        return [_Doc(found)]


def test_azure_path_with_fake_client() -> None:
    az = AzureEntities(client_factory=lambda _v: _FakeClient(), lookup=lambda loc: 5 if loc == "Paris" else 1)
    assert az.has_person("Marianne Letters")            # found only on the lowercased retry
    assert az.has_city("echoes of paris") and not az.has_city("stone")
    assert ("Marianne Letters", "2023-04-15-preview") in _FakeClient.calls
    one = AzureEntities(client_factory=lambda _v: _FakeClient(), lookup=lambda loc: 1)
    assert not one.has_city("echoes of paris")           # a single GeoNames record is not a city


def test_unknown_entity_checker() -> None:
    with pytest.raises(EvalkitError, match="unknown KITAB entity checker"):
        get_entity_checker("nope")


# ---------------------------------------------------------------- per-query metrics

S = "Criterion 1: Book title starts with the letter s."


def test_all_correct_query() -> None:
    d = run(answer("Silver Harbor (1970)", "Salt & Stone"), S, "starts-with", ["Silver Harbor", "Salt and Stone"])
    assert d["passed"] and d["satisfied_rate"] == 1 and d["completeness"] == 1 and d["not_from_author_rate"] == 0


def test_rates_with_foreign_raw_and_unsatisfied_titles() -> None:
    d = run(answer("Silver Harbor", "Night Train", "Made Up Book", "Le Champ tranquille"), S, "starts-with",
            ["Silver Harbor", "Salt and Stone"])
    assert d["number_of_clusters"] == 3 and d["count_raw_unmapped"] == 1
    assert d["satisfied_rate"] == pytest.approx(1 / 3) and d["unsatisfied_rate"] == pytest.approx(1 / 3)
    assert d["not_from_author_rate"] == pytest.approx(1 / 3) and d["completeness"] == 0.5
    assert d["all_correct"] == 0 and d["passed"] is False


def test_publishing_year_uses_ground_truth_year() -> None:
    c = "Criterion 1: Book was first published between 1980-1990."
    d = run(answer("The Quiet Field (2020)", "Night Train (1985)"), c, "publishing-year",
            ["The Quiet Field", "A Winter Garden", "Echoes of Paris"])
    assert d["count_satisfied"] == 1 and d["count_unsatisfied"] == 1


def test_human_name_with_name_list_and_negation(tmp_path: Any) -> None:
    names = tmp_path / "names.csv"
    names.write_text('Author,human_name_books\nX,"{\'titles\': [\'mariannes letters\']}"\n')
    pos, neg = "Criterion 1: Book title contains a human name.", "Criterion 1: Book title doesn't contain a human name."
    d = run(answer("Marianne's Letters"), pos, "human-name", ["Marianne's Letters"], names_file=str(names))
    assert d["passed"] and d["approximate"] and d["entity_checker"] == "offline"
    d = run(answer("Marianne's Letters"), neg, "human-name", [], names_file=str(names))
    assert d["count_unsatisfied"] == 1
    d = run(answer("Marianne's Letters"), pos, "human-name", ["Marianne's Letters"])
    assert d["count_unsatisfied"] == 1                  # offline list alone misses this name


def test_two_book_intersection_and_union() -> None:
    c = "Criterion 1: Book title starts with the letter s, Criterion 2: Book was first published between 1960-1972."
    d = run(answer("Silver Harbor", "Salt and Stone", "Night Train"), c, "['starts-with', 'publishing-year']",
            ["Silver Harbor"])
    assert d["count_satisfied"] == 1 and d["count_unsatisfied"] == 2 and d["passed"] is False


def test_empty_answers_compat_and_strict() -> None:
    d = run("I do not know.", S, "starts-with", [])
    assert d["satisfied_rate"] is None and d["completeness"] is None and d["all_correct"] == 0
    d = run("I do not know.", S, "starts-with", [], mode="strict")
    assert d["satisfied_rate"] == 1 and d["completeness"] == 1 and d["all_correct"] == 1
    for mode in ("compat", "strict"):
        d = run("nothing", S, "starts-with", ["Silver Harbor"], mode=mode)
        assert d["completeness"] == 0 and d["satisfied_rate"] is None and d["all_correct"] == 0


def test_completeness_counts_model_spellings() -> None:
    books = ["Salt and Stone: A Novel (1975)"]
    checker = build_checker("kitab.query", {"constraints": S, "constraint_type": "starts-with"})
    r = checker.check(answer("Salt and Stone"), CheckContext(reference=ref(["Salt and Stone"], books, [])))
    assert r.details and r.details["completeness"] == 1 and r.passed


def test_whitespace_title_raises_as_upstream() -> None:
    checker = build_checker("kitab.query", {"constraints": S, "constraint_type": "starts-with"})
    with pytest.raises(IndexError):
        checker.check("Output:\nTitle: - -", CheckContext(reference=ref([])))


# ---------------------------------------------------------------- adversarial inputs

@pytest.mark.parametrize("response", [
    "Title: " + " " * 1_000_000 + "x",
    "Output:" + " " * 500_000 + "Output:\n" * 50_000,
    "".join(f"{i}. Title: Book number {i} of many\n" for i in range(30_000)),
    "\x00\x07\x1b[31m Title: \u202e\ufeffSilver Harbor\x00\n" * 20_000,
    "(" * 500_000 + "Title: (1999)" * 1000,
])
def test_adversarial_responses_bounded_time(response: str) -> None:
    start = time.perf_counter()
    for ctype, text in (("starts-with", S), ("city-name", "Criterion 1: Book title contains a city name.")):
        d = run(response, text, ctype, ["Silver Harbor"])
        assert d["satisfied_rate"] is None or 0 <= d["satisfied_rate"] <= 1
    assert time.perf_counter() - start < 20


def test_nan_helper() -> None:
    assert K._nan_none(math.nan) is None and K._nan_none(0.5) == 0.5
