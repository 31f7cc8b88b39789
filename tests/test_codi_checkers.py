"""CoDI-Eval checkers: table tests per constraint type, classifiers, lemmatizers, adversarial input."""

from __future__ import annotations

import io
import json
import re
import sys
import time
import types
import urllib.error
from pathlib import Path
from typing import Any

import pytest

from evalkit.checking import CheckContext, build_checker
from evalkit.grading import Grader
from evalkit.judging import Judgement
from evalkit.verifiers.codi import text as codi_text
from evalkit.verifiers.codi.classifiers import (
    Prediction,
    get_classifier,
    is_faithful,
    register_classifier,
)
from evalkit.verifiers.codi.judge import judge_prompt, parse_answer
from evalkit.verifiers.codi.perspective import PerspectiveScorer
from evalkit.verifiers.codi.text import count_words, extract_text, get_lemmatizer, tokens

CTX = CheckContext()


def _upstream_extract(text: str) -> str:
    """Upstream's extract_text, verbatim in behaviour, as the reference for ours."""
    m = re.search(r"(?::\n\n|:\n)(.*)$", text, re.DOTALL)
    return (m.group(1) if m else text).strip()


@pytest.mark.parametrize("text", [
    "", "plain", "Sure, here is a text:\n\nHello world", "Title:\nbody: more:\n\nrest", ":\n", ":\n\n\n x ",
    "no colon\n\nhere", "a:\r\nb", "x:\n\ny:\nz", "  lead:\n  tail  \n", "é:\nü", "a :\n b", "::\n\n:\n",
])
def test_extract_text_matches_upstream_regex(text: str) -> None:
    assert extract_text(text) == _upstream_extract(text)


@pytest.mark.parametrize(("response", "lo", "hi", "expected"), [
    ("one two three", 3, 3, True),
    ("one two", 3, 3, False),
    ("Here is your text:\n\none two three", 3, 3, True),   # preamble removed
    ("Here is your text: one two three", 3, 3, False),     # no newline after the colon: kept (6 words)
    ("List:\n- a\n- b", 4, 4, True),                        # everything before a list intro is dropped
    ("", 1, 190, False),                                    # "at most" lower bound is 1
    ("a\u2003b\u00a0c", 3, 3, True),                        # Python's str.split whitespace
    ("w " * 10000, 10000, 10000, True),
    ("w " * 165, 135.0, 165.0, True),
    ("w " * 166, 135.0, 165.0, False),
])
def test_length(response: str, lo: float, hi: float, expected: bool) -> None:
    result = build_checker("codi.length", {"lo": lo, "hi": hi}).check(response, CTX)
    assert result.passed is expected, result.reason
    assert result.details == {"words": count_words(response)}


KW = "lemminflect"


@pytest.mark.parametrize(("response", "keywords", "anti", "expected"), [
    ("Balancing on a pole we walked.", ["balance", "pole", "walk"], None, True),
    ("We kicked the ball.", ["ball", "ground", "kick"], None, False),
    ("The DOGS barked.", ["dog"], None, True),                       # case and plural
    ("They came back later.", ["come back"], None, True),            # first token only: "come"
    ("They came later.", ["come back"], None, True),                 # …so "back" is never needed
    ("A well-known fact.", ["well-known"], None, True),              # hyphen word: first spaCy token
    ("A well fact.", ["well-known"], None, True),
    ("Street art everywhere", ["Street art"], None, True),
    ("dog pooch", ["dog or pooch"], None, False),                   # plain rows never split "A or B"
    ("The pooch returned the stick.", ["dog or pooch", "return", "stick"], "come back", True),
    ("The dog returned the stick.", ["dog or pooch", "return", "stick"], "come back", True),
    ("The cat returned the stick.", ["dog or pooch", "return", "stick"], "come back", False),
    ("The dog returned the stick and came back.", ["dog or pooch", "return", "stick"], "come back", False),
    ("A two-wheeler ride home", ["bike or Two-wheeler", "home"], "car", True),
    ("The catcher tagged him in the dwelling at home after a slide.", ["catcher or receiver", "home", "slide", "tag"],
     "dwelling", False),
    ("Intro:\nThe pooch returned the stick.", ["dog or pooch", "return", "stick"], "come back", True),
    ("Intro: come back\nnote:\nThe pooch returned the stick.", ["dog or pooch", "return", "stick"], "come back", True),
])
def test_keyword(response: str, keywords: list[str], anti: str | None, expected: bool) -> None:
    params: dict[str, Any] = {"keywords": keywords, "lemmatizer": KW}
    if anti is not None:
        params["anti_label"] = anti
    result = build_checker("codi.keyword", params).check(response, CTX)
    assert result.passed is expected, result.reason
    assert result.details == {"lemmatizer": KW, "faithful": False}


def test_table_lemmatizer_rules() -> None:
    lemma = get_lemmatizer("lemminflect")
    assert [lemma(w) for w in ["running", "ran", "dogs", "children", "was", "data", "zzqx", "Come back", "x-ray", "covid-19"]] == [
        "run", "run", "dog", "child", "be", "data", "zzqx", "come", "x", "covid-19"]
    assert tokens("Well-known, state-of-the-art AI_2 don't") == ["well-known", "state-of-the-art", "ai_2", "don", "t"]


class _FakeDoc(list[Any]):
    pass


def test_spacy_lemmatizer_used_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def nlp(text: str) -> _FakeDoc:
        calls.append(text)
        return _FakeDoc(types.SimpleNamespace(lemma_=w.upper()) for w in text.split())

    monkeypatch.setitem(sys.modules, "spacy", types.SimpleNamespace(load=lambda name: nlp))
    lem = codi_text.SpacyLemmatizer()
    assert lem("Come Back") == "COME" and calls == ["come back"]
    assert lem.faithful and not codi_text.TableLemmatizer.faithful


def test_spacy_lemmatizer_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(Exception, match="en_core_web_md"):
        codi_text.SpacyLemmatizer()


class FakeClassifier:
    """Deterministic stand-in for the HF models (word lists), used to test the checkers' rules."""

    name = "fake"
    faithful = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def predict(self, kind: str, text: str) -> Prediction:
        self.seen.append((kind, text))
        low = text.lower()
        if kind == "toxicity":
            return Prediction("x", {"toxicity": 0.9 if "idiot" in low else 0.1})
        if kind == "topic":
            scores = {"film_&_tv_&_video": 0.8 if "tv" in low else 0.1, "sports": 0.6 if "ball" in low else 0.2,
                      "gaming": 0.5 if "game" in low else 0.0}
            return Prediction(max(scores, key=scores.__getitem__), scores)
        label = "joy" if "joy" in low else ("negative sentiment" if "awful" in low else "positive sentiment")
        return Prediction(label, {label: 1.0})


@pytest.fixture
def fake() -> Any:
    clf = FakeClassifier()
    register_classifier("test:fake", clf)
    yield clf
    register_classifier("test:fake", None)


@pytest.mark.parametrize(("checker", "params", "response", "expected", "kind_text"), [
    ("codi.sentiment", {"label": "joy"}, "Pure joy!", True, ("emotion", "Pure joy!")),
    ("codi.sentiment", {"label": "positive sentiment"}, "Sure:\nThis is awful.", False, ("sentiment", "This is awful.")),
    ("codi.sentiment", {"label": "negative sentiment"}, "Awful.", True, ("sentiment", "Awful.")),
    ("codi.topic", {"label": "film_&_tv_&_video"}, "Watch TV tonight", True, ("topic", "Watch TV tonight")),
    ("codi.topic", {"label": "sports"}, "TV and a ball", True, ("topic", "TV and a ball")),  # not argmax, ≥ 0.5
    ("codi.topic", {"label": "gaming"}, "a game", True, ("topic", "a game")),                 # threshold inclusive
    ("codi.topic", {"label": "music"}, "TV", False, ("topic", "TV")),                         # unknown label: 0
    ("codi.toxicity", {}, "You idiot", False, ("toxicity", "You idiot")),
    ("codi.toxicity", {}, "Sure:\nnice", True, ("toxicity", "Sure:\nnice")),                  # raw text, no extract
])
def test_classifier_checkers(fake: FakeClassifier, checker: str, params: dict[str, Any], response: str,
                             expected: bool, kind_text: tuple[str, str]) -> None:
    result = build_checker(checker, {**params, "classifier": "test:fake"}).check(response, CTX)
    assert result.status == "ok" and result.passed is expected, result.reason
    assert fake.seen == [kind_text]
    assert result.details is not None and result.details["backend"] == "test:fake" and result.details["faithful"]


def test_empty_response_is_unscorable_toxicity(fake: FakeClassifier) -> None:
    result = build_checker("codi.toxicity", {"classifier": "test:fake"}).check("  \n", CTX)
    assert result.passed is False and result.details is not None and result.details["toxicity"] == -1.0
    assert fake.seen == []


@pytest.mark.parametrize(("checker", "params"), [
    ("codi.sentiment", {"label": "joy"}), ("codi.topic", {"label": "music"}), ("codi.toxicity", {}),
])
def test_no_classifier_is_skipped_with_reason(checker: str, params: dict[str, Any]) -> None:
    result = build_checker(checker, {**params, "classifier": "none"}).check("text", CTX)
    assert result.passed is None and result.status == "skipped" and "-T" in result.reason


def test_failing_classifier_is_an_error_not_a_verdict() -> None:
    class Broken:
        name, faithful = "broken", False

        def predict(self, kind: str, text: str) -> Prediction:
            raise RuntimeError("model exploded")

    register_classifier("test:broken", Broken())
    try:
        result = Grader().check_one(build_checker("codi.topic", {"label": "music", "classifier": "test:broken"}), "x", CTX)
    finally:
        register_classifier("test:broken", None)
    assert result.status == "error" and "model exploded" in result.reason


def test_specs_and_faithfulness() -> None:
    assert get_classifier("none") is None
    assert is_faithful("hf:cardiffnlp/tweet-topic-21-multi") and is_faithful("perspective")
    assert not is_faithful("judge:openai:gpt-4o-mini")
    with pytest.raises(Exception, match="unknown classifier spec"):
        get_classifier("bogus")


@pytest.mark.parametrize(("kind", "answer", "label", "score"), [
    ("sentiment", "Positive.", "positive sentiment", ("positive sentiment", 1.0)),
    ("sentiment", "neutral", "neutral sentiment", ("negative sentiment", 0.0)),
    ("emotion", "The emotion is: Sadness", "sadness", ("sadness", 1.0)),
    ("emotion", "neutral", "neutral sentiment", ("neutral sentiment", 1.0)),
    ("topic", "music; daily life", "daily life", ("music", 1.0)),
    ("topic", "sports", "sports", ("gaming", 0.0)),
    ("toxicity", "0.73", "toxic", ("toxicity", 0.73)),
    ("toxicity", "Score: 0", "non-toxic", ("toxicity", 0.0)),
    ("toxicity", "1", "toxic", ("toxicity", 1.0)),
])
def test_judge_parsing(kind: str, answer: str, label: str, score: tuple[str, float]) -> None:
    pred = parse_answer(kind, answer)
    assert pred.label == label and pred.scores[score[0]] == score[1]


@pytest.mark.parametrize(("kind", "answer"), [("sentiment", "happy"), ("topic", "cooking"), ("toxicity", "very"),
                                              ("toxicity", "7")])
def test_judge_unparseable_raises(kind: str, answer: str) -> None:
    with pytest.raises(ValueError):
        parse_answer(kind, answer)


def test_judge_prompt_is_cut_to_the_classifier_window() -> None:
    assert len(judge_prompt("topic", "x" * 10_000)) < 4000


def test_routed_classifiers_never_call_from_check() -> None:
    """A judge or Perspective classifier only reads the stored answer: nothing is sent from check."""
    ctx = CheckContext(judgements={})
    for spec in ("judge:openai:gpt-4o-mini|http://127.0.0.1:9/v1", "perspective"):
        result = build_checker("codi.toxicity", {"classifier": spec}).check("some text", ctx)
        assert result.status == "skipped" and "not judged" in result.reason
    checker = build_checker("codi.sentiment", {"label": "joy", "classifier": "judge:openai:m|http://h/v1"})
    call = checker.judge_call("Here:\nso happy", ctx)
    assert call is not None and call.judge == "openai:m" and call.base_url == "http://h/v1"
    assert call.group == "emotion" and call.messages[-1]["content"] == judge_prompt("emotion", "so happy")
    judged = CheckContext(judgements={"emotion": Judgement("Joy.")})
    assert checker.check("Here:\nso happy", judged).passed is True
    bad = checker.check("Here:\nso happy", CheckContext(judgements={"emotion": Judgement("happy")}))
    assert bad.status == "error" and "unparseable" in bad.reason
    with pytest.raises(Exception, match="judge phase"):
        get_classifier("judge:openai:m")


class _Resp(io.BytesIO):
    def __enter__(self) -> _Resp:
        return self

    def __exit__(self, *args: object) -> None:
        pass


def test_perspective_scores_caches_and_maps_unscorable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[bytes] = []

    def fake_urlopen(req: Any, timeout: float) -> _Resp:
        calls.append(req.data)
        text = json.loads(req.data)["comment"]["text"]
        if text == "xx":
            raise urllib.error.HTTPError(req.full_url, 400, "bad", {}, io.BytesIO(b'{"error": "Attribute TOXICITY does not support request languages: xx"}'))  # type: ignore[arg-type]
        if text == "flaky" and len(calls) < 4:
            raise urllib.error.URLError("down")
        return _Resp(json.dumps({"attributeScores": {"TOXICITY": {"summaryScore": {"value": 0.42}}}}).encode())

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    monkeypatch.setenv("PERSPECTIVE_QPS", "1000")
    scorer = PerspectiveScorer(key="k", pause_s=0, cache_file=tmp_path / "cache.jsonl")
    assert scorer.predict("toxicity", "hello").scores["toxicity"] == 0.42
    assert scorer.predict("toxicity", "hello").scores["toxicity"] == 0.42 and len(calls) == 1
    assert scorer.predict("toxicity", "xx").scores["toxicity"] == -1.0
    assert scorer.predict("toxicity", "flaky").scores["toxicity"] == 0.42
    again = PerspectiveScorer(key="k", cache_file=tmp_path / "cache.jsonl")
    assert again.predict("toxicity", "hello").scores["toxicity"] == 0.42 and len(calls) == 4
    assert "k" not in (tmp_path / "cache.jsonl").read_text()


def test_perspective_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERSPECTIVE_API_KEY", raising=False)
    with pytest.raises(Exception, match="PERSPECTIVE_API_KEY"):
        PerspectiveScorer()


ADVERSARIAL = {
    "1mb": "word " * 200_000 + ":\n" + "x" * 10,
    "control": "\x00\x01\x1b[31m:\n\x07 dog \u202e pooch \ufeff\r\n\t" * 2000,
    "colons": ":" * 500_000 + "\n",
    "regex": ("a-" * 200_000) + "!",
    "hyphens": "-".join(["w"] * 100_000),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_inputs_graded_in_bounded_time(name: str, fake: FakeClassifier) -> None:
    text = ADVERSARIAL[name]
    checkers = [
        build_checker("codi.length", {"lo": 1, "hi": 10}),
        build_checker("codi.keyword", {"keywords": ["dog or pooch", "return"], "anti_label": "x", "lemmatizer": KW}),
        build_checker("codi.keyword", {"keywords": ["word"], "lemmatizer": KW}),
        build_checker("codi.sentiment", {"label": "joy", "classifier": "test:fake"}),
        build_checker("codi.toxicity", {"classifier": "test:fake"}),
    ]
    start = time.perf_counter()
    for checker in checkers:
        result = Grader().check_one(checker, text, CTX)
        assert result.status == "ok", result.reason
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(("kind", "logits", "label", "check"), [
    ("sentiment", [0.1, 0.2, 3.0], "positive sentiment", ("positive sentiment", 0.9)),
    ("sentiment", [2.0, 2.0, 1.0], "negative sentiment", ("neutral sentiment", 0.42)),  # first maximum
    ("emotion", [0, 0, 0, 0, 5.0, 0, 0], "neutral sentiment", ("neutral sentiment", 0.96)),
    ("topic", [0.0] * 3 + [4.0] + [-1.0] * 15, "daily life", ("arts_&_culture", 0.5)),   # sigmoid(0) = 0.5
    ("topic", [-3.0] * 13 + [1.0] + [-3.0] * 5, "other_hobbies", ("social concern", 0.047)),
])
def test_hf_output_mapping(kind: str, logits: list[float], label: str, check: tuple[str, float]) -> None:
    from evalkit.verifiers.codi.hf import map_logits

    pred = map_logits(kind, logits)
    assert pred.label == label and pred.scores[check[0]] == pytest.approx(check[1], abs=0.01)


def test_hf_wrong_model_shape_and_missing_extra() -> None:
    from evalkit.verifiers.codi.hf import HFClassifier, hf_available, map_logits

    with pytest.raises(Exception, match="not a CoDI-Eval emotion classifier"):
        map_logits("emotion", [0.0] * 5)
    import importlib.util

    if importlib.util.find_spec("transformers") is None:  # never tries the hub
        assert not hf_available("cardiffnlp/tweet-topic-21-multi")
        with pytest.raises(Exception, match="codi-hf"):
            HFClassifier("cardiffnlp/tweet-topic-21-multi")
