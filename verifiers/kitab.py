"""KITAB checkers: book-list parsing, title mapping and constraint checks as eureka's KitabMetric.

One checker, ``kitab.query``, scores one query: it parses the model's book list, maps each title
to the author's books (substring, then fuzzy ratio >= 80 with the first passing title in list
order), excuses titles found only among the raw OpenLibrary titles, checks every constraint of the
query on each matched group and returns upstream's per-query metrics in ``details``. The verdict
(``passed``) is upstream's ``all_correct``. The ground truth (``all_books``, ``mapped_books``,
``raw_books``) comes from the sample's ``reference``.

Lexical and temporal checks (starts-with, ends-with, word-count, publishing-year) are exact.
Human-name and city-name checks go through a pluggable entity checker (``kitab_entities``).
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from evalkit.checking import CheckContext, Checker, CheckResult, register
from evalkit.verifiers.kitab_entities import EntityChecker, get_entity_checker, load_name_titles

STOPWORDS = frozenset({"a", "an", "the", "in", "is", "of", "on", "for", "with", "to", "and"})
_PUNCT = str.maketrans("", "", string.punctuation)
_PUNCT_BYTES = string.punctuation.encode("ascii")  # the same deletions for ASCII text, as bytes (faster)
_OUTPUT_MARKER = re.compile(r"Output:\s*\n")
_ALL_BOOKS_YEAR = re.compile(r"\(\d{3,4}\)$")
_GT_YEAR = re.compile(r"\((\d{3,4})\)")
_WORD_COUNT = re.compile(r"(\d+)\s+word")
_NUMBERS = re.compile(r"\b(\d{1,4})\b")
_TITLE = "Title: "


# ---------------------------------------------------------------- parsing


def _title_group(rest: str) -> str:
    """Group 1 of upstream's ``Title: (.*?)\\s*(?:\\(\\d{4}\\))?$`` given the line after ``Title: ``.

    Linear-time equivalent: a ``(dddd)`` that ends the line (no trailing space) is dropped with
    the whitespace before it; otherwise trailing whitespace is dropped."""
    if len(rest) >= 6 and rest[-1] == ")" and rest[-6] == "(" and all(c.isdecimal() for c in rest[-5:-1]):
        return rest[:-6].rstrip()
    return rest.rstrip()


def parse_titles(response: str, strict: bool = False) -> list[str]:
    """Titles of a model answer as upstream's ``parse_output_reason``: the text after the last
    ``</think>``, then after the last ``Output:`` marker (whole text when there is none; in strict
    mode a self-context answer with ``All Books`` but no marker gives no titles), then one title
    per line holding ``Title: ``."""
    text = response.rsplit("</think>", 1)[-1]
    last = None
    for match in _OUTPUT_MARKER.finditer(text):
        last = match.end()
    if last is None:
        if strict and "All Books" in text:
            return []
    else:
        text = text[last:]
    titles = []
    for line in text.split("\n"):
        at = line.find(_TITLE)
        if at >= 0:
            titles.append(_title_group(line[at + len(_TITLE):]))
    return titles


def normalize_title(title: str) -> str:
    """Upstream ``process_title``: lowercase, ``&`` -> ``and``, punctuation removed, a leading
    ``the``/``a``/``an`` dropped (the rest re-joined with single spaces)."""
    title = title.lower().replace("&", "and")
    if title.isascii():
        title = title.encode("ascii").translate(None, _PUNCT_BYTES).decode("ascii")
    else:
        title = title.translate(_PUNCT)
    words = title.split()
    if words and words[0] in ("the", "a", "an"):
        return " ".join(words[1:])
    return title


def strip_year(entry: str) -> str:
    """Upstream ``process_all_books``: drop a trailing ``(ddd)``/``(dddd)`` and strip."""
    return _ALL_BOOKS_YEAR.sub("", entry).strip()


def fuzzy_ratio(a: str, b: str) -> int:
    """fuzzywuzzy's ``fuzz.ratio``: 100 for equal strings, 0 when one is empty, else the rounded
    Indel similarity (rapidfuzz)."""
    if a == b:
        return 100
    if not a or not b:
        return 0
    return round(fuzz.ratio(a, b))


def first_fuzzy(title: str, choices: list[str], threshold: int = 80) -> str | None:
    """The first of ``choices`` (list order) whose ``fuzzy_ratio`` with ``title`` is >= threshold."""
    hits = process.extract(title, choices, scorer=fuzz.ratio, score_cutoff=threshold - 0.5, limit=None)
    best: int | None = None
    for _, _, index in hits:
        if fuzzy_ratio(choices[index], title) >= threshold and (best is None or index < best):
            best = index
    return None if best is None else choices[best]


def _substring_match(book: str, titles: list[str], joined: str) -> str | None:
    """First title t with ``book in t or t in book`` (``joined`` is the titles joined by '|')."""
    if book in joined or any(map(book.__contains__, titles)):  # any(t in book for t in titles)
        return next(t for t in titles if book in t or t in book)
    return None


# ---------------------------------------------------------------- constraint checks


def check_starts_with(books: list[str], letter: str) -> bool:
    """True if the first word of any title starts with ``letter`` (case-insensitive), or the
    second word when the first is a stop word. An empty title raises, as upstream."""
    letter = letter.lower()
    for title in books:
        words = title.split()
        if words[0].lower().startswith(letter):
            return True
        if words[0].lower() in STOPWORDS:
            words.pop(0)
        if words and words[0].lower().startswith(letter):
            return True
    return False


def check_ends_with(books: list[str], letter: str) -> bool:
    """True if the last word of any title ends with ``letter`` (case-insensitive)."""
    return any(t.split() and t.split()[-1].lower().endswith(letter.lower()) for t in books)


def check_word_count(books: list[str], count: int, delta: int = 1) -> bool:
    """True if any title has between ``count - delta`` and ``count + delta`` words."""
    return any(count - delta <= len(t.split()) <= count + delta for t in books)


def year_range(constraint: str) -> list[int]:
    """Every 1–4 digit number of the constraint text except the first (upstream's ``[1:]``)."""
    return [int(n) for n in _NUMBERS.findall(constraint)][1:]


def check_publishing_year(year: int, years: list[int]) -> bool:
    """True if ``years[0] <= year <= years[1]`` (IndexError when the text has too few numbers)."""
    return years[0] <= year <= years[1]


@dataclass
class _Query:
    """Ground truth of one query, normalised once."""

    all_raw: list[str]
    all_books: list[str]
    raw_books: list[str]
    mapped: list[str]
    all_joined: str = field(init=False)
    raw_joined: str = field(init=False)

    def __post_init__(self) -> None:
        self.all_joined = "|".join(self.all_books)
        self.raw_joined = "|".join(self.raw_books)


def _reference_lists(reference: Any) -> _Query:
    if not isinstance(reference, dict):
        raise ValueError("kitab.query needs the sample reference {all_books, mapped_books, raw_books}")
    all_raw = [str(b) for b in reference["all_books"]]
    return _Query(
        all_raw=all_raw,
        all_books=[normalize_title(strip_year(b)) for b in all_raw],
        raw_books=[normalize_title(str(b)) for b in reference["raw_books"]],
        mapped=[normalize_title(str(b)) for b in reference["mapped_books"]],
    )


def map_titles(titles: list[str], query: _Query) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """(ground-truth title -> model spellings, not-from-author titles, raw-only titles) for the
    normalised model titles, as upstream's mapping loop (empty titles skipped). Each distinct
    title is looked up once; repeats get the same outcome, as they would upstream."""
    groups: dict[str, list[str]] = {}
    not_from_author: list[str] = []
    raw_unmapped: list[str] = []
    outcome: dict[str, tuple[str, str]] = {}  # title -> ("group", gt title) | ("raw", "") | ("nfa", "")
    for book in titles:
        if book == "":
            continue
        if book not in outcome:
            outcome[book] = _lookup(book, query)
        kind, existing = outcome[book]
        if kind == "nfa":
            not_from_author.append(book)
        elif kind == "raw":
            raw_unmapped.append(book)
        else:
            groups.setdefault(existing, []).append(book)
    return groups, not_from_author, raw_unmapped


def _lookup(book: str, query: _Query) -> tuple[str, str]:
    existing = _substring_match(book, query.all_books, query.all_joined)
    if existing is None:
        existing = first_fuzzy(book, query.all_books)
    if existing is not None:
        return "group", existing
    if _substring_match(book, query.raw_books, query.raw_joined) is not None:
        return "raw", ""
    return ("raw", "") if first_fuzzy(book, query.raw_books) is not None else ("nfa", "")


# ---------------------------------------------------------------- one query


def split_constraints(constraints: str, constraint_type: str) -> list[tuple[str, str]]:
    """(constraint text, type) pairs as upstream: the text split on ',', the type taken as is for
    one constraint, else parsed as a Python list literal (``ast.literal_eval``)."""
    import ast

    texts = constraints.split(",")
    if len(texts) == 1:
        types = [constraint_type]
    else:
        parsed = ast.literal_eval(constraint_type)
        if not isinstance(parsed, list | tuple):
            raise ValueError(f"constraint_type {constraint_type!r} is not a list for {len(texts)} constraints")
        types = [str(t) for t in parsed]
    return [(t, types[i]) for i, t in enumerate(texts)]


@dataclass(frozen=True)
class _EntityContext:
    entities: EntityChecker
    names: tuple[str, ...]


def _has_name(books: list[str], ectx: _EntityContext) -> bool:
    """Upstream ``check_human_name``: a person entity, or a GPT-4-list title at fuzzy ratio >= 80."""
    for book in books:
        if ectx.entities.has_person(book):
            return True
        if ectx.names and process.extractOne(book, ectx.names, scorer=fuzz.ratio, score_cutoff=79.5):
            return True
    return False


def satisfies(constraint: str, ctype: str, existing: str, books: list[str], query: _Query,
              ectx: _EntityContext) -> bool:
    """Whether the group ``existing`` (model spellings ``books``) satisfies one constraint."""
    if constraint[-1:] != ".":
        constraint += "."
    if ctype == "starts-with":
        return check_starts_with(books, constraint[-2])
    if ctype == "ends-with":
        return check_ends_with(books, constraint[-2])
    if ctype == "word-count":
        match = _WORD_COUNT.search(constraint)
        if match is None:
            raise ValueError(f"no word count in {constraint!r}")
        return check_word_count(books, int(match.group(1)))
    if ctype == "publishing-year":
        found = _GT_YEAR.search(query.all_raw[query.all_books.index(existing)])
        return found is not None and check_publishing_year(int(found.group(1)), year_range(constraint))
    if ctype == "human-name":
        return _has_name([*books, existing], ectx) != ("doesn't" in constraint)
    if ctype == "city-name":
        return any(ectx.entities.has_city(b) for b in books) != ("doesn't" in constraint)
    raise ValueError(f"unknown constraint type {ctype!r}")


def _nan_none(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def evaluate_query(titles: list[str], constraints: list[tuple[str, str]], query: _Query,
                   ectx: _EntityContext, strict: bool = False) -> dict[str, Any]:
    """Upstream ``process_row`` on parsed ``titles``: counts, rates (None for NaN), completeness,
    all_correct and constrainedness. ``strict`` applies the intended empty-answer corner cases."""
    model = [normalize_title(t) for t in titles]
    groups, nfa_list, raw_unmapped = map_titles(model, query)
    satisfied: set[str] = set()
    unsatisfied: set[str] = set()
    for c, (text, ctype) in enumerate(constraints):
        sat = {g for g, books in groups.items() if satisfies(text, ctype, g, books, query, ectx)}
        unsat = set(groups) - sat
        satisfied = sat if c == 0 else satisfied & sat
        unsatisfied = unsat if c == 0 else unsatisfied | unsat
    nfa = set(nfa_list)
    clusters = len(nfa) + len(groups)
    nan = float("nan")
    rates = [len(x) / clusters if clusters else nan for x in (satisfied, unsatisfied, nfa)]
    mapped = set(query.mapped)
    if query.mapped:
        covered = {normalize_title(b) for b in satisfied}
        for b in satisfied:
            covered.update(groups[b])
        completeness = 1 - len(mapped - covered) / len(mapped)
    else:
        completeness = nan
    all_correct = int(completeness == 1 and rates[0] == 1 and rates[2] == 0)
    if strict and not titles:
        if not query.mapped:
            rates, completeness, all_correct = [1.0, 0.0, 0.0], 1.0, 1
        else:
            rates, completeness, all_correct = [nan, nan, nan], 0.0, 0
    return {
        "satisfied_rate": _nan_none(rates[0]), "unsatisfied_rate": _nan_none(rates[1]),
        "not_from_author_rate": _nan_none(rates[2]), "completeness": _nan_none(completeness),
        "all_correct": all_correct,
        "constrainedness": 1 - len(query.mapped) / len(query.all_books) if query.all_books else None,
        "count_model_books": len(model) - len(raw_unmapped), "count_satisfied": len(satisfied),
        "count_unsatisfied": len(unsatisfied), "count_not_from_author": len(nfa),
        "count_raw_unmapped": len(raw_unmapped), "number_of_clusters": clusters,
        "satisfied": _clip(satisfied), "unsatisfied": _clip(unsatisfied), "not_from_author": _clip(nfa),
    }


def _clip(titles: set[str], n: int = 20) -> list[str]:
    return [t[:200] for t in sorted(titles)[:n]]


@register("kitab.query")
@dataclass(frozen=True)
class KitabQuery(Checker):
    """Passes when upstream's ``all_correct`` is 1: every ground-truth title (``mapped_books``) is
    listed by a title satisfying all constraints, every listed title of the author satisfies them
    (satisfied rate 1) and no listed title is foreign to the author (not-from-author rate 0).

    ``constraints``/``constraint_type`` are the dataset fields; ``entities`` names the entity
    checker for human-name/city-name (``offline`` approximation by default, ``azure`` as upstream);
    ``names_file`` is the optional GPT-4 human-name title list (``gpt_4_name_data_processed.csv``);
    ``cities_file`` an optional GeoNames dump for the offline checker."""

    constraints: str
    constraint_type: str
    entities: str = "offline"
    names_file: str = ""
    cities_file: str = ""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:
        """Score the response; per-query metrics go to ``details``."""
        query = _reference_lists(ctx.reference)
        pairs = split_constraints(self.constraints, self.constraint_type)
        entities = get_entity_checker(self.entities, self.cities_file)
        ectx = _EntityContext(entities, load_name_titles(self.names_file))
        titles = parse_titles(response, ctx.strict)
        result = evaluate_query(titles, pairs, query, ectx, ctx.strict)
        named = any(t in ("human-name", "city-name") for _, t in pairs)
        result["titles"] = len(titles)
        result["entity_checker"] = entities.name if named else None
        result["approximate"] = bool(named and entities.approximate)
        reason = (f"{len(titles)} titles: {result['count_satisfied']} satisfied, "
                  f"{result['count_unsatisfied']} unsatisfied, {result['count_not_from_author']} not from "
                  f"author, completeness {_fmt(result['completeness'])}")
        if result["approximate"]:
            reason += f" (named entities by the {entities.name} approximation)"
        return CheckResult(bool(result["all_correct"]), reason, details=result)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"
