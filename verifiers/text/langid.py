"""Seeded ``langdetect`` language identification, computed faster with the same result.

``langdetect.detect(text)`` with ``DetectorFactory.seed = 0`` is deterministic: it normalises the
text, lists its character 1–3-grams, then runs 7 trials that each multiply 55 per-language
probabilities by the weights of randomly chosen n-grams (Python's Mersenne Twister seeded with 0)
until one language passes 0.99999. This module performs exactly the same floating-point
operations in the same order, with these changes that do not alter any value:

- the language profiles are read as ``DetectorFactory.load_profile`` reads them (the same
  files in the same order, each probability the same division) into one float64 matrix, a row
  per n-gram, instead of a Python list of 55 floats per n-gram (faster to load and to read);
- the n-grams of a word depend only on the word (and whether a space follows it), so they are
  computed once per distinct word;
- the random stream seeded with 0 is the same for every text, so its 32-bit outputs are drawn
  once; choices and Gaussian draws are derived from them as ``random.Random`` does;
- the trials run in a small compiled module (``verifiers/text/_langtrial.c``): the same
  additions, multiplications and divisions in the same order, the Gaussian draws through the
  same libm functions as Python's ``math``, and each sum added as the running Python's ``sum()``
  adds it (checked on samples before the module is used); it also cuts plain words into their
  n-grams. Where it is not built (no C compiler at install time) or ``EVALKIT_LANGID_NATIVE=0``
  is set, the 55 products of five updates are computed with numpy (element-wise, left to
  right);
- the convergence test looks at the language that led the last test while it holds over 40% of
  the total (no other language can then pass 0.99999), and at all of them otherwise;
- only the answer (the leading language) is needed, so the trials stop as soon as the remaining
  ones cannot change it (each trial adds at most 1/7 to a language's average).

Where the running Python's ``random`` would derive values differently (checked once against
``random.Random``), :func:`detect_language` falls back to ``langdetect`` itself.
"""

from __future__ import annotations

import json
import math
import operator
import os
import random
import re
from collections.abc import Callable, Iterable
from functools import cache
from itertools import chain, islice
from typing import Any

import numpy as np

SEED = 0
_N_TRIAL = 7
_ALPHA, _ALPHA_WIDTH, _BASE_FREQ = 0.5, 0.05, 10000
_ITERATION_LIMIT, _CONV_THRESHOLD, _PROB_THRESHOLD = 1000, 0.99999, 0.1
_MAX_TEXT = 10000
_LATIN = re.compile("[A-z]")
# langdetect's cleaning counts every character from U+0300 up as non-Latin: it means to leave out
# Latin Extended Additional (Vietnamese letters such as "ậ"), but compares unicode_block()'s
# block number with the block's name, which is never equal
_NON_LATIN = re.compile("[\u0300-\U0010ffff]")
_SPACES = re.compile(" {2,}")
_WORD_CACHE_LIMIT = 200_000


def _factory() -> Any:
    try:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import PROFILES_DIRECTORY
    except ImportError:  # pragma: no cover - langdetect is a core dependency
        raise ImportError("language identification needs the 'langdetect' package (pip install langdetect)") from None
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(SEED)
    return factory


class Profiles:
    """langdetect's language profiles as ``DetectorFactory.load_profile(PROFILES_DIRECTORY)``
    loads them: ``langs`` in the order it adds them (the directory's listing order), and for
    every 1–3-character n-gram of any profile a row of ``matrix`` (``row_of[gram]``) holding
    ``count / n_words[len(gram) - 1]`` per language (0.0 where a profile lacks it). Row 0 is
    all zeros and belongs to no n-gram."""

    def __init__(self, directory: str) -> None:
        profiles = []
        for name in os.listdir(directory):  # langdetect's order: the listing's, unsorted
            path = os.path.join(directory, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            with open(path, encoding="utf-8") as handle:
                profiles.append(json.load(handle))
        self.langs: list[str] = [str(p["name"]) for p in profiles]
        if len(set(self.langs)) != len(self.langs):
            raise ValueError(f"duplicate language profiles in {directory}")
        grams = dict.fromkeys(g for p in profiles for g in p["freq"] if 1 <= len(g) <= 3)
        self.row_of: dict[str, int] = {g: row for row, g in enumerate(grams, 1)}
        self.matrix = np.zeros((len(self.row_of) + 1, len(profiles)))
        for column, profile in enumerate(profiles):
            freq = profile["freq"]
            known = [g for g in freq if 1 <= len(g) <= 3]
            rows = np.fromiter(map(self.row_of.__getitem__, known), dtype=np.intp, count=len(known))
            counts = np.fromiter(map(freq.__getitem__, known), dtype=np.float64, count=len(known))
            lengths = np.fromiter(map(len, known), dtype=np.intp, count=len(known))
            n_words = np.asarray(profile["n_words"], dtype=np.float64)
            # langdetect: 1.0 * count / n_words[length - 1], one IEEE division per entry
            self.matrix[rows, column] = (1.0 * counts) / n_words[lengths - 1]


def _native_module() -> Any:
    """The compiled module (``_langtrial``); None where it is not built or is turned off
    (``EVALKIT_LANGID_NATIVE=0``)."""
    if os.environ.get("EVALKIT_LANGID_NATIVE", "1") == "0":
        return None
    try:
        from evalkit.verifiers.text import _langtrial  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _langtrial


def _native_trials(_langtrial: Any, stream: _Stream) -> tuple[Callable[..., int], int] | None:
    """The compiled trials and the summation mode matching this Python's ``sum()`` of floats (0
    left to right, 1 Neumaier as in CPython 3.12+); None where the module derives a sum or a
    Gaussian draw differently from Python (checked here on samples)."""
    values = stream.ensure(1028)
    if any(_langtrial.gauss_pair(values, pos) != _gauss_pair(values, pos) for pos in range(1024)):
        return None
    rng = random.Random(SEED)
    probes = [[1e16, 1.0, -1e16], [1.0, 1e100, 1.0, -1e100]]
    probes += [[rng.random() ** rng.randrange(1, 60) for _ in range(rng.randrange(1, 80))] for _ in range(200)]
    for mode in (0, 1):
        if all(_langtrial.python_sum(np.array(v, dtype=np.float64), mode) == sum(v) for v in probes):
            return _langtrial.probabilities, mode
    return None


class _Stream:
    """The 32-bit outputs of ``random.Random(SEED)``, drawn once and extended on demand."""

    def __init__(self) -> None:
        self._rng = random.Random(SEED)
        self.values = np.zeros(0, dtype=np.uint32)

    def ensure(self, n: int) -> np.ndarray:
        """The first ``n`` (or more) outputs."""
        if len(self.values) < n:
            more = max(n - len(self.values), 16384)
            extra = np.fromiter((self._rng.getrandbits(32) for _ in range(more)), dtype=np.uint32, count=more)
            self.values = np.concatenate([self.values, extra])
        return self.values


def _mostly_non_latin(text: str) -> bool:
    """langdetect's ``len(latin) * 2 < len(non_latin)``, counting Latin letters only as far as
    the answer needs (a few curly quotes in an English text stop the count at once)."""
    non_latin = len(_NON_LATIN.findall(text))
    if not non_latin:
        return False
    enough = (non_latin + 1) // 2  # this many Latin letters make the test false
    return sum(1 for _ in islice(_LATIN.finditer(text), enough)) < enough


def _decided(langprob: np.ndarray, remaining: int) -> bool:
    """Whether ``remaining`` more trials cannot change langdetect's answer: each trial adds at
    most 1/7 to a language, so a leader above 0.1 that is more than that (with a margin far
    above rounding) ahead of every other language stays first and above the threshold."""
    order = np.argsort(langprob)
    lead, second = float(langprob[order[-1]]), float(langprob[order[-2]])
    return lead > _PROB_THRESHOLD and lead - second > remaining / _N_TRIAL + 1e-9


def _uniform(a: int, b: int) -> float:
    """``random.random()`` from two 32-bit outputs, as CPython computes it."""
    return ((a >> 5) * 67108864.0 + (b >> 6)) * (1.0 / 9007199254740992.0)


def _gauss_pair(values: np.ndarray, pos: int) -> tuple[float, float]:
    """The two normal deviates ``random.gauss`` makes from the outputs at ``pos``..``pos+3``."""
    a, b, c, d = (int(v) for v in values[pos:pos + 4])
    x2pi = _uniform(a, b) * (2.0 * math.pi)
    g2rad = math.sqrt(-2.0 * math.log(1.0 - _uniform(c, d)))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad


class _Draws:
    """``random.choice`` over ``n`` items along the shared stream: which stream positions are
    accepted draws (``getrandbits(k)`` below ``n``) and the index each one picks."""

    def __init__(self, stream: _Stream, n: int) -> None:
        self.stream, self.n, self.shift = stream, n, 32 - n.bit_length()
        self._extend(2048)

    def _extend(self, size: int) -> None:
        values = self.stream.ensure(size)[:size] >> self.shift
        self.positions = np.flatnonzero(values < self.n)
        self.picks = values[self.positions]
        self._size = size

    def index_at(self, pos: int) -> int:
        """Index of the first accepted draw at stream position ``pos`` or later."""
        while not len(self.positions) or self.positions[-1] < pos:
            self._extend(self._size * 2)
        return int(np.searchsorted(self.positions, pos))

    def take(self, k: int, count: int) -> tuple[list[int], list[int]]:
        """Draws ``k``…``k+count-1``: (picked indices, stream position after each)."""
        while len(self.picks) < k + count:
            self._extend(self._size * 2)
        return self.picks[k:k + count].tolist(), (self.positions[k:k + count] + 1).tolist()

    def position_after(self, k: int) -> int:
        """The stream position following draw ``k``."""
        return int(self.positions[k]) + 1


@cache
def _plain_getter(length: int, spaced: bool) -> Callable[[str], tuple[str, ...]]:
    """``text -> tuple(text[s] for s in _plain_slices(length, spaced))`` in one call (there are
    always at least two slices, so the result is a tuple)."""
    return operator.itemgetter(*_plain_slices(length, spaced))


@cache
def _plain_slices(length: int, spaced: bool) -> tuple[slice, ...]:
    """Where langdetect's n-grams lie in ``" " + word`` (plus ``" "`` when ``spaced``) for a word
    of ``length`` letters with no two upper-case letters in a row: after each character its 1-,
    2- and 3-grams, in that order (no 3-gram after the first letter, no 1-gram for the space)."""
    end = length + 1 + spaced
    cuts = [slice(1, 2), slice(0, 2)]
    for p in range(2, end):
        cuts += (slice(p, p + 1), slice(p - 1, p + 1), slice(p - 2, p + 1))
    if spaced:
        del cuts[-3]  # the 1-gram " "
    return tuple(cuts)


class _WordRows(dict[str, list[int]]):
    """word -> its known n-grams' rows, computed on first lookup (bounded): by the compiled
    walk ``fast(word, spaced, table, row_objects)`` where it takes the word (it returns None for
    words with a capitalised run), else by ``compute(word, spaced)``."""

    def __init__(self, compute: Callable[[str, bool], list[int]], spaced: bool, fast: Any = None,
                 table: bytes = b"", row_objects: list[int] | None = None) -> None:
        super().__init__()
        self.compute, self.spaced = compute, spaced
        self.fast, self.table, self.row_objects = fast, table, row_objects

    def __missing__(self, word: str) -> list[int]:
        if len(self) > _WORD_CACHE_LIMIT:
            self.clear()
        rows = None if self.fast is None else self.fast(word, self.spaced, self.table, self.row_objects)
        if rows is None:
            rows = self.compute(word, self.spaced)
        self[word] = rows
        return rows


class NGramRows:
    """The n-grams langdetect draws from for a text: those it knows, in its order, as their
    rows in :attr:`Profiles.matrix`, kept word by word (each word's list is shared by every text
    that has the word): n-gram ``k`` of the text is the ``k``-th of the lists joined."""

    __slots__ = ("words", "count")

    def __init__(self, words: list[list[int]]) -> None:
        self.words = words
        self.count = sum(map(len, words))

    def __len__(self) -> int:  # as the list ngram_rows returned before: empty is falsy
        return self.count

    def flat(self) -> list[int]:
        """All the rows in one list."""
        return list(chain.from_iterable(self.words))


class FastDetector:
    """langdetect's seeded detector, with the per-word and per-stream work done once."""

    def __init__(self) -> None:
        from langdetect.detector import Detector
        from langdetect.detector_factory import PROFILES_DIRECTORY
        from langdetect.utils.ngram import NGram

        profiles = Profiles(PROFILES_DIRECTORY)
        self.langs = profiles.langs
        self._row_of, self._matrix = profiles.row_of, profiles.matrix
        self._detector_cls, self._ngram = Detector, NGram
        self._url, self._mail = Detector.URL_RE, Detector.MAIL_RE
        self._norm: dict[int, str] = {}  # character -> what langdetect reads, for every character seen
        self._seen: set[str] = set()
        self.stream = _Stream()
        native = _native_module()
        self.native = _native_trials(native, self.stream) if native is not None else None
        fast, table, row_objects = None, b"", None
        if native is not None:  # n-gram -> row without making strings, rows as row_of's own ints
            fast, table = native.plain_word_grams, native.gram_table(self._row_of)
            row_objects = [0] * len(self._matrix)
            for row in self._row_of.values():
                row_objects[row] = row
        # per-word n-grams, for words followed by a space and for a text's last word
        self._spaced = _WordRows(self._word_rows, True, fast, table, row_objects)
        self._last = _WordRows(self._word_rows, False, fast, table, row_objects)

    # -- text → n-gram rows -------------------------------------------------------------------
    def _prepare(self, text: str) -> str:
        # the substitutions are skipped where they cannot match (same text either way)
        if "://" in text:
            text = self._url.sub(" ", text)
        if "@" in text:
            text = self._mail.sub(" ", text)
        if not text.isascii():
            text = self._ngram.normalize_vi(text)
        text = text[:_MAX_TEXT]  # runs of spaces are left: they add no n-gram
        if not text.isascii() and _mostly_non_latin(text):
            text = _LATIN.sub("", text)
        if not self._seen.issuperset(text):
            for ch in set(text) - self._seen:
                self._norm[ord(ch)] = self._ngram.normalize(ch)
                self._seen.add(ch)
        return text.translate(self._norm)

    def _word_rows(self, word: str, spaced: bool) -> list[int]:
        """The known n-grams langdetect takes from ``word`` (and the space after it), as rows."""
        if not word:
            return []
        if len(word) == 1 or word[1:].islower() or not any(map(str.isupper, word)):
            # no two upper-case letters in a row: every n-gram is taken, cut by fixed slices
            grams: Iterable[str] = _plain_getter(len(word), spaced)(" " + word + " " if spaced else " " + word)
        elif word.isascii() and word.isupper():  # A-Z only: inside the word every n-gram is skipped
            grams = [word[0], " " + word[0]] + ([word[-1] + " ", word[-2:] + " "] if spaced else [])
        else:
            grams = self._grams(word, spaced)
        return list(filter(None, map(self._row_of.get, grams)))  # row 0 is no n-gram

    def clear_caches(self) -> None:
        """Forget the per-word n-grams (they are recomputed on demand; results do not change)."""
        self._spaced.clear()
        self._last.clear()

    @staticmethod
    def _grams(word: str, spaced: bool) -> list[str]:
        """langdetect's ``NGram`` walk over ``word`` (and the following space): after each
        character its 1-, 2- and 3-grams, except inside a run of upper-case letters."""
        grams, capital, last, found = " ", False, " ", []
        for ch in word + (" " if spaced else ""):
            grams = (grams[1:] if len(grams) >= 3 else grams) + ch if last != " " else " " + ch
            capital = (capital or last.isupper()) if ch.isupper() else False
            last = ch
            if capital:
                continue
            for n in (1, 2, 3):
                if len(grams) < n:
                    break
                if grams[-n:] != " ":
                    found.append(grams[-n:])
        return found

    def normalize(self, text: str) -> str:
        """``text`` as langdetect reads it: URLs and e-mail addresses blanked, Vietnamese and
        other characters normalised (non-letters become spaces); equal results have equal
        n-grams. See :meth:`ngram_key` for a key that ignores runs of spaces."""
        return self._prepare(text)

    @staticmethod
    def ngram_key(normalized: str) -> str:
        """A :meth:`normalize` result with runs of spaces made one and leading spaces dropped:
        texts with the same key have the same n-grams (e.g. with and without ``*``)."""
        return _SPACES.sub(" ", normalized).lstrip(" ")

    def ngram_rows(self, text: str, normalized: str | None = None) -> NGramRows:
        """The known n-grams langdetect extracts from ``text`` (or from its :meth:`normalize`
        result, when given), in its order."""
        if normalized is None:
            normalized = self._prepare(text)
        words = normalized.split(" ")
        rows = list(map(self._spaced.__getitem__, words[:-1]))
        rows.append(self._last[words[-1]])
        return NGramRows(rows)

    # -- the seeded trials --------------------------------------------------------------------
    def probabilities(self, rows: NGramRows, decided_early: bool = False) -> np.ndarray:
        """langdetect's averaged per-language probabilities for the n-gram ``rows``.

        With ``decided_early``, the trials stop once the remaining ones cannot change which
        language comes first (see :func:`_decided`): the leader is langdetect's, the other
        probabilities are partial."""
        langprob = np.zeros(len(self.langs))
        if self.native is not None:
            trials, sum_mode = self.native
            values = self.stream.ensure(16384)
            while trials(rows.words, self._matrix, values, langprob, decided_early, sum_mode) < 0:
                values = self.stream.ensure(2 * len(values))  # a long trial used up the stream drawn so far
            return langprob
        draws = _Draws(self.stream, rows.count)
        grams = rows.flat()
        pos, spare = 0, None
        for trial in range(_N_TRIAL):
            if decided_early and trial and _decided(langprob, _N_TRIAL - trial):
                break
            if spare is None:
                z, spare = _gauss_pair(self.stream.ensure(pos + 4), pos)
                pos += 4
            else:
                z, spare = spare, None
            weight = (_ALPHA + (0.0 + z * 1.0) * _ALPHA_WIDTH) / _BASE_FREQ
            prob, pos = self._trial_numpy(grams, draws, pos, weight)
            langprob += prob / _N_TRIAL
        return langprob

    def _trial_numpy(self, grams: list[int], draws: _Draws, pos: int, weight: float) -> tuple[np.ndarray, int]:
        """One trial from stream position ``pos``: (its probabilities, the position after it).

        Update ``i`` multiplies by ``weight + P(n-gram)``; after updates 0, 5, 10… the
        probabilities are normalised and the trial stops once one passes the threshold."""
        width = len(self.langs)
        product = np.empty(width)
        start = np.full(width, 1.0 / width)
        first, k = 0, draws.index_at(pos)  # updates are taken in chunks of whole blocks: [first, last)
        lead = 0  # the language last seen first; while it holds over 40%, no other can pass the threshold
        while True:
            last = min(first + 40 if first else 41, _ITERATION_LIMIT + 1)
            picks, after = draws.take(k, last - first)
            # row 0 holds the probabilities; each block's normalised result goes to its last row,
            # which the next block starts from
            table = np.empty((last - first + 1, width))
            table[0] = start
            np.add(weight, self._matrix[[grams[v] for v in picks]], out=table[1:])
            begin = 0
            for end in range(1 if first == 0 else 5, last - first + 1, 5):
                np.multiply.reduce(table[begin:end + 1], axis=0, out=product)
                values = product.tolist()
                total = sum(values)  # the builtin, as langdetect (its rounding differs from numpy's)
                np.divide(product, total, out=table[end])
                share = values[lead] / total
                if share <= 0.4:  # only then can another language be the one above the threshold
                    best = max(values)
                    lead, share = values.index(best), best / total
                if share > _CONV_THRESHOLD or first + end - 1 >= _ITERATION_LIMIT:
                    return table[end], after[end - 1]
                begin = end
            first, k, start = last, k + last - first, table[begin]

    def detect(self, text: str) -> str | None:
        """The language langdetect (seed 0) finds; None where it finds no n-gram at all."""
        return self.detect_rows(self.ngram_rows(text))

    def detect_rows(self, rows: NGramRows) -> str | None:
        """:meth:`detect` from the text's :meth:`ngram_rows`."""
        if not rows.count:
            return None
        return self._best(self.probabilities(rows, decided_early=True))

    def _best(self, langprob: np.ndarray) -> str:
        best, best_p = "unknown", _PROB_THRESHOLD
        for lang, p in zip(self.langs, langprob.tolist(), strict=True):
            if p > best_p:
                best, best_p = lang, p
        return best

    def matches_random(self) -> bool:
        """Whether the choices and Gaussian draws derived here equal ``random.Random``'s own
        (true for CPython's Mersenne Twister; checked once before the fast path is used)."""
        for n in (1, 3, 1000, 4097):
            rng = random.Random(SEED)
            want = [rng.gauss(0.0, 1.0), rng.gauss(0.0, 1.0)] + [rng.randrange(n) for _ in range(50)]
            z, spare = _gauss_pair(self.stream.ensure(4), 0)
            draws = _Draws(self.stream, n)
            got = [z, spare] + draws.take(draws.index_at(4), 50)[0]
            if got != want:
                return False
        return True


@cache
def fast_detector() -> FastDetector | None:
    """The shared :class:`FastDetector` (its caches are pure); None where this Python's
    ``random`` differs from what it derives, so callers use langdetect itself."""
    detector = FastDetector()
    return detector if detector.matches_random() else None


@cache
def _slow_factory() -> Any:
    return _factory()


def detect_language(text: str) -> str | None:
    """``langdetect.detect(text)`` with the detector seeded with 0 (``"unknown"`` when no
    language passes 0.1); None where langdetect raises because the text has no n-gram."""
    detector = fast_detector()
    if detector is not None:
        return detector.detect(text)
    from langdetect.lang_detect_exception import LangDetectException

    slow = _slow_factory().create()
    slow.append(text)
    try:
        return str(slow.detect())
    except LangDetectException:
        return None
