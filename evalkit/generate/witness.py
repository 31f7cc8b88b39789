"""The witness answer of a generated sample: a response shape every constraint is true of.

A :class:`Plan` records what the answer looks like (prose, bullet list, table or JSON; case;
keywords; ending mark; heading, bold, block quote; hidden counts of paragraphs, sentences, rows,
nesting depth). Constraints are drawn as statements about the plan, and :func:`render` writes
the one answer that satisfies them all, so no conflicting combination can be drawn.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from evalkit.generate.vocab import EN_FILLER, ZH_FILLER

FORMS = ("prose", "bullets", "table", "json")


@dataclass
class Plan:
    """The shape of one witness answer (filled in while constraints are drawn)."""

    lang: str
    form: str = "prose"
    case: str | None = None  # English: upper | title | lower
    script: str = "simplified"  # Chinese: simplified | traditional
    heading: int | None = None  # level of a heading line opening the answer
    bold: bool = False
    quote: bool = False
    start: str | None = None  # identifier the answer starts with
    end_mark: str | None = None  # "." "?" "!": the last character of the answer
    include: list[tuple[str, int]] = field(default_factory=list)  # (keyword, occurrences)
    avoid: list[str] = field(default_factory=list)
    paragraphs: int = 1
    sentences: int = 2  # prose: sentences per paragraph; bullets: items
    words: tuple[int, int] = (5, 9)  # words per sentence / cell / value
    rows: int = 2
    cols: int = 2
    depth: int = 2

    def keywords_used(self) -> set[str]:
        """Every keyword already asked for or avoided (never drawn twice)."""
        return {k for k, _ in self.include} | set(self.avoid)


def _words(rng: random.Random, plan: Plan) -> list[str]:
    lo, hi = plan.words
    pool = ZH_FILLER if plan.lang == "zh" else EN_FILLER
    return [rng.choice(pool) for _ in range(rng.randint(lo, hi))]


def _units(rng: random.Random, plan: Plan, n: int) -> list[list[str]]:
    """``n`` word lists with every required keyword occurrence placed in one of them."""
    units = [_words(rng, plan) for _ in range(max(n, 1))]
    for keyword, times in plan.include:
        for _ in range(times):
            unit = units[rng.randrange(len(units))]
            unit.insert(rng.randint(1 if plan.lang == "en" else 0, len(unit)), keyword)
    if plan.bold:
        unit = units[0]
        i = rng.randrange(len(unit))
        unit[i] = f"**{unit[i]}**"
    return units


def _join(words: list[str], lang: str) -> str:
    if lang == "zh":
        return "".join(words)
    text = " ".join(words)
    return text[0].upper() + text[1:] if text[0].isalpha() else text


def _sentence(words: list[str], lang: str, mark: str) -> str:
    return _join(words, lang) + mark


def _default_mark(lang: str) -> str:
    return "。" if lang == "zh" else "."


def _prose(rng: random.Random, plan: Plan) -> str:
    units = _units(rng, plan, plan.paragraphs * plan.sentences)
    mark = _default_mark(plan.lang)
    sep = "" if plan.lang == "zh" else " "
    paragraphs = []
    for p in range(plan.paragraphs):
        chunk = units[p * plan.sentences:(p + 1) * plan.sentences]
        paragraphs.append(sep.join(_sentence(u, plan.lang, mark) for u in chunk))
    if plan.quote:
        paragraphs[0] = "> " + paragraphs[0]
    return "\n\n".join(paragraphs)


def _bullets(rng: random.Random, plan: Plan) -> str:
    mark = _default_mark(plan.lang)
    return "\n".join(f"- {_sentence(u, plan.lang, mark)}" for u in _units(rng, plan, plan.sentences))


def _table(rng: random.Random, plan: Plan) -> str:
    header_pool = ZH_FILLER if plan.lang == "zh" else EN_FILLER
    header = [_join([rng.choice(header_pool)], plan.lang) for _ in range(plan.cols)]
    units = _units(rng, plan, plan.rows * plan.cols)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * plan.cols]
    for r in range(plan.rows):
        cells = [_join(u, plan.lang) for u in units[r * plan.cols:(r + 1) * plan.cols]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _json(rng: random.Random, plan: Plan) -> str:
    pool = ZH_FILLER if plan.lang == "zh" else EN_FILLER
    deep, side = (_join(u, plan.lang) for u in _units(rng, plan, 2))
    keys = [f"{rng.choice(pool)}_{i}" if plan.lang == "en" else f"{rng.choice(pool)}{i}" for i in range(plan.depth + 1)]
    node: Any = deep
    for level in range(plan.depth):
        node = {keys[level]: node}
    node[keys[plan.depth]] = side  # a sibling at the top level keeps the depth unchanged
    return json.dumps(node, ensure_ascii=False, indent=2)


def _apply_case(text: str, case: str | None) -> str:
    if case == "upper":
        return text.upper()
    if case == "lower":
        return text.lower()
    if case == "title":
        return " ".join(_title_token(t) for t in text.split(" "))
    return text


def _title_token(token: str) -> str:
    """Upper-case the first letter of a token that starts with a lower-case ASCII letter
    (on every line of it, since tokens are split on spaces only)."""
    lines = token.split("\n")
    return "\n".join(w[0].upper() + w[1:] if w[:1].isascii() and w[:1].islower() else w for w in lines)


def _finish(text: str, plan: Plan) -> str:
    if plan.end_mark is not None and plan.form in ("prose", "bullets"):
        text = text.rstrip()
        if text[-1] in ".!?。":
            text = text[:-1]
        text += plan.end_mark
    if plan.heading is not None:
        pool = ZH_FILLER if plan.lang == "zh" else EN_FILLER
        title = _join([pool[0], pool[3]], plan.lang)
        text = f"{'#' * plan.heading} {title}\n{text}"
    if plan.start is not None:
        text = f"{plan.start}\n{text}" if plan.form == "bullets" else f"{plan.start} {text}"
    return text


def render(plan: Plan, seed: str) -> str:
    """The witness answer of ``plan`` (deterministic for one ``seed``)."""
    rng = random.Random(seed)
    body = {"prose": _prose, "bullets": _bullets, "table": _table, "json": _json}[plan.form](rng, plan)
    text = _apply_case(_finish(body, plan), plan.case)
    if plan.lang == "zh" and plan.script == "traditional":
        from zhconv import convert

        text = convert(text, "zh-tw")
    return text
