"""IFBench ``custom:*`` checkers: one fixed task each (no parameters)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from evalkit.checking import register
from evalkit.verifiers.ifbench._base import IfbenchChecker, drop_punct, sentence_list, strip_punct

EUROPEAN_CAPITALS = (
    "Reykjavik", "Helsinki", "Oslo", "Tallinn", "Stockholm", "Riga", "Moscow", "Copenhagen", "Vilnius",
    "Minsk", "Dublin", "Berlin", "Amsterdam", "Warsaw", "London", "Brussels", "Prague", "Luxembourg",
    "Paris", "Vienna", "Bratislava", "Budapest", "Vaduz", "Chisinau", "Bern", "Ljubljana", "Zagreb",
)
_QUESTION_LABEL = re.compile(r"\n*(?:Question \d+[\.|\):;]?\s*)")
_OPTION_LINE = re.compile(r"^[A-Ea-e][\.|\)]\s*\w+")
_SPECIAL_HEADER = re.compile(r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),'
                             r'[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$')
_QUOTES_HEADER = re.compile(r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *'
                            r'(Semester|"Semester")\t *(Score|"Score")$')
_SPECIAL_FIELD = re.compile(r'".*[^\d\w\s].*"')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = {1: 31, 3: 31, 5: 31, 7: 31, 8: 31, 10: 31, 12: 31, 4: 30, 6: 30, 9: 30, 11: 30, 2: 29}


def ascii_fold(text: str) -> str:
    """NFKD-decompose ``text`` and drop what is not ASCII ("São Tomé" → "Sao Tome")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@register("ifbench.custom:multiples")
@dataclass(frozen=True)
class Multiples(IfbenchChecker):
    """Passes when the digit runs (a space put after each comma) are exactly 14 21 28 35 42 49."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return re.findall(r"\d+", text.replace(",", ", ")) == ["14", "21", "28", "35", "42", "49"]


def _question_parts(question: str) -> tuple[int, int]:
    """(number of option lines, length of the question text before the first option)."""
    options, done, body = 0, False, ""
    for line in question.split("\n"):
        if _OPTION_LINE.match(line.strip()):
            options += 1
            done = True
        elif not done:
            body += " " + line.strip()
    return options, len(body.strip())


@register("ifbench.custom:mcq_count_length")
@dataclass(frozen=True)
class McqCountLength(IfbenchChecker):
    """Passes when the text starts with ``Question`` and splits at ``Question <n>`` labels into 4
    questions of exactly 5 ``A.``–``E.`` option lines each, with strictly longer question texts."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if text[text.find("Question"):] != text:
            return False
        parts = _QUESTION_LABEL.split(text)
        if parts[0] == "":
            parts = parts[1:]
        questions = [q.strip() for q in parts if q.strip()]
        if len(questions) != 4:
            return False
        lengths = []
        for question in questions:
            options, length = _question_parts(question)
            if options != 5:
                return False
            lengths.append(length)
        return all(a < b for a, b in zip(lengths, lengths[1:], strict=False))


@register("ifbench.custom:reverse_newline")
@dataclass(frozen=True)
class ReverseNewline(IfbenchChecker):
    """Passes when the non-empty lines (punctuation stripped) from the first one containing
    ``Zimbabwe`` on are at least 52 and in reverse sorted order once accents are stripped."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        lines = [strip_punct(line) for line in text.split("\n") if strip_punct(line)]
        start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
        if start is None or len(lines) - start < 52:
            return False
        folded = [ascii_fold(line) for line in lines[start:]]
        return folded == sorted(folded, reverse=True)


@register("ifbench.custom:word_reverse")
@dataclass(frozen=True)
class WordReverse(IfbenchChecker):
    """Passes when the text, lower-cased, punctuation deleted and word order reversed, contains
    ``bald eagle`` and is one sentence of its own sentence split."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        value = " ".join(drop_punct(text.lower().strip()).split()[::-1])
        return "bald eagle" in value and value in sentence_list(value)


@register("ifbench.custom:character_reverse")
@dataclass(frozen=True)
class CharacterReverse(IfbenchChecker):
    """Passes when the lower-cased text contains ``elgae dlab``."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        return "elgae dlab" in text.lower()


@register("ifbench.custom:sentence_alphabet")
@dataclass(frozen=True)
class SentenceAlphabet(IfbenchChecker):
    """Passes when there are exactly 26 sentences and sentence i's first word starts with the
    i-th letter a–z, ignoring case."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        parts = sentence_list(text)
        if len(parts) != 26:
            return False
        for i, sentence in enumerate(parts):
            words = sentence.lstrip().split()
            if not words or words[0].lower()[0] != chr(97 + i):
                return False
        return True


@register("ifbench.custom:european_capitals_sort")
@dataclass(frozen=True)
class EuropeanCapitalsSort(IfbenchChecker):
    """Passes when the comma-separated non-blank items, accents stripped and each stripped, are
    exactly the 27 capitals north of 45° in upstream's order."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        items = [item.strip() for item in ascii_fold(text).split(",") if item.strip()]
        return tuple(items) == EUROPEAN_CAPITALS


@register("ifbench.custom:csv_city")
@dataclass(frozen=True)
class CsvCity(IfbenchChecker):
    """Passes when the text parses as CSV into 8 rows: header ``ID,Country,City,Year,Count``
    and 7 rows of 5 fields."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        rows = list(csv.reader(io.StringIO(text)))
        return (len(rows) == 8 and rows[0] == ["ID", "Country", "City", "Year", "Count"]
                and all(len(row) == 5 for row in rows[1:]))


@register("ifbench.custom:csv_special_character")
@dataclass(frozen=True)
class CsvSpecialCharacter(IfbenchChecker):
    """Passes when the first line is the 5-name header and, every ``"`` tripled, the CSV has 15
    rows where, scanning data rows until one has a ``"…special…"`` field, each has 5 fields."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if not _SPECIAL_HEADER.match(text.split("\n")[0].strip()):
            return False
        rows = list(csv.reader(io.StringIO(text.replace('"', '"""'))))
        if len(rows) != 15:
            return False
        for row in rows[1:]:
            if len(row) != 5:
                return False
            if any(_SPECIAL_FIELD.match(field) for field in row):
                return True
        return False


@register("ifbench.custom:csv_quotes")
@dataclass(frozen=True)
class CsvQuotes(IfbenchChecker):
    """Passes when the first line is the tab-separated 5-name header and, every ``"`` tripled,
    the TSV has 4 rows of 5 fields, each field starting and ending with ``"`` (an empty field
    makes upstream raise: scored not followed here)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        if not _QUOTES_HEADER.match(text.split("\n")[0].strip()):
            return False
        rows = list(csv.reader(io.StringIO(text.replace('"', '"""')), delimiter="\t"))
        if len(rows) != 4:
            return False
        for row in rows:
            if len(row) != 5:
                return False
            if not all(field.strip()[0] == '"' and field.strip()[-1] == '"' for field in row):
                return False
        return True


@register("ifbench.custom:date_format_list")
@dataclass(frozen=True)
class DateFormatList(IfbenchChecker):
    """Passes when every comma-separated item is ``YYYY-MM-DD`` with year 1769–1821, month ≤ 12
    and day within the month (February ≤ 29; month or day 00 pass)."""

    def test(self, text: str) -> bool:
        """See the class docstring."""
        for item in text.strip().split(","):
            item = item.strip()
            if not _DATE.match(item):
                return False
            year, month, day = (int(part) for part in item.split("-"))
            if not 1769 <= year <= 1821 or month > 12 or day > _DAYS.get(month, 99):
                return False
        return True
