"""MulDimIF Content_Others: upstream unit vectors, canned-response verdicts and own rule tables."""

from __future__ import annotations

import re
from typing import Any

import pytest

from evalkit.verifiers.muldimif.content_others import check_content_others, has_sources_line

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Content_Others")


def test_vector_count() -> None:
    assert len(VECTORS) == 44


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_content_others(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.content.others")
    assert len(cases) == 21
    bad = [c for c in cases if check_content_others(c[2], c[3]).passed != c[4]]
    assert not bad, f"{len(bad)}/{len(cases)} disagree, e.g. {bad[:3]}"


RULES = [
    ("Start identifier: 'Dear'", "## dear friend", True),
    ("Start identifier: 'Dear'", "Hi, dear", False),
    ("Start identifier: Each example must start with the word 'Ex:'", "a Ex: b", True),
    ("Start identifier: Each example must start with the word 'Ex:'", "a ex: b", False),
    ("begin with the phrase 'Once upon'", "  once upon a time", True),
    (
        "End identifier: Sources must be cited at the end of the response",
        "Text.\nSources: a\nmore",
        False,
    ),
    (
        "End identifier: Sources must be cited at the end of the response",
        "Text.\nSources:\n  b  ",
        True,
    ),
    ("The name of the showroom must start with the letter 'p'.", "Visit Pé", False),
    ("The name of the showroom must start with the letter 'p'.", "Visit Prism.", True),
    ("ensure the response is a short blurb", "a" * 201, False),
    ("Each sentence must include at least three emojis.", "Hi 😀 🎉 ✨. Bye 😀😀😀!", False),
    ("Each sentence must include at least three emojis.", "Hi 😀 🎉 ✨. Bye 😀 x 😀 y 😀!", True),
    ("It must mention cats and the big dog", "cats and the big dog", True),
    ("Must provide sources that are cited", "See [1].\nSources: x\n", True),
    ("It must include in-text citations", "as (Smith, 2020) says", True),
    ("Answers must be in full sentences", "", True),
    ("Something else entirely", "anything", False),
]


@pytest.mark.parametrize(("constraint", "response", "expected"), RULES)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_content_others(constraint, response).passed is expected


def test_unrecognised_is_unparsed() -> None:
    assert not check_content_others("Something else entirely", "x").parsed


@pytest.mark.parametrize(
    "text",
    [
        "Sources: a",
        "Sources: a\n",
        "Sources:\n\n",
        "x\nSources:  \n y",
        "Sources: \n b\nc",
        "Sources:",
        "a\n\tSources:b\n",
    ],
)
def test_sources_line_matches_regex(text: str) -> None:
    assert has_sources_line(text) == bool(re.search(r"Sources:\s*.+$", text))


def test_pathological_inputs_return() -> None:
    big = ("Sources: " + "x" * 100 + "\n") * 20000 + "\n"
    assert check_content_others("Must provide sources that are cited", big).passed is False
    assert (
        check_content_others(
            "Each sentence must include at least three emojis.", "a. " * 300000
        ).passed
        is False
    )
