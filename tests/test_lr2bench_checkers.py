"""LR²Bench extraction and scoring rules: table tests per task, the linear-time extraction against
``re.findall``, and adversarial responses graded in bounded time."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.verifiers.lr2bench import grade_response, score_answer
from evalkit.verifiers.lr2bench.extract import (
    DEFAULTS,
    TASKS,
    extract_answer,
    findall_lazy,
    roundtrips,
)

UPSTREAM_INNER = {"crossword": r"\{.*?\}", "acrostic": r"\{.*?\}", "logic": r"\[.*?\]", "cryptogram": r"\{.*?\}",
                  "sudoku": r"\[\s*\[.*?\]\s*\]", "drop": r"\[\s*\[.*?\]\s*\]"}


def upstream_extract(task: str, response: str) -> str:
    """Upstream 1-extract_answer.py's rule, written with re.findall (slow on pathological input)."""
    outer = r"<Mapping>(.*?)</Mapping>" if task == "cryptogram" else r"<Answer>(.*?)</Answer>"
    blocks = re.findall(outer, response, re.IGNORECASE | re.DOTALL)
    if not blocks:
        return DEFAULTS[task]
    inner = re.findall(UPSTREAM_INNER[task], blocks[-1].strip(), re.IGNORECASE | re.DOTALL)
    return inner[-1].strip() if inner else DEFAULTS[task]


# ---------------------------------------------------------------- extraction
@pytest.mark.parametrize(("task", "response", "expected"), [
    ("crossword", "<Answer>{'1-Across': 'A'}</Answer> then <answer>{'1-Across': 'B'}</ANSWER>", "{'1-Across': 'B'}"),
    ("crossword", "<Answer>{'a': 1} and {'b': 2}</Answer>", "{'b': 2}"),  # last inner match
    ("crossword", "<Answer>{'a': {'b': 1}}</Answer>", "{'a': {'b': 1}"),  # nested braces truncate (upstream)
    ("crossword", "no block {'a': 1}", "{}"),
    ("crossword", "<Answer>nothing</Answer>", "{}"),
    ("crossword", "<Answer>{'a': 1}", "{}"),  # unterminated block
    ("cryptogram", "<Answer>{'X': 'T'}</Answer>", "{}"),  # cryptogram reads <Mapping> only
    ("cryptogram", "<Mapping>{'X': 'T'}</Mapping><Answer>THE</Answer>", "{'X': 'T'}"),
    ("logic", "<Answer>[{'a': 'b]'}, {'a': 'c'}]</Answer>", "[{'a': 'b]"),  # \[.*?\] stops at the first ]
    ("logic", "<Answer>\n[{'a': 'b'}]\n</Answer>", "[{'a': 'b'}]"),
    ("logic", "<Answer></Answer>", "[]"),
    ("sudoku", "<Answer>[[1, 2], [3, 4]]</Answer>", "[[1, 2], [3, 4]]"),
    ("sudoku", "<Answer>[ [1, 2],\n [3, 4] ]</Answer>", "[ [1, 2],\n [3, 4] ]"),
    ("sudoku", "<Answer>[1, 2]</Answer>", "[[]]"),
    ("drop", "<think><Answer>[['A']]</Answer></think><Answer>[['B']]</Answer>", "[['B']]"),
    ("drop", "<Answer>[['A']]</Answer><think>x</think>", "[['A']]"),  # the think block is not special
])
def test_extract(task: str, response: str, expected: str) -> None:
    assert extract_answer(task, response) == expected
    assert upstream_extract(task, response) == expected


def test_linear_extraction_equals_findall_on_random_text() -> None:
    rng = random.Random(0)
    alphabet = ["{", "}", "[", "]", " ", "\n", "a", "<Answer>", "</Answer>", "<answer>", "</ANSWER>",
                "<Mapping>", "</mapping>", "[ [", "] ]", "]]", "[["]
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for task in TASKS:
            assert extract_answer(task, text) == upstream_extract(task, text), (task, text)


def test_findall_lazy_group_and_whole() -> None:
    o, c = re.compile(r"\{"), re.compile(r"\}")
    assert findall_lazy(o, c, "x{a}{{b}}c}", group=False) == re.findall(r"\{.*?\}", "x{a}{{b}}c}")
    assert findall_lazy(o, c, "x{a}{{b}}c}", group=True) == re.findall(r"\{(.*?)\}", "x{a}{{b}}c}")


@pytest.mark.parametrize("task", TASKS)
def test_defaults_roundtrip(task: str) -> None:
    assert roundtrips(task, DEFAULTS[task])
    assert not roundtrips(task, " " + DEFAULTS[task])


# ---------------------------------------------------------------- scoring rules
CROSS = {"1-ACROSS": "ACT UP", "2-ACROSS": "STORM", "1-DOWN": "AS"}


@pytest.mark.parametrize(("answer", "correct"), [
    ("{'1-Across': 'actup', '2-across': 'Storm', '1-Down': 'A S'}", 3),  # case and spaces ignored
    ("{'1-Across': 'ACT-UP', '2-Across': 'STORM'}", 1),  # missing key wrong, punctuation kept
    ("{'1-Across': 'ACTUP', '2-Across': 'STORM', '1-Down': 'AS', '9-Down': 'X'}", 3),  # extra keys ignored
    ("{'1-Across', '2-Across'}", 0),  # a set, not a dict
    ("{'1-Across': ACTUP}", 0),  # not a literal
    ("{'1-Across': 'ACTUP'.lower()}", 0),  # code is never evaluated
    ("{}", 0),
])
def test_crossword_rules(answer: str, correct: int) -> None:
    score = score_answer("crossword", CROSS, answer)
    assert (score.correct, score.total) == (correct, 3)


def test_dict_values_are_stringified() -> None:
    assert score_answer("acrostic", {"1": "N", "2": "7"}, "{1: 'n', 2: 7}").correct == 2
    assert score_answer("cryptogram", {"X": "T"}, "{'x': 't'}").correct == 1
    assert score_answer("cryptogram", {"X": "T"}, "{'T': 'X'}").correct == 0  # direction cipher -> plain


LOGIC = [{"names": "Ann", "pets": "Cat", "cars": "Ford"}, {"names": "Bob", "pets": "Dog", "cars": "Fiat"}]


@pytest.mark.parametrize(("answer", "correct"), [
    ("[{'Names': 'ann', 'Pets': 'CAT', 'Cars': 'ford'}, {'names': 'Bob', 'pets': 'Dog', 'cars': 'Fiat'}]", 4),
    ("[{'names': 'Bob', 'pets': 'Dog', 'cars': 'Fiat'}, {'names': 'Ann', 'pets': 'Cat', 'cars': 'Ford'}]", 4),
    ("[{'names': 'Anne', 'pets': 'Cat', 'cars': 'Ford'}, {'names': 'Bob', 'pets': 'Dog', 'cars': 'Fiat'}]", 2),
    ("[{'pets': 'Cat', 'cars': 'Ford'}]", 0),  # the first gold pair selects the row
    ("[{'names': 'Ann', 'pets': 'Cat'}, {'names': 'Ann', 'cars': 'Ford'}]", 1),  # first matching row only
    ("[{'names': 'Ann', 'pets': 'Cat', 'cars': 'Ford Focus'}]", 1),  # spaces matter in logic
    ("[1, 2]", 0),
    ("[{'names': 'Ann'", 0),
])
def test_logic_rules(answer: str, correct: int) -> None:
    score = score_answer("logic", LOGIC, answer)
    assert (score.correct, score.total) == (correct, 4)


SUDOKU = {"grid": [[1, 0], [0, 0]], "answer": [[1, 2], [2, 1]]}


@pytest.mark.parametrize(("answer", "correct", "error"), [
    ("[[1, 2], [2, 1]]", 3, None),
    ("[[9, 2], [2, 1]]", 3, None),  # given cells are not scored
    ("[[1, '2'], [2, 1]]", 2, None),  # '2' != 2
    ("[[1, 2.0], [2, True]]", 3, None),  # Python ==: 2.0 == 2, True == 1
    ("[[1, 2]]", 1, None),  # short grid: overlap only
    ("[[1, 2, 5], [2, 1, 5], [5]]", 3, None),
    ("[[1, 2], 7]", 0, "crash"),  # upstream len(7) raises
    ("[[1, 2], [2, 1]", 0, "SyntaxError"),
])
def test_sudoku_rules(answer: str, correct: int, error: str | None) -> None:
    score = score_answer("sudoku", SUDOKU, answer)
    assert (score.correct, score.total) == (correct, 3)
    assert (score.error is None) if error is None else (error in (score.error or ""))


DROP = [["T", "O", "#", "B", "E"], [",", "#", "O", "R", "."]]


@pytest.mark.parametrize(("answer", "correct"), [
    ("[['T', 'O', '#', 'B', 'E'], [',', '#', 'O', 'R', '.']]", 8),
    ("[['t', 'O', '#', 'B', 'E'], [',', '#', 'O', 'R', '.']]", 7),  # case-sensitive
    ("[['T', 'O', 'X', 'B', 'E'], ['', '#', 'O', 'R', '']]", 6),  # punctuation counts; '#' cells do not
    ("[['T', 'O', {}, 'B', 'E']]", 4),  # a '#' cell is never read (upstream short-circuits)
])
def test_drop_rules(answer: str, correct: int) -> None:
    score = score_answer("drop", DROP, answer)
    assert (score.correct, score.total) == (correct, 8)


def test_checker_details_and_cr() -> None:
    checker = build_checker("lr2bench.crossword", {})
    ctx = CheckContext(reference=CROSS)
    ok = checker.check("<Answer>{'1-Across': 'ACTUP', '2-Across': 'STORM', '1-Down': 'AS'}</Answer>", ctx)
    assert ok.passed is True and ok.details is not None and ok.details["answered"] and ok.details["correct"] == 3
    bad = checker.check("<Answer>{'1-Across': ACTUP}</Answer>", ctx)  # unparsable still counts for CR
    assert bad.passed is False and bad.details is not None
    assert bad.details["answered"] is True and bad.details["parsed"] is False and bad.details["correct"] == 0
    none = checker.check("I give up.", ctx)
    assert none.details is not None and none.details["answered"] is False and "0/3" in none.reason
    empty = checker.check("<Answer>{}</Answer>", ctx)  # the default string is "no answer"
    assert empty.details is not None and empty.details["answered"] is False


# ---------------------------------------------------------------- adversarial input
REFS: dict[str, Any] = {"crossword": CROSS, "acrostic": {"1": "A"}, "logic": LOGIC, "cryptogram": {"X": "T"},
                        "sudoku": SUDOKU, "drop": DROP}
MB = 1 << 20
ADVERSARIAL = {
    "1MB text": "lorem ipsum " * (MB // 12),
    "control characters": "".join(chr(i) for i in range(32)) * (MB // 32) + "<Answer>{'1': 'A'}</Answer>\x00",
    "many openers": "<Answer>" * (MB // 8),
    "opener then brackets": "<Answer>" + "{[" * (MB // 2) + "</Answer>",
    "grid openers": "<Answer>" + "[ [" * (MB // 3) + "</Answer>",
    "deep nesting": "<Answer>" + "[" * (MB // 2) + "]" * (MB // 2) + "</Answer>",
    "huge literal": "<Answer>{'1': " + "9" * MB + "}</Answer><Mapping>{'X': " + "9" * MB + "}</Mapping>",
    "huge dict": "<Answer>{" + "'1': 'A', " * (MB // 10) + "}</Answer>",
    "unicode case folding": "<ANſWER>{'1': 'A'}</ANſWER>" * (MB // 20),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
@pytest.mark.parametrize("task", TASKS)
def test_adversarial_bounded(task: str, name: str) -> None:
    start = time.perf_counter()
    result = grade_response(task, REFS[task], ADVERSARIAL[name])
    assert time.perf_counter() - start < 5.0
    assert result.passed in (True, False)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("text", [
    '{"1": "A", "1": "B"}', '[{"a": "b"}]', '[[1, 2.5, -0, 1e3]]', '{"a": true}', '{"a": null}', '[NaN]', '[1e400]',
    '{"a": "\\u00e9"}', "{'a': 'b'}", '{"a": "x\\/y"}', '[[' + '1, ' * 50 + '1]]', '{"k": "tab\there"}', '[01]',
    '{"a": "b" "c"}', '[' * 1000 + ']' * 1000,
])
def test_json_fast_path_equals_literal_eval(text: str) -> None:
    import ast

    from evalkit.verifiers.lr2bench.grade import parse_literal

    try:
        expected: Any = ast.literal_eval(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        expected = "error"
    value, error = parse_literal(text)
    got = "error" if error else value
    assert repr(got) == repr(expected)
