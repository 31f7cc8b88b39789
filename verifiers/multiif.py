"""Multi-IF checkers (facebookresearch/Multi-IF @ 1cdb53e): IFEval's 25 ids, made multilingual.

Registered as ``multiif.<instruction id>``. Upstream's ``ifeval.py`` is Google's IFEval code
with these changes, reproduced here; every other id is evalkit's IFEval checker unchanged:

- ``length_constraints:number_sentences`` / ``number_words`` first identify the answer's
  language (langdetect, seeded with 0 here, unseeded upstream; a failure counts as English):
  Thai → PyThaiNLP sentences per line / words (extra ``[multiif]``); Hindi → sentences split
  after ``।``, ``!``, ``?``; Chinese/Japanese (``zh``, ``zh-cn``, ``zh-tw``, ``ja``) → a
  punctuation-based sentence splitter and a count of CJK/kana/Hangul characters plus emoji plus
  other whitespace words; otherwise the English rules (Punkt sentences, ``\\w+`` words);
- ``startend:quotation`` also accepts “…” and 「…」;
- ``keywords:frequency`` counts an invalid regular expression as not followed.

Strict verdicts follow upstream's ``if response and check_following(response)``: a
whitespace-only answer is given to the verifier (IFEval's rule treats it as not followed);
loose verdicts are IFEval's eight variants, each non-blank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evalkit.checking import CheckContext, CheckResult, checker_class, register
from evalkit.verifiers.ifeval._base import IfevalChecker, compare, require_relation
from evalkit.verifiers.ifeval._text import count_sentences, count_words, detect_language
from evalkit.verifiers.ifeval.aliases import register_ifeval_alias

CJK_LANGUAGES = frozenset(("zh", "zh-cn", "zh-tw", "ja"))
_CJK_SENTENCE = re.compile(r"[^!?。\.\!\?\！\？\．\n]+[!?。\.\!\?\！\？\．\n]?")
_HINDI_SPLIT = re.compile(r"(?<=[।!?])\s*")
_NON_ALNUM = re.compile(r"[\\.\!\?\．\/_,\{\}<>:;$%^&*(+\"\'+——！，。？、`~@#￥……（）：；《）《》“”()\[\]»〔〕\-「」]+")
_ASIAN = re.compile(r"[\u4E00-\u9FFF\u3400-\u4DBF]|[\u3040-\u309f\u30a0-\u30ff]|[\uAC00-\uD7AF]")
QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("「", "」"))


def language_of(text: str) -> str:
    """The langdetect code of ``text`` (seeded); ``en`` when detection fails, as upstream."""
    return detect_language(text) or "en"


def _thai() -> Any:
    try:
        from pythainlp import tokenize
    except ImportError:
        raise ImportError("Multi-IF counts Thai with PyThaiNLP: pip install 'evalkit-if[multiif]'") from None
    return tokenize


def count_cjk_sentences(text: str) -> int:
    """Sentences of Chinese/Japanese text: per stripped line, runs ended by one of
    ``! ? 。 . ！ ？ ．`` (or the line's end)."""
    return sum(len(_CJK_SENTENCE.findall(line.strip())) for line in text.splitlines())


def count_hindi_sentences(text: str) -> int:
    """Non-blank pieces of ``text`` split after ``।``, ``!`` or ``?``."""
    return sum(1 for piece in _HINDI_SPLIT.split(text) if piece.strip())


def count_cjk_words(text: str) -> int:
    """CJK, kana and Hangul characters + emoji + the remaining whitespace words, after deleting
    punctuation (upstream's Chinese/Japanese word count)."""
    import emoji

    text = _NON_ALNUM.sub("", text)
    emojis = emoji.emoji_count(text)
    text = emoji.replace_emoji(text, "")
    asian = len(_ASIAN.findall(text))
    return len(_ASIAN.sub(" ", text).split()) + asian + emojis


def multilingual_sentences(text: str) -> int:
    """Upstream's language-aware sentence count."""
    lang = language_of(text)
    if lang == "th":
        split = _thai().sent_tokenize
        return sum(len(split(line)) for line in text.splitlines())
    if lang == "hi":
        return count_hindi_sentences(text)
    if lang in CJK_LANGUAGES:
        return count_cjk_sentences(text)
    return count_sentences(text)


def multilingual_words(text: str) -> int:
    """Upstream's language-aware word count."""
    lang = language_of(text)
    if lang == "th":
        return len(_thai().word_tokenize(text))
    if lang in CJK_LANGUAGES:
        return count_cjk_words(text)
    return count_words(text)


class MultiifRules(IfevalChecker):
    """Multi-IF's strict rule on top of IFEval's: a whitespace-only answer reaches the verifier."""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """IFEval's verdicts, except that a non-empty blank answer is judged strictly by the
        verifier (loose stays False: every variant is blank)."""
        if response.strip() or not response:
            return super().check(response, ctx)
        strict, reason = self.follows(response)
        passed = False if ctx.mode == "loose" else strict
        return CheckResult(passed, f"blank answer: {reason}", details={"strict": strict, "loose": False})


@register("multiif.length_constraints:number_sentences")
@dataclass(frozen=True)
class NumberSentences(MultiifRules):
    """Passes when the language-aware sentence count is ``relation`` ``num_sentences``."""

    num_sentences: int
    relation: str

    def __post_init__(self) -> None:
        require_relation("relation", self.relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = multilingual_sentences(text)
        return compare(n, self.relation, self.num_sentences), f"{n} sentences, need {self.relation} {self.num_sentences}"


@register("multiif.length_constraints:number_words")
@dataclass(frozen=True)
class NumberWords(MultiifRules):
    """Passes when the language-aware word count is ``relation`` ``num_words``."""

    num_words: int
    relation: str

    def __post_init__(self) -> None:
        require_relation("relation", self.relation)

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        n = multilingual_words(text)
        return compare(n, self.relation, self.num_words), f"{n} words, need {self.relation} {self.num_words}"


@register("multiif.startend:quotation")
@dataclass(frozen=True)
class Quotation(MultiifRules):
    """Passes when the stripped text is longer than one character and wrapped in ``"…"``,
    ``“…”`` or ``「…」``."""

    def follows(self, text: str) -> tuple[bool, str]:
        """See the class docstring."""
        value = text.strip()
        ok = len(value) > 1 and any(value[0] == a and value[-1] == b for a, b in QUOTE_PAIRS)
        return ok, "wrapped in quotes" if ok else "not wrapped in quotes"


def _keyword_frequency() -> type[Any]:
    base = checker_class("ifeval.keywords:frequency")
    if base is None:  # pragma: no cover - the IFEval family defines it
        raise ImportError("IFEval checker keywords:frequency is missing")

    class KeywordFrequency(MultiifRules, base):  # type: ignore[valid-type,misc]
        """IFEval's keyword frequency; a keyword that is not a valid regular expression fails."""

        def follows(self, text: str) -> tuple[bool, str]:
            """See the class docstring."""
            try:
                return super().follows(text)  # type: ignore[no-any-return]
            except re.error as exc:
                return False, f"keyword is not a valid regular expression: {exc}"

    KeywordFrequency.__module__ = __name__
    return KeywordFrequency


register("multiif.keywords:frequency")(_keyword_frequency())

SAME_AS_IFEVAL = (
    "keywords:existence", "keywords:forbidden_words", "keywords:letter_frequency",
    "language:response_language", "length_constraints:number_paragraphs",
    "length_constraints:nth_paragraph_first_word", "detectable_content:number_placeholders",
    "detectable_content:postscript", "detectable_format:number_bullet_lists",
    "detectable_format:constrained_response", "detectable_format:number_highlighted_sections",
    "detectable_format:multiple_sections", "detectable_format:json_format", "detectable_format:title",
    "combination:two_responses", "combination:repeat_prompt", "startend:end_checker",
    "change_case:capital_word_frequency", "change_case:english_capital", "change_case:english_lowercase",
    "punctuation:no_comma",
)


for _id in SAME_AS_IFEVAL:
    register_ifeval_alias("multiif", _id, __name__, MultiifRules)
