"""MulDimIF Format_Markdown: upstream unit vectors, canned-response verdicts and own table tests."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.verifiers.muldimif.format_markdown import check_format_markdown

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Format_Markdown")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_format_markdown(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_vector_count() -> None:
    assert len(VECTORS) == 88


def test_canned_verdicts_agree() -> None:
    cases = canned_cases_for("muldimif.format.markdown")
    assert cases
    bad = [
        (sid, i, text, resp[:60], want)
        for sid, i, text, resp, want in cases
        if check_format_markdown(text, resp).passed != want
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


TABLE = [
    # block quotes: "use block quotes" needs one quoted line; bare mention needs every line quoted
    ("Use block quotes for the citation", "intro\n> quoted", True),
    ("Use block quotes for the citation", "intro\nnot quoted", False),
    ("The reply must be in block quotes", "> a\n> b", True),
    ("The reply must be in block quotes", "> a\n\n> b", False),  # blank line counts as unquoted
    ("Include at least two block quotes", "> a\ntext\n> b", True),
    ("Include at least two block quotes", "> a\ntext", False),
    # bold and bullets
    ("Highlight terms in bold", "a **b** c", True),
    ("Highlight terms in bold", "a **b\nc** d", False),  # markers must share a line
    ("Use bullet points", "  + item", True),
    ("Use bullet points", "-item", False),
    # headings
    ("Use heading level 2 in Markdown format", "text\n  ## Head  ", True),
    ("Use heading level 2 in Markdown format", "##Head", False),
    ("The response must begin with a level 1 heading", "## a\n# b", False),
    ("Headings must be limited to level 2", "# a\n## b", True),
    ("Headings must be limited to level 2", "# a\n### b", False),
    ("Must include a level 1 heading titled 'Plan'", "# Plan", True),
    ("Must include a level 1 heading titled 'Plan'", "# plan", False),
    # the substring "any" (in "company") switches to per-heading mode: no heading -> fail
    ("Describe the company", "no headings here", False),
    ("Describe the company", "# one", True),
    # nothing recognised: vacuous pass
    ("Write clearly", "anything", True),
]


@pytest.mark.parametrize(("constraint", "response", "expected"), TABLE)
def test_table(constraint: str, response: str, expected: bool) -> None:
    assert check_format_markdown(constraint, response).passed is expected


def test_unparsed_is_flagged() -> None:
    verdict = check_format_markdown("Write clearly", "anything")
    assert verdict.passed and not verdict.parsed
    assert check_format_markdown("Use heading level 2", "## x").parsed


def test_registered_checker_strict_skips_unparsed() -> None:
    checker = build_checker("muldimif.format.markdown", {"constraint": "Write clearly"})
    assert checker.check("x", CheckContext()).passed is True
    assert checker.check("x", CheckContext(mode="strict")).status == "skipped"


def test_adversarial_input_returns() -> None:
    big = ("**" + " " * 100_000 + "\n") * 5 + "#" * 200_000 + "-" * 200_000 + " \t" * 100_000
    for constraint in ("Use bullet points and bold", "Use heading level 2", "Use block quotes"):
        assert check_format_markdown(constraint, big).passed in (True, False)
