"""LR²Bench answer extraction, as upstream ``1-extract_answer.py`` does it, in linear time.

Upstream takes the **last** ``<Answer>(.*?)</Answer>`` block (``<Mapping>…</Mapping>`` for
cryptogram; case-insensitive, ``.`` matching newlines), strips it, then takes the **last** match
of the task's inner pattern inside it (``\\{.*?\\}`` for crossword/acrostic/cryptogram,
``\\[.*?\\]`` for logic, ``\\[\\s*\\[.*?\\]\\s*\\]`` for sudoku/drop) and strips that. A failure
at either step gives the task's default string (``{}``, ``[]`` or ``[[]]``).

``re.findall`` with a lazy ``.*?`` is quadratic on text with many openers and no closer (1 MB of
``{`` takes hours), so :func:`findall_lazy` reproduces findall's non-overlapping leftmost matches
with one opener search and one closer search per match: when an opener has no closer after it,
no later opener has one either, and the scan stops.
"""

from __future__ import annotations

import re

TASKS: tuple[str, ...] = ("crossword", "acrostic", "logic", "cryptogram", "sudoku", "drop")
DEFAULTS: dict[str, str] = {
    "crossword": "{}", "acrostic": "{}", "logic": "[]", "cryptogram": "{}", "sudoku": "[[]]", "drop": "[[]]",
}
# (opener, closer) regexes equivalent to upstream's ``OPEN.*?CLOSE`` under re.I | re.S
_ANSWER = (re.compile(r"<Answer>", re.I), re.compile(r"</Answer>", re.I))
_MAPPING = (re.compile(r"<Mapping>", re.I), re.compile(r"</Mapping>", re.I))
_BRACE = (re.compile(r"\{"), re.compile(r"\}"))
_BRACKET = (re.compile(r"\["), re.compile(r"\]"))
_GRID = (re.compile(r"\[\s*\["), re.compile(r"\]\s*\]"))
_INNER: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "crossword": _BRACE, "acrostic": _BRACE, "cryptogram": _BRACE, "logic": _BRACKET, "sudoku": _GRID, "drop": _GRID,
}


def block_tag(task: str) -> str:
    """The answer block's tag name for ``task``: ``Mapping`` for cryptogram, else ``Answer``."""
    return "Mapping" if task == "cryptogram" else "Answer"


def findall_lazy(opener: re.Pattern[str], closer: re.Pattern[str], text: str,
                 group: bool) -> list[str]:
    """What ``re.findall(OPEN + "(.*?)" + CLOSE, text, re.S)`` returns (``group=True``: the inner
    text; ``group=False``: the whole match), for an opener and closer that cannot overlap as
    used here; linear in ``len(text)``."""
    out: list[str] = []
    pos = 0
    while True:
        start = opener.search(text, pos)
        if start is None:
            return out
        end = closer.search(text, start.end())
        if end is None:
            return out
        out.append(text[start.end():end.start()] if group else text[start.start():end.end()])
        pos = end.end()


def last_block(task: str, response: str) -> str | None:
    """The stripped content of the last answer block (``<Mapping>`` for cryptogram), or None."""
    opener, closer = _MAPPING if task == "cryptogram" else _ANSWER
    blocks = findall_lazy(opener, closer, response, group=True)
    return blocks[-1].strip() if blocks else None


def extract_answer(task: str, response: str) -> str:
    """The answer string upstream extracts from ``response`` for ``task`` (its default on failure)."""
    block = last_block(task, response)
    if block is None:
        return DEFAULTS[task]
    opener, closer = _INNER[task]
    matches = findall_lazy(opener, closer, block, group=False)
    return matches[-1].strip() if matches else DEFAULTS[task]


def wrap_answer(task: str, answer: str) -> str:
    """A response whose extraction for ``task`` is ``answer`` when ``answer`` is an upstream
    extraction result (used to grade leaderboard submissions); see :func:`roundtrips`."""
    tag = block_tag(task)
    return f"<{tag}>{answer}</{tag}>"


def roundtrips(task: str, answer: str) -> bool:
    """True when extracting from :func:`wrap_answer` gives ``answer`` back unchanged."""
    return extract_answer(task, wrap_answer(task, answer)) == answer
