"""Pluggable text classifiers for CoDI-Eval's sentiment, emotion, topic and toxicity checks.

A checker holds a *classifier spec* (a plain string, kept in ``checks.jsonl``) and asks
:func:`get_classifier` for the process-wide object behind it, then calls its synchronous
``predict(kind, text)``. The pack chooses the specs from ``-T`` options when it loads:

- ``hf:<model id or path>`` — a Hugging Face sequence classifier, as upstream (faithful);
- ``judge:<backend spec>[|<base url>]`` — an LLM judge through any evalkit backend (approximation),
  asked in the run's judge phase (journaled), never from a checker;
- ``perspective`` — Google's Perspective API for toxicity (faithful; sends text to Google), also
  asked in the judge phase;
- ``none`` — no classifier: the checks are ``skipped`` with a reason, and counted.

:func:`get_classifier` builds only the local ones (``hf``); tests and embedders inject their own
object with :func:`register_classifier` (an injected spec is asked in the checker, even one
spelled ``judge:…``). ``kind`` is one of
``sentiment`` (3 classes), ``emotion`` (7 classes), ``topic`` (19 labels, multi-label scores) or
``toxicity`` (``scores["toxicity"]`` in [0, 1], −1 when unscorable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from evalkit.errors import EvalkitError

SENTIMENT3 = ("negative sentiment", "neutral sentiment", "positive sentiment")
EMOTION7 = ("anger", "disgust", "fear", "joy", "neutral sentiment", "sadness", "surprise")
# upstream's index map of cardiffnlp/tweet-topic-21-multi (index 13 is never a target)
TOPICS19 = (
    "arts_&_culture", "business_&_entrepreneurs", "celebrity_&_pop culture", "daily life", "family",
    "fashion_&_style", "film_&_tv_&_video", "fitness_&_health", "food_&_dining", "gaming",
    "learning_&_educational", "music", "social concern", "other_hobbies", "relationships",
    "science_&_technology", "sports", "travel_&_adventure", "youth_&_student life",
)
KINDS = ("sentiment", "emotion", "topic", "toxicity")
UPSTREAM_MODELS = {
    "sentiment": "cardiffnlp/twitter-roberta-base-sentiment-latest",
    "emotion": "j-hartmann/emotion-english-roberta-large",
    "topic": "cardiffnlp/tweet-topic-21-multi",
}


@dataclass(frozen=True)
class Prediction:
    """A classifier's answer: the top ``label`` and a score per label (sigmoid or softmax)."""

    label: str
    scores: dict[str, float]


class TextClassifier(Protocol):
    """What a checker needs: a name for the tables, whether it is the upstream scorer, predict."""

    name: str
    faithful: bool

    def predict(self, kind: str, text: str) -> Prediction:
        """Classify ``text`` for ``kind``; raise on failure (the check is then an error)."""
        ...


_INJECTED: dict[str, TextClassifier] = {}
_BUILT: dict[str, TextClassifier] = {}


def register_classifier(spec: str, classifier: TextClassifier | None) -> None:
    """Make ``get_classifier(spec)`` return ``classifier`` (None removes an injected one)."""
    if classifier is None:
        _INJECTED.pop(spec, None)
    else:
        _INJECTED[spec] = classifier


def get_classifier(spec: str) -> TextClassifier | None:
    """The classifier behind ``spec`` (built once per process); None for ``none``."""
    if spec in _INJECTED:
        return _INJECTED[spec]
    if spec == "none":
        return None
    if spec not in _BUILT:
        _BUILT[spec] = _build(spec)
    return _BUILT[spec]


def _build(spec: str) -> TextClassifier:
    kind, _, rest = spec.partition(":")
    if kind == "hf" and rest:
        from evalkit.verifiers.codi.hf import HFClassifier

        return HFClassifier(rest)
    if (kind == "judge" and rest) or spec == "perspective":
        raise EvalkitError(f"classifier {spec!r} is asked in the judge phase, not by a checker")
    raise EvalkitError(f"unknown classifier spec {spec!r} (hf:MODEL, judge:BACKEND:MODEL, perspective, none)")


def is_injected(spec: str) -> bool:
    """Whether ``spec`` names a classifier injected with :func:`register_classifier`."""
    return spec in _INJECTED


def is_faithful(spec: str) -> bool:
    """Whether ``spec`` names upstream's scorer (HF classifier or Perspective), by its form only."""
    injected = _INJECTED.get(spec)
    if injected is not None:
        return bool(injected.faithful)
    return spec.startswith("hf:") or spec == "perspective"
