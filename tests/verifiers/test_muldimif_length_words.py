"""Conformance and rule tests for ``muldimif.length.words``."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.length_words import (
    check_length_words,
    count_words,
    detect_layout,
    each_elements,
)
from evalkit.verifiers.muldimif.length_words_parse import parse_total_rule, words_to_int

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Length_Words")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_length_words(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.length.words")
    assert cases
    bad = [
        (sid, idx, text, response[:60], want)
        for sid, idx, text, response, want in cases
        if check_length_words(text, response).passed != want
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


TABLE = "| Name | Note |\n|---|---|\n| Alpha Beta | one two three four |\n| Gamma | x |"


@pytest.mark.parametrize(
    ("response", "constraint", "expected"),
    [
        ("word " * 150, "The response must contain no more than 150 words", True),
        ("word " * 151, "The response must contain no more than 150 words", False),
        ("word " * 25, "Between twenty five and 30 words", True),
        ("one two three", "The answer must be a single word.", False),
        ("word " * 10, "Range: 10-15 words", True),
        ("你好世界", "最多3个字", False),  # CJK: characters are counted
        ("abc 你好", "at most 2 words", True),  # Latin words ignored once CJK is present
        ("word " * 5, "at most 10 words and include 'blue'", False),  # quoted text is required
        ("blue " * 5, "at most 10 words and include 'blue'", True),
        ("One. Two. Three.", "at most 50 words in no more than 2 sentences", False),
        ("anything at all", "Use a formal tone", True),  # nothing parsed -> True
        (TABLE, "Each name must be at most 2 words long.", True),
        (TABLE, "Each note must be at most 2 words long.", False),
        ("- a b\n- c d e f", "Each bullet point must contain at most 3 words", False),
        ('{"a": "x y", "b": "z"}', "Each entry must contain between 1 and 2 words", True),
        ("Short line\nanother short line", "Each line must contain at most 3 words", True),
        ("Label:\nthree words here", "Each line must have at most 3 words", True),
        ("tiny words", "Each word must be at most 5 characters long", True),
        ("enormous", "Each word must be at most 5 characters long", False),
        ("x", "Each item is nice", False),  # each-mode with no limit -> False
    ],
)
def test_rules(response: str, constraint: str, expected: bool) -> None:
    assert check_length_words(constraint, response).passed is expected


def test_helpers() -> None:
    assert words_to_int("one hundred twenty-five") == 125
    assert words_to_int("twenty seven") == 27
    assert words_to_int("many") is None
    assert parse_total_rule("Exactly 3,500 words").exact == 3500
    assert count_words("a b\tc\n") == 3
    assert detect_layout("  1. x") == "numbered"
    assert detect_layout("text\n | a | b |") == "table"
    # no rule row: headers are all cells and no data rows, so every cell is an element
    assert each_elements("| a | b |", "name") == ["a", "b"]


def test_unparsed_flags() -> None:
    assert check_length_words("Use a formal tone", "x").parsed is False
    assert check_length_words("Each item is nice", "x").parsed is False
    crash = check_length_words("Each word must be short", "x")  # upstream raises here
    assert crash.passed is False and crash.parsed is False


@pytest.mark.parametrize(
    "constraint",
    ["Each line must contain at most 10 words", "Each cell must contain at most 10 words",
     "The response must contain between 50 and 100 words", 'Mention "x" within 5 words'],
)
def test_large_adversarial_inputs_return(constraint: str) -> None:
    blobs = ["\n" * 1_000_000, " " * 500_000 + "|" * 500_000, "1" * 1_000_000,
             "| a " * 250_000, "{" * 100_000, "word. " * 200_000]
    for blob in blobs:
        check_length_words(constraint, blob)
