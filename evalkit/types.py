"""The records that flow through evalkit: samples, constraints, generation requests and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Constraint:
    """One checkable constraint of a sample.

    ``checker`` is a registered checker id, ``params`` its parameters, and ``dimensions`` the
    table dimensions this constraint reports under (e.g. ``{"category": "Length"}``).
    """

    checker: str
    params: dict[str, Any]
    dimensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    """One prompt of a pack: ``id`` is the upstream id; ``meta`` holds sample table dimensions."""

    id: str
    pack: str
    messages: tuple[dict[str, str], ...]
    constraints: tuple[Constraint, ...]
    reference: Any = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationConfig:
    """How to sample: passed unchanged to every backend; ``extra`` holds ``-M key=value`` args."""

    max_tokens: int | None = None  # None: the largest default of the packs being run
    temperature: float = 0.0
    top_p: float | None = None
    seed: int | None = 0
    system_message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationRequest:
    """One chat request for one (pack, sample, epoch)."""

    pack: str
    sample_id: str
    epoch: int
    messages: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class Generation:
    """What a backend returned for one request (``error`` set when it failed)."""

    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    model: str | None = None
    error: str | None = None
    reasoning_tokens: int | None = None
    reasoning: str | None = None  # thinking the API returned apart (reasoning_content, thinking blocks)
    refusal: bool = False  # the API flagged a refusal (content filter, stop_reason "refusal")
    attempts: int = 1
    cached: bool = False
    null: bool = False  # the API's message content was JSON null (``text`` is then ""), not an empty string
