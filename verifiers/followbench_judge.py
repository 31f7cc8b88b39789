"""FollowBench LLM judging, as upstream ``gpt4_based_evaluation.py`` + ``llm_eval.py``.

The judge (upstream: ``gpt-4o-mini``, temperature 0, max_tokens 1024, one user turn) sees the
evolution path of the instruction — level 0 up to level k — and the answer, and is asked to end
with a Python list of k ``'YES'``/``'NO'``. The sample's k constraints (one per added
constraint) share one call.

Parsing (upstream ``paring_discriminative_generation``): strip backticks from both ends, strip,
take the last line. Level 1: ``'YES'`` anywhere in it ⇒ satisfied, else ``'NO'`` ⇒ not, else
unparseable. Level > 1: the greedy ``\\[.*\\]`` of the line read as a literal (upstream ``eval``;
here ``ast.literal_eval``, so a line such as ``['YES'] + ['NO']`` is unparseable), of exactly k
elements each ``'YES'`` (1) or one of ``'NO'``, ``'PARTIAL'``, ``'MAYBE'``, ``'UNKNOWN'``,
``'N/A'`` (0). Anything else is unparseable: an error row holding the raw text, whose details
carry upstream's ``hard = soft = -1`` (``compat`` pack metrics sum it as upstream does; ``strict``
re-asks the judge, then leaves it out of the rates and counts it).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from evalkit.checking import CheckContext, CheckResult, register
from evalkit.judging import JudgeCall, JudgeChecker, JudgeDefaults, VerdictError

JUDGE = JudgeDefaults(model="openai:gpt-4o-mini", temperature=0.0, max_tokens=1024, rejudge=3)
GROUP = "discriminative"
ZERO = frozenset({"NO", "PARTIAL", "MAYBE", "UNKNOWN", "N/A"})
KINDS = {
    "content": "content constraint",
    "situation": "situation constraint (information to describe a specific situation/background)",
    "style": "style constraint",
    "format": "format constraint",
    "mixed": "constraint",
}


def judge_prompt(kind: str, evolution: list[str], answer: str) -> str:
    """Upstream's ``{kind}_evaluation_prompt``: ``evolution`` is [level 0, …, level k] instructions."""
    what = KINDS[kind]
    k = len(evolution) - 1
    head = "#Initial Instruction#\n" + evolution[0] + "\n\n" + "#Initial Instruction + 1 constraint#\n" + evolution[1] + "\n\n"
    if k == 1:
        return (f"Given an initial instruction, we add one {what} and obtain the final instruction with 1 additional "
                "constraint.\n\n" + head + "#Answer of Initial Instruction + 1 constraint#\n" + answer + "\n\n"
                "#System#\n1) Please identify the 1 added constraint.\n2) Please descriminate if the #Answer of "
                "Initial Instruction + 1 constraint# satisfies the 1 added constraint.\n3) In the final line, only "
                "output a Python LIST with 1 element ('YES' or 'NO') indicating whether the answer satisfies the 1 "
                "added constraint.")
    middle = "".join(f"#Initial Instruction + {i} constraints#\n" + evolution[i] + "\n\n" for i in range(2, k + 1))
    return (f"Given an initial instruction, we add one {what} per time and obtain the final instruction with {k} "
            "additional constraints.\n\n" + head + middle + f"#Answer of Initial Instruction + {k} constraints#\n"
            + answer + "\n\n" + f"#System#\n1) Please identify all {k} added constraints.\n2) For the {k} added "
            f"constraints, discriminate if the #Answer of Initial Instruction + {k} constraints# satisfies each "
            f"constraint.\n3) In the final line, only output a Python LIST with {k} elements ('YES' or 'NO') "
            "indicating whether the answer satisfies each constraint.")


def parse_judgement(text: str, level: int) -> list[bool]:
    """Per added constraint, whether the judge said ``'YES'`` (level 1: one element);
    VerdictError when upstream's parser would return (-1, -1)."""
    last = text.strip("`").strip().split("\n")[-1]
    if level == 1:
        if "YES" in last:
            return [True]
        if "NO" in last:
            return [False]
        raise VerdictError("level 1: neither 'YES' nor 'NO' in the last line")
    found = re.search(r"\[.*\]", last)
    if found is None:
        raise VerdictError("no [...] list in the last line")
    try:
        items = ast.literal_eval(found.group())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise VerdictError(f"list is not a Python literal: {type(exc).__name__}") from None
    if not isinstance(items, list | tuple) or len(items) != level:
        size = len(items) if isinstance(items, list | tuple) else "not a list"
        raise VerdictError(f"expected a list of {level} elements, got {size}")
    out = []
    for item in items:
        if item == "YES":
            out.append(True)
        elif isinstance(item, str) and item in ZERO:
            out.append(False)
        else:
            raise VerdictError(f"invalid element {item!r} in the list")
    return out


def _unparsed(exc: VerdictError, mode: str) -> VerdictError:
    return VerdictError(str(exc), {"hard": -1, "soft": -1, "mode": mode})


@register("followbench.judge")
@dataclass(frozen=True)
class AddedConstraint(JudgeChecker):
    """Passes when the judge said ``'YES'`` for added constraint ``index`` (0-based) of a level
    ``level`` instruction. The sample's reference holds the file ``kind`` and the evolution path;
    all k constraints share one judge call; details hold the instruction's hard/soft result."""

    index: int
    level: int
    judge_defaults = JUDGE

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.level <= 5:
            raise ValueError(f"need 0 <= index < level <= 5, got index {self.index}, level {self.level}")

    def _ref(self, ctx: CheckContext) -> dict[str, Any]:
        ref = ctx.reference
        if not isinstance(ref, dict) or "evolution" not in ref or ref.get("kind") not in KINDS:
            raise ValueError("followbench sample has no evolution-path reference")
        return ref

    def judge_call(self, response: str, ctx: CheckContext) -> JudgeCall:
        """The upstream judge prompt for this instruction (one per sample)."""
        ref = self._ref(ctx)
        return JudgeCall(GROUP, ({"role": "user", "content": judge_prompt(ref["kind"], list(ref["evolution"]), response)},))

    def accepts(self, text: str, ctx: CheckContext) -> bool:
        """compat never re-asks (upstream makes one call); strict re-asks unparseable verdicts."""
        if not ctx.strict:
            return True
        try:
            parse_judgement(text, self.level)
        except VerdictError:
            return False
        return True

    def parse_verdict(self, text: str, response: str, ctx: CheckContext) -> CheckResult:
        """Element ``index`` of the parsed list; details: hard (all YES) and soft (share YES)."""
        try:
            verdicts = parse_judgement(text, self.level)
        except VerdictError as exc:
            raise _unparsed(exc, ctx.mode) from None
        hard = int(all(verdicts))
        soft = sum(verdicts) / len(verdicts)
        ok = verdicts[self.index]
        return CheckResult(ok, f"constraint {self.index + 1} of {self.level}: {'YES' if ok else 'not YES'}",
                           details={"hard": hard, "soft": soft, "mode": ctx.mode})
