"""MulDimIF Format_Json: upstream unit vectors, canned-response verdicts and own rule tests."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext
from evalkit.verifiers.muldimif.format_json import FormatJson, check_format_json, json_depth

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Format_Json")


@pytest.mark.parametrize("v", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(v: dict[str, Any]) -> None:
    assert check_format_json(v["constraint"], v["response"]).passed == v["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.format.json")
    assert cases
    bad = [
        (sid, i, text[:80], expected)
        for sid, i, text, response, expected in cases
        if check_format_json(text, response).passed != expected
    ]
    assert not bad, f"{len(bad)}/{len(cases)} mismatches, first: {bad[:5]}"


@pytest.mark.parametrize(
    ("value", "depth"),
    [
        (1, 0),
        ({}, 0),
        ([], 0),
        ({"a": 1}, 1),
        ({"a": {"b": 1}}, 2),
        ([[{}], 1], 2),
        ({"a": [[], {"b": [1]}]}, 4),
    ],
)
def test_depth(value: Any, depth: int) -> None:
    assert json_depth(value) == depth


@pytest.mark.parametrize(
    ("constraint", "response", "expected"),
    [
        ("with exactly two levels of nesting", '{"a": {"b": 1}}', True),
        ("with exactly two levels of nesting", '{"a": 1}', False),
        ("must not exceed 2 levels of nesting", 'Here:\n```json\n{"a": {"b": 1}}\n```', True),
        ("must not exceed 2 levels of nesting", '```json\n{"a": {"b": {"c": 1}}}\n```', False),
        ("a maximum of three nesting levels and at least two", '{"a": 1}', False),
        ("a maximum of three nesting levels and at least two", "[[1]]", True),
        ("no more than 3 levels, no more than 2 levels", "[[[1]]]", False),  # tightest max wins
        ("must not exceed 2 levels of nesting", "null", False),  # null counts as no JSON
        ("must not exceed 2 levels of nesting", "not json", False),
        ("Use JSON format", '{"a": 1}', False),  # no bound recognised -> upstream fails
    ],
)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_format_json(constraint, response).passed is expected


def test_unrecognised_is_skipped_in_strict_mode() -> None:
    assert FormatJson("Use JSON").check("{}", CheckContext(mode="strict")).status == "skipped"


def test_pathological_input_returns() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    assert check_format_json("no more than 3 levels", deep).passed is False
    fence = "```json" * 100_000
    assert check_format_json("no more than 3 levels", fence).passed is False
