"""MulDimIF ``Content_Others``: a fixed set of one-off content constraints.

Most rules fire only on one exact constraint sentence; anything unrecognised fails (upstream
default False).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

Rule = Callable[[str], Verdict]

_START_IDENTIFIER = compile_later(r"Start identifier( must be|:)(?:.*)?\s'([^']+)'")
_START_PHRASE = compile_later(
    r"(?:Start|start|begin|it is essential to start) (?:with|by) the (?:identifier|phrase) '?([^']+)'?",
    re.I,
)
_SHOWROOM = compile_later(r"The name of the showroom must start with the letter '([A-Za-z])'\.")
_MENTION = compile_later(r"[Mm]ust mention (.+) and the (.+)")
_SENTENCE_GAP = compile_later(r"(?<=[.!?])\s+(?=\S)")
_QUOTE_MARK = compile_later("[\"“”‘’']")
_BRACKET_NUMBER = compile_later(r"\[\d+\]")
_IN_TEXT_CITATION = compile_later(r"\[\d+\]|\([A-Za-z]+, \d{4}\)")
_SOURCES = "Sources:"

_ONE_PARAGRAPH = "Keep it a paragraph long"
_CITE_AT_END = frozenset(
    {
        "End identifier: Sources must be cited at the end of the response",
        "make sure to conclude your response by citing your sources, as this is a crucial part of the answer",
    }
)
_SHORT_BLURB = frozenset(
    {
        "Response must be written as a short blurb",
        "ensure that the response is written as a short blurb",
        "ensure the response is a short blurb",
        "The response must be short and simple",
    }
)
_FIFTY_WORDS = "The response should be concise, with a maximum of 50 words"
_THREE_EMOJIS = "Each sentence must include at least three emojis."
_HAS_QUOTES = frozenset({"Must include quotes from the sources", "with quotes from these sources"})
_CITED_SOURCES = frozenset(
    {
        "Must provide sources that are cited",
        "The response must include sources that are cited",
    }
)
_IN_TEXT = "It must include in-text citations"


def has_sources_line(text: str) -> bool:
    """True when "Sources:" is followed (after optional whitespace, newlines included) by a
    non-empty run that reaches the end of the text without a line break; one final newline is
    ignored. (Same as searching ``Sources:\\s*.+$``, but linear time.)"""
    body = text[:-1] if text.endswith("\n") else text
    last_line = body.rfind("\n") + 1
    if last_line >= len(body):
        return False
    reach = last_line  # earliest end of "Sources:" from which only whitespace leads to last line
    while reach > 0 and body[reach - 1].isspace():
        reach -= 1
    # The first occurrence ending at or after ``reach`` is the only candidate that matters.
    pos = body.find(_SOURCES, max(reach - len(_SOURCES), 0))
    return pos != -1 and pos + len(_SOURCES) < len(body)


def emoji_runs(text: str) -> int:
    """Runs of consecutive characters at or above U+24C2 (upstream's emoji class, whose ranges
    merge into that one span)."""
    runs, inside = 0, False
    for ch in text:
        is_emoji = ch >= "\u24c2"
        if is_emoji and not inside:
            runs += 1
        inside = is_emoji
    return runs


def _starts_with(prefix: str) -> Rule:
    def rule(text: str) -> Verdict:
        ok = text.lstrip(" #").lower().startswith(prefix.lower())
        return Verdict(ok, f"{'starts' if ok else 'does not start'} with {prefix!r}")

    return rule


def _contains_all(*needles: str) -> Rule:
    def rule(text: str) -> Verdict:
        missing = [n for n in needles if n not in text]
        return Verdict(not missing, f"missing {missing!r}" if missing else "all phrases present")

    return rule


def _word_starting_with(letter: str) -> Rule:
    pattern = re.compile(rf"\b{letter}[a-zA-Z]*\b")

    def rule(text: str) -> Verdict:
        ok = pattern.search(text) is not None
        return Verdict(ok, f"{'a' if ok else 'no'} word starting with {letter!r}")

    return rule


def _one_paragraph(text: str) -> Verdict:
    return Verdict("\n" not in text, f"{text.count(chr(10))} line breaks")


def _sources_at_end(text: str) -> Verdict:
    ok = has_sources_line(text.strip())
    return Verdict(ok, "ends with a Sources: line" if ok else "no closing Sources: line")


def _short_blurb(text: str) -> Verdict:
    return Verdict(len(text) <= 200, f"{len(text)} chars (max 200)")


def _fifty_words(text: str) -> Verdict:
    n = len(text.split())
    return Verdict(n <= 50, f"{n} words (max 50)")


def _three_emojis(text: str) -> Verdict:
    for sentence in _SENTENCE_GAP.split(text):
        sentence = sentence.strip()
        if sentence and emoji_runs(sentence) < 3:
            return Verdict(False, f"sentence {sentence[:40]!r} has < 3 emoji runs")
    return Verdict(True, "every sentence has >= 3 emoji runs")


def _has_quotes(text: str) -> Verdict:
    ok = _QUOTE_MARK.search(text) is not None
    return Verdict(ok, "quote mark present" if ok else "no quote mark")


def _cited_sources(text: str) -> Verdict:
    ok = has_sources_line(text) and _BRACKET_NUMBER.search(text) is not None
    return Verdict(ok, "Sources: line and [n] citation" if ok else "needs Sources: line and [n]")


def _in_text_citation(text: str) -> Verdict:
    ok = _IN_TEXT_CITATION.search(text) is not None
    return Verdict(ok, "citation found" if ok else "no [n] or (Name, 2020) citation")


def _always(text: str) -> Verdict:
    return Verdict(True, "'full sentences' is not checked upstream")


def _exact_rule(constraint: str) -> Rule | None:
    """Rules keyed on the exact constraint sentence."""
    if constraint in _CITE_AT_END:
        return _sources_at_end
    if constraint in _SHORT_BLURB:
        return _short_blurb
    if constraint == _FIFTY_WORDS:
        return _fifty_words
    if constraint == _THREE_EMOJIS:
        return _three_emojis
    return None


def _later_exact_rule(constraint: str) -> Rule | None:
    """Exact sentences that upstream tests only after the "must mention" pattern."""
    if constraint in _HAS_QUOTES:
        return _has_quotes
    if constraint in _CITED_SOURCES:
        return _cited_sources
    if constraint == _IN_TEXT:
        return _in_text_citation
    return None


def _start_rule(constraint: str) -> Rule | None:
    """Start identifiers: "Start identifier must be/: … 'X'", "start/begin with the identifier/
    phrase 'X'" (response, after stripping leading spaces and '#', starts with X, any case);
    "Each example must start with" (X anywhere, case-sensitive)."""
    m = _START_IDENTIFIER.match(constraint)
    if "Each example must start with" in constraint:
        # Upstream raises when the identifier pattern is absent; treat that as a failure.
        return _contains_all(m.group(2)) if m else (lambda _t: Verdict(False, "upstream raises"))
    if m:
        return _starts_with(m.group(2))
    m = _START_PHRASE.search(constraint)
    return _starts_with(m.group(1)) if m else None


@lru_cache(maxsize=1024)
def _rule_for(constraint: str) -> Rule | None:
    """The rule upstream applies to this constraint, in upstream's order of tests."""
    if constraint == _ONE_PARAGRAPH:
        return _one_paragraph
    rule = _start_rule(constraint)
    if rule is not None:
        return rule
    rule = _exact_rule(constraint)
    if rule is not None:
        return rule
    if m := _SHOWROOM.match(constraint):
        return _word_starting_with(m.group(1).upper())
    if m := _MENTION.search(constraint):
        return _contains_all(m.group(1), f"the {m.group(2)}")
    rule = _later_exact_rule(constraint)
    if rule is not None:
        return rule
    if "be in full sentences" in constraint:
        return _always
    return None


def check_content_others(constraint: str, response: str) -> Verdict:
    """One of upstream's fixed rules, chosen by the constraint text; unrecognised text fails.

    Start identifier 'X' → response (leading spaces/'#' dropped) starts with X, any case;
    "Sources:" rules → a ``Sources:`` line closes the (stripped) text; "short blurb" → at most
    200 characters; in-text citations → ``[n]`` or ``(Name, 2020)``; "each sentence … three
    emojis" → every sentence (split after .!? + whitespace) has 3 runs of chars ≥ U+24C2;
    "be in full sentences" → always passes.
    """
    rule = _rule_for(constraint)
    if rule is None:
        return unparsed(False)
    return rule(response)


@register("muldimif.content.others")
@dataclass(frozen=True)
class ContentOthers(MulDimIFChecker):
    """MulDimIF one-off content constraints: start identifiers, sources, blurbs (Content_Others)."""

    rule = staticmethod(check_content_others)
