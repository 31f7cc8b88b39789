"""KITAB prompts: eureka's Template_2a (no-context), Template_2b (with-context) and Template_3
(self-context), rendered exactly as eureka's jinja templates (trailing spaces included)."""

from __future__ import annotations

import math
from typing import Any

_FORMAT_REASONS = ("1. Reason: <reason>. Title: <title>     \n2. Reason: <reason>. Title: <title>    \n"
                   "...     \nN. Reason: <reason>. Title: <title>")

NO_CONTEXT = (
    "List all books written by {author} (born in {birth_year}) satisfying all the following criteria. "
    "All book titles need to be in English. Think step-by-step. Give a 1-2 sentence reason for why the "
    "books satisfy the criteria. Criteria: {constraints} Remember that every book in the output list needs "
    "to satisfy all the criteria. Always finish your response with the following format. Do not add any "
    "additional text or comments after the output list.\nOutput:    \n" + _FORMAT_REASONS
)

WITH_CONTEXT = (
    "The following is a list of books by {author} (born in {birth_year}) with publication dates in "
    "parenthesis. List:\n{all_books_context}\nFind all books in this list that satisfy all the following "
    "criteria. Think step-by-step. Give a 1-2 sentence reason for why the books satisfy the criteria. "
    "Criteria: {constraints} Remember that every book in the output list needs to satisfy all the criteria. "
    "Always finish your response with the following format. Do not add any additional text or comments "
    "after the output list.    \nOutput:    \n1. Reason: <reason>. Title: <title>\n"
    "2. Reason: <reason>. Title: <title>    \n...     \nN. Reason: <reason>. Title: <title>"
)

SELF_CONTEXT = (
    "List all books written by {author} (born in {birth_year}) satisfying all the following criteria. "
    "All book titles need to be in English. Criteria: {constraints} First, retrieve all books by {author} "
    "(born in {birth_year}) and list them in the \"All Books\" list. Then, select the subset of books that "
    "satisfy Constraint 1 and list them under the \"Final Output\" list. Think step-by-step. Give a 1-2 "
    "sentence reason for why the books satisfy the criteria. Remember that every book in the final output "
    "list needs to satisfy all the criteria. Always finish your response with the following format. Do not "
    "add any additional text or comments after the output list.\n\nAll Books:\n1. Title: <title> \n"
    "2. Title: <title> \n... \nN. Title: <title>\n\nFinal Output:\n" + _FORMAT_REASONS
)

TEMPLATES = {"no-context": NO_CONTEXT, "with-context": WITH_CONTEXT, "self-context": SELF_CONTEXT}


def template_value(value: Any) -> str:
    """A field as eureka's template fills it: None and NaN become "", an integral float its integer."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def all_books_context(all_books: list[str]) -> str:
    """Eureka's ``prepare_all_books_context``: each entry followed by four spaces and a newline."""
    return "".join(book + "    \n" for book in all_books)


def render(prompt: str, author: Any, birth_year: Any, constraints: Any, all_books: list[str]) -> str:
    """The user message of one query for the condition ``prompt``."""
    return TEMPLATES[prompt].format(
        author=template_value(author), birth_year=template_value(birth_year),
        constraints=template_value(constraints), all_books_context=all_books_context(all_books),
    )
