"""Seeded language identification (``verifiers/text/langid.py``): the profile loader, the
compiled trials and the numpy trials each give langdetect's own numbers, bit for bit."""

from __future__ import annotations

import functools
import json
import math
import operator
import random
from typing import Any

import numpy as np
import pytest

from evalkit.verifiers.text import langid

EDGE_TEXTS = ["a", "HELLO WORLD, THIS IS LOUD", "École ÉTÉ", "日本語のテキストです", "Привет, мир",
              "see http://example.com/x?y=1 now", "mail me: a.b@example.org", "a    b", " x", "x ",
              "CamelCase USAToday McDONALD", "Xin chào các bạn", "مرحبا بالعالم", "Ein kurzer deutscher Satz über Hunde.",
              "WE ARE OK. A B CD EFG", "ÉTÉ ÇA VA BIEN", "ñandú Ångström ĲSSEL", "mixed English und Deutsch et français",
              "iPhone xML ǅemal ǈ Straße İstanbul ﬁne ΣΊΣΥΦΟΣ ǲ", "sậậôưшầu фнầơôă ёц uđe цầбơч",
              "Tiếng Việt có dấu: người, được, những, thế giới"]


@functools.cache
def _factory() -> Any:
    return langid._slow_factory()


def _langdetect_langprob(text: str) -> list[float] | None:
    """Detector.langprob after langdetect's own trials (None when it finds no n-gram)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.append(text)
    try:
        detector._detect_block()
    except LangDetectException:
        return None
    return list(detector.langprob)


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    alphabets = ["abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "àéèêëïîôùûçœÀÉÈ",
                 "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "αβγδεζηθικλμνξοπρστυφχψω", "的一是不了人我在有他这为",
                 "ăâđêôơưạảấầẩẫậ", "0123456789 .,;:!?'\"-()[]*#@/"]
    texts = []
    for _ in range(count):
        chosen = rng.sample(alphabets, rng.randrange(1, 4))
        words = ["".join(rng.choice(rng.choice(chosen)) for _ in range(rng.randrange(1, 9)))
                 for _ in range(rng.randrange(1, 40))]
        texts.append(" ".join(words))
    return texts


@pytest.fixture(scope="module")
def responses(shared_data: Any) -> list[str]:
    path = shared_data / "ifeval" / "reference_gpt4" / "input_response_data_gpt4_20231107_145030.jsonl"
    return [json.loads(line)["response"] for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def numpy_detector() -> langid.FastDetector:
    """A detector that uses the numpy trials and the Python n-gram walk only."""
    detector = langid.FastDetector()
    detector.native = None
    detector._spaced.fast = detector._last.fast = None
    return detector


def _native_detector() -> langid.FastDetector:
    detector = langid.fast_detector()
    assert detector is not None
    if detector.native is None or detector._spaced.fast is None:
        pytest.skip("the compiled module (_langtrial) is not built here; the numpy trials are tested")
    return detector


def test_profiles_are_langdetect_s_own() -> None:
    """Every n-gram of the loaded matrix holds exactly langdetect's probabilities, every 1–3
    character n-gram langdetect knows has a row, and the languages come in its order."""
    factory = _factory()
    from langdetect.detector_factory import PROFILES_DIRECTORY

    profiles = langid.Profiles(PROFILES_DIRECTORY)
    assert profiles.langs == factory.langlist
    known = {g for g in factory.word_lang_prob_map if 1 <= len(g) <= 3}
    assert set(profiles.row_of) == known
    width = len(profiles.langs)
    rows = [profiles.row_of[g] for g in known]
    expected = np.array([factory.word_lang_prob_map[g][:width] for g in known])
    assert np.array_equal(profiles.matrix[rows], expected)
    assert not profiles.matrix[0].any() and 0 not in profiles.row_of.values()


@pytest.mark.parametrize("loop", ["compiled", "numpy"])
def test_probabilities_are_langdetect_s_bit_for_bit(loop: str, responses: list[str],
                                                    numpy_detector: langid.FastDetector) -> None:
    """All seven trials, on real responses, random multi-script texts and edge cases: the
    averaged probabilities equal Detector.langprob exactly (not approximately)."""
    detector = _native_detector() if loop == "compiled" else numpy_detector
    rng = random.Random(3)
    texts = rng.sample(responses, 40) + _random_texts(11, 60) + EDGE_TEXTS
    compared = 0
    for text in texts:
        want = _langdetect_langprob(text)
        rows = detector.ngram_rows(text)
        if want is None:
            assert rows.count == 0, text
            continue
        got = detector.probabilities(rows).tolist()
        assert got == want, text
        compared += 1
    assert compared > 100


@pytest.mark.parametrize("loop", ["compiled", "numpy"])
def test_detect_answers_like_langdetect(loop: str, responses: list[str], numpy_detector: langid.FastDetector) -> None:
    """The early-stopping answer (fewer trials where the rest cannot change it) is langdetect's."""
    detector = _native_detector() if loop == "compiled" else numpy_detector
    texts = random.Random(5).sample(responses, 60) + _random_texts(12, 80) + EDGE_TEXTS + ["", "123 !!"]
    for text in texts:
        want = _langdetect_langprob(text)
        expected = None if want is None else langid.FastDetector._best(detector, np.array(want))
        assert detector.detect(text) == expected, text


def test_words_are_cut_as_python_cuts_them() -> None:
    """The compiled n-gram walk (its n-grams looked up in the compiled table) gives the rows the
    Python walk gives, spaced and unspaced, for words with capitals, accents, other scripts and
    characters beyond the Basic Multilingual Plane; it leaves words with two capitals in a row
    to the Python walk."""
    detector = _native_detector()
    words_rows = detector._spaced
    rng = random.Random(9)
    letters = "abcdefghijklmnopqrstuvwxyzéèàçñёжзий的一是𠀀😀ABCÉЖ"
    words = ["a", "I", "Ab", "the", "Über", "iPhone", "McDonald", "ǅemal"]
    words += ["".join(rng.choice(letters) for _ in range(rng.randrange(1, 14))) for _ in range(600)]
    words += [w.capitalize() for w in words[:200]]
    taken = 0
    for word in words:
        capital_run = any(a.isupper() and b.isupper() for a, b in zip(word, word[1:], strict=False))
        for spaced in (True, False):
            got = words_rows.fast(word, spaced, words_rows.table, words_rows.row_objects)
            if capital_run:
                assert got is None, word
                continue
            taken += 1
            assert got == detector._word_rows(word, spaced), (word, spaced)
    assert taken > 500


def test_gram_table_holds_every_row() -> None:
    """Every n-gram of the profiles is found in the compiled table with its row: each one, cut
    from itself as a word, gives the rows Python's slices and row_of give; bad tables, keys and
    rows are refused."""
    from evalkit.verifiers.text import _langtrial  # type: ignore[attr-defined]

    detector = _native_detector()
    table, objects = detector._spaced.table, detector._spaced.row_objects
    for gram in detector._row_of:
        if any(a.isupper() and b.isupper() for a, b in zip(gram, gram[1:], strict=False)):
            continue
        want = [r for r in map(detector._row_of.get, langid._plain_getter(len(gram), False)(" " + gram)) if r]
        assert _langtrial.plain_word_grams(gram, False, table, objects) == want, gram
        assert detector._row_of[gram] in want
    small = _langtrial.gram_table({"a": 1, "ab": 2, " a": 3, "b": 4})
    assert _langtrial.plain_word_grams("ab", False, small, list(range(5))) == [1, 3, 4, 2]  # a, " a", b, ab
    assert _langtrial.plain_word_grams("", True, small, list(range(5))) == []
    with pytest.raises(ValueError):
        _langtrial.plain_word_grams("ab", False, b"not a table", objects)
    with pytest.raises(ValueError):
        _langtrial.gram_table({"abcd": 1})
    with pytest.raises(IndexError):
        _langtrial.plain_word_grams("ab", False, small, [0])


def test_compiled_trials_check_their_input() -> None:
    """Bad input raises a Python error (never reads out of bounds); a stream too short for the
    trials returns -1 and the detector draws more."""
    detector = _native_detector()
    assert detector.native is not None
    trials, mode = detector.native
    matrix, width = detector._matrix, len(detector.langs)
    stream = detector.stream.ensure(16384)
    out = np.zeros(width)
    rows = detector.ngram_rows("a short English sentence about the weather")
    with pytest.raises(IndexError):
        trials([[len(matrix)]], matrix, stream, out, False, mode)
    with pytest.raises(IndexError):
        trials([[-1]], matrix, stream, out, False, mode)
    with pytest.raises(TypeError):
        trials([(1, 2)], matrix, stream, out, False, mode)
    with pytest.raises(ValueError):
        trials([[]], matrix, stream, out, False, mode)  # no n-gram at all
    with pytest.raises(ValueError):
        trials(rows.words, np.zeros(width * 3 + 1), stream, out, False, mode)  # not whole rows of one column per language
    assert trials(rows.words, matrix, stream[:20], out, False, mode) == -1
    used = trials(rows.words, matrix, stream, out, False, mode)
    assert 20 < used <= len(stream)
    assert out.tolist() == _langdetect_langprob("a short English sentence about the weather")


def _neumaier(values: list[float]) -> float:
    """CPython 3.12's ``sum()`` of floats, written out."""
    total, c = values[0], 0.0
    for x in values[1:]:
        t = total + x
        c += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + c if c and math.isfinite(c) else total


def test_compiled_sum_adds_as_python_does() -> None:
    """Mode 0 adds left to right, mode 1 as CPython 3.12+ (Neumaier); the detector picked the
    mode that equals this Python's own ``sum()``."""
    from evalkit.verifiers.text import _langtrial  # type: ignore[attr-defined]

    detector = _native_detector()
    assert detector.native is not None
    rng = random.Random(4)
    vectors = [[1e16, 1.0, -1e16], [0.1] * 10] + [[rng.random() ** rng.randrange(1, 40) for _ in range(55)]
                                                  for _ in range(300)]
    for values in vectors:
        packed = np.array(values)
        assert _langtrial.python_sum(packed, 0) == functools.reduce(operator.add, values)
        assert _langtrial.python_sum(packed, 1) == _neumaier(values)
        assert _langtrial.python_sum(packed, detector.native[1]) == sum(values)


def test_native_module_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALKIT_LANGID_NATIVE", "0")
    assert langid._native_module() is None


def test_compiled_trials_are_refused_where_they_would_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled trials are used only when their Gaussian draws and sums equal Python's:
    a mismatch in either makes the detector keep the numpy trials."""
    module = langid._native_module()
    if module is None:
        pytest.skip("the compiled module (_langtrial) is not built here")
    stream = langid._Stream()
    assert langid._native_trials(module, stream) is not None
    real = langid._gauss_pair
    monkeypatch.setattr(langid, "_gauss_pair", lambda values, pos: tuple(v + 1e-9 for v in real(values, pos)))
    assert langid._native_trials(module, stream) is None
    monkeypatch.setattr(langid, "_gauss_pair", real)

    class OddSum:
        def python_sum(self, values: Any, mode: int) -> float:
            return float(values.sum()) + 1.0

        def gauss_pair(self, values: Any, pos: int) -> tuple[float, float]:
            return module.gauss_pair(values, pos)  # type: ignore[no-any-return]

        probabilities = module.probabilities

    assert langid._native_trials(OddSum(), stream) is None
