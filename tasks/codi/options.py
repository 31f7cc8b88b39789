"""CoDI-Eval ``-T`` options and how they resolve to checker parameters (once, at load time).

| option | values (default first) | effect |
|---|---|---|
| ``shot`` | ``zero``, ``few`` | prompt format of upstream ``generate.py`` |
| ``tasks`` | comma list of sentiment, topic, multi, length, keyword, detoxic (all) | tasks loaded |
| ``classifier`` | ``auto``, ``hf``, ``judge``, ``none`` | sentiment/emotion/topic backend |
| ``judge`` | ``BACKEND:MODEL`` (none) | the LLM judge (e.g. ``openai:gpt-4o-mini``) |
| ``judge_base_url`` | URL (none) | base URL of the judge's OpenAI-compatible server |
| ``sentiment_model``, ``emotion_model``, ``topic_model`` | HF id or folder (upstream's) | HF weights |
| ``toxicity`` | ``auto``, ``perspective``, ``judge``, ``none`` | toxicity backend |
| ``lemmatizer`` | ``auto``, ``spacy``, ``lemminflect`` | keyword lemmas |

``auto`` never sends data anywhere the user did not name: classifiers are the HF models when
transformers, torch and the weights are present locally, else the judge when ``judge`` is set,
else none (checks skipped, counted); toxicity is the judge when set, else none — Perspective
(which sends the texts to Google) only when asked for. The lemmatizer is spaCy
``en_core_web_md`` when installed, else ``lemminflect`` (approximation).

The judge and Perspective are asked in the run's judge phase, before grading: their answers are
journaled in ``judgements.jsonl`` and ``evalkit score RUN_DIR`` re-reads them without a call.
``--judge`` does not replace the judge chosen here; ``--judge none`` skips the judge phase (the
checks are then skipped, counted). ``evalkit score --responses`` runs the judge phase only when
``--judge`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.errors import EvalkitError
from evalkit.verifiers.codi.classifiers import UPSTREAM_MODELS
from evalkit.verifiers.codi.text import spacy_model_installed

TASKS = ("sentiment", "topic", "multi", "length", "keyword", "detoxic")
OPTIONS = {
    "mode": ("compat",), "shot": ("zero", "few"), "tasks": (), "classifier": ("auto", "hf", "judge", "none"),
    "judge": (), "judge_base_url": (), "sentiment_model": (), "emotion_model": (), "topic_model": (),
    "toxicity": ("auto", "perspective", "judge", "none"), "lemmatizer": ("auto", "spacy", "lemminflect"),
}


@dataclass(frozen=True)
class Resolved:
    """The concrete choices: tasks, shot, a classifier spec per kind and the lemmatizer name."""

    tasks: tuple[str, ...]
    shot: str
    specs: dict[str, str]  # sentiment / emotion / topic / toxicity -> classifier spec
    lemmatizer: str


def check(options: dict[str, str]) -> None:
    """Reject unknown option names and values outside the listed choices."""
    for key, value in options.items():
        if key not in OPTIONS:
            raise EvalkitError(f"pack 'codi' has no option {key!r} (known: {', '.join(OPTIONS)})")
        choices = OPTIONS[key]
        if choices and value not in choices:
            raise EvalkitError(f"pack 'codi': {key}={value!r} not one of {', '.join(choices)}")
    for task in _tasks(options):
        if task not in TASKS:
            raise EvalkitError(f"pack 'codi': unknown task {task!r} in tasks= (known: {', '.join(TASKS)})")


def _tasks(options: dict[str, str]) -> tuple[str, ...]:
    raw = options.get("tasks", "")
    return tuple(t.strip() for t in raw.split(",") if t.strip()) or TASKS


def _judge_spec(options: dict[str, str]) -> str | None:
    judge = options.get("judge")
    if not judge:
        return None
    base = options.get("judge_base_url")
    return f"judge:{judge}|{base}" if base else f"judge:{judge}"


def _classifier_specs(options: dict[str, str]) -> dict[str, str]:
    from evalkit.verifiers.codi.hf import hf_available

    models = {k: options.get(f"{k}_model") or UPSTREAM_MODELS[k] for k in UPSTREAM_MODELS}
    choice, judge = options.get("classifier", "auto"), _judge_spec(options)
    if choice == "judge" and judge is None:
        raise EvalkitError("pack 'codi': classifier=judge needs -T judge=BACKEND:MODEL")
    if choice == "auto":
        choice = "hf" if all(hf_available(m) for m in models.values()) else ("judge" if judge else "none")
    if choice == "hf":
        return {k: f"hf:{m}" for k, m in models.items()}
    spec = judge if choice == "judge" and judge else "none"
    return dict.fromkeys(models, spec)


def _toxicity_spec(options: dict[str, str]) -> str:
    import os

    choice, judge = options.get("toxicity", "auto"), _judge_spec(options)
    if choice == "perspective":
        if not os.environ.get("PERSPECTIVE_API_KEY"):
            raise EvalkitError("pack 'codi': toxicity=perspective needs $PERSPECTIVE_API_KEY")
        return "perspective"
    if choice == "judge" and judge is None:
        raise EvalkitError("pack 'codi': toxicity=judge needs -T judge=BACKEND:MODEL")
    if choice in ("judge", "auto") and judge:
        return judge
    return "none"


def resolve(options: dict[str, str]) -> Resolved:
    """Turn the ``-T`` options into concrete checker parameters (see the module table)."""
    check(options)
    lemmatizer = options.get("lemmatizer", "auto")
    if lemmatizer == "auto":
        lemmatizer = "spacy" if spacy_model_installed() else "lemminflect"
    elif lemmatizer == "spacy" and not spacy_model_installed():
        raise EvalkitError("pack 'codi': lemmatizer=spacy needs spaCy and its en_core_web_md model installed")
    return Resolved(tasks=_tasks(options), shot=options.get("shot", "zero"),
                    specs={**_classifier_specs(options), "toxicity": _toxicity_spec(options)}, lemmatizer=lemmatizer)
