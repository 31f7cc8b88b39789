"""Rewards read only ``passed``: IFEval checkers then skip the loose variants under strict mode."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.rewards import Rewarder

TEXT = "Sure, here it is:\nthe answer, in lower case\nhope that helps"
CASES = [("punctuation:no_comma", {}), ("change_case:english_capital", {}),
         ("length_constraints:number_words", {"num_words": 5, "relation": "less than"})]


@pytest.mark.parametrize(("iid", "params"), CASES)
def test_strict_verdict_is_the_same_without_the_variants(iid: str, params: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    checker = build_checker(f"ifeval.{iid}", params)
    calls: list[str] = []
    real = type(checker).follows
    monkeypatch.setattr(type(checker), "follows", lambda self, text: calls.append(text) or real(self, text))
    full = checker.check(TEXT, CheckContext(mode="strict", memo={}))
    n_full = len(calls)
    calls.clear()
    quick = checker.check(TEXT, CheckContext(mode="strict", memo={}, verdict_only=True))
    assert quick.passed is full.passed is False
    assert len(calls) == 1 < n_full  # strict fails here, so the full check tried the variants
    loose = checker.check(TEXT, CheckContext(mode="loose", memo={}, verdict_only=True))
    assert loose.passed == (full.details or {})["loose"]


def test_rewards_use_the_strict_verdict_only() -> None:
    spec = [{"checker": f"ifeval.{iid}", "params": params} for iid, params in CASES]
    strict = [build_checker(c["checker"], c["params"]).check(TEXT, CheckContext(mode="strict")).passed for c in spec]
    assert Rewarder("fraction").score(TEXT, spec).passed == sum(bool(p) for p in strict)
