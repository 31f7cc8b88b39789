"""Conformance and rule tests for MulDimIF Content_Punctuation."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.content_punctuation import check_content_punctuation

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Content_Punctuation")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    # 19 vectors carry `error` (upstream ran without a Punkt model); `expected` is still the target
    assert check_content_punctuation(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.content.punctuation")
    assert cases
    bad = [c for c in cases if check_content_punctuation(c[2], c[3]).passed != c[4]]
    assert not bad, f"{len(bad)}/{len(cases)} disagree, first: {bad[:3]}"


@pytest.mark.parametrize(
    ("constraint", "response", "expected"),
    [
        ("The answer must end with a period", "Hello. Hi", False),
        ("The answer must end with a period", "Hi! Hello.  ", True),  # whole response only
        ("Each sentence must end with a period", "Dr. Smith came. He left.", True),
        ("Each sentence must end with a period", "He came. He left!", False),
        ("Finally, end with a period", "A! B.", False),  # "finally" contains "all": sentences
        ("Each paragraph must end with a period", "One. Two\nThree.", False),
        ("Each paragraph must end with a period", "One. Two.\n\nThree.", True),
        ("Each cell must end with a period", "| H |\n|---|\n| a. |\n| b. |", True),
        ("Each cell must end with a period", "| H |\n|---|\n| a. |\n| b |", False),
        ("Each bullet point ends with an exclamation mark", "- Yes!\n- No!", True),
        ("Each bullet point ends with an exclamation mark", "- Yes!\n- No.", False),
        ("Each bullet point must end with punctuation", "- Yes,\n* No;", True),
        ("Names must not end with punctuation marks", "Alice", True),
        ("Names must not end with punctuation marks", "Alice,", False),
        ("Ending punctuation must be a period followed by a `~`", "End.~", True),
        ("Ending punctuation must be a period followed by a `~`", "End~", False),
        ("The answer must end with a period", "   ", False),
        ("The answer must not end with a period", "   ", True),
        ("Each sentence must end with a period", "", True),  # no sentences: vacuous
        ("End politely", "Thanks.", False),  # no mark named: empty allowed set
    ],
)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_content_punctuation(constraint, response).passed is expected


def test_unparsed_flag() -> None:
    assert not check_content_punctuation("End politely", "Thanks.").parsed
    assert check_content_punctuation("End with a period", "Thanks.").parsed


def test_adversarial_inputs_finish() -> None:
    big = "word " * 200_000
    check_content_punctuation("Each sentence must end with a period", big + ".")
    check_content_punctuation("Each bullet point ends with a period", "-" + "\n" * 200_000 + "x")
    check_content_punctuation("Each cell must end with a period", "| " * 300_000)
