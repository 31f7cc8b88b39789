"""Checker base class, the checker registry and the grader.

A checker is a frozen dataclass whose fields are its validated parameters, with a pure
``check(response, ctx) -> CheckResult``. Checkers are registered once, with :func:`register`,
in the module that defines them (``verifiers/<family>.py``).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from evalkit.errors import EvalkitError


@dataclass(frozen=True)
class CheckResult:
    """One constraint verdict: ``passed`` is None when the check did not produce a verdict."""

    passed: bool | None
    reason: str = ""
    status: str = "ok"  # ok | error | skipped
    # pack-specific extras stored with the verdict (e.g. IFEval's loose verdict, LR²Bench's
    # per-cell accuracy); packs read them back in ``TaskPack.pack_metrics``
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class CheckContext:
    """What a checker may know besides the response: the scoring mode and the sample's metadata."""

    mode: str = "compat"
    sample_id: str = ""
    meta: dict[str, Any] | None = None
    reference: Any = None
    # stored judge verdicts of this (sample, epoch) by group (``evalkit.judging.Judgement``)
    judgements: dict[str, Any] | None = None
    # analyses of the response computed once and shared by every constraint of the sample
    # (checkers key their entries by family, e.g. ``"ifeval.analyses"``); None: nothing shared
    memo: dict[str, Any] | None = field(default=None, compare=False)
    # True when only ``passed`` is read (rewards): checkers may skip the extra verdicts they
    # record in ``details`` (e.g. IFEval's loose verdict under the strict mode)
    verdict_only: bool = False

    @property
    def strict(self) -> bool:
        """True when the pack runs in ``strict`` mode (documented upstream bugs fixed)."""
        return self.mode == "strict"


class Checker:
    """Base class: subclasses are frozen dataclasses registered with :func:`register`."""

    id: ClassVar[str] = ""

    def check(self, response: str, ctx: CheckContext) -> CheckResult:  # pragma: no cover
        """Judge ``response``; must be pure (no I/O, no randomness)."""
        raise NotImplementedError

    @classmethod
    def prepare(cls) -> None:
        """Load what ``check`` needs (a tokenizer, a model) ahead of grading; optional."""


_C = TypeVar("_C", bound=type[Checker])
_REGISTRY: dict[str, type[Checker]] = {}
_LOADED = False
_FAMILIES: set[str] = set()  # checker families whose modules are imported


def register(checker_id: str) -> Callable[[_C], _C]:
    """Class decorator: register a checker class under ``checker_id`` (e.g. ``muldimif.length.words``)."""

    def deco(cls: _C) -> _C:
        if checker_id in _REGISTRY and _REGISTRY[checker_id] is not cls:
            raise EvalkitError(f"checker id {checker_id!r} registered twice")
        cls.id = checker_id
        _REGISTRY[checker_id] = cls
        return cls

    return deco


def _load_verifiers() -> None:
    global _LOADED
    if _LOADED:
        return
    import evalkit.verifiers as pkg

    for info in pkgutil.walk_packages(pkg.__path__, prefix="evalkit.verifiers."):
        importlib.import_module(info.name)
    _LOADED = True


def _load_family(family: str) -> None:
    """Import the verifier modules of one checker family: ``verifiers/<family>.py``,
    ``verifiers/<family>_*.py`` and every module of the package ``verifiers/<family>/``."""
    if family in _FAMILIES:
        return
    _FAMILIES.add(family)
    import evalkit.verifiers as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name != family and not info.name.startswith(family + "_"):
            continue
        module = importlib.import_module(f"evalkit.verifiers.{info.name}")
        if info.ispkg:
            for sub in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."):
                importlib.import_module(sub.name)


def checker_class(checker_id: str) -> type[Checker] | None:
    """The class registered as ``checker_id``, importing only its family's modules when they
    define it (the id's first dotted part names the family), else every verifier module."""
    cls = _REGISTRY.get(checker_id)
    if cls is None and not _LOADED:
        _load_family(checker_id.split(".", 1)[0])
        cls = _REGISTRY.get(checker_id)
        if cls is None:
            _load_verifiers()
            cls = _REGISTRY.get(checker_id)
    return cls


def registry() -> dict[str, type[Checker]]:
    """All registered checkers by id (imports every module under ``evalkit.verifiers`` once)."""
    _load_verifiers()
    return dict(_REGISTRY)


def _did_you_mean(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# Checkers are frozen and pure, so one instance per (id, params) serves every caller: load-time
# validation, grading, judging and rewards build each constraint once per process.
_BUILT: dict[tuple[str, str], Checker] = {}
_BUILT_MAX = 50_000  # bounds memory when a training loop sees endless distinct constraints


def build_checker(checker_id: str, params: dict[str, Any]) -> Checker:
    """The checker ``checker_id`` with ``params`` (built once, then shared); unknown ids or
    params raise EvalkitError."""
    key = (checker_id, repr(sorted(params.items())))
    checker = _BUILT.get(key)
    if checker is None:
        checker = _construct(checker_id, params)
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        _BUILT[key] = checker
    return checker


def _construct(checker_id: str, params: dict[str, Any]) -> Checker:
    cls = checker_class(checker_id)
    if cls is None:
        raise EvalkitError(f"unknown checker {checker_id!r}{_did_you_mean(checker_id, sorted(registry()))}")
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    for key in params:
        if key not in names:
            raise EvalkitError(
                f"checker {checker_id!r} has no parameter {key!r}{_did_you_mean(key, names)}"
            )
    try:
        return cls(**params)
    except TypeError as exc:
        raise EvalkitError(f"checker {checker_id!r}: {exc}") from None
