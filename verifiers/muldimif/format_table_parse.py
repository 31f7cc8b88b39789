"""Constraint-text parsing for the MulDimIF Format_Table checker.

Turns one natural-language table constraint into a :class:`TableRules` record. Everything here
depends on the constraint only, so :func:`parse_table_constraint` is cached. The rules are the
upstream ones, quirks included (see the notes on each table below).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from evalkit.verifiers.muldimif._lazy import compile_later

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip

# A count: ASCII/Unicode digits or one whole number word (no composition: "twenty five" -> 20).
_NUM = r"(\d+|\b(?:" + "|".join(NUMBER_WORDS) + r")\b)"


def _compile(template: str) -> re.Pattern[str]:
    return compile_later(template.replace("<N>", _NUM))


# Row-count phrasings, tried in this order; the first one found anywhere decides (op, n).
_ROW_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_compile(t), op)
    for t, op in (
        (r"exactly\s+<N>\s+rows?", "exact"),
        (r"no\s+more\s+than\s+<N>\s+rows?", "max"),
        (r"not\s+have\s+more\s+than\s+<N>\s+rows?", "max"),
        (r"must\s+not\s+exceed\s+<N>\s+rows?", "max"),
        (r"not\s+exceed\s+<N>\s+rows?", "max"),
        (r"not\s+exceeding\s+<N>\s+rows?", "max"),
        (r"should\s+not\s+exceed\s+<N>\s+rows?", "max"),
        (r"row\s+limit\s+of\s+<N>", "max"),
        (r"<N>\s+rows?\s+must\s+be\s+included", "exact"),
        (r"exactly\s+.+and <N>\s+rows?", "exact"),
        (r"not exceed\s+.+and <N>\s+rows?", "max"),
        (r"a maximum of\s+<N>\s+rows", "max"),
        (r"limited to a maximum of\s+<N>\s+rows", "max"),
        (r"limited to\s+<N>\s+rows", "max"),
        (r"a row limit of\s+<N>", "max"),
        (r"a maximum of\s+.+and <N>\s+rows?", "max"),
        (r"limit the number of rows to\s+<N>", "max"),
        (r"limit it to\s+<N>\s+rows", "max"),
        (r"limit the table to\s+<N>\s+rows", "max"),
        (r"the number of rows in each table does not exceed\s+<N>", "max"),
    )
)

# Column phrasings, same first-hit-wins scan. "single" means one column; "title" is a title
# word limit that upstream keeps in the same list (so it only counts when no column rule hit).
_COL_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_compile(t), op)
    for t, op in (
        (r"exactly\s+<N>\s+columns?", "exact"),
        (r"no\s+more\s+than\s+<N>\s+columns?", "max"),
        (r"not\s+have\s+more\s+than\s+<N>\s+columns?", "max"),
        (r"must\s+not\s+exceed\s+<N>\s+columns?", "max"),
        (r"not\s+exceed\s+<N>\s+columns?", "max"),
        (r"not\s+exceeding\s+<N>\s+columns?", "max"),
        (r"should\s+not\s+exceed\s+<N>\s+columns?", "max"),
        (r"column\s+limit\s+of\s+<N>", "max"),
        (r"must\s+have\s+exactly\s+<N>\s+columns?", "exact"),
        (r"exactly\s+.+and <N>\s+columns?", "exact"),
        (r"in\s+<N>\s+columns", "exact"),
        (r"not exceed\s+.+and <N>\s+columns?", "max"),
        (r"maximum of\s+<N>\s+columns", "max"),
        (r"maximum\s+<N>\s+columns", "max"),
        (r"at most\s+<N>\s+columns", "max"),
        (r"limited to a maximum of\s+<N>\s+columns", "max"),
        (r"limited to\s+<N>\s+columns", "max"),
        (r"a column limit of\s+<N>", "max"),
        (r"a maximum of\s+.+and <N>\s+columns?", "max"),
        (r"limit the number of columns to\s+<N>", "max"),
        (r"limit it to\s+<N>\s+columns", "max"),
        (r"limit the table to\s+<N>\s+columns", "max"),
        (r"the number of columns in each table does not exceed\s+<N>", "max"),
        (r"(?:a|each) single column|presented in (?:a|one) single column", "single"),
        (r"title must not exceed <N>\s+words", "title"),
    )
)

_TITLE_LIMIT = _compile(r"title\s+must\s+not\s+exceed\s+<N>\s+words")

# Column-name lists. Upstream splits them on a character class that holds "a", "n" and "d"
# (meant as the word "and"), so "name" becomes ["", "", "m", "e"] -> "m", "e". Kept as is.
_NAME_LIST_RULES: tuple[re.Pattern[str], ...] = (
    compile_later(r"columns?\s+should\s+be\s+([\w\s,]+)"),
    compile_later(r"columns:\s+([\w\s,']+)"),
    compile_later(r'must include columns for\s+"([^"]+)"'),
    # group 1 is the verb ("for"/"named"), not the names: upstream splits the verb.
    compile_later(r'table must include columns (for|named)\s+"([^"]+)"'),
)
_NAME_SPLIT = compile_later(r"[,、，和and]")

# "Each entry ... must include / should be presented in ..." -> required content phrases.
_CONTENT_RULES: tuple[re.Pattern[str], ...] = (
    compile_later(r"each (?:entry|row|item|game|series) must include (?:the\s+)?([\w\s,]+)"),
    compile_later(
        r"each (?:entry|row|item|game|series) should (?:be )?"
        r"(?:present|include|contain|show)(?:ed)? (?:in|with)?\s+([\w\s,]+)"
    ),
)
_CONTENT_SPLIT = compile_later(r"[,、，]")
_AND_ITS_PHRASE = compile_later(
    r"each\s+\w+\s+must\s+include\s+(?:the\s+)?([\w\s]+\s+and\s+its\s+[\w\s]+)"
)
_AND_ITS_SPLIT = compile_later(r"\s+and\s+its\s+")

_QUOTED = compile_later(r'"([^"]+)"')
_QUOTED_RUN = compile_later(r'include columns for\s+(?:"[^"]+",?\s*)+')

# "If you include a table ..." makes the table optional. The last entry is two upstream
# patterns glued together by a missing comma, so it needs both phrases back to back.
_OPTIONAL_TABLE: tuple[re.Pattern[str], ...] = tuple(
    compile_later(p)
    for p in (
        r"if you (include|use|utilize|incorporate|present) (a |any )?(tables?|tabular data)",
        r"if you (decide|choose|opt) to (use|include|incorporate|present|utilize) (a |any )?"
        r"(tables?|tabular data)",
        r"if (a |any )?(tables?|tabular data|table format) (is|are) "
        r"(used|included|utilized|incorporated|presented|chosen)",
        r"if there (is|are) (a |any )?(tables?|tabular data|table format) "
        r"(used|included|utilized|incorporated|presented|chosen)",
        r"if you (decide|choose|opt) to (use|include|incorporate|present|utilize) (your )?"
        r"information in a tableif presented in a table",
    )
)


@dataclass(frozen=True)
class TableRules:
    """What a Format_Table constraint asks for (``None``/empty = no such rule)."""

    rows: tuple[str, int] | None = None  # ("exact" | "max", n): body rows
    cols: tuple[str, int] | None = None  # ("exact" | "max", n): cells in the first row
    markdown: bool = False  # constraint says "markdown"
    columns: tuple[str, ...] = ()  # header names that must appear (substring match)
    contents: tuple[str, ...] = ()  # phrases that must appear in the table or its header
    title_max: int | None = None  # max words in the first row's text
    mentions_table: bool = False  # "table" occurs in the constraint
    optional: bool = False  # "if you include a table ..." phrasing
    series_rule: bool = False  # "series must include" + title/author/year
    film_rule: bool = False  # "film title" + "release year"
    columns_for: bool = False  # "columns for" occurs: two-way header matching, decides alone

    @property
    def recognised(self) -> bool:
        """True when any structural rule was read from the constraint."""
        return bool(
            self.rows or self.cols or self.markdown or self.columns or self.contents
            or self.title_max is not None or self.series_rule or self.film_rule
        )  # fmt: skip


def _number(token: str) -> int:
    return NUMBER_WORDS[token] if token in NUMBER_WORDS else int(token)


def _first_rule(
    rules: tuple[tuple[re.Pattern[str], str], ...], text: str
) -> tuple[str, int] | None:
    """(op, n) of the first pattern in ``rules`` found in ``text``; n is 1 for "single"."""
    for pattern, op in rules:
        m = pattern.search(text)
        if m:
            return (op, 1) if op == "single" else (op, _number(m.group(1)))
    return None


def _names(text: str) -> list[str]:
    """A name list cut on any of the characters , 、 ， 和 a n d (upstream quirk)."""
    parts = (p.strip("'\" ") for p in _NAME_SPLIT.split(text))
    return [p for p in parts if p]


def _content_items(phrase: str) -> list[str]:
    """Items of "a, b and its c": only the text around the first " and " is kept."""
    if " and " not in phrase:
        return [p for p in (c.strip() for c in _CONTENT_SPLIT.split(phrase)) if p]
    left, right = phrase.split(" and ")[:2]
    items = [i.strip() for i in left.split(",")] if "," in left else [left.strip()]
    items.append(right[4:].strip() if right.startswith("its ") else right.strip())
    return items


def _clean_quoted(text: str) -> list[str]:
    cleaned = (q.strip().rstrip(",").strip() for q in _QUOTED.findall(text))
    return [c for c in cleaned if c]


def _column_and_content_lists(s: str, contents: list[str]) -> list[str]:
    """Required header names from name lists and quotes; extends ``contents`` in place."""
    columns: list[str] = []
    for pattern in _NAME_LIST_RULES:
        m = pattern.search(s)
        if m and m.group(1):
            columns.extend(_names(m.group(1)))
    for pattern in _CONTENT_RULES:
        m = pattern.search(s)
        if m:
            contents.extend(_content_items(m.group(1)))
    m = _QUOTED_RUN.search(s)
    if m:
        columns.extend(q.strip() for q in _QUOTED.findall(m.group(0)) if q.strip())
    if not columns:
        columns.extend(_clean_quoted(s))
    m = _AND_ITS_PHRASE.search(s)
    if m:
        contents.extend(p.strip() for p in _AND_ITS_SPLIT.split(m.group(1)) if p.strip())
    return columns


@lru_cache(maxsize=4096)
def parse_table_constraint(constraint: str) -> TableRules:
    """Parse a table constraint (case-insensitive) into :class:`TableRules`."""
    s = constraint.lower()
    col_hit = _first_rule(_COL_RULES, s)
    cols = col_hit if col_hit and col_hit[0] in ("exact", "max") else None
    if col_hit and col_hit[0] == "single":
        cols = ("exact", 1)
    title_max = col_hit[1] if col_hit and col_hit[0] == "title" else None
    contents: list[str] = []
    if "series must include" in s and "title" in s and "author" in s:
        contents = ["title", "author", "year", "publication"]
    if "film title" in s and "release year" in s:
        contents = ["film title", "release year"]
    columns = _clean_quoted(s) if "columns for" in s and '"' in s else []
    if not columns:
        # (Upstream returns early when the quoted list above is non-empty, skipping all this.)
        columns = _column_and_content_lists(s, contents)
        if "single column" in s:
            cols = ("exact", 1)
        m = _TITLE_LIMIT.search(s)
        if m:
            title_max = _number(m.group(1))
    return TableRules(
        rows=_first_rule(_ROW_RULES, s),
        cols=cols,
        markdown="markdown" in s,
        columns=tuple(columns),
        contents=tuple(contents),
        title_max=title_max,
        mentions_table="table" in s,
        optional=any(p.search(s) for p in _OPTIONAL_TABLE),
        series_rule="series must include" in s and all(w in s for w in ("title", "author", "year")),
        film_rule="film title" in s and "release year" in s,
        columns_for="columns for" in s,
    )
