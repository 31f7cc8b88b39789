"""Conformance and rule tests for MulDimIF Language_English."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.language_english import check_language_english

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Language_English")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_language_english(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.language.english")
    assert cases
    bad = [c for c in cases if check_language_english(c[2], c[3]).passed != c[4]]
    assert not bad, f"{len(bad)}/{len(cases)} disagree, first: {bad[:3]}"


@pytest.mark.parametrize(
    ("constraint", "response", "expected"),
    [
        ("The answer must be in all uppercase letters.", "HELLO, 2024!", True),
        ("The answer must be in all uppercase letters.", "HELLO world", False),
        ("Use capitalized letters for each word", "Hello World", True),
        ("Use capitalized letters for each word", "Hello world", False),
        ("Use capitalized letters for each word", "Hello élan (word", True),  # ASCII-only test
        ("The response must be in lowercase", "all small", True),
        ("The response must be in lowercase", "Not small", False),
        ("Response must be written as a short blurb.", "anything", True),
        ("Be nice.", "anything", False),  # no case rule: upstream default
        ("Be nice.", "   ", False),
        # table headers only
        ("Table headers must be in all uppercase", "| NAME | AGE |\n|---|---|\n| bob | 3 |", True),
        ("Table headers must be in all uppercase", "| Name | AGE |\n| BOB | 3 |", False),
        # table entries; a single-row table falls back to the whole response
        ("Table entries must be in all uppercase", "| name |\n| BOB |", True),
        ("Table entries must be in all uppercase", "| name |", False),
        # JSON keys
        ("JSON keys must be in all uppercase", '{"NAME": "bob"}', True),
        ("JSON keys must be in all uppercase", '{"Name": "BOB"}', False),
        # headings; "#\\nText" counts as a heading because \\s* crosses the line break
        ("Headings must be in all uppercase", "# TITLE\nbody text", True),
        ("Headings must be in all uppercase", "#\ntitle", False),
        # table + headings: every non-blank line counts as table cells, the heading line too
        ("Table and headings must use all uppercase", "# title\n| A | B |", False),
        ("Table and headings must use all uppercase", "# TITLE\n| A | B |\nbody", False),
        ("Table and headings must use all uppercase", "# TITLE\n| A | B |", True),
    ],
)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_language_english(constraint, response).passed is expected


def test_unparsed_flag() -> None:
    assert not check_language_english("Be nice.", "x").parsed
    assert check_language_english("All uppercase", "X").parsed


def test_adversarial_inputs_finish() -> None:
    big = "#" * 200_000 + "\n" * 200_000
    check_language_english("Headings must be in all uppercase", big)
    check_language_english("JSON keys must be uppercase", "{" + '"a' * 200_000 + "}")
    check_language_english("Table headers must be in all uppercase", "| a " * 250_000)
