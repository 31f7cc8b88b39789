"""Multi-IF checkers: upstream's language-aware counting and its other departures from IFEval."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.verifiers.multiif import count_cjk_sentences, count_cjk_words, count_hindi_sentences


def test_cjk_word_count_of_upstreams_docstring_example() -> None:
    assert count_cjk_words("こんにちは、ジェイソンさん、Jason? Nice to meet you☺ ❤") == 19


def test_sentence_splitters() -> None:
    assert count_cjk_sentences("今天很好。明天呢？\n后天！") == 3
    assert count_cjk_sentences("没有标点") == 1
    assert count_hindi_sentences("यह पहला है। यह दूसरा है! क्या तीसरा?") == 3


CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # Chinese answers are counted in characters: 13 here, not 2 \w+ runs
    ("length_constraints:number_words", {"num_words": 10, "relation": "at least"}, "长江是中国最长的河流。它很美。", True),
    ("length_constraints:number_words", {"num_words": 10, "relation": "at least"}, "The Yangtze is long.", False),
    ("length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"},
     "长江是中国最长的河流。它流入东海。", True),
    ("length_constraints:number_sentences", {"num_sentences": 3, "relation": "less than"},
     "गंगा एक नदी है। यह पवित्र है। यह लंबी है।", False),
    ("startend:quotation", {}, "「東京は大きい」", True),
    ("startend:quotation", {}, "“长江很长”", True),
    ("startend:quotation", {}, "'single'", False),
    ("keywords:frequency", {"keyword": "(", "frequency": 1, "relation": "at least"}, "a ( b", False),
    ("punctuation:no_comma", {}, "no commas here", True),
]


@pytest.mark.parametrize(("instruction", "params", "text", "expected"), CASES)
def test_strict_verdict(instruction: str, params: dict[str, Any], text: str, expected: bool) -> None:
    result = build_checker(f"multiif.{instruction}", params).check(text, CheckContext())
    assert result.passed is expected, result.reason


def test_blank_answer_reaches_the_verifier_in_strict_mode_only() -> None:
    checker = build_checker("multiif.punctuation:no_comma", {})
    assert checker.check("  \n", CheckContext()).details == {"strict": True, "loose": False}
    assert checker.check("", CheckContext()).details == {"strict": False, "loose": False}
    plain = build_checker("ifeval.punctuation:no_comma", {})
    assert plain.check("  \n", CheckContext()).details == {"strict": False, "loose": False}


def test_other_ids_behave_as_ifeval() -> None:
    for text in ("Hello, world", "P.S. bye", "# Title\n* a\n* b"):
        for iid, params in (("punctuation:no_comma", {}), ("detectable_content:postscript", {"postscript_marker": "P.S."}),
                            ("detectable_format:number_bullet_lists", {"num_bullets": 2})):
            a = build_checker(f"multiif.{iid}", params).check(text, CheckContext())
            b = build_checker(f"ifeval.{iid}", params).check(text, CheckContext())
            assert a.details == b.details
