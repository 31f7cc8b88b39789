"""Conformance and rule tests for ``muldimif.length.paragraphs``."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.length_paragraphs import check_length_paragraphs

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Length_Paragraphs")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_length_paragraphs(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.length.paragraphs")
    assert cases
    bad = [
        (sid, idx, text, response[:60], want)
        for sid, idx, text, response, want in cases
        if check_length_paragraphs(text, response).passed != want
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


@pytest.mark.parametrize(
    ("response", "constraint", "expected"),
    [
        ("A\n\nB\n\nC", "The answer must contain at least three paragraphs.", True),
        ("A\n\nB", "at least three paragraphs", False),
        ("A\n\n   \n\nB", "exactly 2 paragraphs", True),  # whitespace-only blocks do not count
        ("A\nB\nC", "The response must be a single paragraph", True),  # single newlines join
        ("A\n\nB\n\nC", "最多分为2个段落", False),
        ("A\n\nB", "Range: 1-2", True),
        ("A\n\nB\n\nC", "within a range of 2 to 4 paragraphs", True),
        ("A", "The table must have at most five rows", False),  # nothing parsed -> False
    ],
)
def test_rules(response: str, constraint: str, expected: bool) -> None:
    assert check_length_paragraphs(constraint, response).passed is expected


def test_unparsed_is_flagged() -> None:
    verdict = check_length_paragraphs("Use a formal tone", "x")
    assert verdict.passed is False and verdict.parsed is False


def test_large_input_returns() -> None:
    big = ("word " * 200 + "\n\n" + "\n" * 50) * 1000
    assert check_length_paragraphs("at most 3 paragraphs", big).passed is False
