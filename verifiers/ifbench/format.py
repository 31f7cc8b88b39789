"""IFBench ``format:*`` checkers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import (
    PUNCT,
    IfbenchChecker,
    drop_punct,
    need_text,
    sentence_list,
    strip_punct,
    tokens,
)

_PAIRS = {")": "(", "]": "[", "}": "{"}
_LETTER_OPTIONS = re.compile(r"\W*[aA]\W*[bB]\W*[cC]\W*")


def _is_emoji(char: str) -> bool:
    try:
        import emoji
    except ImportError:
        raise ImportError("format:emoji needs 'emoji' (pip install 'evalkit-if[ifbench]')") from None
    return bool(emoji.is_emoji(char))


@register("ifbench.format:parentheses")
@dataclass(frozen=True)
class Parentheses(IfbenchChecker):
    """Passes when a bracket closes correctly after the nesting depth reached 5 (a mismatched
    closer resets the stack and the depth record)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        stack: list[str] = []
        deepest = 0
        for ch in text:
            if ch in "([{":
                stack.append(ch)
                deepest = max(deepest, len(stack))
            elif ch in _PAIRS:
                if stack and stack[-1] == _PAIRS[ch]:
                    stack.pop()
                    if deepest >= 5 and len(stack) < deepest:
                        return True
                else:
                    stack, deepest = [], 0
        return False


@register("ifbench.format:quotes")
@dataclass(frozen=True)
class Quotes(IfbenchChecker):
    """Passes when, scanning ``"`` and ``'`` as a stack (equal to the top closes, else opens),
    some close happens when the depth reached minus the current depth is at least 3."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        stack: list[str] = []
        reached = 0
        for ch in text:
            if stack and ch == stack[-1]:
                stack.pop()
                if reached - len(stack) >= 3:
                    return True
            elif ch in "\"'":
                stack.append(ch)
                reached = max(reached, len(stack))
        return False


@register("ifbench.format:options")
@dataclass(frozen=True)
class Options(IfbenchChecker):
    """Passes when the text is one of ``options`` (split on ``/``, else the substring ``or``, else
    ``,``): exactly, for lettered options ("a), b), c)…"), else compared lower-cased with
    punctuation and spaces stripped from both ends."""

    options: str

    def __post_init__(self) -> None:
        need_text("options", self.options)

    def choices(self) -> list[str]:
        """The options as upstream splits them."""
        sep = "/" if "/" in self.options else "or" if "or" in self.options else ","
        return [o.strip() for o in self.options.split(sep)]

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if _LETTER_OPTIONS.match(self.options):
            return text in self.choices()
        value = strip_punct(text).lower()
        return any(strip_punct(o).lower() == value for o in self.choices())


@register("ifbench.format:newline")
@dataclass(frozen=True)
class Newline(IfbenchChecker):
    """Passes when, punctuation deleted, the non-empty lines are as many as the whitespace tokens."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        value = drop_punct(text).strip()
        return len([line for line in value.split("\n") if line != ""]) == len(value.split())


@register("ifbench.format:emoji")
@dataclass(frozen=True)
class EmojiSentences(IfbenchChecker):
    """Passes when every sentence (punctuation deleted, stripped, non-empty) ends with an emoji in
    its last two characters, or, for a non-final one, the next sentence starts with an emoji."""

    @classmethod
    def prepare(cls) -> None:
        """Load the emoji package's database (read from JSON on its first lookup)."""
        _is_emoji("x")

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        for i, sentence in enumerate(parts):
            body = drop_punct(sentence).strip()
            if not body:
                return False
            if _is_emoji(body[-1]) or _is_emoji(body[-2] if len(body) > 1 else body[-1]):
                continue
            if i == len(parts) - 1:
                return False
            following = drop_punct(parts[i + 1]).strip()
            if not following or not _is_emoji(following[0]):
                return False
        return True


@register("ifbench.format:line_indent")
@dataclass(frozen=True)
class LineIndent(IfbenchChecker):
    """Passes when, blank lines dropped as upstream drops them (removing while iterating, so one
    of two adjacent blank lines survives), each line has more leading spaces than the one before."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        lines = text.split("\n")
        for line in lines:  # removing while iterating, as upstream: the next line is skipped
            if not line.strip():
                lines.remove(line)
        indents = [len(line) - len(line.lstrip(" ")) for line in lines]
        return all(b > a for a, b in zip(indents, indents[1:], strict=False))


@register("ifbench.format:quote_unquote")
@dataclass(frozen=True)
class QuoteUnquote(IfbenchChecker):
    """Passes when, ``'"'`` removed and all whitespace removed, no ``""`` occurs and the text,
    stripped of digits and non-``"`` punctuation at both ends, does not end with ``"``."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        value = "".join(text.replace("'\"'", "").split())
        if '""' in value:
            return False
        rest = value.strip("0123456789" + PUNCT.replace('"', ""))
        return not (rest and rest[-1] == '"')


@register("ifbench.format:list")
@dataclass(frozen=True)
class SeparatorList(IfbenchChecker):
    """Passes when the marker ``sep`` occurs at least twice anywhere in the text."""

    sep: str

    def __post_init__(self) -> None:
        need_text("sep", self.sep)

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return len(re.findall(re.escape(self.sep), text)) >= 2


@register("ifbench.format:thesis")
@dataclass(frozen=True)
class Thesis(IfbenchChecker):
    """Passes when the first ``<i>`` (else ``<em>``) block, closed by ``</i>`` (else ``</em>``),
    holds non-blank text (from 3 characters after the tag's start) and non-blank text follows
    (from 4 characters after the closing tag's start)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        start = text.find("<i>")
        if start == -1:
            start = text.find("<em>")
            if start == -1:
                return False
        value = text[start:]
        end = value.find("</i>")
        if end == -1:
            end = value.find("</em>")
            if end == -1:
                return False
        return value[3:end].strip() != "" and value[end + 4:].strip() != ""


@register("ifbench.format:sub-bullets")
@dataclass(frozen=True)
class SubBullets(IfbenchChecker):
    """Passes when every piece after the first of the text split on ``*`` contains a ``-``."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return all("-" in piece for piece in text.split("*")[1:])


@register("ifbench.format:no_bullets_bullets")
@dataclass(frozen=True)
class NoBulletsBullets(IfbenchChecker):
    """Passes when prose lines before the first ``*`` line hold at least 2 sentences, every later
    line is a ``*`` line, and there are at least 2 of them (upstream's line scan, quirks kept)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        in_prose: object = True
        n_sentences = n_bullets = 0
        for line in text.split("\n"):
            if line.strip().startswith("*"):
                in_prose = False
                if n_sentences < 2:
                    return False
                n_bullets += 1
            elif in_prose:
                found = sentence_list(line.strip())
                n_sentences += len(found)
                in_prose = bool(found)
            else:
                return False
        return n_bullets >= 2


@register("ifbench.format:title_case")
@dataclass(frozen=True)
class TitleCase(IfbenchChecker):
    """Passes when no NLTK word token starting with a letter is a lower-case single letter or a
    longer token with a lower-case first letter and an all-upper or all-lower rest."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        for word in tokens(text):
            if not word or not word[0].isalpha():
                continue
            if len(word) == 1:
                if word.islower():
                    return False
                continue
            if word[0].isupper() and word[1:].islower():
                continue
            if word[0].islower() and (word[1:].isupper() or word[1:].islower()):
                return False
        return True


@register("ifbench.format:output_template")
@dataclass(frozen=True)
class OutputTemplate(IfbenchChecker):
    """Passes when ``My Answer:``, ``My Conclusion:`` and ``Future Outlook:`` all occur."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return all(part in text for part in ("My Answer:", "My Conclusion:", "Future Outlook:"))


@register("ifbench.format:no_whitespace")
@dataclass(frozen=True)
class NoWhitespace(IfbenchChecker):
    """Passes when no character is whitespace (``str.isspace``)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return not any(ch.isspace() for ch in text)
