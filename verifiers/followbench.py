"""FollowBench rule-based checkers, reproducing upstream ``code/rule_based_evaluation.py``
(English) and ``code_zh/rule_based_evaluation.py`` (Chinese: ``followbench.rule_zh`` and
``followbench.format_rule_zh``, described in the Chinese section below).

Each checker returns one boolean for a whole level (so hard = soft for these items):

- ``followbench.rule`` dispatches on the instruction's ``source``:
  ``E2E`` / ``text_editing`` exact equality with ``target``; ``WIKIEVENTS`` every response line
  (split on ``"\\n"``) is a line of ``target``; ``CONLL2003`` the whole response is an element of
  the Python list literal ``target``; ``BBH_logical`` the last ``(X)`` (capital letter) equals
  ``target``; ``BBH_time`` the last ``dd/dd/dddd``; ``gsm_8k`` the last ``$digits``;
  ``self_made_space`` ``target`` is a substring. ``cnn_dailymail``, ``xsum``, ``samsum``,
  ``gigaword`` and ``arxiv`` apply the first ``level`` of five cumulative rules (below).
- ``followbench.format_rule``: format example ids 22 and 30, their cumulative rules per level.
- ``followbench.example_template``: the example category; the target template minus
  ``{instruction}\\n``, ``{{``/``}}`` un-doubled, ``{answer}`` → ``.*``, everything else escaped,
  must ``re.fullmatch`` the response. As upstream ``.`` does not match a newline (``compat``), so
  a multi-line answer fails; ``strict`` matches with DOTALL.

Sentences are the non-empty pieces of ``re.split(r"[.!?]", text)``; words are ``str.split()``
tokens, except where upstream counts ``text.split(" ")`` pieces (noted per rule).
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import CheckContext, Checker, CheckResult, register

Rule = Callable[[str], bool]


def sentences(text: str) -> list[str]:
    """Upstream's sentences: non-empty pieces between ``.``, ``!`` and ``?``."""
    return [s for s in re.split(r"[.!?]", text) if s]


def contain_word(text: str, word: str) -> bool:
    """``word`` occurs between word boundaries (case-sensitive)."""
    return re.search(r"\b" + re.escape(word) + r"\b", text) is not None


def count_sentences(text: str) -> int:
    """Number of upstream sentences."""
    return len(sentences(text))


def words_less(text: str, num: int) -> bool:
    """Every sentence has fewer than ``num`` whitespace words."""
    return all(len(s.split()) < num for s in sentences(text))


def words_more(text: str, num: int) -> bool:
    """Every sentence has more than ``num`` whitespace words."""
    return all(len(s.split()) > num for s in sentences(text))


def nth_sentence_has(text: str, num: int, word: str) -> bool:
    """Sentence ``num`` (1-based) exists and contains ``word``."""
    found = sentences(text)
    return len(found) >= num and contain_word(found[num - 1], word)


def nth_sentence_present_perfect(text: str, num: int) -> bool:
    """Sentence ``num`` exists and has ``has``/``have`` followed by a word."""
    found = sentences(text)
    return len(found) >= num and re.search(r"\b(has|have)\s+\w+", found[num - 1]) is not None


def present_continuous(text: str) -> bool:
    """``am``/``is``/``are`` followed by a word ending in ``ing``."""
    return re.search(r"\b(am|is|are)\s+\w+ing\b", text) is not None


def paragraphs_numbered(text: str) -> bool:
    """Every non-blank ``\\n\\n`` paragraph starts (after leading blanks) with ``digits.``."""
    return all(re.match(r"\d+\.", p.lstrip()) for p in text.split("\n\n") if p.lstrip())


def _spaces(text: str) -> int:
    return len(text.split(" "))


def _has_punct(text: str) -> bool:
    return any(ch in string.punctuation for ch in text)


SUMMARY_RULES: dict[str, tuple[Rule, ...]] = {
    "cnn_dailymail": (
        lambda g: count_sentences(g) == 3,
        lambda g: words_less(g, 15),
        lambda g: nth_sentence_has(g, 1, "Potter") and nth_sentence_has(g, 2, "actor") and nth_sentence_has(g, 3, "films"),
        lambda g: not nth_sentence_has(g, 2, "lavish"),
        lambda g: nth_sentence_present_perfect(g, 3),
    ),
    "xsum": (
        lambda g: count_sentences(g) == 1,
        lambda g: _spaces(g) < 20,
        lambda g: not contain_word(g, "Newton Stewart"),
        present_continuous,
        lambda g: contain_word(g, "operation"),
    ),
    "samsum": (
        lambda g: count_sentences(g) == 1,
        lambda g: _spaces(g) < 15,
        lambda g: contain_word(g, "stuff"),
        lambda g: re.search("procrast", g, re.IGNORECASE) is None,
        lambda g: sum(1 for ch in g if ch in string.punctuation) == 1,
    ),
    "gigaword": (
        lambda g: _spaces(g) == 8,
        lambda g: not _has_punct(g),
        str.islower,
        lambda g: not contain_word(g, "bus"),
        lambda g: contain_word(g, "in"),
    ),
    "arxiv": (
        lambda g: count_sentences(g) == 1,
        lambda g: _spaces(g) <= 20,
        lambda g: g[:2] == "We",
        lambda g: contain_word(g, "activations"),
        lambda g: not contain_word(g, "transformer"),
    ),
}


def _last(pattern: str, text: str, target: str) -> bool:
    found = re.findall(pattern, text)
    return bool(found) and found[-1] == target


def _wikievents(text: str, target: str) -> bool:
    lines = target.split("\n")
    return all(line in lines for line in text.split("\n"))


def _conll(text: str, target: str) -> bool:
    options = ast.literal_eval(target)
    return text in options


TARGET_RULES: dict[str, Callable[[str, str], bool]] = {
    "E2E": lambda g, t: g == t,
    "text_editing": lambda g, t: g == t,
    "WIKIEVENTS": _wikievents,
    "CONLL2003": _conll,
    "BBH_logical": lambda g, t: _last(r"\([A-Z]\)", g, t),
    "BBH_time": lambda g, t: _last(r"\d{2}/\d{2}/\d{4}", g, t),
    "gsm_8k": lambda g, t: _last(r"\$\d+", g, t),
    "self_made_space": lambda g, t: t in g,
}
RULE_SOURCES = frozenset(TARGET_RULES) | frozenset(SUMMARY_RULES)


def rule_passes(source: str, level: int, target: str, response: str) -> bool:
    """Upstream's verdict for a rule-checked ``source`` at ``level`` (1..5)."""
    if source in SUMMARY_RULES:
        return all(rule(response) for rule in SUMMARY_RULES[source][:level])
    return TARGET_RULES[source](response, target)


def _check_level(level: int) -> None:
    if not 1 <= level <= 5:
        raise ValueError(f"level must be 1..5, got {level}")


@register("followbench.rule")
@dataclass(frozen=True)
class SourceRule(Checker):
    """Passes when the response satisfies upstream's rule for ``source`` at ``level``
    (see the module docstring; ``target`` is the row's target field)."""

    source: str
    level: int
    target: str = ""

    def __post_init__(self) -> None:
        if self.source not in RULE_SOURCES:
            raise ValueError(f"no rule for source {self.source!r} (known: {', '.join(sorted(RULE_SOURCES))})")
        _check_level(self.level)

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        ok = rule_passes(self.source, self.level, self.target, response)
        return CheckResult(ok, f"{self.source} level {self.level} rule {'met' if ok else 'not met'}")


def _paragraph_rules(g: str, n: int) -> bool:
    parts = g.split("\n\n")
    return len(parts) == n and all(count_sentences(p) < 3 for p in parts[:3])


def format22(g: str, level: int) -> bool:
    """Format example 22: 3 paragraphs (4 at level 5) of < 3 sentences each, sentences > 20
    words, numbered paragraphs, ending with "Those are suggestions" — first ``level`` rules."""
    n = 4 if level == 5 else 3
    checks: tuple[Callable[[], bool], ...] = (
        lambda: len(g.split("\n\n")) == n,
        lambda: _paragraph_rules(g, n),
        lambda: words_more(g, 20),
        lambda: paragraphs_numbered(g),
        lambda: g[-len("Those are suggestions"):] == "Those are suggestions",
    )
    return all(c() for c in checks[:level])


_F30_KEYWORD = re.compile(r"\*\*[\d].+?:")


def _keyword_count(g: str) -> int:
    r"""``len(re.findall(r"\*\*[\d].+?:", g))`` in linear time: a match lies within one line and
    ends at a colon, so each line is searched only up to its last colon (same matches)."""
    return sum(len(_F30_KEYWORD.findall(line[: line.rfind(":") + 1])) for line in g.split("\n"))


_F30_SPLIT = re.compile(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?)\s")


def format30(g: str, level: int) -> bool:
    """Format example 30: ``**`` marker, five ``**<digit>…:`` keywords, keyword sentences with
    < 2 periods, every sentence 10–15 words, no word ending in ``-ly`` — first ``level`` rules."""
    parts = _F30_SPLIT.split(g)
    keyword = [s for s in parts if any(f"{n}." in s for n in range(1, 6))]
    checks: tuple[Callable[[], bool], ...] = (
        lambda: "**" in g,
        lambda: _keyword_count(g) == 5,
        lambda: all(len(s.split(".")) < 3 for s in keyword),
        lambda: all(10 <= len(s.split()) <= 15 for s in parts),
        lambda: all(not w.endswith("-ly") for s in parts for w in s.split()),
    )
    return all(c() for c in checks[:level])


@register("followbench.format_rule")
@dataclass(frozen=True)
class FormatRule(Checker):
    """Passes when the response meets the first ``level`` rules of format example
    ``example_id`` (22 or 30; see :func:`format22` / :func:`format30`)."""

    example_id: int
    level: int

    def __post_init__(self) -> None:
        if self.example_id not in (22, 30):
            raise ValueError(f"format rules exist for example ids 22 and 30, not {self.example_id}")
        _check_level(self.level)

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        fn = format22 if self.example_id == 22 else format30
        ok = fn(response, self.level)
        return CheckResult(ok, f"format example {self.example_id} level {self.level} rules {'met' if ok else 'not met'}")


@lru_cache(maxsize=256)
def template_regex(target: str, dotall: bool = False) -> re.Pattern[str]:
    """The upstream regex of an example ``target``: ``{instruction}\\n`` removed, braces
    un-doubled, each ``.*`` (``{answer}`` included) a wildcard, everything else literal."""
    body = target.replace("{instruction}\n", "").replace("{{", "{").replace("}}", "}").replace("{answer}", ".*")
    return re.compile(".*".join(re.escape(piece) for piece in body.split(".*")), re.DOTALL if dotall else 0)


@register("followbench.example_template")
@dataclass(frozen=True)
class ExampleTemplate(Checker):
    """Passes when the whole response has the shape of ``template`` (the example row's target):
    ``re.fullmatch`` of :func:`template_regex`, newline-blind ``.*`` in compat, DOTALL in strict."""

    template: str

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        ok = template_regex(self.template, ctx.strict).fullmatch(response) is not None
        return CheckResult(ok, "response has the template's shape" if ok else "response does not have the template's shape")


# ---------------------------------------------------------------- Chinese rules (upstream code_zh/)
#
# ``code_zh/rule_based_evaluation.py``: sentences split on ``。！？``; "words" are characters
# (``len``); keywords are Chinese and searched as substrings (upstream compiles each word as a
# regex; none holds a metacharacter, so this is the same); punctuation is ``string.punctuation``
# plus ``，。：’“”`` (not ``！？；、‘`` — quirk kept); "Arabic numerals" means any
# ``str.isnumeric`` character, so Chinese numerals such as 一, 十, 万 count too (quirk kept);
# gsm_8k takes the last ``<digits>美元``; format rules exist for example id 22 only.

ZH_PUNCTUATION = string.punctuation + "，。：’“”"


def zh_sentences(text: str) -> list[str]:
    """Upstream's Chinese sentences: non-empty pieces between ``。``, ``！`` and ``？``."""
    return [s for s in re.split(r"[。！？]", text) if s]


def zh_count_sentences(text: str) -> int:
    """Number of upstream Chinese sentences."""
    return len(zh_sentences(text))


def zh_chars_less(text: str, num: int) -> bool:
    """Every Chinese sentence has fewer than ``num`` characters."""
    return all(len(s) < num for s in zh_sentences(text))


def zh_chars_more(text: str, num: int) -> bool:
    """Every Chinese sentence has more than ``num`` characters."""
    return all(len(s) > num for s in zh_sentences(text))


def zh_nth_sentence_has(text: str, num: int, word: str) -> bool:
    """Chinese sentence ``num`` (1-based) exists and contains ``word`` as a substring."""
    found = zh_sentences(text)
    return len(found) >= num and word in found[num - 1]


def zh_punctuation_count(text: str) -> int:
    """Characters of ``text`` in upstream's Chinese punctuation set."""
    return sum(1 for ch in text if ch in ZH_PUNCTUATION)


def has_numeric(text: str) -> bool:
    """Upstream ``contains_arabic_numerals``: any ``str.isnumeric`` character (一 and 万 too)."""
    return any(ch.isnumeric() for ch in text)


ZH_SUMMARY_RULES: dict[str, tuple[Rule, ...]] = {
    "cnn_dailymail": (
        lambda g: zh_count_sentences(g) == 3,
        lambda g: zh_chars_less(g, 15),
        lambda g: zh_nth_sentence_has(g, 1, "波特") and zh_nth_sentence_has(g, 2, "演员")
        and zh_nth_sentence_has(g, 3, "电影"),
        lambda g: not zh_nth_sentence_has(g, 2, "奢侈"),
        lambda g: zh_nth_sentence_has(g, 3, "了"),
    ),
    "xsum": (
        lambda g: zh_count_sentences(g) == 1,
        lambda g: len(g) < 20,
        lambda g: "牛顿斯图尔特" not in g,
        lambda g: "在" in g,
        lambda g: "操作" in g,
    ),
    "samsum": (
        lambda g: zh_count_sentences(g) == 1,
        lambda g: len(g) < 15,
        lambda g: "琐碎的" in g,
        lambda g: "拖沓的" not in g,
        lambda g: zh_punctuation_count(g) == 1,
    ),
    "gigaword": (
        lambda g: len(g) == 8,
        lambda g: zh_punctuation_count(g) == 0,
        lambda g: not has_numeric(g),
        lambda g: "公交车" not in g,
        lambda g: "在" in g,
    ),
    "arxiv": (
        lambda g: zh_count_sentences(g) == 1,
        lambda g: len(g) <= 20,
        lambda g: g[:2] == "我们",
        lambda g: "激活" in g,
        lambda g: "transformer" not in g,
    ),
}
ZH_TARGET_RULES: dict[str, Callable[[str, str], bool]] = {
    **TARGET_RULES, "gsm_8k": lambda g, t: _last(r"\d+美元", g, t)}


def zh_rule_passes(source: str, level: int, target: str, response: str) -> bool:
    """Upstream ``code_zh`` verdict for a rule-checked ``source`` at ``level`` (1..5)."""
    if source in ZH_SUMMARY_RULES:
        return all(rule(response) for rule in ZH_SUMMARY_RULES[source][:level])
    return ZH_TARGET_RULES[source](response, target)


@register("followbench.rule_zh")
@dataclass(frozen=True)
class SourceRuleZh(SourceRule):
    """Passes when the response satisfies upstream's Chinese rule for ``source`` at ``level``
    (``code_zh``; see the Chinese rules section of this module)."""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        ok = zh_rule_passes(self.source, self.level, self.target, response)
        return CheckResult(ok, f"{self.source} level {self.level} rule (zh) {'met' if ok else 'not met'}")


def format22_zh(g: str, level: int) -> bool:
    """Chinese format example 22: 3 paragraphs (4 at level 5) of < 3 Chinese sentences each (the
    first three), sentences > 20 characters, numbered paragraphs, ending with "这些是建议" —
    the first ``level`` rules."""
    parts = g.split("\n\n")
    n = 4 if level == 5 else 3
    checks: tuple[Callable[[], bool], ...] = (
        lambda: len(parts) == n,
        lambda: all(zh_count_sentences(p) < 3 for p in parts[:3]),
        lambda: zh_chars_more(g, 20),
        lambda: paragraphs_numbered(g),
        lambda: g[-len("这些是建议"):] == "这些是建议",
    )
    return all(c() for c in checks[:level])


@register("followbench.format_rule_zh")
@dataclass(frozen=True)
class FormatRuleZh(Checker):
    """Passes when the response meets the first ``level`` rules of Chinese format example
    ``example_id`` (22 only, as upstream ``code_zh``; see :func:`format22_zh`)."""

    example_id: int
    level: int

    def __post_init__(self) -> None:
        if self.example_id != 22:
            raise ValueError(f"Chinese format rules exist for example id 22 only, not {self.example_id}")
        _check_level(self.level)

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        ok = format22_zh(response, self.level)
        return CheckResult(ok, f"format example 22 level {self.level} rules (zh) {'met' if ok else 'not met'}")
