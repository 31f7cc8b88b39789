"""MulDimIF Content_Keywords: upstream unit vectors, canned-response verdicts and own rule tables."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext
from evalkit.verifiers.muldimif.content_keywords import ContentKeywords, check_content_keywords
from evalkit.verifiers.muldimif.content_keywords_parse import (
    parse_rule,
    response_format,
    split_elements,
)

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Content_Keywords")


def test_vector_count() -> None:
    assert len(VECTORS) == 104


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_content_keywords(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.content.keywords")
    assert len(cases) == 5383
    bad = [c for c in cases if check_content_keywords(c[2], c[3]).passed != c[4]]
    assert not bad, f"{len(bad)}/{len(cases)} disagree, e.g. {bad[:3]}"


RULES = [
    # (constraint, response, expected)
    ("Must include the keyword 'cat'", "A Cat sat.", True),
    ("Must include the keyword 'cat'", "catalogue only", False),  # word boundaries
    ("Must include the keyword '猫'", "一只猫", True),  # CJK: plain substring
    ("Must include 'dog' at least twice", "dog, dog", True),
    ("Must include 'dog' at least twice", "dog", False),
    ("The keyword 'dog' must appear multiple times", "dog", False),
    ("Use 'red' OR 'blue'", "only blue here", True),
    ("Use 'red' or 'blue'", "nothing", False),
    ("Please avoid using the term 'very'", "Very good", False),
    ("the keyword 'bad' must be avoided", "all good", True),
    ("Answer must include the keyword 'x' and must end with a period", "x marks it", False),
    ("Answer must be at least 3 words and include 'x'", "x y", False),
    ("The answer must use capitalized letters for each word and include 'go'", "Go Now", True),
    ("The answer must use capitalized letters for each word and include 'go'", "Go now", False),
    # include + avoid: case-sensitive substrings
    ("It includes the keyword 'Natwest' and avoids the keyword 'dormant'.", "Natwest rocks", True),
    ("It includes the keyword 'Natwest' and avoids the keyword 'dormant'.", "natwest rocks", False),
    # conditional keyword
    (
        "If discussing tea/coffee prices, the summary must include the keyword 'cost'.",
        "tea prices up",
        False,
    ),
    (
        "If discussing tea/coffee prices, the summary must include the keyword 'cost'.",
        "weather",
        True,
    ),
    # each mode
    ("Each item must include the keyword 'ok'", "1. ok one\n2. ok two", True),
    ("Each item must include the keyword 'ok'", "1. ok one\n2. two", False),
    ("Each item must include the keyword 'ok'", "- ok\n- fine", False),
    ("Each entry must include the keyword 'ok'", '{"a": "ok", "b": "ok!"}', True),
    (
        "Each entry must include the keyword 'ok'",
        '{"a": "ok", "b": ',
        False,
    ),  # bad JSON: no elements
    ("Every section must include 'ok'", "ok a\n---\nok b", True),
    ("Each answer", "anything", False),  # no "must" clause
    # nothing recognised: vacuous pass
    ("Be nice", "anything", True),
]


@pytest.mark.parametrize(("constraint", "response", "expected"), RULES)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_content_keywords(constraint, response).passed is expected


def test_table_column_choice() -> None:
    table = "| Name | Description |\n|---|---|\n| a | the ok thing |\n| b | another ok one |"
    assert response_format(table) == "table"
    assert split_elements(table, "description") == ["the ok thing", "another ok one"]
    assert split_elements(table, "row") == ["the ok thing", "another ok one"]  # most words per cell
    assert split_elements(table, "name") == ["a", "b"]


def test_parse_rule_details() -> None:
    rule = parse_rule("\"Must include the keywords 'a', 'b' at least 3 times\"")
    assert rule.keywords == ("a", "b") and rule.min_count == 3
    assert parse_rule("at least five-one words").min_words == 6
    assert parse_rule("no more than 1,000 words").max_words == 1000


def test_unparsed_flag_and_strict_mode() -> None:
    assert not check_content_keywords("Be nice", "x").parsed
    assert check_content_keywords("Must include 'x'", "x").parsed
    skipped = ContentKeywords("Be nice").check("x", CheckContext(mode="strict"))
    assert skipped.status == "skipped"


def test_pathological_inputs_return() -> None:
    big = ("|" + " " * 50 + "\n") * 20000 + "\n" * 200000 + "|" + "a" * 300000
    assert check_content_keywords("Each row must include 'ok'", big).passed is False
    assert (
        check_content_keywords("Must include 'a' at least 3 times", "a" * 1_000_000).passed is False
    )
    assert check_content_keywords("Each item must include 'x'", "[" * 100000).passed is False
