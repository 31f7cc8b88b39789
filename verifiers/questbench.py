"""QuestBench checkers (``mc`` mode of upstream ``evaluators/*.py``), one per answer format.

- Logic-Q: the model writes ``Question: Is Alice <attribute>?`` or ``End questioning``. As
  upstream: a response containing ``End questioning`` (case-sensitive) anywhere is that choice;
  otherwise the text after the last ``Question:`` is searched for ``Is Alice \\[?([ \\w-]+)\\]?\\?``
  and the first match's group, stripped, must be one of ``gt_qs``; failing that a case-insensitive
  ``end questioning`` still counts as the choice (never gold), and anything else is unparsable.
- Planning-Q: text after the last ``Answer:`` (if any), first ``\\b[0-9]+\\b``; it must be below
  the number of options and ``options[n]`` must be in ``gt_qs``.
- GSM-Q / GSME-Q: lowercased text after the last ``choice:``, first ``\\b[0-9]+\\b``; it must equal
  the index of the gold variable (``-1`` when absent, as upstream, so nothing passes).

Upstream re-queries the model up to six times when the answer does not parse; a single response
is graded here, so an unparsable answer is wrong (the spec's ``strict`` behaviour).
All parsing runs in time linear in the response length (the Logic-Q regex is evaluated by a
scan equivalent to Python's backtracking matcher, whose worst case is quadratic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import CheckContext, Checker, CheckResult, register

_PREFIX = "Is Alice "
_ATTR_RUN = re.compile(r"[ \w-]*")
_NUMBER = re.compile(r"\b[0-9]+\b")
# more digits than this cannot name an option (upstream's int() even raises past 4,300 digits)
_MAX_DIGITS = 18


def first_alice_attribute(text: str) -> str | None:
    """Group 1 of the first match of ``Is Alice \\[?([ \\w-]+)\\]?\\?`` in ``text`` (as
    ``re.findall(...)[0]``), or None when there is none; linear time."""
    run_from, run_end = -1, -1
    pos = text.find(_PREFIX)
    while pos != -1:
        start = pos + len(_PREFIX)
        if start < len(text) and text[start] == "[":
            start += 1  # ``\[?`` is greedy; without it the run could not start at "["
        if run_from <= start < run_end:
            end = run_end  # same maximal run as an earlier occurrence
        else:
            end = _ATTR_RUN.match(text, start).end()  # type: ignore[union-attr]
            run_from, run_end = start, end
        if end > start and (text.startswith("?", end) or text.startswith("]?", end)):
            return text[start:end]
        pos = text.find(_PREFIX, pos + 1)
    return None


def parse_logic(response: str) -> str | None:
    """Upstream's Logic-Q answer: ``"End questioning"``, an attribute, or None (unparsable)."""
    if "End questioning" in response:
        return "End questioning"
    tail = response.split("Question:")[-1].strip()
    attribute = first_alice_attribute(tail)
    if "end questioning" in tail.lower():
        return "End questioning"
    return attribute.strip() if attribute is not None else None


def first_number(text: str) -> int | None:
    """The first ``\\b[0-9]+\\b`` of ``text`` as an int (None when none); absurdly long digit runs
    give a value no option index can equal."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    digits = match.group(0).lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@register("questbench.logic_question")
@dataclass(frozen=True)
class LogicQuestion(Checker):
    """Passes when the parsed Logic-Q question asks about an attribute in ``gt_qs`` (any member of
    the sufficient set is correct); ``End questioning`` and unparsable answers fail."""

    gt_qs: list[str]

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Grade one Logic-Q response (see module docstring)."""
        answer = parse_logic(response)
        if answer is None:
            return CheckResult(False, "unparsable: no 'Is Alice [attribute]?' and no 'End questioning'",
                               details={"parsed": None})
        ok = answer in self.gt_qs
        verdict = "in" if ok else "not in"
        return CheckResult(ok, f"asked {_short(answer)!r}, {verdict} the gold set", details={"parsed": answer})


@register("questbench.planning_option")
@dataclass(frozen=True)
class PlanningOption(Checker):
    """Passes when the chosen option number is below ``len(options)`` and ``options[n]`` (the
    question's fact, or ``No questions needed.``) is in ``gt_qs``."""

    options: list[str]
    gt_qs: list[str]

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Grade one Planning-Q response (see module docstring)."""
        text = response.split("Answer:")[-1].strip() if "Answer:" in response else response
        n = first_number(text)
        if n is None:
            return CheckResult(False, "unparsable: no option number", details={"parsed": None})
        if n >= len(self.options):
            return CheckResult(False, f"unparsable: option {n} out of range 0-{len(self.options) - 1}",
                               details={"parsed": None})
        chosen = self.options[n]
        ok = chosen.strip() in self.gt_qs
        return CheckResult(ok, f"option {n} = {chosen!r}, {'in' if ok else 'not in'} the gold set",
                           details={"parsed": n})


@register("questbench.gsm_choice")
@dataclass(frozen=True)
class GsmChoice(Checker):
    """Passes when the number after the last ``Choice:`` (case-insensitive) equals ``gt_index``,
    the position of the gold variable among the options."""

    gt_index: int
    n_options: int

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Grade one GSM-Q / GSME-Q response (see module docstring)."""
        n = first_number(response.lower().split("choice:")[-1].strip())
        if n is None:
            return CheckResult(False, "unparsable: no choice number", details={"parsed": None})
        ok = n == self.gt_index
        where = "" if n < self.n_options else f" (out of range 0-{self.n_options - 1})"
        return CheckResult(ok, f"choice {n}{where}, gold {self.gt_index}", details={"parsed": n})
