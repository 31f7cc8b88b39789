"""CFBench checklist judging: one GPT-4o call per sample scores every checklist item 0/1.

The judge is asked (upstream prompt, :mod:`verifiers.cfbench_prompt`) to answer one line per
item, ``item\\t0|1``, lines separated by a blank line. Parsing, as upstream ``evalaute.py``:

- *strict* (``judge_parsing="1"``): split on ``"\\n\\n"``; as many parts as items; each part
  splits on tab into exactly two; the echoed text equals the item; ``float(score)`` is 0 or 1.
- *fallback* (``"0"``, once 10 calls in total gave no strict parse — upstream's ``_judged``
  makes at most 10 judge calls per sample, so evalkit asks once and re-judges at most 9 more
  times): split on ``"\\n"``, keep lines with exactly one tab whose ``float(score)`` is truthy
  and 0/1 — so **zeros are dropped** (upstream bug, kept in ``compat``).
- nothing from fallback (``"-1"``): upstream scores ``["0"]``; here an error row (``compat``
  pack metrics still count it as upstream's zeros, as upstream defines; ``strict`` leaves it out).
- **upstream crash** (details ``parsing: "crash"``): a line with one tab whose score ``float()``
  rejects (``1（满足）``, ``yes``, ``是``, ``0 (not satisfied)``, a tab-separated markdown row
  such as ``1 |``) makes upstream's fallback raise and abort the whole evaluation, so upstream
  defines no score. evalkit does not invent one: the sample is an error row in every mode, left
  out of CSR / ISR / PSR and counted among the check errors (as the MulDimIF and IFEval packs
  count checker errors).
- **null reply**: a judge reply whose ``content`` is ``null`` fails the strict parse and is
  re-judged, as upstream (whose strict parse swallows the error); when the last call's reply is
  still null, upstream's fallback calls ``None.split`` and aborts, so it is an upstream crash
  too (details ``parsing: "crash"``, ``judge_null: true``), in every mode.

``strict`` mode replaces the fallback by a positional parse (non-blank line *i* ↔ item *i*, last
tab-separated token 0/1) that never drops zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalkit.checking import CheckContext, CheckResult, register
from evalkit.judging import JudgeCall, JudgeChecker, JudgeDefaults, VerdictError
from evalkit.verifiers.cfbench_prompt import TEMPLATE

# upstream: at most 10 judge calls per sample (MAX_RETRY_NUM = 10 rounds of _judged), i.e. 9 re-judges
JUDGE = JudgeDefaults(model="openai:gpt-4o-2024-05-13", temperature=0.01, max_tokens=4096, rejudge=9)
CRASH = "crash"  # the parse flag of a verdict upstream's fallback crashes on
GROUP = "checklist"


def judge_prompt(prompt: str, gold: str, response: str, criteria: list[str]) -> str:
    """The upstream judge prompt filled in (criteria joined by a blank line)."""
    slots = {"@@PROMPT@@": prompt, "@@GOLD@@": gold, "@@RESPONSE@@": response, "@@CRITERIA@@": "\n\n".join(criteria)}
    out, rest = [], TEMPLATE
    for slot, value in slots.items():  # slots appear once each, in this order
        head, _, rest = rest.partition(slot)
        out += [head, value]
    return "".join(out) + rest


def _is01(score: str) -> bool:
    try:
        return float(score) in (0, 1)
    except ValueError:
        return False


def parse_strict(text: str, criteria: list[str]) -> list[str] | None:
    """Upstream's strict parse: the scores (stripped strings) or None when any rule fails."""
    parts = text.split("\n\n")
    if len(parts) != len(criteria):
        return None
    scores = []
    for part, item in zip(parts, criteria, strict=True):
        pieces = part.split("\t")
        if len(pieces) != 2 or pieces[0] != item or not _is01(pieces[1]):
            return None
        scores.append(pieces[1].strip())
    return scores or None


def parse_fallback(text: str) -> list[str]:
    """Upstream's fallback: the truthy 0/1 scores of lines with exactly one tab (zeros dropped);
    VerdictError where upstream raised (a non-numeric score)."""
    scores = []
    for line in text.split("\n"):
        pieces = line.split("\t")
        if len(pieces) != 2:
            continue
        try:
            value = float(pieces[1])
        except ValueError:
            raise VerdictError(f"non-numeric score {pieces[1]!r} (upstream's fallback raises here and aborts; "
                               "left out of the rates)", {"parsing": CRASH, "scores": []}) from None
        if value and value in (0, 1):
            scores.append(pieces[1].strip())
    return scores


def parse_positional(text: str, n: int) -> list[str] | None:
    """strict mode's fallback: non-blank line i scores item i by its last tab-separated token."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) != n:
        return None
    scores = []
    for line in lines:
        token = line.rsplit("\t", 1)[-1].strip() if "\t" in line else line[-1:]
        if token not in ("0", "1"):
            return None
        scores.append(token)
    return scores


def parse_checklist(text: str, criteria: list[str], mode: str) -> tuple[str, list[str]]:
    """(judge_parsing flag, scores) as upstream (``compat``) or with the positional parse (``strict``);
    VerdictError (carrying the flag) when no score can be read."""
    scores = parse_strict(text, criteria)
    if scores is not None:
        return "1", scores
    if mode == "strict":
        scores = parse_positional(text, len(criteria))
        if scores is None:
            raise VerdictError(f"expected {len(criteria)} lines 'item<TAB>0|1'")
        return "0", scores
    scores = parse_fallback(text)
    if not scores:
        raise VerdictError("no 'item<TAB>score' line (upstream: judge_parsing -1, scores ['0'])")
    return "0", scores


@register("cfbench.checklist_item")
@dataclass(frozen=True)
class ChecklistItem(JudgeChecker):
    """Passes when the judge scored checklist item ``index`` 1. The whole checklist (from the
    sample's reference: prompt, gold, criteria) is judged in one call shared by all items; in a
    fallback parse item ``index`` takes the ``index``-th kept score (missing → 0), as upstream
    keeps no per-item alignment there."""

    index: int
    judge_defaults = JUDGE

    def _ref(self, ctx: CheckContext) -> dict[str, Any]:
        ref = ctx.reference
        if not isinstance(ref, dict) or "criteria" not in ref:
            raise ValueError("cfbench sample has no checklist reference")
        return ref

    def judge_call(self, response: str, ctx: CheckContext) -> JudgeCall:
        """The whole-checklist judge request of the sample."""
        ref = self._ref(ctx)
        content = judge_prompt(ref["prompt"], ref["gold"], response, list(ref["criteria"]))
        return JudgeCall(GROUP, ({"role": "user", "content": content},))

    def accepts(self, text: str, ctx: CheckContext) -> bool:
        """Upstream re-judges until the strict parse succeeds."""
        return parse_strict(text, list(self._ref(ctx)["criteria"])) is not None

    def null_reply(self, response: str, ctx: CheckContext) -> CheckResult:
        """A null final reply: upstream's fallback crashes on it, so an error row left out of the rates."""
        return CheckResult(None, "judge reply content was null (upstream's fallback raises on None and aborts; "
                           "left out of the rates)", "error", {"parsing": CRASH, "scores": [], "mode": ctx.mode})

    def parse_verdict(self, text: str, response: str, ctx: CheckContext) -> CheckResult:
        """Item ``index``'s 0/1 from the parsed checklist; details hold the sample-level parse."""
        criteria = list(self._ref(ctx)["criteria"])
        try:
            flag, scores = parse_checklist(text, criteria, ctx.mode)
        except VerdictError as exc:
            details = exc.details or {"parsing": "-1", "scores": ["0"]}
            raise VerdictError(str(exc), {**details, "mode": ctx.mode}) from None
        score = scores[self.index] if self.index < len(scores) else "0"
        passed = float(score) == 1
        how = "strict parse" if flag == "1" else ("positional parse" if ctx.mode == "strict" else
                                                  "upstream fallback (zeros dropped)")
        return CheckResult(passed, f"item {self.index}: {score} ({how})",
                           details={"parsing": flag, "scores": scores, "mode": ctx.mode})
