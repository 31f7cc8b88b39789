"""Sentence splitting (``verifiers/text/sentences.py``): the break decisions evalkit computes
without NLTK's token objects equal NLTK's own ``text_contains_sentbreak`` with the same model."""

from __future__ import annotations

import json
import random
from typing import Any

from nltk.tokenize.punkt import PunktSentenceTokenizer

from evalkit.verifiers.text import sentences


def _contexts_of(texts: list[str]) -> list[str]:
    """The candidate contexts the splitter decides while splitting ``texts``."""
    tokenizer = sentences._tokenizer()
    seen: list[str] = []
    real = tokenizer._decide

    def recording(context: str) -> bool:
        seen.append(context)
        return bool(real(context))

    tokenizer.clear_caches()
    try:
        tokenizer._decide = recording
        for text in texts:
            sentences.split_sentences(text)
    finally:
        del tokenizer._decide
        tokenizer.clear_caches()
    return list(dict.fromkeys(seen))


def _synthetic_contexts(seed: int, count: int) -> list[str]:
    """Word, period (or other end), next word: drawn from the model's abbreviations,
    collocations, frequent sentence starters and orthographic contexts, with initials, numbers,
    ellipses, punctuation, quotes, brackets and line breaks."""
    params = sentences._tokenizer()._params
    rng = random.Random(seed)
    abbreviations = sorted(params.abbrev_types)
    starters = sorted(params.sent_starters)
    collocations = sorted(params.collocations)
    known = sorted(params.ortho_context)
    words = ["the", "The", "He", "It", "in", "Mr", "U.S", "J", "A", "a", "1990", "3.5", "-2", "...", "..", "!", "?",
             ";", ":", ",", "(", '"', "'", "x", "Bach", "I", "e.g", "No", "St", "Jan", "vs", "III", "2nd", "ﬁne", "Ωmega"]
    out = []
    for _ in range(count):
        first = rng.choice([c[0] for c in collocations]) if rng.random() < 0.2 else rng.choice(abbreviations + words + known)
        second = rng.choice(starters + words + known + [c[1] for c in collocations])
        second = rng.choice([second, second.capitalize(), second.upper()])
        end = rng.choice([". ", ".  ", ".\n", ".\n\n", "! ", "? ", "... ", ". (", '." ', ".) ", "., ", ". -", ". .", ".\t"])
        out.append(first + end + second + rng.choice(["", ".", " x", " y.", ", z", "\nnext"]))
    return out


def test_break_decisions_equal_nltk_s(shared_data: Any) -> None:
    tokenizer = sentences._tokenizer()
    path = shared_data / "ifeval" / "reference_gpt4" / "input_response_data_gpt4_20231107_145030.jsonl"
    responses = [json.loads(line)["response"] for line in path.read_text().splitlines()]
    contexts = _contexts_of(responses) + _synthetic_contexts(3, 6000)
    contexts += ["", " ", "\n\n", "word.", ". Next", "A. B. C.", "Dr. Smith", "p.m. Then", "5. The", "J. Bach", "... and"]
    assert len(contexts) > 8000
    for context in contexts:
        assert tokenizer._decide(context) == bool(PunktSentenceTokenizer.text_contains_sentbreak(tokenizer, context)), context
