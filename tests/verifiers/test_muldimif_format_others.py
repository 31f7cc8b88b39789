"""MulDimIF Format_Others: upstream unit vectors, canned-response verdicts and own table tests."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.verifiers.muldimif.format_others import check_format_others, parse_others

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Format_Others")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_format_others(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_vector_count() -> None:
    assert len(VECTORS) == 51


def test_canned_verdicts_agree() -> None:
    cases = canned_cases_for("muldimif.format.others")
    assert cases
    bad = [
        (sid, i, text, resp[:60], want)
        for sid, i, text, resp, want in cases
        if check_format_others(text, resp).passed != want
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


TABLE = [
    # XML attributes: per tag, inside the first ```xml fence when present
    ("Each XML element must have no more than two attributes", "<a x='1' y=\"2\"/>", True),
    ("Each XML element must have no more than two attributes", "<a x='1' y='2' z='3'>", False),
    ("Each XML element must have no more than two attributes", "```xml\n<a x='1' y='2' z='3'>", False),
    ("Each XML element must have no more than two attributes",
     "<a x='1' y='2' z='3'>\n```xml\n<b/>\n```", True),
    ("must have exactly 2 attributes", "<a p='1' q='2'><b/></a>", False),  # <b/> has 0
    ("at least 1 attribute", "no tags at all", True),
    # phrase: \b on both sides of the escaped phrase
    ("Must include 'New York'", "I love new york.", True),
    ("Must include 'York'", "Yorkshire", False),
    # bullets / numbered lines / quotes
    ("No bullet points", "text\n   * item", False),
    ("No lists", "1.\nnext", False),  # the whitespace after "1." may be the newline
    ("No number points", "a 1. b", True),
    ("The quotes must be presented in block quotes format", "<BLOCKQUOTE>x", True),
    # tables: |---| separators are not rows; <tr> counted too
    ("a table with no more than 2 rows", "|a|b|\n|---|---|\n|1|2|", True),
    ("a table with no more than 2 rows", "|a|\n|:-:|\n|1|", False),  # colon row is data
    ("a table with no more than 2 rows", "<tr><tr><tr>", False),
    # lengths, references, defaults
    ("Response must be written at medium length", "x" * 201, True),
    ("the response should be concise, resembling a short blurb", "x" * 201, False),
    ("The answer must include at least 2 references", "see [1] and (Smith, 2020)", True),
    ("The answer must be in full sentences", "", True),
    ("Something unrelated", "anything", False),
]  # fmt: skip


@pytest.mark.parametrize(("constraint", "response", "expected"), TABLE)
def test_table(constraint: str, response: str, expected: bool) -> None:
    assert check_format_others(constraint, response).passed is expected


def test_first_pattern_wins() -> None:
    # "no more than N attributes" precedes the rows pattern
    rule = parse_others("no more than three attributes and no more than 2 rows")
    assert rule is not None and (rule.test, rule.arg) == ("max_attrs", 3)


def test_unparsed_and_strict() -> None:
    assert not check_format_others("Something unrelated", "x").parsed
    checker = build_checker("muldimif.format.others", {"constraint": "Something unrelated"})
    assert checker.check("x", CheckContext()).passed is False
    assert checker.check("x", CheckContext(mode="strict")).status == "skipped"


def test_adversarial_input_returns() -> None:
    big = "<a" + " " * 300_000 + "!" + "(" + "a" * 200_000 + "\n" * 200_000 + "[" + "1" * 100_000
    big += "<t " + "k='v' " * 20_000 + "/" + "w" * 100_000
    for constraint in (
        "no more than 3 attributes",
        "Must be in APA format",
        "No lists",
        "No bullet points",
        "The answer must include at least 2 references",
        "a table with no more than 2 rows",
    ):
        assert check_format_others(constraint, big).passed in (True, False)
