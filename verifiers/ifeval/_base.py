"""The shared strict/loose machinery of the IFEval checkers.

Upstream judges an instruction two ways:

- strict: followed iff ``response.strip()`` is non-empty and the check passes on ``response``;
- loose: followed iff the check passes on any non-blank one of eight variants of the response
  (itself; all ``*`` removed; without its first line; without its last line; without both;
  and the ``*``-removed form of the three trimmed ones).

Every checker computes both verdicts; ``passed`` is the one of the pack's mode (``strict`` by
default, ``-T mode=loose``) and ``details`` keeps both, so the pack reports all four metrics.
"""

from __future__ import annotations

from evalkit.checking import CheckContext, Checker, CheckResult
from evalkit.errors import EvalkitError
from evalkit.verifiers.ifeval._text import Analyses, Text

RELATIONS = ("less than", "at least")


def loose_variants(response: str) -> tuple[str, ...]:
    """The eight texts upstream's loose mode tries, in upstream order (blank ones included)."""
    lines = response.split("\n")
    trimmed = (
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    )
    return (response, response.replace("*", ""), *trimmed, *(t.replace("*", "") for t in trimmed))


def analyses(response: str, ctx: CheckContext) -> Analyses:
    """The shared :class:`Analyses` of ``response``: kept in ``ctx.memo`` (one per response,
    for every instruction of the prompt), or fresh when the context has no memo."""
    if ctx.memo is None:
        return Analyses()
    by_response = ctx.memo.setdefault("ifeval.analyses", {})
    found = by_response.get(response)
    if found is None:
        found = by_response[response] = Analyses()
    return found


def variant_texts(response: str, shared: Analyses) -> tuple[Text, ...]:
    """:func:`loose_variants` of ``response`` as the response's shared :class:`Text` objects."""
    found = shared.variants.get(response)
    if found is None:
        found = shared.variants[response] = tuple(shared.text(v) for v in loose_variants(response))
    return found


def compare(count: int, relation: str, threshold: int) -> bool:
    """True when ``count < threshold`` (``less than``) or ``count >= threshold`` (``at least``)."""
    return count < threshold if relation == RELATIONS[0] else count >= threshold


def require_relation(name: str, relation: str) -> None:
    """Raise EvalkitError unless ``relation`` is ``less than`` or ``at least``."""
    if relation not in RELATIONS:
        raise EvalkitError(f"{name} must be one of {RELATIONS}, got {relation!r}")


class IfevalChecker(Checker):
    """Base of the IFEval checkers: subclasses implement :meth:`follows` on one text."""

    def follows(self, text: str) -> tuple[bool, str]:  # pragma: no cover - abstract
        """(whether ``text`` follows the instruction, a short reason)."""
        raise NotImplementedError

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Strict and loose verdicts; ``passed`` is the loose one when ``ctx.mode == "loose"``.
        Texts come from the response's shared analyses (:func:`analyses`)."""
        shared = analyses(response, ctx)
        if response.strip():
            strict, reason = self.follows(shared.text(response))
        else:
            strict, reason = False, "empty response"
        loose, via = strict, 0 if strict else -1
        if ctx.verdict_only and ctx.mode != "loose":
            return CheckResult(strict, reason, details={"strict": strict})
        if not strict:  # the variants are only built when the strict verdict fails
            for index, variant in enumerate(variant_texts(response, shared)):
                if index and variant.strip() and self.follows(variant)[0]:
                    loose, via = True, index
                    break
        if loose and not strict:
            reason += f"; loose: passes on variant {via}"
        passed = loose if ctx.mode == "loose" else strict
        return CheckResult(passed, reason, details={"strict": strict, "loose": loose})
