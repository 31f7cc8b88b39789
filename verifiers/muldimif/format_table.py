"""MulDimIF Format_Table: row/column counts, header names and required content of a table.

The "table" is upstream's, not a real Markdown parser's: the span from the first ``|`` to the
last ``|`` in the response (across any prose in between), cut into its non-empty stripped
lines. Line 1 is the header row; when line 2 contains ``---`` it is the separator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.muldimif._common import MulDimIFChecker, Verdict, unparsed
from evalkit.verifiers.muldimif.format_table_parse import TableRules, parse_table_constraint


@dataclass(frozen=True)
class _Table:
    lines: tuple[str, ...]  # non-empty stripped lines of the first-to-last-pipe span

    @property
    def headers(self) -> list[str]:
        """Lowercased stripped cells of line 1 between its first and last ``|``."""
        return [h.strip().lower() for h in self.lines[0].split("|")[1:-1]] if self.lines else []

    @property
    def body_rows(self) -> int:
        """Lines minus the header, minus line 2 too when it contains ``---``."""
        n = len(self.lines)
        return n - 2 if n > 1 and "---" in self.lines[1] else n - 1

    @property
    def columns(self) -> int:
        """``|``-separated pieces of line 1 minus two (the outer, empty pieces)."""
        return len(self.lines[0].split("|")) - 2


def _extract_table(response: str) -> _Table:
    first, last = response.find("|"), response.rfind("|")
    span = response[first : last + 1] if last > first else ""
    return _Table(tuple(s for s in (ln.strip() for ln in span.split("\n")) if s))


def _any_header(headers: list[str], test: Callable[[str], bool]) -> bool:
    return any(test(h) for h in headers)


def _count_failure(rules: TableRules, table: _Table) -> str | None:
    """Reason the markdown/row/column/title rules fail, or None when they hold."""
    if rules.markdown and not table.lines:
        return "markdown table required but no table line found"
    if rules.rows:
        op, n = rules.rows
        got = table.body_rows
        if (op == "exact" and got != n) or (op == "max" and got > n):
            return f"{got} rows, need {op} {n}"
    if rules.cols:
        op, n = rules.cols
        if not table.lines:
            return "no table lines to count columns in"
        got = table.columns
        if (op == "exact" and got != n) or (op == "max" and got > n):
            return f"{got} columns, need {op} {n}"
    if rules.title_max is not None:
        if not table.lines:
            return "no table line to read a title from"
        words = len(table.lines[0].strip("|").strip().split())
        if words > rules.title_max:
            return f"title has {words} words > max {rules.title_max}"
    return None


def _missing_columns(rules: TableRules, headers: list[str]) -> list[str]:
    """Required names found in no header; with "columns for" a header inside a name counts too."""
    two_way = rules.columns_for
    missing = []
    for name in (c.lower() for c in rules.columns):
        if not any(name in h or (two_way and h in name) for h in headers):
            missing.append(name)
    return missing


# Requirement -> header test that satisfies it outright (else the generic search applies).
_HEADER_SHORTCUTS: dict[str, Callable[[str], bool]] = {
    "film title": lambda h: "film" in h or "title" in h,
    "release year": lambda h: "release" in h or "year" in h,
    "title": lambda h: "title" in h,
    "author": lambda h: "author" in h,
    "year": lambda h: "year" in h,
    "year of publication": lambda h: "year" in h,
}


def _content_missing(req: str, headers: list[str], flat: str) -> bool:
    """True unless: a shortcut header exists for ``req``, ``req`` is "publication" (always
    waived), ``req`` occurs in the flat table text, or any word of ``req`` is inside a header."""
    shortcut = _HEADER_SHORTCUTS.get(req)
    if req == "publication" or (shortcut is not None and _any_header(headers, shortcut)):
        return False
    if req in flat:
        return False
    return not any(w in h for h in headers for w in req.split())


def _content_failure(rules: TableRules, table: _Table) -> str | None:
    headers = table.headers
    if rules.series_rule:
        ok = all(any(k in h for h in headers) for k in ("title", "author", "year"))
        return None if ok else "header lacks title/author/year"
    if rules.columns_for and rules.columns:
        if not table.lines:
            return "no table header"
        missing = _missing_columns(rules, headers)
        return f"missing columns {missing}" if missing else None
    if rules.columns:
        if not table.lines:
            return "no table header"
        missing = _missing_columns(rules, headers)
        if missing:
            return f"missing columns {missing}"
    if rules.film_rule:
        ok = _any_header(headers, _HEADER_SHORTCUTS["film title"]) and _any_header(
            headers, _HEADER_SHORTCUTS["release year"]
        )
        return None if ok else "header lacks film title/release year"
    flat = " ".join(table.lines).replace("|", " ").lower()
    for req in rules.contents:
        if _content_missing(req.lower(), headers, flat):
            return f"required content {req!r} not in table"
    return None


def check_format_table(constraint: str, response: str) -> Verdict:
    """Pass when the response's table obeys the constraint's table rules.

    No ``|`` anywhere: pass if the constraint never says "table" or makes the table optional
    ("if you include a table…"), else fail. Otherwise the table is the first-to-last ``|`` span
    (one non-empty line per row) and must satisfy, in order: "markdown" → at least one table
    line; rows (body lines, excluding header and a ``---`` separator on line 2) exact/max;
    columns (``|`` pieces of line 1 minus 2) exact/max; title (line 1 text) word limit;
    required header names (substring of a lowercased header cell); required content phrases
    (in the table text, or any of their words inside a header).
    """
    rules = parse_table_constraint(constraint)
    if "|" not in response:
        if not rules.mentions_table:
            return (
                unparsed(True)
                if not rules.recognised
                else Verdict(True, "no table and none required")
            )
        if rules.optional:
            return Verdict(True, "no table; the constraint makes it optional")
        return Verdict(False, "no table (no '|') in the response")
    if not rules.recognised:
        if not rules.mentions_table:
            return unparsed(True)
        return Verdict(True, "table present; no further table rule recognised")
    table = _extract_table(response)
    reason = _count_failure(rules, table) or _content_failure(rules, table)
    return Verdict(reason is None, reason or "table satisfies the constraint")


@register("muldimif.format.table")
@dataclass(frozen=True)
class FormatTable(MulDimIFChecker):
    """Upstream Format_Table: table row/column counts, header names and required content."""

    rule = staticmethod(check_format_table)
