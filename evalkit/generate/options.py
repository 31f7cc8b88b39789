"""Options of ``evalkit generate`` and their parsing from command-line strings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from evalkit.errors import EvalkitError

LEVELS = ("I", "II", "III", "IV")
PATTERNS = ("Example", "Listing", "Incorporation")
CATEGORIES = ("Content", "Format", "Language", "Length")
LANGUAGES = ("en", "zh")
MAX_CONSTRAINTS = 50


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate. ``constraints`` is an inclusive (low, high) range of constraints per
    prompt, or None for the default (the level, plus one more half of the time)."""

    n: int = 100
    seed: int = 0
    levels: tuple[str, ...] = LEVELS
    patterns: tuple[str, ...] = PATTERNS
    categories: tuple[str, ...] = CATEGORIES
    constraints: tuple[int, int] | None = None
    languages: tuple[str, ...] = ("en",)
    tasks: tuple[str, ...] = field(default=())  # the user's base questions (empty: built-in)
    tasks_file: str | None = None

    def record(self) -> dict[str, Any]:
        """The options as written to ``pack.json`` (task texts replaced by their count)."""
        out = asdict(self)
        out["tasks"] = len(self.tasks)
        out["constraints"] = list(self.constraints) if self.constraints else None
        return out


def _pick(value: str | None, known: tuple[str, ...], flag: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    lower = {k.lower(): k for k in known}
    out = []
    for part in (p.strip() for p in value.split(",") if p.strip()):
        if part.lower() not in lower:
            raise EvalkitError(f"{flag}: unknown value {part!r} (known: {', '.join(known)})")
        out.append(lower[part.lower()])
    if not out:
        raise EvalkitError(f"{flag}: give at least one of {', '.join(known)}")
    return tuple(dict.fromkeys(out))


def parse_levels(value: str | None) -> tuple[str, ...] | None:
    """``I,II`` or ``1,2`` or a range ``1-3`` / ``I-III`` → level names."""
    if value is None:
        return None
    numerals = {str(i + 1): lvl for i, lvl in enumerate(LEVELS)} | {lvl.lower(): lvl for lvl in LEVELS}
    out: list[str] = []
    for part in (p.strip().lower() for p in value.split(",") if p.strip()):
        lo, sep, hi = part.partition("-")
        ends = [numerals.get(lo), numerals.get(hi) if sep else numerals.get(lo)]
        if None in ends:
            raise EvalkitError(f"--levels: unknown level {part!r} (known: I, II, III, IV or 1-4)")
        a, b = LEVELS.index(str(ends[0])), LEVELS.index(str(ends[1]))
        out.extend(LEVELS[min(a, b):max(a, b) + 1])
    if not out:
        raise EvalkitError("--levels: give at least one level")
    return tuple(sorted(dict.fromkeys(out), key=LEVELS.index))


def parse_range(value: str | None) -> tuple[int, int] | None:
    """``K`` or ``A-B`` (1…50) → an inclusive range."""
    if value is None:
        return None
    lo, sep, hi = value.strip().partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        raise EvalkitError(f"--constraints-per-prompt: expected K or A-B, got {value!r}") from None
    if not 1 <= a <= b <= MAX_CONSTRAINTS:
        raise EvalkitError(f"--constraints-per-prompt: need 1 <= A <= B <= {MAX_CONSTRAINTS}, got {value!r}")
    return a, b


def make_options(n: int, seed: int, levels: str | None = None, patterns: str | None = None,
                 categories: str | None = None, constraints: str | None = None, language: str = "en",
                 tasks: tuple[str, ...] = (), tasks_file: str | None = None) -> GenerateOptions:
    """Parse and check command-line values (levels, lists, ranges); EvalkitError when they conflict."""
    if n < 1:
        raise EvalkitError("--n must be at least 1")
    span = parse_range(constraints)
    cats = _pick(categories, CATEGORIES, "--categories") or CATEGORIES
    lvls = parse_levels(levels)
    if lvls is None:
        top = min(len(cats), span[1] if span else len(LEVELS))
        lvls = LEVELS[:top]
    opts = GenerateOptions(
        n=n, seed=seed, levels=lvls, patterns=_pick(patterns, PATTERNS, "--patterns") or PATTERNS,
        categories=cats, constraints=span, languages=_pick(language, LANGUAGES, "--language") or ("en",),
        tasks=tasks, tasks_file=tasks_file)
    check_options(opts)
    return opts


def check_options(opts: GenerateOptions) -> None:
    """Reject levels that need more categories or constraints than the options allow."""
    from evalkit.generate.catalog import capacity

    for level in opts.levels:
        k = LEVELS.index(level) + 1
        if k > len(opts.categories):
            raise EvalkitError(f"level {level} needs {k} categories; --categories gives {len(opts.categories)}")
        if opts.constraints and k > opts.constraints[1]:
            raise EvalkitError(f"level {level} needs at least {k} constraints per prompt; "
                               f"--constraints-per-prompt allows at most {opts.constraints[1]}")
        if opts.constraints and "Content" not in opts.categories:
            for lang in opts.languages:
                room = sum(sorted((capacity(c, lang) for c in opts.categories), reverse=True)[:k])
                if opts.constraints[0] > room:
                    raise EvalkitError(f"level {level} without the Content category holds at most {room} "
                                       f"constraints per prompt; add Content to --categories")
