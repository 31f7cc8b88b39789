"""Conformance and rule tests for ``muldimif.length.sentences``."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.length_sentences import check_length_sentences, count_sentences

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Length_Sentences")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_length_sentences(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.length.sentences")
    assert cases
    bad = [
        (sid, idx, text, response[:60], want)
        for sid, idx, text, response, want in cases
        if check_length_sentences(text, response).passed != want
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


@pytest.mark.parametrize(
    ("response", "constraint", "expected"),
    [
        ("One. Two. Three.", "The answer must contain at most three sentences.", True),
        ("Wait... what?", "at most 3 sentences", False),  # every terminator counts: 4
        ("No terminator at all", "at least 1 sentence", False),
        ("Hi.", "The answer must be a single sentence.", True),
        ("S. S. S. S.", "描述应由3到5个句子组成", True),
        ("S. S. S. S.", "至多包含三句话", False),
        ("S. S.", "Range: 10-15 sentences", False),
        ("anything", "Write in a formal tone", True),  # nothing parsed -> True
    ],
)
def test_rules(response: str, constraint: str, expected: bool) -> None:
    assert check_length_sentences(constraint, response).passed is expected


def test_count_is_terminator_count() -> None:
    assert count_sentences("a. b! c? ...") == 6
    assert count_sentences("") == 0


def test_unparsed_is_flagged() -> None:
    verdict = check_length_sentences("Use a formal tone", "x")
    assert verdict.passed is True and verdict.parsed is False


def test_large_input_returns() -> None:
    # One megabyte without a terminator: the upstream regex scan would be quadratic here.
    assert check_length_sentences("at least 1 sentence", "a" * 1_000_000).passed is False
