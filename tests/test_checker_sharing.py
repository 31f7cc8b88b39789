"""Built checkers are shared: one instance per (checker id, params), bad ones never cached."""

from __future__ import annotations

import pytest

from evalkit.checking import build_checker
from evalkit.errors import EvalkitError

KEYWORDS = "muldimif.content.keywords"


def test_equal_params_give_the_same_instance_and_other_params_another() -> None:
    rule = {"constraint": "The answer must include the keyword 'river'"}
    first = build_checker(KEYWORDS, dict(rule))
    assert build_checker(KEYWORDS, dict(rule)) is first
    other = build_checker(KEYWORDS, {"constraint": "The answer must include the keyword 'lake'"})
    assert other is not first and other != first


def test_unknown_params_raise_every_time() -> None:
    for _ in range(2):
        with pytest.raises(EvalkitError, match="has no parameter"):
            build_checker(KEYWORDS, {"constraint": "x", "nope": 1})
