"""MulDimIF Format_Table: upstream unit vectors, canned-response verdicts and own rule tests."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext
from evalkit.verifiers.muldimif.format_table import FormatTable, check_format_table
from evalkit.verifiers.muldimif.format_table_parse import parse_table_constraint

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Format_Table")


@pytest.mark.parametrize("v", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(v: dict[str, Any]) -> None:
    assert check_format_table(v["constraint"], v["response"]).passed == v["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.format.table")
    assert cases
    bad = [
        (sid, i, text[:80], expected)
        for sid, i, text, response, expected in cases
        if check_format_table(text, response).passed != expected
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


TABLE = "| Name | Price |\n|---|---|\n| a | 1 |\n| b | 2 |\n| c | 3 |"


@pytest.mark.parametrize(
    ("constraint", "response", "expected"),
    [
        ("The table must have exactly three rows", TABLE, True),
        ("The table must have exactly two rows", TABLE, False),
        ("no more than 2 columns", TABLE, True),
        ("Use exactly 3 columns", TABLE, False),
        ("Present it in a single column", TABLE, False),
        # no pipe: fails only when a table is mentioned and not optional
        ("Include a table with exactly 3 rows", "plain text", False),
        ("If you include a table, limit it to 3 rows", "plain text", True),
        ("Answer in exactly three sentences", "plain text", True),
        # quoted names with "columns for": two-way substring match against headers
        ('The table must include columns for "Name," "Price"', TABLE, True),
        ('The table must include columns for "Name," "Rating"', TABLE, False),
        # quirk: the name list is split on the characters a/n/d, so "named" yields "m", "e"
        ('The table must include columns named "Zebra"', "| me |\n|---|\n| x |", True),
        # the table span runs from the first to the last pipe, across prose
        ("exactly 1 row", "| h |\nprose line\n| r |", False),
        ("Each entry must include the film title and its release year",
         "| Film | Year |\n|---|---|\n| x | 1 |", True),
        ("The title must not exceed five words", "| one two three four five six |\n| x |", False),
    ],
)  # fmt: skip
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_format_table(constraint, response).passed is expected


def test_parse_quirks() -> None:
    rules = parse_table_constraint("Columns: name, date and price")
    assert rules.columns == ("me", "te", "price")  # split on the letters a, n, d
    assert parse_table_constraint("exactly twenty rows").rows == ("exact", 20)


def test_unrecognised_is_skipped_in_strict_mode() -> None:
    checker = FormatTable("Write three paragraphs")
    assert checker.check("text", CheckContext()).passed is True
    assert checker.check("text", CheckContext(mode="strict")).status == "skipped"


def test_pathological_input_returns() -> None:
    big = ("| a | b |\n" + "x" * 100 + "\n") * 10_000 + "|" * 100_000
    verdict = check_format_table('Include columns for "a", "b" in at most 3 columns', big)
    assert isinstance(verdict.passed, bool)
    assert (
        check_format_table("Use a table with exactly 2 rows", "|" + " " * 1_000_000).passed is False
    )
