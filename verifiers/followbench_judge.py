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

``followbench.judge_zh`` is the Chinese variant (``code_zh/``): Chinese prompt, its own parser,
default judge ``gpt-4`` (see the Chinese section below).
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

    def parse(self, text: str) -> list[bool]:
        """The parsed verdicts for this instruction's level (:func:`parse_judgement`)."""
        return parse_judgement(text, self.level)

    def accepts(self, text: str, ctx: CheckContext) -> bool:
        """compat never re-asks (upstream makes one call); strict re-asks unparseable verdicts."""
        if not ctx.strict:
            return True
        try:
            self.parse(text)
        except VerdictError:
            return False
        return True

    def parse_verdict(self, text: str, response: str, ctx: CheckContext) -> CheckResult:
        """Element ``index`` of the parsed list; details: hard (all YES) and soft (share YES)."""
        try:
            verdicts = self.parse(text)
        except VerdictError as exc:
            raise _unparsed(exc, ctx.mode) from None
        hard = int(all(verdicts))
        soft = sum(verdicts) / len(verdicts)
        ok = verdicts[self.index]
        return CheckResult(ok, f"constraint {self.index + 1} of {self.level}: {'YES' if ok else 'not YES'}",
                           details={"hard": hard, "soft": soft, "mode": ctx.mode})


# ---------------------------------------------------------------- Chinese judging (upstream code_zh/)
#
# ``code_zh/llm_eval.py`` judges with ``gpt-4`` (temperature 0, max_tokens 1024); the prompts are
# Chinese (below). The parser differs from the English one: curly quotes “ ” become ``"``; the
# text is stripped of backticks, then spaces, then newlines, and the last line of spaces; a
# level > 1 list without any quote has its bare ``YES`` / ``NO`` quoted before it is read; a list
# may be longer than k (only its first k elements count); the zero set is ``NO``, ``PARTIAL``,
# ``PARTIALLY``, ``MAYBE``, ``UNKNOWN`` (no ``N/A``). Unparseable ⇒ -1 as in English.

JUDGE_ZH = JudgeDefaults(model="openai:gpt-4", temperature=0.0, max_tokens=1024, rejudge=3)
ZERO_ZH = frozenset({"NO", "PARTIAL", "PARTIALLY", "MAYBE", "UNKNOWN"})
KINDS_ZH = {
    "content": "内容约束",
    "situation": "情景约束（描述特定情况/背景的信息）",
    "style": "风格约束",
    "format": "格式约束",
    "mixed": "约束",
}


def judge_prompt_zh(kind: str, evolution: list[str], answer: str) -> str:
    """Upstream ``code_zh`` ``{kind}_evaluation_prompt``: ``evolution`` is [level 0, …, level k]."""
    what = KINDS_ZH[kind]
    k = len(evolution) - 1
    head = "#初始指令#\n" + evolution[0] + "\n\n" + "#初始指令 + 1个约束#\n" + evolution[1] + "\n\n"
    if k == 1:
        return (f"给定一个初始指令，我们添加一个{what}，获得了有1个附加约束的最终指令。\n\n" + head
                + "#初始指令 + 1个约束的答案#\n" + answer + "\n\n"
                "#系统#\n1) 请识别出添加的1个约束。\n2) 请判断#初始指令 + 1个约束的答案#是否满足了添加的1个约束。\n"
                "3) 在最后一行，只输出一个包含1个元素（“YES”或“NO”）的Python列表，表明答案是否满足添加的一个约束。")
    middle = "".join(f"#初始指令 + {i}个约束#\n" + evolution[i] + "\n\n" for i in range(2, k + 1))
    return (f"给定一个初始指令，我们每次添加一个{what}，获得了有{k}个附加约束的最终指令。\n\n" + head + middle
            + f"#初始指令 + {k}个约束的答案#\n" + answer + "\n\n"
            + f"#系统#\n1) 请识别出添加的{k}个约束。\n2) 对于添加的{k}个约束, 请判断#初始指令 + {k}个约束的答案#"
            f"是否满足了每个约束。\n3) 在最后一行，只输出一个包含{k}个元素（“YES”或“NO”）的Python列表，"
            "表明答案是否满足添加的每一个约束。")


def _zh_last_line(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"')
    return text.strip("`").strip(" ").strip("\n").split("\n")[-1].strip(" ")


def parse_judgement_zh(text: str, level: int) -> list[bool]:
    """Per added constraint, whether the judge said ``'YES'``, by upstream ``code_zh``'s parser
    (see above); VerdictError when it would return (-1, -1)."""
    last = _zh_last_line(text)
    if level == 1:
        if "YES" in last:
            return [True]
        if "NO" in last:
            return [False]
        raise VerdictError("level 1: neither 'YES' nor 'NO' in the last line")
    found = re.search(r"\[.*\]", last)
    if found is None:
        raise VerdictError("no [...] list in the last line")
    literal = found.group()
    if '"' not in literal and "'" not in literal:
        literal = literal.replace("YES", "'YES'").replace("NO", "'NO'")
    try:
        items = ast.literal_eval(literal)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise VerdictError(f"list is not a Python literal: {type(exc).__name__}") from None
    if not isinstance(items, list | tuple) or len(items) < level:
        size = len(items) if isinstance(items, list | tuple) else "not a list"
        raise VerdictError(f"expected a list of at least {level} elements, got {size}")
    out = []
    for item in items[:level]:
        if item == "YES":
            out.append(True)
        elif isinstance(item, str) and item in ZERO_ZH:
            out.append(False)
        else:
            raise VerdictError(f"invalid element {item!r} in the list")
    return out


@register("followbench.judge_zh")
@dataclass(frozen=True)
class AddedConstraintZh(AddedConstraint):
    """Passes when the judge (default ``gpt-4``, as upstream ``code_zh``) said ``'YES'`` for
    added constraint ``index`` of a level ``level`` Chinese instruction: Chinese prompt, Chinese
    parser; otherwise as ``followbench.judge``."""

    judge_defaults = JUDGE_ZH

    def judge_call(self, response: str, ctx: CheckContext) -> JudgeCall:
        """The upstream Chinese judge prompt for this instruction (one per sample)."""
        ref = self._ref(ctx)
        return JudgeCall(GROUP, ({"role": "user", "content": judge_prompt_zh(ref["kind"], list(ref["evolution"]),
                                                                             response)},))

    def parse(self, text: str) -> list[bool]:
        """The Chinese parser's verdicts for this instruction's level."""
        return parse_judgement_zh(text, self.level)
