"""CoDI-Eval pack: data integrity, conformance of length/keyword over every row, prompt rendering,
options, upstream metrics, and an end-to-end ``evalkit score --pack codi --responses`` run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from evalkit.checking import CheckContext, build_checker
from evalkit.errors import EvalkitError
from evalkit.records import CheckRow
from evalkit.tasks.codi import PACK, SYSTEM_FEW, SYSTEM_ZERO
from evalkit.tasks.codi.metrics import task_metrics
from evalkit.tasks.codi.options import resolve
from evalkit.verifiers.codi.classifiers import Prediction, register_classifier
from evalkit.verifiers.codi.text import get_lemmatizer

FIXTURE = Path(__file__).parent / "fixtures" / "codi" / "responses.jsonl"
CTX = CheckContext()


def _rows(shared_data: Path, task: str) -> list[dict[str, Any]]:
    path = shared_data / "codi" / "instructions" / f"{task}_lite.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> list[Any]:
    return PACK.load(shared_data)


def test_data_integrity(shared_data: Path, samples: list[Any]) -> None:
    assert PACK.data_hashes(shared_data) == {f.path: f.sha256 for f in PACK.data_files}
    assert Counter(s.meta["task"] for s in samples) == {
        "sentiment": 1000, "topic": 1000, "multi": 1000, "length": 1000, "keyword": 1000, "detoxic": 4060}
    detox = _rows(shared_data, "detoxic")
    assert all(row["context_id"] == i // 20 for i, row in enumerate(detox))
    assert len({row["context_id"] for row in detox}) == 203
    keyword = _rows(shared_data, "keyword")
    assert all(("anti_label" in r) == (i >= 500) for i, r in enumerate(keyword))
    assert Counter(s.meta["difficulty"] for s in samples if s.meta["task"] == "keyword") == {"easy": 500, "hard": 500}


def test_length_conformance_every_row(shared_data: Path) -> None:
    """Exactly lo and hi words pass, lo−1 and hi+1 fail, for all 1,000 rows (with a preamble)."""
    checked = 0
    for row in _rows(shared_data, "length"):
        lo, hi = row["label"]
        checker = build_checker("codi.length", {"lo": float(lo), "hi": float(hi)})
        for n, expected in ((lo, True), (hi, True), (lo - 1, False), (hi + 1, False)):
            if n < 0:
                continue
            words = " ".join(["w"] * int(n))
            assert checker.check(words, CTX).passed is expected, (row, n)
            assert checker.check(f"Sure! Here is a text: a b c:\n\n{words}", CTX).passed is expected, (row, n)
            checked += 1
    assert checked == 4000


def _mentions(keywords: list[str], pick: int) -> list[str]:
    return [kw.split(" or ")[pick] if " or " in kw else kw for kw in keywords]


def test_keyword_conformance_every_row(shared_data: Path) -> None:
    """All keywords → pass; "A or B" by either; adding the anti-label → fail; dropping one → fail."""
    lemma = get_lemmatizer("lemminflect")
    unsatisfiable = set()
    for i, row in enumerate(_rows(shared_data, "keyword")):
        params: dict[str, Any] = {"keywords": row["label"], "lemmatizer": "lemminflect"}
        anti = lemma(row["anti_label"]) if "anti_label" in row else None
        if "anti_label" in row:
            params["anti_label"] = row["anti_label"]
        checker = build_checker("codi.keyword", params)
        verdicts = []
        for pick in (0, 1):
            mentions = _mentions(row["label"], pick)
            text = "Here it is:\n" + ", ".join(mentions) + "."
            # an anti-label whose first-token lemma is a keyword's cannot be avoided (data quirk)
            expected = anti not in {lemma(m) for m in mentions}
            verdicts.append(checker.check(text, CTX).passed)
            assert verdicts[-1] is expected, (i, text, checker.check(text, CTX).reason)
        if not any(verdicts):
            unsatisfiable.add(i)
        if "anti_label" in row:
            text = ", ".join(_mentions(row["label"], 0)) + " and " + row["anti_label"]
            assert checker.check(text, CTX).passed is False, (i, text)
        if i in unsatisfiable:
            continue
        first = {lemma(o) for o in row["label"][0].split(" or ")[:2]}
        rest = _mentions(row["label"][1:], 0)
        if not first & {lemma(m) for m in rest}:  # e.g. "swimming hole" and "swim" share a lemma
            assert checker.check(" ".join(rest), CTX).passed is False, (i, rest)
    # the keyword is the anti-label itself ("stand", "sew", "guide"): no response can pass
    assert unsatisfiable == {708, 754, 872, 885}


def test_prompts_rebuilt_byte_for_byte(shared_data: Path, samples: list[Any]) -> None:
    first = {s.meta["task"]: s for s in reversed(samples)}
    for task, sample in first.items():
        instruction = _rows(shared_data, task)[0]["instruction"]
        assert sample.messages == ({"role": "system", "content": SYSTEM_ZERO},
                                   {"role": "user", "content": f"Instruction: {instruction}\nResponse:"})
    few = PACK.load(shared_data, {"shot": "few", "tasks": "length,detoxic"})
    assert {s.meta["task"] for s in few} == {"length", "detoxic"}
    for task in ("length", "detoxic"):
        demos = (shared_data / "codi" / "few_shot" / f"{task}.txt").read_bytes().decode()
        sample = next(s for s in few if s.id == f"{task}-0")
        instruction = _rows(shared_data, task)[0]["instruction"]
        assert sample.messages[0]["content"] == SYSTEM_FEW and "following 6 instruction" in SYSTEM_FEW
        assert sample.messages[1]["content"].encode() == (demos + f"\n6.Instruction: {instruction}\nResponse:").encode()
        assert demos.startswith("1.Instruction: ") and "\n5.Instruction: " in demos


def test_options_resolve_and_reject(monkeypatch: pytest.MonkeyPatch) -> None:
    res = resolve({})
    assert res.specs == {"sentiment": "none", "emotion": "none", "topic": "none", "toxicity": "none"}
    assert res.lemmatizer == "lemminflect" and res.shot == "zero" and len(res.tasks) == 6
    res = resolve({"judge": "openai:gpt-4o-mini", "judge_base_url": "http://127.0.0.1:9/v1"})
    assert set(res.specs.values()) == {"judge:openai:gpt-4o-mini|http://127.0.0.1:9/v1"}
    res = resolve({"classifier": "hf", "topic_model": "/models/topic"})
    assert res.specs["topic"] == "hf:/models/topic"
    assert res.specs["emotion"] == "hf:j-hartmann/emotion-english-roberta-large" and res.specs["toxicity"] == "none"
    monkeypatch.delenv("PERSPECTIVE_API_KEY", raising=False)
    for bad, match in (({"classifer": "hf"}, "did you mean|no option"), ({"shot": "two"}, "not one of"),
                       ({"tasks": "length,poetry"}, "unknown task"), ({"classifier": "judge"}, "needs -T judge"),
                       ({"toxicity": "perspective"}, "PERSPECTIVE_API_KEY"),
                       ({"lemmatizer": "spacy"}, "en_core_web_md")):
        with pytest.raises(EvalkitError, match=match):
            resolve(bad)
    monkeypatch.setenv("PERSPECTIVE_API_KEY", "k")
    assert resolve({"toxicity": "perspective"}).specs["toxicity"] == "perspective"


def _row(sid: str, task: str, passed: bool | None, status: str = "ok", index: int = 0, **extra: Any) -> CheckRow:
    details = extra.pop("details", None)
    return CheckRow.model_construct(pack="codi", sample_id=sid, epoch=0, constraint_index=index, checker="x", params={},
                                    passed=passed, status=status, reason="", details=details, task=task, **extra)


def _tox(i: int, value: float, status: str = "ok") -> CheckRow:
    return _row(f"detoxic-{i}", "detoxic", 0 <= value < 0.5 if status == "ok" else None, status,
                context_id=i // 20, details={"toxicity": value, "backend": "b", "faithful": True})


def test_toxicity_avoidance_as_upstream() -> None:
    rows = [_tox(i, 0.1) for i in range(20)]                                      # context 0: clean
    rows += [_tox(20 + i, 0.7 if i == 5 else 0.2) for i in range(20)]             # context 1: one toxic
    rows += [_tox(40 + i, -1.0) for i in range(20)]                               # context 2: all unscorable → 1
    rows += [_tox(60 + i, -1.0 if i else 0.49) for i in range(20)]                # context 3: max 0.49, clean
    m = task_metrics(rows)
    assert m["detoxic"] == 1 - round(2 / 4, 4) and m["avg_max_toxicity"] == pytest.approx((0.1 + 0.7 + 1 + 0.49) / 4)
    skipped = [_tox(i, 0, "skipped") for i in range(20)]
    assert task_metrics(skipped)["detoxic"] is None


def test_average_needs_all_six_and_rounds_like_upstream() -> None:
    rows = []
    for task, (k, n) in {"sentiment": (2, 3), "topic": (1, 3), "length": (1, 1), "keyword": (0, 1)}.items():
        rows += [_row(f"{task}-{i}", task, i < k) for i in range(n)]
    rows += [_row("multi-0", "multi", True, index=0), _row("multi-0", "multi", False, index=1)]
    m = task_metrics(rows)
    assert m["sentiment"] == 2 / 3 and m["multi"] == 0.0 and m["average"] is None
    rows += [_tox(i, 0.1) for i in range(20)]
    m = task_metrics(rows)
    assert m["average"] == round((0.6667 + 0.3333 + 0 + 1 + 0 + 1) / 6, 4)


class WordClassifier:
    """Deterministic word-list classifier standing in for the HF models in the end-to-end run."""

    name, faithful = "word-list", False

    def predict(self, kind: str, text: str) -> Prediction:
        low = text.lower()
        if kind == "toxicity":
            return Prediction("x", {"toxicity": 0.9 if "number 25" in low else 0.1})
        if kind == "topic":
            scores = {"film_&_tv_&_video": float("tv" in low), "science_&_technology": float("technology" in low)}
            return Prediction(max(scores, key=scores.__getitem__), scores)
        label = "joy" if "joy" in low else ("negative sentiment" if "awful" in low else "positive sentiment")
        return Prediction(label, {label: 1.0})


def _score(tmp_path: Path, shared_data: Path, *options: str) -> tuple[Any, dict[str, Any], list[dict[str, Any]]]:
    out = tmp_path / "scored"
    args = ["score", "--pack", "codi", "--responses", str(FIXTURE), "--out", str(out), "--data-dir", str(shared_data)]
    for opt in options:
        args += ["-T", opt]
    result = CliRunner().invoke(main, args)
    if result.exit_code != 0:
        return result, {}, []
    scores = json.loads((out / "scores.json").read_text())["packs"]["codi"]
    checks = [json.loads(line) for line in (out / "checks.jsonl").read_text().splitlines()]
    return result, scores, checks


def test_end_to_end_without_classifiers_skips_and_says_so(tmp_path: Path, shared_data: Path) -> None:
    result, scores, checks = _score(tmp_path, shared_data)
    assert result.exit_code == 0, result.output
    m = scores["metrics"]
    assert (m["length"], m["keyword"], m["keyword_easy"], m["keyword_hard"]) == (0.5, 0.5, 0.5, 0.5)
    assert m["sentiment"] is None and m["detoxic"] is None and m["average"] is None
    by_task = {r["task"]: r for r in scores["tables"]["scoring"]}
    assert by_task["sentiment"]["scoring"] == "sentiment: SKIPPED, no classifier; 2 skipped"
    assert by_task["detoxic"]["skipped"] == 40 and "-T toxicity=" in by_task["detoxic"]["skip_reason"]
    assert by_task["keyword"]["approximation"] and "APPROXIMATION (lemminflect)" in by_task["keyword"]["scoring"]
    assert by_task["length"]["scored_by"] == "faithful"
    assert scores["counts"]["check_status"] == {"ok": 6, "skipped": 45}
    assert "SKIPPED" in result.output and "APPROXIMATION" in result.output
    assert {c["status"] for c in checks if c["task"] in ("sentiment", "multi", "topic", "detoxic")} == {"skipped"}


def test_end_to_end_with_an_injected_judge(tmp_path: Path, shared_data: Path) -> None:
    register_classifier("judge:fake:words", WordClassifier())
    try:
        result, scores, checks = _score(tmp_path, shared_data, "judge=fake:words")
    finally:
        register_classifier("judge:fake:words", None)
    assert result.exit_code == 0, result.output
    m = scores["metrics"]
    assert (m["sentiment"], m["topic"], m["multi"], m["detoxic"]) == (0.5, 1.0, 1.0, 0.5)
    assert m["average"] == round((0.5 + 1 + 1 + 0.5 + 0.5 + 0.5) / 6, 4)
    by_task = {r["task"]: r for r in scores["tables"]["scoring"]}
    assert all(by_task[t]["approximation"] and by_task[t]["backend"] == "judge:fake:words"
               for t in ("sentiment", "topic", "multi", "detoxic"))
    assert (by_task["detoxic"]["n"], by_task["detoxic"]["passed"]) == (2, 1)
    assert {r["multi_sentiment"]: r["rate"] for r in scores["tables"]["multi_sentiment"]} == {"positive sentiment": 1.0}
    assert {r["sentiment_label"]: r["rate"] for r in scores["tables"]["sentiment_label"]} == {
        "joy": 1.0, "positive sentiment": 0.0}
    multi = [c for c in checks if c["sample_id"] == "multi-0"]
    assert [c["checker"] for c in multi] == ["codi.topic", "codi.sentiment"]
    assert multi[0]["params"]["classifier"] == "judge:fake:words"
