"""Conformance and rule tests for MulDimIF Language_Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.verifiers.muldimif.language_chinese import check_language_chinese

from .muldimif_conformance import canned_cases_for, vectors_for

VECTORS = vectors_for("Language_Chinese")


@pytest.mark.parametrize("vec", VECTORS, ids=[f"{v['block']}-{v['case']}" for v in VECTORS])
def test_upstream_vectors(vec: dict[str, Any]) -> None:
    assert check_language_chinese(vec["constraint"], vec["response"]).passed == vec["expected"]


def test_canned_upstream_verdicts() -> None:
    cases = canned_cases_for("muldimif.language.chinese")
    assert cases
    bad = [c for c in cases if check_language_chinese(c[2], c[3]).passed != c[4]]
    assert not bad, f"{len(bad)}/{len(cases)} disagree, first: {bad[:3]}"


@pytest.mark.parametrize(
    ("constraint", "response", "expected"),
    [
        ('Must include the phrase "你好" in Simplified Chinese', "他说你好", True),
        ('Must include the phrase "你好" in Simplified Chinese', "他说您好", False),
        ('Must write the name "Shen Lim" in Simplified Chinese', "我叫沈林", True),
        ("Must use Traditional Chinese characters", "這是繁體字", True),
        ("Must use Traditional Chinese characters", "這是繁體字 ok", False),  # ASCII letter
        ("Must use Traditional Chinese characters", "这是简体", False),
        ("Must include idioms in Traditional Chinese characters", "Mostly English 會", True),
        ("The answer must be in Simplified Chinese.", "这是简体", True),
        (
            "The answer must be in Simplified Chinese.",
            "Mostly English 这",
            True,
        ),  # one char suffices
        ("The answer must be in Simplified Chinese.", "This is English", False),
        ("Must translate the text into Simplified Chinese", "这是简体", True),
        ("Must translate the text into Simplified Chinese", "这是简体 ok", False),
        ("请用简体中文回答", "这是简体", True),
        ("Respond in Cantonese", "这是简体", False),  # no rule: upstream default
    ],
)
def test_rules(constraint: str, response: str, expected: bool) -> None:
    assert check_language_chinese(constraint, response).passed is expected


def test_unparsed_flag() -> None:
    assert not check_language_chinese("Respond in Cantonese", "x").parsed
    assert check_language_chinese("Use Simplified Chinese characters", "x").parsed


def test_adversarial_inputs_finish() -> None:
    big = "這是繁體字" * 200_000
    assert check_language_chinese("Must use Traditional Chinese characters", big).passed
    assert not check_language_chinese("Use Simplified Chinese characters", big).passed
