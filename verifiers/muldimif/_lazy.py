"""Regular expressions compiled on first use, so that importing the checkers stays cheap.

The constraint parsers hold a few hundred patterns; compiling them all at import costs a
noticeable share of ``evalkit run``'s start-up, while a run uses only those its constraints
reach. :func:`compile_later` returns a stand-in that compiles on its first use and from then on
holds the compiled pattern's methods and attributes as its own (no extra cost per call).
"""

from __future__ import annotations

import re
from typing import Any, cast

_FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner",
              "pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    """``re.compile(pattern, flags)``, compiled when first used."""

    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_source":  # copy/pickle probes, or not initialised
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attr in _FORWARDED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"compile_later({self._source[0]!r}, {self._source[1]!r})"


def compile_later(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern that behaves as ``re.compile(pattern, flags)`` for its methods and attributes
    (not for ``isinstance`` or the ``re`` module's functions), compiled on first use."""
    return cast("re.Pattern[str]", _LazyPattern(pattern, flags))
