"""LR²Bench per-sample scoring (upstream ``2-merge_answer.py``): c correct subtasks of n.

The extracted answer string is parsed with :func:`ast.literal_eval` (upstream uses ``eval``; no
answer format needs more than literals, and an expression such as ``'A'*3`` that ``eval`` would
accept is a parse error here). A parse error scores 0 of n. Rules per task:

* crossword, acrostic, cryptogram (dict): keys → ``str(k).lower()``, values →
  ``str(v).replace(" ", "").lower()``; a gold key is correct iff the predicted value equals the
  gold value (missing key wrong, extra keys ignored); n = number of gold keys. A prediction that
  is not a dict scores 0 (upstream: ``.items()`` raises, or a falsy literal becomes ``{}``).
* logic: keys and values lowercased (spaces kept). For each gold row its first (key, value)
  pair selects the first predicted row containing that exact pair; each other category of the
  row is one subtask; n = Σ (row size − 1). A prediction that is not a sequence of dicts is ``[]``.
* sudoku: cells that are 0 in the puzzle; correct iff ``gold == pred`` with Python ``==``
  (``1 == 1.0 == True``; ``"4" != 4``), over the overlap of ragged grids.
* drop: gold cells other than ``#`` (punctuation included); exact string equality.

Where upstream's scorer would crash (a grid row that is a number, a dict row without the
index), the sample scores 0 and ``crash`` is reported; upstream would stop with a traceback.
"""

from __future__ import annotations

import ast
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Score:
    """One sample's verdict: ``correct`` of ``total`` subtasks; ``error`` says why it is 0."""

    correct: int
    total: int
    parsed: bool = True
    error: str | None = None


def _plain_json(value: Any) -> bool:
    """True when ``value`` holds only str, int, finite float, list and dict: what a JSON text
    without backslashes decodes to exactly as the same text read as a Python literal."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool) or item is None:
            return False  # JSON true/false/null are not Python literals
        if isinstance(item, float) and not math.isfinite(item):
            return False  # NaN / Infinity
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def parse_literal(text: str) -> tuple[Any, str | None]:
    """``(value, None)`` when ``text`` is a Python literal, else ``(None, reason)``; never evaluates
    code. A backslash-free text that is plain JSON is decoded with :func:`json.loads` (same value,
    ~100× faster on large answers); everything else goes through :func:`ast.literal_eval`."""
    if "\\" not in text:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            if _plain_json(value):
                return value, None
    try:
        with warnings.catch_warnings():  # invalid escapes such as "\\/" warn, as they would upstream
            warnings.simplefilter("ignore")
            return ast.literal_eval(text), None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        return None, f"{type(exc).__name__}: {str(exc)[:120]}"


def _norm_dict(d: Any) -> dict[str, str]:
    """Upstream ``norm_dict``: falsy → ``{}``, else keys lowercased and values without spaces, lowercased."""
    if not d:
        return {}
    return {str(k).lower(): str(v).replace(" ", "").lower() for k, v in d.items()}


def dict_total(gold: dict[str, Any]) -> int:
    """Subtasks of a dict-task gold answer: its keys (upstream counts the raw gold dict)."""
    return len(gold)


def score_dict(gold: dict[str, Any], answer: str) -> Score:
    """Crossword / acrostic / cryptogram: gold keys whose predicted value matches."""
    value, error = parse_literal(answer)
    if error is not None:
        return Score(0, len(gold), False, error)
    if value and not isinstance(value, dict):
        return Score(0, len(gold), True, f"answer is a {type(value).__name__}, not a dict")
    pred = _norm_dict(value)
    correct = sum(1 for k, v in _norm_dict(gold).items() if pred.get(k, "MISSING") == v)
    return Score(correct, len(gold))


def _norm_rows(rows: Any) -> list[dict[str, str]]:
    return [{str(k).lower(): str(v).lower() for k, v in row.items()} for row in rows]


def logic_total(gold: Sequence[dict[str, Any]]) -> int:
    """Subtasks of a logic gold answer: every category but the first of each row."""
    return sum(len(row) - 1 for row in _norm_rows(gold))


def score_logic(gold: Sequence[dict[str, Any]], answer: str) -> Score:
    """Logic grid: per gold row, the row keyed by its first pair, other categories compared."""
    value, error = parse_literal(answer)
    pred: list[dict[str, str]] = []
    if error is None:
        try:
            pred = _norm_rows(value)
        except (AttributeError, TypeError) as exc:
            error = f"answer is not a list of dicts ({type(exc).__name__})"
    gold_rows = _norm_rows(gold)
    correct = total = 0
    for row in gold_rows:
        first = next(iter(row.items()))
        match = next((d for d in pred if first in d.items()), {})
        for key, gold_value in row.items():
            if key == first[0]:
                continue
            total += 1
            correct += match.get(key, "") == gold_value
    return Score(correct, total, error is None or error.startswith("answer"), error)


def grid_total(puzzle: Sequence[Sequence[Any]]) -> int:
    """Subtasks of a sudoku: the puzzle's empty (0) cells."""
    return sum(list(row).count(0) for row in puzzle)


def drop_total(gold: Sequence[Sequence[str]]) -> int:
    """Subtasks of a drop quote: gold cells other than ``#``."""
    return sum(1 for row in gold for cell in row if cell != "#")


def _overlap(gold: Sequence[Sequence[Any]], pred: Any, counts: Callable[[int, int], bool],
             compare_first: bool) -> int:
    """Cells where ``counts(i, j)`` and ``gold[i][j] == pred[i][j]`` over the overlap, in
    upstream's loop and operand order (``compare_first``: the cell comparison is evaluated
    before ``counts``), so it raises TypeError/KeyError/IndexError exactly where upstream does."""
    correct = 0
    for i in range(min(len(gold), len(pred))):
        row = pred[i]
        for j in range(min(len(gold[i]), len(row))):
            if compare_first:
                hit = gold[i][j] == row[j] and counts(i, j)
            else:
                hit = counts(i, j) and gold[i][j] == row[j]
            correct += bool(hit)
    return correct


def _score_grid(gold: Sequence[Sequence[Any]], answer: str, total: int, counts: Callable[[int, int], bool],
                compare_first: bool) -> Score:
    value, error = parse_literal(answer)
    if error is not None:
        return Score(0, total, False, error)
    try:
        correct = _overlap(gold, value, counts, compare_first)
    except (TypeError, KeyError, IndexError) as exc:
        return Score(0, total, True, f"crash: upstream scorer would raise {type(exc).__name__}")
    return Score(min(correct, total), total)


def score_sudoku(puzzle: Sequence[Sequence[int]], solution: Sequence[Sequence[int]], answer: str) -> Score:
    """Sudoku: the puzzle's empty cells whose predicted value ``==`` the solution's."""
    return _score_grid(solution, answer, grid_total(puzzle), lambda i, j: puzzle[i][j] == 0, True)


def score_drop(gold: Sequence[Sequence[str]], answer: str) -> Score:
    """Drop quote: non-``#`` gold cells whose predicted cell is the same string."""
    return _score_grid(gold, answer, drop_total(gold), lambda i, j: gold[i][j] != "#", False)
