"""CoDI-Eval text handling: upstream's ``extract_text``, word counting, tokenising and lemmas.

Upstream (``utils/eval_utils.py``) lemmatises every token and keyword *in isolation* with spaCy
``en_core_web_md`` as ``nlp(word.lower())[0].lemma_`` — the first spaCy token only, so
"come back" → "come" and "well-known" → "well". evalkit uses that model when it is installed
(``spacy`` plus the user's own ``en_core_web_md``; it is not on PyPI) and otherwise an offline
approximation built on ``lemminflect``'s lemma tables (see :class:`TableLemmatizer`).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache

from evalkit.errors import EvalkitError

_WORD = re.compile(r"\w+(?:-\w+)*")
# spaCy's English infix rule splits a hyphen between an alphanumeric and a letter
_HYPHEN_INFIX = re.compile(r"(?<=[^\W_])-(?=[^\W\d_])")
# inflected forms prefer the verb reading (spaCy's tagger reads a bare "running" as a verb)
_POS_ORDER = ("NOUN", "ADJ", "ADV", "PROPN", "PRON", "NUM", "ADP", "DET", "CCONJ", "INTJ")

LEMMATIZERS = ("spacy", "lemminflect")
FAITHFUL_LEMMATIZER = "spacy"


def extract_text(text: str) -> str:
    """Upstream ``extract_text(...).strip()``: the text after the first ``":\\n"`` (or
    ``":\\n\\n"``), stripped; the whole text, stripped, when there is no such colon."""
    cut = text.find(":\n")
    return (text[cut + 2:] if cut >= 0 else text).strip()


def count_words(text: str) -> int:
    """Upstream length: ``len(extract_text(text).split())`` (Python whitespace split)."""
    return len(extract_text(text).split())


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of ``text`` by upstream's regex ``\\w+(?:-\\w+)*``."""
    return [w.lower() for w in _WORD.findall(text)]


class TableLemmatizer:
    """Offline approximation of spaCy's isolated-word lemma (an approximation: spaCy's tagger
    picks the part of speech; here an inflected verb form takes its verb lemma, otherwise the
    noun, adjective, adverb… lemma; unknown words are kept as they are)."""

    name = "lemminflect"
    faithful = False

    def __init__(self) -> None:
        try:
            import lemminflect
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EvalkitError("the CoDI-Eval keyword checker needs lemminflect: pip install lemminflect") from exc
        self._all: Callable[[str], dict[str, tuple[str, ...]]] = lemminflect.getAllLemmas

    @staticmethod
    def first_token(word: str) -> str:
        """The first token spaCy's tokenizer would give for ``word`` (whitespace, then hyphen infix)."""
        parts = word.split()
        head = parts[0] if parts else ""
        return _HYPHEN_INFIX.split(head, maxsplit=1)[0]

    @cache  # noqa: B019 - one instance per process (see get_lemmatizer)
    def __call__(self, word: str) -> str:
        """Lemma of the first token of ``word`` lower-cased."""
        token = self.first_token(word.lower())
        candidates = self._all(token) if token else {}
        for pos in ("VERB", "AUX"):
            lemmas = candidates.get(pos)
            if lemmas and lemmas[0] != token:
                return lemmas[0]
        for pos in (*_POS_ORDER, "VERB", "AUX"):
            lemmas = candidates.get(pos)
            if lemmas:
                return lemmas[0]
        return token


class SpacyLemmatizer:
    """Upstream's lemmatizer: ``nlp(word.lower())[0].lemma_`` with spaCy ``en_core_web_md``."""

    name = "spacy"
    faithful = True

    def __init__(self) -> None:
        try:
            import spacy

            self._nlp = spacy.load("en_core_web_md")
        except (ImportError, OSError) as exc:
            raise EvalkitError(
                "lemmatizer 'spacy' needs spaCy and the en_core_web_md model installed "
                f"(pip install spacy, then the model from spaCy's releases): {exc}"
            ) from None

    @cache  # noqa: B019 - one instance per process (see get_lemmatizer)
    def __call__(self, word: str) -> str:
        """Lemma of the first spaCy token of ``word`` lower-cased ("" for an empty word)."""
        doc = self._nlp(word.lower())
        return str(doc[0].lemma_) if len(doc) else ""


Lemmatizer = Callable[[str], str]


@cache
def get_lemmatizer(name: str) -> TableLemmatizer | SpacyLemmatizer:
    """The process-wide lemmatizer called ``name`` (``spacy`` or ``lemminflect``)."""
    if name == "spacy":
        return SpacyLemmatizer()
    if name == "lemminflect":
        return TableLemmatizer()
    raise EvalkitError(f"unknown lemmatizer {name!r} (choose from {', '.join(LEMMATIZERS)})")


def spacy_model_installed() -> bool:
    """True when spaCy and ``en_core_web_md`` are importable (checked without loading them)."""
    return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec("en_core_web_md") is not None


def lemma_set(text: str, lemma: Lemmatizer) -> set[str]:
    """The set of lemmas of ``tokens(text)`` (upstream's ``extract_words``, as a set)."""
    return {lemma(w) for w in set(tokens(text))}
