"""Length constraints of ``evalkit generate``, drawn from counts measured on the witness.

Counts use the MulDimIF checkers' own definitions (words: whitespace tokens, or CJK characters
when the answer has any; sentences: ``.``/``!``/``?`` characters; paragraphs: blocks between
blank lines), and every bound is drawn around the measured count, so it holds for the witness.
"""

from __future__ import annotations

import random

from evalkit.generate.catalog import Atom, _atom


def _counts(witness: str) -> tuple[int, int, int]:
    from evalkit.verifiers.muldimif.length_paragraphs import count_paragraphs
    from evalkit.verifiers.muldimif.length_sentences import count_sentences
    from evalkit.verifiers.muldimif.length_words import count_words

    return count_words(witness), count_sentences(witness), count_paragraphs(witness)


def _plural(noun: str, n: int) -> str:
    return noun if n == 1 else noun + "s"


def _slack(rng: random.Random, count: int) -> int:
    return rng.randint(0, max(2, count // 4))


def _words(rng: random.Random, count: int, which: str, lang: str) -> Atom:
    if which == "max":
        m = count + _slack(rng, count)
        return _atom("Length", "Words", "length.words", f"The answer must not exceed {m} words",
                     f"回答最多{m}字", lang, (str(m),), zh_parsed=True)
    if which == "min":
        m = max(1, count - _slack(rng, count))
        return _atom("Length", "Words", "length.words", f"The answer must contain at least {m} {_plural('word', m)}",
                     f"回答至少包含{m}个字", lang, (str(m),))
    lo, hi = max(1, count - _slack(rng, count)), count + _slack(rng, count)
    return _atom("Length", "Words", "length.words", f"The answer must be between {lo} and {hi} words",
                 f"回答的字数必须在{lo}到{hi}之间", lang, (str(lo), str(hi)))


def _sentences(rng: random.Random, count: int, which: str) -> Atom:
    if which == "max":
        m = count + _slack(rng, count)
        return _atom("Length", "Sentences", "length.sentences", f"The answer must be at most {m} {_plural('sentence', m)} long",
                     None, "en", (str(m),))
    if which == "min":
        m = max(1, count - _slack(rng, count))
        return _atom("Length", "Sentences", "length.sentences", f"The answer must contain at least {m} {_plural('sentence', m)}",
                     None, "en", (str(m),))
    lo, hi = max(1, count - _slack(rng, count)), count + _slack(rng, count)
    return _atom("Length", "Sentences", "length.sentences", f"The answer must contain between {lo} and {hi} sentences",
                 None, "en", (str(lo), str(hi)))


def _number(rng: random.Random, n: int) -> str:
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    return words[n] if n in words and rng.random() < 0.4 else str(n)


def _paragraphs(rng: random.Random, count: int, lang: str) -> Atom:
    which = rng.choice(["exact", "max", "min"])
    if which == "exact" and count == 1:
        return _atom("Length", "Paragraphs", "length.paragraphs", "The answer must be a single paragraph",
                     "回答必须只有一个段落", lang)
    if which == "exact":
        n = _number(rng, count)
        return _atom("Length", "Paragraphs", "length.paragraphs", f"The answer must contain exactly {n} paragraphs",
                     f"回答必须恰好分为{count}个段落", lang, (n,))
    if which == "max":
        m = count + rng.randint(0, 2)
        return _atom("Length", "Paragraphs", "length.paragraphs", f"The answer must contain at most {m} {_plural('paragraph', m)}",
                     f"回答最多分为{m}个段落", lang, (str(m),), zh_parsed=True)
    m = max(1, count - rng.randint(0, 1))
    n = _number(rng, m)
    return _atom("Length", "Paragraphs", "length.paragraphs", f"The answer must contain at least {n} {_plural('paragraph', m)}",
                 f"回答至少分为{m}个段落", lang, (n,))


def draw_length(rng: random.Random, witness: str, n: int, lang: str) -> list[Atom]:
    """``n`` length constraints true of ``witness``: up to two word bounds, two sentence bounds
    (English) and one paragraph bound."""
    words, sentences, paragraphs = _counts(witness)
    slots = ["words", "words", "paragraphs"] + (["sentences", "sentences"] if lang == "en" and sentences else [])
    chosen = rng.sample(slots, n)
    atoms: list[Atom] = []
    for kind in ("words", "sentences"):
        k = chosen.count(kind)
        whiches = ["min", "max"] if k == 2 else [rng.choice(["min", "max", "range"])] if k == 1 else []
        for which in whiches:
            atoms.append(_words(rng, words, which, lang) if kind == "words" else _sentences(rng, sentences, which))
    if "paragraphs" in chosen:
        atoms.append(_paragraphs(rng, paragraphs, lang))
    return atoms
