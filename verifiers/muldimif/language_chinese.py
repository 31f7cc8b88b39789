"""MulDimIF ``Language_Chinese``: simplified / traditional Chinese script rules.

The constraint text is matched against an ordered table of phrasings (English and Chinese); the
first hit picks the test. Script membership is decided with ``zhconv`` exactly as upstream does:

* *has traditional characters*: some single character changes under ``convert(ch, "zh-cn")``;
* *has simplified characters*: some single character changes under ``convert(ch, "zh-tw")``;
* *entirely traditional / simplified*: no ASCII letter, and converting the whole text to
  ``zh-tw`` / ``zh-cn`` leaves it unchanged.

Compat quirks kept on purpose: most "must be in Simplified Chinese" phrasings only require *one*
simplified-only character (a mostly English answer with one such character passes), and a bare
"Simplified" anywhere in the constraint means the same. Pure English therefore fails them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif._lazy import compile_later

_I = re.IGNORECASE
_TO_SIMPLIFIED = "zh-cn"
_TO_TRADITIONAL = "zh-tw"

# (pattern, test name) — searched in order on the raw constraint text; the first hit decides.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (compile_later(r'Must include the phrase "{1,2}(.+?)"{1,2}', _I), "phrase"),
    (compile_later(r'Must write the name "Shen Lim" in Simplified Chinese', _I), "shen_lim"),
    (
        compile_later(
            r"Must (?:use|convert into|be converted into) Traditional Chinese characters", _I
        ),
        "all_traditional",
    ),
    (compile_later(r"include .*?Traditional Chinese characters", _I), "has_traditional"),
    (compile_later(r"use .*?Traditional Chinese characters", _I), "has_traditional"),
    (compile_later(r"使用繁體中文"), "has_traditional"),
    (compile_later(r"include some content in Simplified Chinese", _I), "has_simplified"),
    (compile_later(r"Use Simplified Chinese characters", _I), "has_simplified"),
    (
        compile_later(
            r"(?:must be|must use|must write|must be presented|answer must be|essential|is|should be"
            r"|必须|请|需要) ?(?:in|provided in|written in|to use|conducted in|用|使用|提供|书写"
            r"|翻译为|将文本翻译为) ?(?:Simplified Chinese|简体中文)",
            _I,
        ),
        "has_simplified",
    ),
    (compile_later(r"用中文简体描述"), "has_simplified"),
    (compile_later(r"Names must be in Simplified Chinese", _I), "has_simplified"),
    (compile_later(r"Must translate the text into Simplified Chinese", _I), "all_simplified"),
    (compile_later(r"Simplified", _I), "has_simplified"),
)

_ASCII_LETTER_RE = compile_later(r"[A-Za-z]")


@lru_cache(maxsize=4096)
def _parse(constraint: str) -> tuple[str, str] | None:
    """(test name, required phrase or "") of the first matching rule, or None."""
    for pattern, test in _RULES:
        m = pattern.search(constraint)
        if m:
            return test, (m.group(1) if test == "phrase" else "")
    return None


def _convert(text: str, target: str) -> str:
    """``zhconv.convert``, imported on first use (zhconv pulls in pkg_resources, slow to import)."""
    from zhconv import convert

    result: str = convert(text, target)
    return result


@lru_cache(maxsize=65536)
def _changes(ch: str, target: str) -> bool:
    return _convert(ch, target) != ch


def has_traditional(text: str) -> bool:
    """True when some character of ``text`` alone converts to something else in zh-cn."""
    return any(_changes(ch, _TO_SIMPLIFIED) for ch in set(text))


def has_simplified(text: str) -> bool:
    """True when some character of ``text`` alone converts to something else in zh-tw."""
    return any(_changes(ch, _TO_TRADITIONAL) for ch in set(text))


def _entirely(text: str, target: str) -> bool:
    if _ASCII_LETTER_RE.search(text):
        return False
    return _convert(text, target) == text


def _run(test: str, phrase: str, response: str) -> tuple[bool, str]:
    if test == "phrase":
        return phrase in response, f"phrase {phrase!r}"
    if test == "shen_lim":
        return "沈林" in response, "the name 沈林"
    if test == "has_traditional":
        return has_traditional(response), "some traditional characters"
    if test == "has_simplified":
        return has_simplified(response), "some simplified characters"
    if test == "all_traditional":
        return _entirely(response, _TO_TRADITIONAL), "only traditional characters, no ASCII letters"
    return _entirely(response, _TO_SIMPLIFIED), "only simplified characters, no ASCII letters"


def check_language_chinese(constraint: str, response: str) -> Verdict:
    """Pass when the response meets the first matching rule of the constraint:

    * 'Must include the phrase "X"' → X occurs verbatim;
    * 'Must write the name "Shen Lim" in Simplified Chinese' → contains 沈林;
    * 'Must use / convert into Traditional Chinese characters' → entirely traditional;
    * 'include/use … Traditional Chinese characters', 使用繁體中文 → has a traditional character;
    * 'must be in / use / … Simplified Chinese', 用中文简体描述, a bare "Simplified", …
      → has a simplified character;
    * 'Must translate the text into Simplified Chinese' (only reached when no earlier phrasing
      matched) → entirely simplified.

    A constraint matching no rule fails (upstream default).
    """
    parsed = _parse(constraint)
    if parsed is None:
        return unparsed(False)
    ok, what = _run(parsed[0], parsed[1], response)
    return Verdict(ok, f"{'has' if ok else 'lacks'} {what}")


@register("muldimif.language.chinese")
@dataclass(frozen=True)
class LanguageChinese(MulDimIFChecker):
    """Simplified / traditional Chinese script of the response, judged with zhconv."""

    rule = staticmethod(check_language_chinese)
