"""Shared pieces of the MulDimIF checkers: the verdict type and the registered checker shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from evalkit.checking import CheckContext, Checker, CheckResult


@dataclass(frozen=True)
class Verdict:
    """Result of one MulDimIF rule.

    ``parsed`` is False when the constraint text matched none of the checker's rules and the
    upstream default verdict (vacuous pass or fail) was applied; strict mode reports those as
    ``skipped`` instead of counting them.
    """

    passed: bool
    reason: str
    parsed: bool = True


def unparsed(default: bool, what: str = "constraint") -> Verdict:
    """The upstream fallback when no rule matched: ``default`` in compat mode."""
    return Verdict(default, f"no rule recognised in the {what}; upstream default is {default}", False)


@dataclass(frozen=True)
class MulDimIFChecker(Checker):
    """A MulDimIF checker: ``constraint`` is the natural-language constraint text it parses."""

    constraint: str
    rule: ClassVar[Callable[[str, str], Verdict]]

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Apply the upstream rule; in strict mode an unrecognised constraint is ``skipped``."""
        verdict = type(self).rule(self.constraint, response)
        if ctx.strict and not verdict.parsed:
            return CheckResult(None, verdict.reason, "skipped", details={"compat_passed": verdict.passed})
        return CheckResult(verdict.passed, verdict.reason)
