"""MulDimIF's patterns compiled on first use behave as ``re.compile``'s."""

from __future__ import annotations

import pickle
import re

from evalkit.verifiers.muldimif._lazy import compile_later


def test_lazy_pattern_matches_like_the_compiled_one() -> None:
    source, text = r"(\d+)\s+(rows?)", "at most 3 rows and 12 row"
    lazy, real = compile_later(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    assert "search" not in vars(lazy)  # nothing compiled yet
    assert lazy.findall(text) == real.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub("N", text) == real.sub("N", text) and lazy.split(text) == real.split(text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (real.pattern, real.flags, real.groups)
    assert pickle.loads(pickle.dumps(lazy)).findall(text) == real.findall(text)


def test_importing_the_checkers_compiles_few_patterns() -> None:
    """The constraint parsers' patterns wait for their first use (start-up stays cheap)."""
    from evalkit.verifiers.muldimif import format_table_parse

    lazy = [v for v in vars(format_table_parse).values() if type(v).__name__ == "_LazyPattern"]
    assert lazy and pickle.loads(pickle.dumps(lazy[0])).pattern == lazy[0].pattern
