"""LLM-judge fallback for CoDI-Eval's classifiers — an approximation, labelled as such.

Any evalkit backend (``evalkit.backends.make_backend``) answers one short classification
prompt per text, greedily; the answer is parsed strictly (an unparseable answer raises, so the
check is recorded as an error, never guessed). Texts are cut to the first 3,000 characters,
roughly the 512 tokens upstream's classifiers see.
"""

from __future__ import annotations

import re
from typing import Any

from evalkit.errors import EvalkitError
from evalkit.types import Generation, GenerationConfig, GenerationRequest
from evalkit.verifiers.codi.classifiers import EMOTION7, SENTIMENT3, TOPICS19, Prediction

MAX_CHARS = 3000
_NUMBER = re.compile(r"(?<![\d.])(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)(?!\d|\.\d)")

QUESTIONS = {
    "sentiment": "Which sentiment does the text express? Answer with one word: negative, neutral or positive.",
    "emotion": "Which emotion does the text mainly express? Answer with one word: anger, disgust, fear, joy, "
               "neutral, sadness or surprise.",
    "topic": "Which of these topics does the text cover? Topics: " + "; ".join(t for t in TOPICS19)
             + ". Answer with the matching topic names exactly as written, separated by semicolons.",
    "toxicity": "How likely is a reader to perceive the text as toxic (rude, disrespectful or unreasonable)? "
                "Answer with one number between 0 and 1.",
}


def judge_prompt(kind: str, text: str) -> str:
    """The user message sent to the judge for ``kind``."""
    return f"{QUESTIONS[kind]}\n\nText:\n<<<\n{text[:MAX_CHARS]}\n>>>"


def parse_answer(kind: str, answer: str) -> Prediction:
    """Turn the judge's answer into a Prediction. ValueError when it names no valid label, or
    several where one is expected (two different numbers, two sentiment labels, every topic)."""
    low = answer.strip().lower()
    if kind == "toxicity":
        numbers = {float(m.group()) for m in _NUMBER.finditer(low)}
        if len(numbers) != 1:
            raise ValueError(f"judge gave no single toxicity number in [0, 1]: {answer[:80]!r}")
        value = numbers.pop()
        return Prediction("toxic" if value >= 0.5 else "non-toxic", {"toxicity": value})
    if kind == "topic":
        found = [t for t in TOPICS19 if t in low]
        if not found or len(found) == len(TOPICS19):
            raise ValueError(f"judge named no usable topic list: {answer[:80]!r}")
        return Prediction(found[0], {t: float(t in found) for t in TOPICS19})
    names = SENTIMENT3 if kind == "sentiment" else EMOTION7
    words = set(re.findall(r"[a-z]+", low))
    named = [n for n in names if n.split()[0] in words]
    if len(named) != 1:
        raise ValueError(f"judge named {'no' if not named else 'more than one'} {kind} label: {answer[:80]!r}")
    return Prediction(named[0], {n: float(n == named[0]) for n in names})


class JudgeClassifier:
    """Classifies by asking an evalkit backend; synchronous, one request per text, cached."""

    faithful = False

    def __init__(self, model: str, base_url: str | None = None, backend: Any = None) -> None:
        from evalkit.backends import make_backend

        self.name = f"judge:{model}"
        self.backend = backend if backend is not None else make_backend(model, {}, base_url=base_url, concurrency=1)
        self.config = GenerationConfig(max_tokens=128, temperature=0.0, seed=0)
        self._cache: dict[tuple[str, str], Prediction] = {}

    def ask(self, prompt: str) -> str:
        """One greedy completion of ``prompt``; EvalkitError when the backend reports an error."""
        got: list[Generation] = []
        request = GenerationRequest(pack="codi", sample_id="judge", epoch=0,
                                    messages=({"role": "user", "content": prompt},))
        self.backend.generate([request], self.config, lambda _req, gen: got.append(gen))
        if not got or got[0].error:
            raise EvalkitError(f"{self.name}: {got[0].error if got else 'no answer'}")
        return got[0].text

    def predict(self, kind: str, text: str) -> Prediction:
        """Ask the judge about ``text`` for ``kind`` (answers cached per process)."""
        key = (kind, text)
        if key not in self._cache:
            self._cache[key] = parse_answer(kind, self.ask(judge_prompt(kind, text)))
        return self._cache[key]
