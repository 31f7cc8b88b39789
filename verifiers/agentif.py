"""AgentIF constraints: evaluation chains of code, LLM and conditional (gate) steps, as upstream.

A constraint's ``evaluation`` is a list of steps walked with a working value ``w`` (initially the
response, cut after the first ``</think>`` and then stripped; a text without the tag is kept as is
in ``compat``, as upstream):

- ``llm_conditional_check`` (gate): the judge sees the step's prompt filled with ``w``; ``"YES"``
  in its reply continues, anything else makes the constraint not applicable (score None);
- ``llm``: ``w`` becomes the judge's reply (after ``</think>`` and stripped when the tag is
  there; in ``compat`` a reply without the tag is passed on unstripped, as upstream, so a
  ``[llm, code]`` chain's code sees its surrounding whitespace); an empty reply stops (None);
- ``code``: ``w`` becomes ``check_following(w)`` run in :mod:`evalkit.sandbox` (isolated, or
  refused — see the pack's ``unsafe_dataset_code`` option); an empty ``w`` or a failing snippet
  gives None (the walk goes on, as upstream) and the snippet's error is kept as the reason.

The final ``w``: a string scores True if it contains ``"YES"``, else False if it contains
``"NO"``, else None (an unparseable verdict: an error row here); anything else is kept as is.
Prompt filling: append ``"\\n\\nHere is model response: {response}"`` when the prompt lacks
``{response}``, then plain replacement. ``compat`` also reproduces upstream's crash when a gate's
judge call fails or its reply ``content`` is ``null`` (upstream's ``llm_checker`` returns None and
``process_item`` raises on it): that constraint and all later ones of the instance stay unscored,
each an error row (outcome ``unscored``, left out of CSR / ISR) naming the gate; and its
``exec(code, globals, locals)`` namespaces (helpers defined beside ``check_following`` are not
visible to it; ``json``/``os``/``re`` are, from the evaluator's globals). ``strict`` normalises
the missing-``def`` defect, reads verdicts as an exact last-line ``YES``/``NO`` and uses one
namespace.

A null reply is told apart from an empty one: an empty gate reply reads as "not applicable" (no
``"YES"``), a null one as a failed call (``strict``: an error row for that constraint only); an
``llm`` step's null or empty reply stops the chain with an error row, as upstream's None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from evalkit.checking import CheckContext, CheckResult, register
from evalkit.judging import JudgeCall, JudgeChecker, JudgeDefaults, Judgement
from evalkit.sandbox import SandboxLimits, run_function

JUDGE = JudgeDefaults(model="openai:gpt-4o-2024-11-20", temperature=0.0, max_tokens=8192)
APPEND = "\n\nHere is model response: {response}"
PRELUDE = ("json", "os", "re")  # what the upstream evaluator's globals hold
LIMITS = SandboxLimits(cpu_s=5, memory_mb=1024, wall_s=10)
_MISSING_DEF = re.compile(r"^(\s*)check_following\s*\(", re.MULTILINE)


def after_think(text: str) -> str:
    """Upstream's ``split("</think>")[1]`` when the tag is present (text after the first tag)."""
    return text.split("</think>")[1] if "</think>" in text else text


def upstream_text(text: str, strict: bool) -> str:
    """The text a step works on: after the first ``</think>`` and stripped when the tag is
    present; without it, upstream (``compat``) keeps the text unstripped, ``strict`` strips."""
    if "</think>" in text or strict:
        return after_think(text).strip()
    return text


def fill_prompt(prompt: str, w: str) -> str:
    """The judge prompt: the response placeholder appended when absent, then replaced by ``w``."""
    if "{response}" not in prompt:
        prompt += APPEND
    return prompt.replace("{response}", w)


def verdict(text: str, strict: bool) -> bool | None:
    """Upstream: ``"YES"`` anywhere → True, else ``"NO"`` anywhere → False, else None; strict: the
    last non-blank line must be exactly YES or NO."""
    if strict:
        lines = [line.strip().strip("*.").upper() for line in text.splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        return True if last == "YES" else False if last == "NO" else None
    return True if "YES" in text else False if "NO" in text else None


def normalise_code(source: str) -> str:
    """strict: ``check_following(response):`` written without ``def`` gets its ``def`` back."""
    if "def check_following" in source:
        return source
    return _MISSING_DEF.sub(r"\1def check_following(", source, count=1)


@lru_cache(maxsize=4096)
def run_code(source: str, w: str, strict: bool, unisolated: bool = False) -> tuple[Any, str | None]:
    """(value, error) of ``check_following(w)`` in the sandbox (cached: chains are re-walked);
    ``unisolated``: the user allowed dataset code without an isolation layer."""
    code = normalise_code(source) if strict else source
    res = run_function(code, "check_following", [w], LIMITS, prelude=PRELUDE, split_namespace=not strict,
                       allow_unisolated=unisolated)
    return (res.value, None) if res.ok else (None, res.error or "unknown sandbox failure")


@dataclass(frozen=True)
class _Need:
    group: str
    prompt: str


@dataclass(frozen=True)
class _Done:
    score: Any
    outcome: str  # scored | not_applicable | eval_error | unparseable | unscored
    reason: str
    raw: str | None = None


def _gate_crash(constraints: list[dict[str, Any]], upto: int, judged: dict[str, Judgement]) -> str | None:
    """compat: why upstream's instance loop crashed at or before constraint ``upto`` (a leading
    gate whose judge call failed or replied null); None when it did not."""
    for j in range(upto + 1):
        for k, step in enumerate(constraints[j]["steps"]):
            if step["type"] != "llm_conditional_check":
                break
            found = judged.get(f"c{j}.s{k}")
            if found is None or (found.error is None and not found.null):
                continue
            what = f"judge call failed: {found.error}" if found.error is not None else "judge reply content was null"
            where = "this constraint's gate" if j == upto else f"the gate of constraint {j}"
            return f"unscored: {where} (step {k}): {what} (upstream's process_item raises; rest of the instance unscored)"
    return None


def _judge_step(step: dict[str, Any], group: str, w: Any, judged: dict[str, Judgement], strict: bool
                ) -> tuple[str, Any]:
    """One gate/llm step: ("need", prompt) | ("stop", _Done) | ("go", new w)."""
    if not isinstance(w, str):
        return "stop", _Done(None, "eval_error", "no text for the judge step (an earlier step failed)")
    found = judged.get(group)
    if found is None:
        return "need", fill_prompt(step["exec"], w)
    if found.error is not None:
        return "stop", _Done(None, "eval_error", f"judge call failed: {found.error}")
    if found.null:
        return "stop", _Done(None, "eval_error", "judge reply content was null (upstream: None, no verdict)")
    reply = upstream_text(found.text, strict)
    if step["type"] == "llm_conditional_check":
        ok = verdict(reply, True) is True if strict else "YES" in reply
        return ("go", w) if ok else ("stop", _Done(None, "not_applicable", "condition not met (gate)", reply))
    if not reply:
        return "stop", _Done(None, "eval_error", "empty judge reply")
    return "go", reply


def walk(response: str, ctx: CheckContext, index: int) -> _Need | _Done:
    """Walk constraint ``index``'s chain as far as the stored verdicts allow."""
    strict = ctx.strict
    constraints = ctx.reference["constraints"]
    judged = ctx.judgements or {}
    me = constraints[index]
    if me.get("prescored"):
        return _Done(me.get("score"), "prescored", "score already in the data (upstream skips it)")
    crash = None if strict else _gate_crash(constraints, index, judged)
    if crash is not None:
        return _Done(None, "unscored", crash)
    w: Any = upstream_text(response, strict)
    raw, failure = None, "a step failed"
    unisolated = bool(ctx.reference.get("unsafe_dataset_code"))
    for k, step in enumerate(me["steps"]):
        if step["type"] == "code":
            if not w:
                w, failure = None, f"step {k} (code): empty input"
                continue
            w, error = run_code(step["exec"], w, strict, unisolated) if isinstance(w, str) else (None, "non-text input")
            if error is not None:
                failure = f"step {k} (code): {error}"
            continue
        what, value = _judge_step(step, f"c{index}.s{k}", w, judged, strict)
        if what == "need":
            return _Need(f"c{index}.s{k}", value)
        if what == "stop":
            return value  # type: ignore[no-any-return]
        w = raw = value
    if isinstance(w, str):
        score = verdict(w, strict)
        return _Done(score, "scored" if score is not None else "unparseable", "final text", w)
    return _Done(w, "scored" if w is not None else "eval_error", "code step result" if w is not None else
                 failure, raw)


@register("agentif.constraint")
@dataclass(frozen=True)
class AgentIFConstraint(JudgeChecker):
    """Passes when constraint ``index`` of the instance (its steps in the sample's reference)
    scores True through its evaluation chain; not-applicable constraints are skipped, failed
    steps and unparseable final verdicts are errors (``details.score`` keeps upstream's value)."""

    index: int
    judge_defaults = JUDGE

    def judge_call(self, response: str, ctx: CheckContext) -> JudgeCall | None:
        """The next gate/llm step whose verdict is not stored yet, if any."""
        state = walk(response, ctx, self.index)
        if isinstance(state, _Need):
            return JudgeCall(state.group, ({"role": "user", "content": state.prompt},))
        return None

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """The chain's outcome as a verdict (see the class docstring)."""
        state = walk(response, ctx, self.index)
        if isinstance(state, _Need):
            return CheckResult(None, "not judged (run with --judge BACKEND:MODEL)", "skipped")
        details = {"score": state.score, "outcome": state.outcome, "judge_raw": state.raw, "mode": ctx.mode}
        if state.outcome == "not_applicable" or (state.outcome == "prescored" and state.score is None):
            return CheckResult(None, state.reason, "skipped", details)
        if state.outcome in ("eval_error", "unparseable", "unscored"):
            why = "unparseable judge verdict" if state.outcome == "unparseable" else state.reason
            return CheckResult(None, why, "error", details)
        return CheckResult(state.score is True, f"score {state.score!r} ({state.reason})", details=details)

    def parse_verdict(self, text: str, response: str, ctx: CheckContext) -> CheckResult:  # pragma: no cover
        """Unused: ``check`` walks the whole chain."""
        return self.check(response, ctx)
