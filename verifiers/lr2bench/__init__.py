"""LR²Bench checkers: one per task, each extracting the answer and scoring it against the gold.

A checker passes when every subtask of the sample is correct (the sample's EM). Its ``details``
carry what the pack's CR / S-Acc / EM / PM-0.5 need: ``answered`` (the extracted string is not the
task's default), ``correct`` and ``total`` subtasks, ``parsed`` and the ``extracted`` string
(cut to 65,536 characters, with ``extracted_truncated``). The gold answer is ``ctx.reference``:
a dict for crossword/acrostic/cryptogram, a list of dicts for logic, ``{"grid", "answer"}`` for
sudoku and a list of rows for drop. Extraction: :mod:`.extract`; scoring rules: :mod:`.grade`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from evalkit.checking import CheckContext, Checker, CheckResult, register
from evalkit.verifiers.lr2bench.extract import DEFAULTS, extract_answer
from evalkit.verifiers.lr2bench.grade import (
    Score,
    score_dict,
    score_drop,
    score_logic,
    score_sudoku,
)

MAX_STORED = 65536


def score_answer(task: str, reference: Any, answer: str) -> Score:
    """Score an already extracted answer string for ``task`` against its gold ``reference``."""
    if task in ("crossword", "acrostic", "cryptogram"):
        return score_dict(reference, answer)
    if task == "logic":
        return score_logic(reference, answer)
    if task == "sudoku":
        return score_sudoku(reference["grid"], reference["answer"], answer)
    if task == "drop":
        return score_drop(reference, answer)
    raise ValueError(f"unknown LR2Bench task {task!r}")


def grade_response(task: str, reference: Any, response: str) -> CheckResult:
    """Extract ``response``'s answer for ``task`` and score it; passes iff all subtasks are correct."""
    answer = extract_answer(task, response)
    answered = answer != DEFAULTS[task]
    score = score_answer(task, reference, answer)
    details: dict[str, Any] = {
        "answered": answered, "parsed": score.parsed, "correct": score.correct, "total": score.total,
        "extracted": answer[:MAX_STORED],
    }
    if len(answer) > MAX_STORED:
        details["extracted_truncated"] = True
    if not answered:
        reason = f"no answer found (extracted the default {answer!r}): 0/{score.total}"
    elif score.error:
        reason = f"{score.correct}/{score.total} subtasks correct ({score.error})"
    else:
        reason = f"{score.correct}/{score.total} subtasks correct"
    return CheckResult(score.correct == score.total, reason, details=details)


@dataclass(frozen=True)
class LR2BenchChecker(Checker):
    """Base of the six task checkers (no parameters; the gold answer is ``ctx.reference``)."""

    task: ClassVar[str] = ""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Passes when every subtask of the extracted answer matches the gold (see module docstring)."""
        return grade_response(type(self).task, ctx.reference, response)


@register("lr2bench.crossword")
@dataclass(frozen=True)
class Crossword(LR2BenchChecker):
    """Crossword: every ``n-ACROSS``/``n-DOWN`` word of the last ``<Answer>{…}</Answer>`` is right."""

    task = "crossword"


@register("lr2bench.acrostic")
@dataclass(frozen=True)
class Acrostic(LR2BenchChecker):
    """Acrostic: every numbered cell's letter of the last ``<Answer>{…}</Answer>`` is right."""

    task = "acrostic"


@register("lr2bench.logic")
@dataclass(frozen=True)
class Logic(LR2BenchChecker):
    """Logic grid: every non-key cell of the last ``<Answer>[…]</Answer>`` table is right."""

    task = "logic"


@register("lr2bench.cryptogram")
@dataclass(frozen=True)
class Cryptogram(LR2BenchChecker):
    """Cryptogram: every cipher letter of the last ``<Mapping>{…}</Mapping>`` maps to the right letter."""

    task = "cryptogram"


@register("lr2bench.sudoku")
@dataclass(frozen=True)
class Sudoku(LR2BenchChecker):
    """Sudoku: every empty cell of the last ``<Answer>[[…]]</Answer>`` grid holds the solution's integer."""

    task = "sudoku"


@register("lr2bench.drop")
@dataclass(frozen=True)
class Drop(LR2BenchChecker):
    """Drop quote: every non-``#`` cell of the last ``<Answer>[[…]]</Answer>`` grid equals the gold."""

    task = "drop"


CHECKER_IDS: dict[str, str] = {t: f"lr2bench.{t}" for t in ("crossword", "acrostic", "logic", "cryptogram", "sudoku", "drop")}
