"""LLM-judge fallback for CoDI-Eval's classifiers — an approximation, labelled as such.

Any evalkit backend answers one short classification prompt per text, greedily (temperature 0,
128 tokens), in the run's judge phase (journaled in ``judgements.jsonl``, re-parsed by
``evalkit score`` without a call); the answer is parsed strictly (an unparseable answer is an
error row, never guessed). Texts are cut to the first 3,000 characters, roughly the 512 tokens
upstream's classifiers see.
"""

from __future__ import annotations

import re

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
