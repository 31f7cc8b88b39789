"""Constraint parsing and response segmentation for the MulDimIF ``Content_Keywords`` checker.

Everything here that looks only at the constraint text is cached; the segmentation helpers
(:func:`split_elements`) look at the response and use line scans instead of multi-line regexes so
that they stay linear on hostile input.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from evalkit.verifiers.muldimif._lazy import compile_later

# --- number words -----------------------------------------------------------------------------

# Words upstream understands in "at least N words" and "at least N times"; all below ten, so a
# compound such as "two-three" is simply the sum of its parts.
NUMBER_WORDS: dict[str, int] = {
    "once": 1,
    "one": 1,
    "twice": 2,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

_NUMBER_PARTS = compile_later(r"[\s-]+")


def word_limit_number(token: str) -> int | None:
    """Value of the token after "at least"/"at most": digits (commas dropped) or summed number
    words joined by spaces/hyphens; None when any part is unknown (upstream would then crash)."""
    token = token.strip().replace(",", "")
    if token.isdigit():
        try:
            return int(token)
        except ValueError:  # e.g. superscript digits: isdigit() but not int()-able
            return None
    total = 0
    for part in _NUMBER_PARTS.split(token.strip().lower()):
        if part not in NUMBER_WORDS:
            return None
        total += NUMBER_WORDS[part]
    return total


# --- the keyword rule -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordRule:
    """Structured form of one keyword constraint (see :func:`parse_rule`)."""

    keywords: tuple[str, ...] = ()
    min_count: int = 1
    exclude: bool = False
    any_of: bool = False
    end_with_period: bool = False
    capitalized: bool = False
    min_words: int | None = 0
    max_words: int | float | None = float("inf")

    @property
    def recognised(self) -> bool:
        """False when the constraint yielded nothing to test (upstream passes vacuously)."""
        return bool(
            self.keywords
            or self.exclude
            or self.any_of
            or self.end_with_period
            or self.capitalized
            or self.min_words != 0
            or self.max_words != float("inf")
        )


_WRAPPED_IN_QUOTES = compile_later(r'^"+(.*[^"])"+$')
_PERIOD_END = compile_later(r"must\s+end\s+with\s+(a\s+)?period", re.I)
_CAPITALIZED = compile_later(r"must\s+use\s+capitalized\s+letters\s+for\s+each\s+word", re.I)
_MIN_WORDS = compile_later(r"(?:at\s+least|minimum\s+of)\s+(\S+)\s+word", re.I)
_MAX_WORDS = compile_later(
    r"(?:not\s+exceed|at\s+most|no\s+more\s+than|maximum\s+of)\s+(\S+)\s+word", re.I
)
_SINGLE_WORD = compile_later(r"is\s+a\s+single\s+word", re.I)
_EXCLUSION = compile_later(r"avoid\s+using\s+(the\s+)?term|must\s+be\s+avoided", re.I)
_FIRST_QUOTED = compile_later(r"[\"']([^\"']+)[\"']")
_OR_WORD = compile_later(r"\bOR\b", re.I)
_COUNT_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|once|twice"
_MIN_COUNT = compile_later(rf"at least (\d+|{_COUNT_WORDS})(?:\s+times?)?\b(?!\s+words\s+long)", re.I)
_MULTIPLE_TIMES = compile_later(r"must appear multiple times", re.I)
# Keywords: ""doubled"" quotes take priority over any single-quoted/“curly”/「corner」 spans.
_DOUBLED_QUOTES = compile_later(r'["”]{2}([^"“]+)["“]{2}')
_ANY_QUOTES = compile_later(r"[\"'「“]([^\"']+)[\"'」”]")


def _unwrap(constraint: str) -> str:
    """Strip the constraint and drop one layer of surrounding double-quote runs."""
    constraint = constraint.strip()
    while (m := _WRAPPED_IN_QUOTES.match(constraint)) is not None:
        constraint = m.group(1)
    return constraint


def _min_count(text: str) -> int:
    """Required occurrences per keyword: "at least N [times]", "multiple times" (=2), else 1."""
    count = 1
    m = _MIN_COUNT.search(text)
    if m:
        token = m.group(1).lower()
        count = int(token) if token.isdigit() else NUMBER_WORDS.get(token, 1)
    if _MULTIPLE_TIMES.search(text):
        count = 2
    return count


def _quoted_keywords(text: str) -> tuple[str, ...]:
    """Every quoted span of the constraint (doubled quotes win if any are present)."""
    pattern = _DOUBLED_QUOTES if _DOUBLED_QUOTES.search(text) else _ANY_QUOTES
    return tuple(m.group(1) for m in pattern.finditer(text))


@lru_cache(maxsize=4096)
def parse_rule(constraint: str) -> KeywordRule:
    """Parse a keyword constraint into a :class:`KeywordRule`.

    Word bounds: "at least/minimum of N word…", "not exceed/at most/no more than/maximum of N
    word…", "is a single word" (= exactly 1). "avoid using (the) term"/"must be avoided" makes the
    first quoted span a forbidden keyword and ends parsing. Otherwise "OR" (any case, whole word)
    means any one keyword suffices, "at least N/once/twice… [times]" (not "N words long") sets the
    per-keyword count, and every quoted span is a keyword.
    """
    text = _unwrap(constraint)
    min_words: int | None = 0
    max_words: int | float | None = float("inf")
    if m := _MIN_WORDS.search(text):
        min_words = word_limit_number(m.group(1).strip())
    if m := _MAX_WORDS.search(text):
        max_words = word_limit_number(m.group(1).strip())
    if _SINGLE_WORD.search(text):
        min_words = max_words = 1
    base = KeywordRule(
        end_with_period=_PERIOD_END.search(text) is not None,
        capitalized=_CAPITALIZED.search(text) is not None,
        min_words=min_words,
        max_words=max_words,
    )
    if _EXCLUSION.search(text):
        first = _FIRST_QUOTED.search(text)
        if first is None:
            return base
        return replace(base, keywords=(first.group(1),), exclude=True)
    return replace(
        base,
        keywords=_quoted_keywords(text),
        min_count=_min_count(text),
        any_of=_OR_WORD.search(text) is not None,
    )


# --- special whole-constraint forms -----------------------------------------------------------

_INCLUDE_KW = compile_later(r"includes?\s+the\s+keyword\s+[\"']([^\"']+)[\"']", re.I)
_AVOID_KW = compile_later(r"avoids?\s+the\s+keyword\s+[\"']([^\"']+)[\"']", re.I)
_CONDITIONAL = compile_later(
    r"If discussing\s+([^,]+),\s*the summary must include the keyword\s+[\"']([^\"']+)[\"']", re.I
)
_SLASHED_TOPIC = compile_later(r"^(.*\s)(\S+)/(\S+)(\s.*)$")


@lru_cache(maxsize=4096)
def include_and_avoid(constraint: str) -> tuple[str, str] | None:
    """("includes the keyword 'A'", "avoids the keyword 'B'") pair when both phrases occur."""
    inc, avoid = _INCLUDE_KW.search(constraint), _AVOID_KW.search(constraint)
    if inc is None or avoid is None:
        return None
    return inc.group(1), avoid.group(1)


def _topic_variants(topic: str) -> tuple[str, ...]:
    """Spellings of a topic: "x a/b y" gives "x a y" and "x b y"; a bare "a / b" gives its parts."""
    if "/" not in topic:
        return (topic,)
    m = _SLASHED_TOPIC.match(topic)
    if m:
        head, first, second, tail = m.groups()
        return (head + first + tail, head + second + tail)
    return tuple(part.strip() for part in topic.split("/"))


@lru_cache(maxsize=4096)
def conditional_keywords(constraint: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """("If discussing T, the summary must include the keyword 'K'") as (T variants, K) pairs."""
    return tuple((_topic_variants(t), k) for t, k in _CONDITIONAL.findall(constraint))


# --- "each X must …" ------------------------------------------------------------------------

_EACH_WORD = compile_later(r"\b(each|every)\b", re.I)
_EACH_CLAUSE = compile_later(r"\b(each|every)\s+(.+?)\s+(must|should|needs to|has to)\s+(.*)", re.I)


def is_each_constraint(constraint: str) -> bool:
    """True when the constraint says "each"/"every" (whole word) but not "for each word"."""
    return _EACH_WORD.search(constraint) is not None and "for each word" not in constraint


@lru_cache(maxsize=4096)
def parse_each(constraint: str) -> tuple[str, KeywordRule] | None:
    """(lower-cased target noun, rule for what follows "must/should/needs to/has to")."""
    m = _EACH_CLAUSE.search(constraint)
    if m is None:
        return None
    return m.group(2).lower(), parse_rule(m.group(4))


# --- response segmentation for "each" mode -----------------------------------------------------

_NUMBERED_ITEM = compile_later(r"\s*\d+\.\s+")
_BULLET_ITEM = compile_later(r"\s*[-*] ")
_HEADING_MARKS = compile_later(r"^#+\s*")
_NON_WORD = compile_later(r"\W")


def _looks_like_table(text: str) -> bool:
    """Some line's first non-blank char is "|" and another "|" follows at least one char later."""
    for line in text.split("\n"):
        body = line.lstrip()
        if body.startswith("|") and "|" in body[2:]:
            return True
    return False


def response_format(text: str) -> str:
    """'json' (starts with { or [), 'table', 'numbered' / 'bullet' (judged by the text's first
    line only), else 'plain'."""
    head = text.lstrip()
    if head[:1] in ("{", "["):
        return "json"
    if _looks_like_table(text):
        return "table"
    if _NUMBERED_ITEM.match(text):
        return "numbered"
    if _BULLET_ITEM.match(text):
        return "bullet"
    return "plain"


def _json_elements(text: str) -> list[str] | None:
    """str() of each top-level value of a JSON object/array; [] if it does not parse."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if isinstance(data, dict):
        return [str(v) for v in data.values()]
    if isinstance(data, list):
        return [str(v) for v in data]
    return None


def _norm(word: str) -> str:
    return _NON_WORD.sub("", word).lower()


def _clean_cell(cell: str) -> str:
    return _HEADING_MARKS.sub("", cell).strip()


def _table_elements(text: str, target: str) -> list[str]:
    """Cells of the column whose header shares most words with the target (first wins); with no
    shared word, the column with most words per cell. Rows need a header, a separator row and
    data rows with exactly as many cells as the header."""
    lines = [
        s
        for s in (raw.strip() for raw in text.split("\n"))
        if s.startswith("|") and s.endswith("|")
    ]
    if len(lines) < 3:
        return []
    headers = [h.strip() for h in lines[0].split("|")[1:-1]]
    if not headers:
        return []
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == len(headers):
            # With duplicate headers the dict keeps the last cell under that name.
            rows.append(dict(zip(headers, cells, strict=True)))
    if not rows:
        return []
    wanted = {w for w in map(_norm, target.split()) if w}
    best, best_hits = headers[0], -1
    for header in headers:
        hits = sum(1 for w in map(_norm, header.split()) if w and w in wanted)
        if hits > best_hits:
            best, best_hits = header, hits
    if best_hits <= 0:
        totals = {h: sum(len(_clean_cell(row[h]).split()) for row in rows) for h in headers}
        best = max(totals, key=lambda h: totals[h])
    return [_clean_cell(row[best]) for row in rows]


def _is_rule_line(line: str) -> bool:
    body = line.strip()
    return len(body) >= 3 and body[0] in "-*=" and body == body[0] * len(body)


def _plain_sections(text: str) -> list[str]:
    """Blocks between ---/***/=== rule lines (stripped; may be empty); the whole text if none."""
    sections: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if not _is_rule_line(line):
            current.append(line)
        elif current:
            sections.append("\n".join(current).strip())
            current = []
    if current:
        sections.append("\n".join(current).strip())
    return sections or [text]


def split_elements(text: str, target: str) -> list[str] | None:
    """The response's elements for an "each" constraint, by :func:`response_format`.

    Numbered items are the text after the first "." of each ``N. `` line; bullet items the text
    after the first space of each ``- ``/``* `` line.
    """
    kind = response_format(text)
    if kind == "json":
        return _json_elements(text)
    if kind == "table":
        return _table_elements(text, target)
    if kind == "numbered":
        return [ln.split(".", 1)[1].strip() for ln in text.split("\n") if _NUMBERED_ITEM.match(ln)]
    if kind == "bullet":
        return [ln.split(" ", 1)[1].strip() for ln in text.split("\n") if _BULLET_ITEM.match(ln)]
    return _plain_sections(text)
