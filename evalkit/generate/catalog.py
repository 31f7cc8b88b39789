"""Constraint kinds of ``evalkit generate``: each draws a statement that is true of the plan.

Every kind returns an :class:`Atom`: the checker id and params (the text the MulDimIF checker
parses), the text shown in the prompt (the same text in English; a Chinese phrasing with
``--language zh``), and the anchors (keywords, numbers) a paraphrase must keep. Format,
Language and Content kinds shape the :class:`~evalkit.generate.witness.Plan`; Length kinds are
drawn last, from counts measured on the rendered witness, so every bound holds by construction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from evalkit.generate.vocab import EN_AVOID, EN_KEYWORDS, ZH_AVOID, ZH_KEYWORDS
from evalkit.generate.witness import Plan

CATEGORIES = ("Content", "Format", "Language", "Length")
# most constraints one prompt may hold per category (Content repeats keywords without limit)
CAPACITY = {"Content": 10_000, "Format": 3, "Language": 1, "Length": 5}
MULDIMIF = "muldimif."
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


@dataclass(frozen=True)
class Atom:
    """One drawn constraint: checker, params, prompt text and what a paraphrase must keep."""

    category: str
    type: str
    checker: str
    params: dict[str, str]
    text: str
    anchors: tuple[str, ...] = ()


def _atom(category: str, kind: str, checker: str, en: str, zh: str | None, lang: str,
          anchors: tuple[str, ...] = (), zh_parsed: bool = False) -> Atom:
    """An atom whose checker parses ``en`` (or the Chinese text when ``zh_parsed``)."""
    text = zh if lang == "zh" and zh is not None else en
    params = text if zh_parsed and lang == "zh" else en
    return Atom(category, f"{category}_{kind}", MULDIMIF + checker, {"constraint": params}, text, anchors)


def capacity(category: str, lang: str) -> int:
    """Most constraints of ``category`` one prompt can hold in ``lang``."""
    if category == "Length" and lang == "zh":
        return 3  # no sentence bounds: upstream counts only ASCII . ! ? as sentence ends
    return CAPACITY[category]


# ---------------------------------------------------------------- Format
def _table_rows(rng: random.Random, plan: Plan) -> Atom:
    r = plan.rows
    if rng.random() < 0.5:
        return _atom("Format", "Table", "format.table", f"The answer must be presented in a table with exactly {r} rows",
                     f"回答必须以表格形式呈现，表格恰好包含{r}行数据", plan.lang, (str(r),))
    m = r + rng.randint(0, 2)
    return _atom("Format", "Table", "format.table", f"Present the answer in a table format with a maximum of {m} rows",
                 f"回答必须以表格形式呈现，表格最多{m}行数据", plan.lang, (str(m),))


def _table_cols(rng: random.Random, plan: Plan) -> Atom:
    c = plan.cols
    if rng.random() < 0.5:
        return _atom("Format", "Table", "format.table", f"The table must have exactly {c} columns",
                     f"表格必须恰好有{c}列", plan.lang, (str(c),))
    m = c + rng.randint(0, 2)
    return _atom("Format", "Table", "format.table", f"The table must not exceed {m} columns",
                 f"表格不得超过{m}列", plan.lang, (str(m),))


def _json_depth(rng: random.Random, plan: Plan, which: str) -> Atom:
    d = plan.depth
    if which == "exact":
        return _atom("Format", "Json", "format.json", f"The JSON object must have exactly {d} levels of nesting",
                     f"回答必须是一个JSON对象，嵌套层级恰好为{d}层", plan.lang, (str(d),))
    if which == "min":
        lo = rng.randint(1, d)
        return _atom("Format", "Json", "format.json",
                     f"The answer must include a JSON object with at least {lo} levels of nesting",
                     f"回答必须包含一个至少{lo}层嵌套的JSON对象", plan.lang, (str(lo),))
    hi = d + rng.randint(0, 2)
    return _atom("Format", "Json", "format.json", f"Object nesting levels must not exceed {hi}",
                 f"JSON对象的嵌套层级不得超过{hi}层", plan.lang, (str(hi),))


def _bullets(rng: random.Random, plan: Plan) -> Atom:
    return _atom("Format", "Bullets", "format.others", "The answer must be listed as bullet points",
                 "回答必须以项目符号列表的形式列出", plan.lang)


def _heading(rng: random.Random, plan: Plan) -> Atom:
    plan.heading = rng.randint(1, 3)
    if rng.random() < 0.5:
        h = plan.heading
        return _atom("Format", "Markdown", "format.markdown", f"The answer must begin with a level {h} heading",
                     f"回答必须以{h}级Markdown标题开头", plan.lang, (str(h),))
    m = plan.heading + rng.randint(0, 1)
    return _atom("Format", "Markdown", "format.markdown", f"Heading levels must not exceed {m}",
                 f"Markdown标题的级别不得超过{m}级", plan.lang, (str(m),))


def _bold(rng: random.Random, plan: Plan) -> Atom:
    plan.bold = True
    return _atom("Format", "Markdown", "format.markdown", "The answer must use bold text for a key term",
                 "回答必须用Markdown粗体标出一个关键词", plan.lang)


def _quote(rng: random.Random, plan: Plan) -> Atom:
    plan.quote = True
    return _atom("Format", "Markdown", "format.markdown", "The answer must use block quotes",
                 "回答必须使用Markdown引用块", plan.lang)


def draw_format(rng: random.Random, plan: Plan, n: int, prose_only: bool = False) -> list[Atom]:
    """``n`` (1–3) format constraints; the first one fixes the answer's form (prose with a
    heading, bold text or a block quote when ``prose_only``)."""
    if prose_only:
        plan.form = "prose"
        return [make(rng, plan) for make in rng.sample([_heading, _bold, _quote], n)]
    forms = ["table", "bullets", "prose"] + (["json"] if n <= 2 else [])
    plan.form = rng.choice(forms)
    if plan.form == "table":
        first, extras = [_table_rows], [_table_cols, _bold]
    elif plan.form == "json":
        if n == 1:
            return [_json_depth(rng, plan, rng.choice(["exact", "min", "max"]))]
        return [_json_depth(rng, plan, "min"), _json_depth(rng, plan, "max")]
    elif plan.form == "bullets":
        first, extras = [_bullets], [_heading, _bold]
    else:
        pool = [_heading, _bold, _quote]
        rng.shuffle(pool)
        first, extras = pool[:1], pool[1:]
    chosen = first + rng.sample(extras, n - 1)
    return [make(rng, plan) for make in chosen]


# ---------------------------------------------------------------- Language
def draw_language(rng: random.Random, plan: Plan) -> Atom:
    """One script or letter-case constraint (they exclude each other)."""
    if plan.lang == "zh":
        if rng.random() < 0.6:
            return _atom("Language", "Chinese", "language.chinese", "回答必须使用简体中文", "回答必须使用简体中文",
                         plan.lang, zh_parsed=True)
        plan.script = "traditional"
        return _atom("Language", "Chinese", "language.chinese", "The answer must use Traditional Chinese characters",
                     "回答必须全部使用繁體中文書寫", plan.lang)
    plan.case = rng.choice(["upper", "title", "lower"])
    text = {"upper": "The answer must be in all uppercase letters",
            "title": "The answer must use capitalized letters for each word",
            "lower": "The answer must be in all lowercase letters"}[plan.case]
    return _atom("Language", "English", "language.english", text, None, plan.lang)


# ---------------------------------------------------------------- Content
def _script(word: str, plan: Plan) -> str:
    if plan.lang == "zh" and plan.script == "traditional":
        from zhconv import convert

        return str(convert(word, "zh-tw"))
    return word


def _fresh(rng: random.Random, pool: tuple[str, ...], plan: Plan) -> str | None:
    used = plan.keywords_used()
    free = [w for w in pool if _script(w, plan) not in used]
    return _script(rng.choice(free), plan) if free else None


def _include(rng: random.Random, plan: Plan) -> Atom | None:
    word = _fresh(rng, ZH_KEYWORDS if plan.lang == "zh" else EN_KEYWORDS, plan)
    if word is None:
        return None
    times = 1 if rng.random() < 0.75 else rng.randint(2, 3)
    plan.include.append((word, times))
    if times == 1:
        return _atom("Content", "Keywords", "content.keywords", f"The answer must include the keyword '{word}'",
                     f"回答必须包含关键词“{word}”", plan.lang, (word,), zh_parsed=True)
    return _atom("Content", "Keywords", "content.keywords",
                 f"The answer must include the keyword '{word}' at least {times} times",
                 f"关键词“{word}”在回答中必须至少出现{times}次", plan.lang, (word, str(times)))


def _avoid(rng: random.Random, plan: Plan) -> Atom | None:
    word = _fresh(rng, ZH_AVOID if plan.lang == "zh" else EN_AVOID, plan)
    if word is None:
        return None
    plan.avoid.append(word)
    return _atom("Content", "Keywords", "content.keywords", f"Avoid using the term '{word}'",
                 f"回答中不得出现词语“{word}”", plan.lang, (word,))


_MARK_TEXT = {".": ("Ending punctuation must be a period", "回答必须以英文句点“.”结尾"),
              "?": ("The answer must end with a question mark", "回答必须以英文问号“?”结尾"),
              "!": ("The answer must end with an exclamation mark", "回答必须以英文感叹号“!”结尾")}


def _end_mark(rng: random.Random, plan: Plan) -> Atom | None:
    if plan.end_mark is not None or plan.form not in ("prose", "bullets"):
        return None
    plan.end_mark = rng.choice(sorted(_MARK_TEXT))
    en, zh = _MARK_TEXT[plan.end_mark]
    return _atom("Content", "Punctuation", "content.punctuation", en, zh, plan.lang, (plan.end_mark,))


_STARTS = {"en": ("Summary:", "Answer:", "Overview:", "Note:"), "zh": ("摘要：", "回答：", "概述：", "要点：")}


def _start(rng: random.Random, plan: Plan) -> Atom | None:
    if plan.start is not None or plan.form not in ("prose", "bullets") or plan.heading or plan.quote:
        return None
    plan.start = _script(rng.choice(_STARTS[plan.lang]), plan)
    s = plan.start
    return _atom("Content", "Identifiers", "content.others",
                 f"Start identifier: the answer must start with the word '{s}'",
                 f"Start identifier: 回答必须以“{s}”开头", plan.lang, (s,))


_CONTENT_KINDS: tuple[tuple[Callable[[random.Random, Plan], Atom | None], float], ...] = (
    (_include, 0.55), (_avoid, 0.25), (_end_mark, 0.1), (_start, 0.1))


def draw_content(rng: random.Random, plan: Plan, n: int) -> list[Atom]:
    """``n`` content constraints: keywords to include or avoid, an ending mark, a start word."""
    atoms: list[Atom] = []
    kinds = [k for k, _ in _CONTENT_KINDS]
    weights = [w for _, w in _CONTENT_KINDS]
    while len(atoms) < n:
        atom = rng.choices(kinds, weights)[0](rng, plan)
        if atom is None:
            atom = _include(rng, plan) or _avoid(rng, plan)
        if atom is None:
            raise ValueError("keyword lists exhausted")
        atoms.append(atom)
    return atoms
